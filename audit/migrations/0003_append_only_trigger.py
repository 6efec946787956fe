from django.db import migrations

# PostgreSQL refuses any UPDATE or DELETE of an audit row, whoever asks (admin, a script, a
# migration, psql): the trail is append-only at the database, not only in our code. One update
# passes: the foreign key's ON DELETE SET NULL when a staff account is deleted (the row stays,
# its summary still names what was done). SQLite (development) has no trigger; the admin and the
# services never update or delete there either.
FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (NEW.id, NEW.action, NEW.object_type, NEW.object_id, NEW.summary, NEW.changes::text,
            NEW.created_at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.action, OLD.object_type, OLD.object_id, OLD.summary, OLD.changes::text,
            OLD.created_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS audit_event_no_update_delete ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_login_mfa_permission_actions")]

    operations = [migrations.RunPython(forward, backward)]
