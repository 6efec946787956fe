from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinics.models import Clinic
from patients.importer import ImportFileError, preview_import, run_import


class Command(BaseCommand):
    help = "Import patients from a CSV export of another system (checks first with --dry-run)."

    def add_arguments(self, parser):
        parser.add_argument("csv_file")
        parser.add_argument("--clinic", required=True, help="Home clinic: id or short name.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file, save nothing.")
        parser.add_argument("--keep-duplicates", action="store_true",
                            help="Import rows with the same name and DOB as a patient on file.")

    def handle(self, *args, csv_file, clinic, dry_run, keep_duplicates, **opts):
        try:
            home = (Clinic.objects.get(pk=int(clinic)) if clinic.isdigit()
                    else Clinic.objects.get(short_name__iexact=clinic))
        except Clinic.DoesNotExist:
            raise CommandError(f"No clinic {clinic!r}.") from None
        content = Path(csv_file).read_bytes()
        try:
            preview = preview_import(content)
        except ImportFileError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"{len(preview.valid)} valid rows, {len(preview.invalid)} with errors, "
                          f"{len(preview.duplicates)} likely duplicates.")
        for row in preview.invalid[:50]:
            self.stdout.write(f"  line {row.line}: " + "; ".join(
                f"{k}: {v}" for k, v in row.errors.items()))
        if dry_run:
            return
        result = run_import(content, home_clinic=home, actor=None,
                            skip_duplicates=not keep_duplicates)
        self.stdout.write(self.style.SUCCESS(
            f"Created {result['created']} patients; skipped {len(result['skipped'])} rows."))
