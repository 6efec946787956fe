"""Copy every row from the database in use (the SQLite default) into a PostgreSQL database.

    DATABASE_URL=sqlite:////path/to/ncc.sqlite3 manage.py copy_to_postgres --to postgres://...

The target gets the same schema by running the migrations on it, then every table's rows are
copied with their primary keys (so every foreign key, number and UUID stays as it was), the id
sequences are moved past the copied ids, and the row counts of every table are compared. The copy
runs in one transaction on the target: it lands whole or not at all. Stop the web, worker and
scheduler first so that nothing is written to the source while it runs.
"""

import environ
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.migrations.executor import MigrationExecutor

TARGET = "copy_target"
BATCH = 2000


def table_models():
    """Every model with a table of its own, many-to-many tables included."""
    return [m for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy and not m._meta.swapped]


def pending_migrations(alias):
    executor = MigrationExecutor(connections[alias])
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


class Command(BaseCommand):
    help = ("Copy all data from the current database (the SQLite default) into an empty "
            "PostgreSQL database, then compare row counts table by table.")

    def add_arguments(self, parser):
        parser.add_argument("--to", dest="target_url", required=True,
                            help="postgres://user:password@host:5432/name (or a Cloud SQL "
                                 "socket URL) of the target database")
        parser.add_argument("--replace", action="store_true",
                            help="Empty a target that already holds an NCC database first.")

    def handle(self, *args, target_url, replace, **options):
        source = connections["default"]
        target_settings = environ.Env.db_url_config(target_url)
        if target_settings["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("The target must be a PostgreSQL URL (postgres://...).")
        if source.vendor == "postgresql" and source.settings_dict["NAME"] == target_settings[
                "NAME"] and source.settings_dict["HOST"] == target_settings["HOST"]:
            raise CommandError("The target is the database in use; give another database.")
        connections.settings[TARGET] = connections.configure_settings(
            {"default": source.settings_dict, TARGET: target_settings})[TARGET]
        target = connections[TARGET]

        if pending_migrations("default"):
            raise CommandError("The source database has migrations that are not applied: run "
                               "`manage.py migrate` on it first, then copy.")
        with target.cursor() as cursor:
            existing = target.introspection.table_names(cursor)
        if "django_migrations" in existing and not replace:
            raise CommandError("The target database already holds tables. Copy into a new, "
                               "empty database, or pass --replace to empty it first.")

        self.stdout.write(f"Source: {source.vendor} {source.settings_dict['NAME']}")
        self.stdout.write(f"Target: postgresql {target_settings['NAME']} on "
                          f"{target_settings['HOST'] or 'localhost'}")
        self.stdout.write("Creating the schema on the target (migrate)...")
        call_command("migrate", database=TARGET, interactive=False, verbosity=0)

        models = table_models()
        tables = [m._meta.db_table for m in models]
        counts = []
        with transaction.atomic(using=TARGET):
            with target.cursor() as cursor:
                # Migrations filled a few tables (content types, permissions, roles); the copy
                # brings the source's rows with their own ids instead.
                cursor.execute("TRUNCATE {} RESTART IDENTITY CASCADE".format(
                    ", ".join(target.ops.quote_name(t) for t in tables)))
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for model in models:
                copied = self.copy_table(model, source, target)
                counts.append((model._meta.db_table, copied))
            with target.cursor() as cursor:
                for sql in target.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)

        self.stdout.write(f"{'table':<45} {'source':>9} {'target':>9}")
        mismatches = []
        for model, (table, copied) in zip(models, counts, strict=True):
            in_source = model._base_manager.using("default").count()
            in_target = model._base_manager.using(TARGET).count()
            flag = "" if in_source == in_target == copied else "  MISMATCH"
            if flag:
                mismatches.append(table)
            self.stdout.write(f"{table:<45} {in_source:>9} {in_target:>9}{flag}")
        if mismatches:
            raise CommandError(f"Row counts differ for {', '.join(mismatches)}: do not switch "
                               "over; check that nothing wrote to the source during the copy.")
        total = sum(c for _, c in counts)
        self.stdout.write(self.style.SUCCESS(
            f"Copied {total} rows in {len(models)} tables; every count matches."))

    def copy_table(self, model, source, target):
        fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
        columns = ", ".join(target.ops.quote_name(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = (f"INSERT INTO {target.ops.quote_name(model._meta.db_table)} ({columns}) "
               f"VALUES ({placeholders})")
        rows = (model._base_manager.using("default").order_by("pk")
                .values_list(*[f.attname for f in fields]).iterator(chunk_size=BATCH))
        copied = 0
        batch = []
        with target.cursor() as cursor:
            for row in rows:
                batch.append([f.get_db_prep_save(value, connection=target)
                              for f, value in zip(fields, row, strict=True)])
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    copied += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                copied += len(batch)
        return copied
