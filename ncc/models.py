from django.db import models, transaction


class NumberSequence(models.Model):
    """A named counter that hands out numbers people read aloud (patient 10234, invoice INV-000123).

    Numbers come from a row locked for the length of the caller's transaction, so two writers never
    get the same number, on PostgreSQL (row lock) and on SQLite (writers are serialised).
    """

    name = models.CharField(max_length=50, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.name}={self.last_value}"

    @classmethod
    def next_value(cls, name: str, start: int = 1) -> int:
        with transaction.atomic():
            seq, _ = cls.objects.select_for_update().get_or_create(
                name=name, defaults={"last_value": start - 1}
            )
            seq.last_value += 1
            seq.save(update_fields=["last_value"])
            return seq.last_value

    @classmethod
    def next_block(cls, name: str, count: int, start: int = 1) -> range:
        """Reserve `count` consecutive numbers at once (bulk imports and the demo seeder)."""
        with transaction.atomic():
            seq, _ = cls.objects.select_for_update().get_or_create(
                name=name, defaults={"last_value": start - 1}
            )
            first = seq.last_value + 1
            seq.last_value += count
            seq.save(update_fields=["last_value"])
            return range(first, first + count)


class ScheduledTask(models.Model):
    """One line of ncc/schedule.py as the scheduler sees it: when the task is next due.

    A scheduler claims a due run with a conditional UPDATE on `next_run_at` (only the scheduler
    that still sees the old value moves it on), and enqueues the task in the same transaction, so
    two schedulers never enqueue the same run twice and a failed enqueue leaves the run due.
    """

    task_path = models.CharField(max_length=200, primary_key=True)
    interval_seconds = models.PositiveIntegerField()
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_result_id = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["next_run_at"]

    def __str__(self):
        return f"{self.task_path} every {self.interval_seconds}s, next {self.next_run_at:%Y-%m-%d %H:%M:%S}"
