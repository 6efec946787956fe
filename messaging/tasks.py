"""Background work (django.tasks): ids in, services do the work."""

from django.tasks import task

from . import services


@task()
def deliver_message(message_id: str) -> str | None:
    message = services.deliver(message_id)
    return message.status if message else None


@task()
def dispatch_queued_messages() -> dict:
    return services.dispatch_queued()


@task()
def reminder_sweep() -> dict:
    """Periodic (ncc/schedule.py): queue due reminders and send whatever is queued and due."""
    return services.send_due_reminders()
