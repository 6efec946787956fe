from django.db import migrations

from accounts.roles import apply_roles_migration

# On PostgreSQL the database itself refuses to change a signed note (or an addendum): a bug, a
# console session or a stray script cannot rewrite the clinical record. The service layer refuses
# too, on every database; this is the second lock.
CREATE = """
CREATE OR REPLACE FUNCTION clinical_signed_note_is_final() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'signed' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'clinical note % is signed and cannot be deleted', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF NEW.answers IS DISTINCT FROM OLD.answers OR NEW.schema IS DISTINCT FROM OLD.schema
           OR NEW.title IS DISTINCT FROM OLD.title OR NEW.body_text IS DISTINCT FROM OLD.body_text
           OR NEW.status IS DISTINCT FROM OLD.status OR NEW.signed_at IS DISTINCT FROM OLD.signed_at
           OR NEW.signed_by_id IS DISTINCT FROM OLD.signed_by_id
           OR NEW.author_id IS DISTINCT FROM OLD.author_id
           OR NEW.patient_id IS DISTINCT FROM OLD.patient_id
           OR NEW.appointment_id IS DISTINCT FROM OLD.appointment_id
           OR NEW.occurred_at IS DISTINCT FROM OLD.occurred_at THEN
            RAISE EXCEPTION 'clinical note % is signed; add an addendum instead', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER clinical_note_signed_final BEFORE UPDATE OR DELETE ON clinical_note
    FOR EACH ROW EXECUTE FUNCTION clinical_signed_note_is_final();

CREATE OR REPLACE FUNCTION clinical_addendum_is_final() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'addenda are never changed or deleted'
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER clinical_addendum_final BEFORE UPDATE OR DELETE ON clinical_addendum
    FOR EACH ROW EXECUTE FUNCTION clinical_addendum_is_final();
"""

DROP = """
DROP TRIGGER IF EXISTS clinical_note_signed_final ON clinical_note;
DROP FUNCTION IF EXISTS clinical_signed_note_is_final();
DROP TRIGGER IF EXISTS clinical_addendum_final ON clinical_addendum;
DROP FUNCTION IF EXISTS clinical_addendum_is_final();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


def ship_templates(apps, schema_editor):
    from clinical.shipped import install

    install(apps.get_model("clinical", "NoteTemplate"))


class Migration(migrations.Migration):
    dependencies = [
        ("clinical", "0001_initial"),
        ("accounts", "0003_role_groups"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
        migrations.RunPython(apply_roles_migration("clinical"), migrations.RunPython.noop),
        migrations.RunPython(ship_templates, migrations.RunPython.noop),
    ]
