"""Roles are Groups whose permissions come from accounts/roles.py; the UI and API obey them."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import ROLE_PERMISSIONS
from ncc import testing


@pytest.mark.django_db
def test_each_role_group_holds_exactly_the_permissions_defined_in_code():
    for role in ("receptionist", "clinician"):
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert set(ROLE_PERMISSIONS[role]) <= held


@pytest.mark.django_db
def test_a_user_is_in_exactly_the_group_of_their_role(mia_receptionist):
    assert list(mia_receptionist.groups.values_list("name", flat=True)) == ["receptionist"]
    mia_receptionist.role = "admin"
    mia_receptionist.save()
    assert list(mia_receptionist.groups.values_list("name", flat=True)) == ["admin"]


@pytest.mark.django_db
def test_receptionist_manages_patients_but_not_settings_or_users(mia_client):
    assert mia_client.get("/patients/new/").status_code == 200
    assert mia_client.get("/settings/").status_code == 403
    assert mia_client.get("/admin/accounts/user/").status_code == 302  # not staff: admin login


@pytest.mark.django_db
def test_admin_reaches_settings_but_django_admin_is_for_superusers_only(sam_client, sam_owner):
    assert sam_client.get("/settings/").status_code == 200
    assert sam_client.get("/admin/accounts/user/").status_code == 302  # to the admin login
    sam_owner.is_superuser = True
    sam_owner.save()
    assert sam_client.get("/admin/accounts/user/").status_code == 200


@pytest.mark.django_db
def test_clinician_cannot_add_patients_but_can_view_them(ben_client, john_smith):
    assert ben_client.get("/patients/new/").status_code == 403
    assert ben_client.get(f"/patients/{john_smith.pk}/").status_code == 200


@pytest.mark.django_db
def test_menu_shows_only_what_the_role_may_use(mia_receptionist, sam_owner):
    from django.test import Client

    mia, sam = Client(), Client()
    mia.force_login(mia_receptionist)
    sam.force_login(sam_owner)
    mia_page = mia.get("/patients/").content.decode()
    assert 'href="/patients/"' in mia_page
    assert 'href="/settings/"' not in mia_page
    assert 'href="/settings/"' in sam.get("/patients/").content.decode()


@pytest.mark.django_db
def test_clinician_changes_only_their_own_appointments_through_the_api(
    client, sydney_cbd, ben_clinician, ana_clinician, review_type, john_smith
):
    from datetime import datetime, timedelta

    start = datetime(2030, 3, 5, 9, 0, tzinfo=sydney_cbd.tz)
    own = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type, start)
    other = testing.make_appointment(john_smith, ana_clinician, sydney_cbd, review_type,
                                     start + timedelta(hours=2))
    client.force_login(ben_clinician.user)
    ok = client.patch(f"/api/v1/appointments/{own.pk}/", {"notes": "Bring shoes"},
                      content_type="application/json")
    refused = client.patch(f"/api/v1/appointments/{other.pk}/", {"notes": "x"},
                           content_type="application/json")
    assert ok.status_code == 200
    assert refused.status_code == 403


@pytest.mark.django_db
def test_permissions_come_from_role_and_user_in_one_query(mia_receptionist,
                                                         django_assert_num_queries):
    from django.contrib.auth.models import Permission

    extra = Permission.objects.get(codename="delete_patient")
    mia_receptionist.user_permissions.add(extra)
    with django_assert_num_queries(1):
        perms = mia_receptionist.get_all_permissions()
    assert "patients.add_patient" in perms and "patients.delete_patient" in perms
    assert "scheduling.delete_appointment" not in perms
