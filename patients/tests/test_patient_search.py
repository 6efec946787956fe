from datetime import date

import pytest

from ncc import testing
from patients.queries import search_patients


@pytest.fixture
def smiths(sydney_cbd):
    return [
        testing.make_patient(sydney_cbd, "John", "Smith", date(1970, 3, 12), mobile="0412 345 678",
                             email="john.smith@example.com"),
        testing.make_patient(sydney_cbd, "Jane", "Smithers", date(1985, 7, 1), mobile="0499 111 222"),
        testing.make_patient(sydney_cbd, "Wei", "Chen", date(1990, 1, 30), mobile="",
                             preferred_name="Vivian", email="wchen@example.org"),
    ]


def names(qs):
    return sorted(p.full_name for p in qs)


@pytest.mark.django_db
def test_search_by_any_part_of_a_name(smiths):
    assert names(search_patients("smi")) == ["Jane Smithers", "John Smith"]
    assert names(search_patients("ithe")) == ["Jane Smithers"]
    assert names(search_patients("vivi")) == ["Wei Chen"]


@pytest.mark.django_db
def test_search_combines_words_like_smi_0412(smiths):
    assert names(search_patients("smi 0412")) == ["John Smith"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["0412345678", "0412 345", "+61412345678", "345678", "412-345"])
def test_search_by_mobile_digits_in_any_format(smiths, query):
    assert names(search_patients(query)) == ["John Smith"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["12/03/1970", "1970-03-12", "12-03-1970"])
def test_search_by_date_of_birth(smiths, query):
    assert names(search_patients(query)) == ["John Smith"]


@pytest.mark.django_db
def test_search_by_email(smiths):
    assert names(search_patients("wchen@")) == ["Wei Chen"]


@pytest.mark.django_db
def test_patients_list_filters_by_clinic_and_archived(mia_client, smiths, brisbane):
    testing.make_patient(brisbane, "Bob", "Smith", date(1960, 1, 1))
    page = mia_client.get("/patients/", {"q": "smith", "clinic": brisbane.pk}).content.decode()
    assert "Bob" in page and "John" not in page
    smiths[0].archived = True
    smiths[0].save()
    assert "John" not in mia_client.get("/patients/", {"q": "john"}).content.decode()
    assert "John" in mia_client.get("/patients/", {"q": "john", "archived": "yes"}).content.decode()


@pytest.mark.django_db
def test_patients_list_paginates(mia_client, sydney_cbd):
    for i in range(30):
        testing.make_patient(sydney_cbd, f"P{i:02d}", "Page", date(1980, 1, 1), mobile="")
    first = mia_client.get("/patients/").content.decode()
    assert "30 patients" in first and "page 1 of 2" in first
    assert "page 2 of 2" in mia_client.get("/patients/", {"page": 2}).content.decode()


@pytest.mark.django_db
def test_search_box_answers_htmx_with_just_the_results(mia_client, smiths):
    response = mia_client.get("/patients/", {"q": "smi"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and "John" in body


@pytest.mark.django_db
def test_patients_page_query_count_does_not_grow_with_patients(mia_client, sydney_cbd):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_page():
        with CaptureQueriesContext(connection) as ctx:
            assert mia_client.get("/patients/", {"q": "page"}).status_code == 200
        return len(ctx.captured_queries)

    for i in range(3):
        testing.make_patient(sydney_cbd, f"A{i}", "Page", date(1980, 1, 1), mobile="")
    few = queries_for_page()
    for i in range(40):
        testing.make_patient(sydney_cbd, f"B{i}", "Page", date(1981, 1, 1), mobile="")
    assert queries_for_page() == few
