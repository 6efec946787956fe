import pytest

from patients.models import Patient


@pytest.mark.django_db
def test_api_creates_a_patient_with_e164_mobile(mia_client, sydney_cbd):
    response = mia_client.post("/api/v1/patients/", {
        "first_name": "Ava", "last_name": "Nguyen", "date_of_birth": "1992-04-01",
        "mobile": "0412 000 111", "home_clinic": sydney_cbd.pk}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["mobile"] == "+61412000111"
    assert response.json()["number"] >= 10001


@pytest.mark.django_db
def test_api_answers_bad_input_field_by_field_with_400(mia_client, sydney_cbd):
    response = mia_client.post("/api/v1/patients/", {
        "first_name": "", "last_name": "Nguyen", "date_of_birth": "2999-01-01",
        "mobile": "12", "email": "nope", "home_clinic": sydney_cbd.pk},
        content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"first_name", "date_of_birth", "mobile", "email"}
    assert "future" in body["date_of_birth"][0]
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_api_search_matches_the_search_box(mia_client, john_smith):
    results = mia_client.get("/api/v1/patients/", {"q": "smi 0412"}).json()["results"]
    assert [r["id"] for r in results] == [str(john_smith.pk)]


@pytest.mark.django_db
def test_api_uses_the_same_permissions_as_the_interface(ben_client, sydney_cbd):
    response = ben_client.post("/api/v1/patients/", {"first_name": "X"},
                               content_type="application/json")
    assert response.status_code == 403


@pytest.mark.django_db
def test_openapi_schema_and_docs_work_offline(mia_client):
    schema = mia_client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/patients/" in schema.content
    docs = mia_client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
