import pytest
from django.core import mail

from ncc import testing


@pytest.mark.django_db
def test_staff_log_in_with_their_email_in_any_case(client, mia_receptionist):
    response = client.post("/accounts/login/", {"username": "MIA@walkeasy.example",
                                                "password": testing.PASSWORD})
    assert response.status_code == 302
    assert client.get("/patients/").status_code == 200


@pytest.mark.django_db
def test_wrong_password_says_so_in_words(client, mia_receptionist):
    response = client.post("/accounts/login/", {"username": "mia@walkeasy.example",
                                                "password": "nope"})
    assert "match a staff account" in response.content.decode()


@pytest.mark.django_db
def test_password_reset_sends_a_link_by_email(client, mia_receptionist):
    client.post("/accounts/password-reset/", {"email": "mia@walkeasy.example"})
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


@pytest.mark.django_db
def test_logout_ends_the_session(mia_client):
    mia_client.post("/accounts/logout/")
    assert mia_client.get("/patients/").status_code == 302
