"""Patient imports run in the background worker; the page polls the job for progress."""

from django.tasks import task

from accounts.models import User


@task()
def run_patient_import(job_id: int, actor_id=None):
    from .importer import run_import_job

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    job = run_import_job(job_id, actor=actor)
    return {"status": job.status, "created": job.created}
