from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from clinics.models import Clinic
from patients import importer
from patients.import_files import PRESETS, ImportFileError


class Command(BaseCommand):
    help = ("Import patients from another system's export (CSV or .xlsx). Writes every row not "
            "simply created (rejected, duplicate, to check) with its line number to a CSV.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--clinic", required=True, help="Home clinic: id or short name.")
        parser.add_argument("--preset", choices=sorted(PRESETS), default="",
                            help="The system that wrote the file (default: detect).")
        parser.add_argument("--dry-run", action="store_true", help="Check the file, save nothing.")
        parser.add_argument("--keep-duplicates", action="store_true",
                            help="Import rows with the same name and DOB as a patient on file.")
        parser.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                            help="Say what an unknown column holds (repeatable).")
        parser.add_argument("--report", help="Where to write the rows to look at "
                                             "(default: FILE.report.csv).")
        parser.add_argument("--as-user", help="Email of the person importing (for the audit).")

    def handle(self, *args, file, clinic, preset, dry_run, keep_duplicates, map, report,
               as_user, **opts):
        try:
            home = (Clinic.objects.get(pk=int(clinic)) if clinic.isdigit()
                    else Clinic.objects.get(short_name__iexact=clinic))
        except Clinic.DoesNotExist:
            raise CommandError(f"No clinic {clinic!r}.") from None
        actor = User.objects.filter(email__iexact=as_user).first() if as_user else None
        if as_user and actor is None:
            raise CommandError(f"No user {as_user!r}.")
        mapping = {}
        for item in map:
            header, _, target = item.partition("=")
            if target not in dict(importer.target_choices()):
                raise CommandError(f"--map {item!r}: {target!r} is not a field we import.")
            mapping[header] = target
        path = Path(file)
        try:
            job = importer.create_job(content=path.read_bytes(), file_name=path.name,
                                      home_clinic=home, actor=actor, preset=preset,
                                      skip_duplicates=not keep_duplicates)
            if mapping:
                job.mapping = {**job.mapping, **mapping}
                job.save(update_fields=["mapping"])
            if dry_run:
                check = importer.dry_run(job)
                counts, rows = check.counts, check.report
            else:
                job = importer.run_import_job(job.pk, actor=actor)
                counts, rows = job.counts, job.skipped
        except ImportFileError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        report_path = Path(report or f"{file}.report.csv")
        report_path.write_text(importer.report_csv(rows), encoding="utf-8")
        verb = "Would create" if dry_run else "Created"
        self.stdout.write(
            f"{verb} {counts['create']} patients; {counts['update']} updated, "
            f"{counts['unchanged']} unchanged, {counts['flagged']} with details to check, "
            f"{counts['duplicate']} duplicates skipped, {counts['reject']} rejected "
            f"(job {job.pk}).")
        self.stdout.write(f"Every row to look at, with its line number: {report_path}")
