"""`manage.py xero_sync_contacts` syncs changed patients and shows progress."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from xero.models import XeroContactLink

from .conftest import make_patients


def test_command_syncs_changed_patients_with_progress(fake_xero, xero_connection, sydney_cbd):
    make_patients(sydney_cbd, 120)
    out = StringIO()
    call_command("xero_sync_contacts", stdout=out)
    text = out.getvalue()
    assert "120/120 (100%) synced=120 failed=0 calls=3" in text
    assert "Finished: All 120 patients synced." in text
    assert XeroContactLink.objects.filter(status="synced").count() == 120
    out = StringIO()
    call_command("xero_sync_contacts", stdout=out)  # nothing changed: nothing sent
    assert "Nothing to sync" in out.getvalue()
    assert len(fake_xero.contacts()) == 120


def test_command_without_connection_explains(fake_xero, db):
    with pytest.raises(CommandError, match="Xero is not connected"):
        call_command("xero_sync_contacts", stdout=StringIO())
