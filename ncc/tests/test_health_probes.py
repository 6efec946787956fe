import pytest


@pytest.mark.django_db
def test_readyz_reports_ready_when_migrations_are_applied(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_healthz_answers_without_a_database(client):
    assert client.get("/healthz").json() == {"status": "ok"}
