"""Background work (django.tasks): bulk contact sync and the sweep that resumes paused jobs."""

from django.tasks import task


@task
def run_contact_sync_job(job_id: str) -> str:
    from . import services

    return services.run_sync_job(job_id).status


@task
def resume_paused_sync_jobs() -> int:
    from . import services

    return services.resume_paused_jobs()


@task
def prune_xero_call_log() -> int:
    from . import services

    return services.prune_call_log()


@task
def keep_xero_token_alive() -> bool:
    from . import services

    return services.keep_token_alive()
