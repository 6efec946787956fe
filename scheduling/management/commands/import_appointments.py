from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from clinics.models import Clinic, Clinician
from patients.import_files import PRESETS, ImportFileError
from patients.importer import report_csv
from scheduling import importer
from scheduling.models import AppointmentType


class Command(BaseCommand):
    help = ("Import appointments (past and future) from another system's export, after its "
            "patients. Clinicians and types are matched by name; say the others with "
            "--clinician/--type. Writes every row not created, with its line number, to a CSV.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--clinic", required=True,
                            help="Clinic for rows that name none: id or short name.")
        parser.add_argument("--preset", choices=sorted(PRESETS), default="",
                            help="The system that wrote the file (the patients' import used "
                                 "the same; default: detect).")
        parser.add_argument("--clinician", action="append", default=[],
                            metavar="THEIR NAME=EMAIL", help="Match a clinician (repeatable).")
        parser.add_argument("--type", action="append", default=[],
                            metavar="THEIR NAME=OUR TYPE", help="Match a type (repeatable).")
        parser.add_argument("--dry-run", action="store_true", help="Check, save nothing.")
        parser.add_argument("--report", help="Default: FILE.report.csv")
        parser.add_argument("--as-user", help="Email of the person importing (for the audit).")

    def handle(self, *args, file, clinic, preset, clinician, type, dry_run, report, as_user,
               **opts):
        try:
            home = (Clinic.objects.get(pk=int(clinic)) if clinic.isdigit()
                    else Clinic.objects.get(short_name__iexact=clinic))
        except Clinic.DoesNotExist:
            raise CommandError(f"No clinic {clinic!r}.") from None
        actor = User.objects.filter(email__iexact=as_user).first() if as_user else None
        options = {"clinicians": {}, "types": {}}
        for item in clinician:
            theirs, _, email = item.partition("=")
            ours = Clinician.objects.filter(user__email__iexact=email).first()
            if ours is None:
                raise CommandError(f"--clinician {item!r}: no clinician with email {email!r}.")
            options["clinicians"][theirs] = ours.pk
        for item in type:
            theirs, _, name = item.partition("=")
            ours = AppointmentType.objects.filter(name__iexact=name).first()
            if ours is None:
                raise CommandError(f"--type {item!r}: no appointment type {name!r}.")
            options["types"][theirs] = ours.pk
        path = Path(file)
        try:
            job = importer.create_job(content=path.read_bytes(), file_name=path.name,
                                      home_clinic=home, actor=actor, preset=preset,
                                      options=options)
        except ImportFileError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        unmatched = [f"clinician “{n}”" for n, pk in job.options["clinicians"].items()
                     if not pk] + [f"type “{n}”" for n, pk in job.options["types"].items()
                                   if not pk]
        if unmatched:
            self.stdout.write("Not matched (their rows are rejected): " + ", ".join(unmatched))
        if dry_run:
            out = importer.process(job, write=False)
            counts, rows = out.counts, out.report
        else:
            job = importer.run_job(job.pk, actor=actor)
            counts, rows = job.counts, job.skipped
        report_path = Path(report or f"{file}.report.csv")
        report_path.write_text(report_csv(rows), encoding="utf-8")
        verb = "Would create" if dry_run else "Created"
        self.stdout.write(f"{verb} {counts['create']} appointments; {counts['unchanged']} "
                          f"already on file, {counts['conflict']} conflicts, "
                          f"{counts['reject']} rejected (job {job.pk}).")
        self.stdout.write(f"Every row to look at, with its line number: {report_path}")
