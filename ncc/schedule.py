"""The periodic schedule: (task dotted path, interval in seconds).

`manage.py run_scheduler` enqueues each task when it falls due (see ncc/scheduler.py). Each entry
must name a `django.tasks` task that takes no arguments and is idempotent: the scheduler never
enqueues one entry twice for the same due time, even with two schedulers running, but a sweep that
runs late or after a failed run must still do the right thing. Apps append their line here.
"""

SCHEDULE: list[tuple[str, int]] = [
    ("ncc.tasks.heartbeat", 300),
    ("ncc.tasks.prune_finished_task_results", 86400),
    ("xero.tasks.resume_paused_sync_jobs", 600),
    ("xero.tasks.prune_xero_call_log", 86400),
    ("xero.tasks.keep_xero_token_alive", 86400),
    ("messaging.tasks.reminder_sweep", 300),
    # Push invoices not yet in Xero; bring back payments made in Xero (no payment webhook).
    ("xero.tasks.xero_invoice_sweep", 180),
    ("scheduling.tasks.retry_failed_confirmations", 300),
    ("billing.tasks.retry_failed_invoice_emails", 300),
]
