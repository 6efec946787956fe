"""Background work (django.tasks): bulk contact sync and the sweep that resumes paused jobs;
pushing invoices, payments, voids and credit notes to Xero and the sweep that brings Xero's
payments back."""

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


@task
def push_invoices_to_xero(invoice_ids: list[str]) -> dict:
    from .invoices import push_invoices

    result = push_invoices(invoice_ids)
    return {"synced": result.synced, "failed": result.failed, "calls": result.push_calls}


@task
def push_payments_to_xero(payment_ids: list[str]) -> dict:
    from .invoices import push_payments

    result = push_payments(payment_ids)
    return {"synced": result.synced, "failed": result.failed, "calls": result.push_calls}


@task
def update_invoices_in_xero(invoice_ids: list[str]) -> dict:
    """After an owed invoice's lines or payer changed in NCC: update Xero's copy."""
    from .invoices import update_in_xero

    return {str(pk): update_in_xero(pk) for pk in invoice_ids}


@task
def void_invoices_in_xero(invoice_ids: list[str]) -> dict:
    from .invoices import void_in_xero

    result = void_in_xero(invoice_ids)
    return {"voided": result.synced, "failed": result.failed}


@task
def xero_invoice_sweep() -> dict:
    """Every few minutes (ncc/schedule.py): push what is not in Xero yet, then fetch invoices
    changed in Xero since the last sweep (payments made there) in pages."""
    from .credit_notes import push_unsent_credit_notes
    from .invoices import (
        push_unsent_invoices,
        push_unsent_payments,
        sweep_invoice_changes,
        void_unsynced_voids,
    )

    pushed = push_unsent_invoices()
    sent = push_unsent_payments()
    void_unsynced_voids()
    credits = push_unsent_credit_notes()
    pulled = sweep_invoice_changes()
    return {"pushed": pushed.synced if pushed else 0,
            "payments_sent": sent.synced if sent else 0,
            "payments": pulled.updated if pulled else 0,
            "credit_notes_sent": credits,
            "calls": sum(r.push_calls + r.lookup_calls for r in (pushed, sent) if r)
            + (pulled.calls if pulled else 0)}


@task
def apply_xero_invoice_events(xero_invoice_ids: list[str]) -> dict:
    """After a webhook: fetch these invoices (50 a call) and apply what changed."""
    from .invoices import fetch_and_apply

    result = fetch_and_apply(xero_invoice_ids)
    return {"calls": result.calls, "payments": result.updated}


@task
def push_credit_note_to_xero(credit_note_id: str) -> dict:
    """After a credit note is issued: send it to Xero with its refund or allocation."""
    from .credit_notes import push_credit_note

    return {"status": push_credit_note(credit_note_id)}
