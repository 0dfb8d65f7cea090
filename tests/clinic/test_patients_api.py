"""Front-desk patient registration and search over the API, and the one error shape."""

import pytest
from django.db import connection

from clinic.models import Patient
from tests.conftest import api_as
from tests.factories import make_patient


def register(client, **overrides):
    body = {
        "branch": "BLR",
        "first_name": "Priya",
        "last_name": "Sharma",
        "phone": "+91 98765 43210",
        **overrides,
    }
    return client.post("/api/patients/", body, format="json")


def test_front_desk_registers_a_patient_who_is_then_found_by_any_phone_format(front_desk_a):
    client = api_as(front_desk_a)
    response = register(client, date_of_birth="1990-01-31", sex="F")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mrn"].startswith("MRN-BLR-")
    assert body["phone"] == "+91 98765 43210"
    for query in ["9876543210", "098765-43210", "+91 98765 43210", "pri", "SHAR", body["mrn"]]:
        results = client.get("/api/patients/", {"q": query}).json()["results"]
        assert [r["mrn"] for r in results] == [body["mrn"]], query


def test_invalid_input_gets_field_messages_and_writes_nothing(front_desk_a):
    response = register(
        api_as(front_desk_a),
        phone="12345",
        abha_number="123",
        email="not-an-email",
        date_of_birth="2999-01-01",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"phone", "abha_number", "email", "date_of_birth"}
    assert "+91 98450 12345" in error["fields"]["phone"][0]
    assert Patient.objects.count() == 0


def test_missing_required_fields_are_named(front_desk_a):
    response = api_as(front_desk_a).post("/api/patients/", {"branch": "BLR"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"first_name", "phone"}


def test_duplicate_registration_warns_with_the_existing_record_then_allows_on_confirmation(
    front_desk_a, patient_a
):
    client = api_as(front_desk_a)
    response = register(client, first_name="RAMESH", last_name="kumar", phone="09845012345")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "possible_duplicate"
    assert error["matches"] == [{"id": str(patient_a.id), "mrn": patient_a.mrn}]
    assert Patient.objects.count() == 1

    confirmed = register(
        client, first_name="Ramesh", last_name="Kumar", phone="9845012345", allow_duplicate=True
    )
    assert confirmed.status_code == 201
    assert Patient.objects.count() == 2


def test_same_phone_different_name_is_not_a_duplicate(front_desk_a, patient_a):
    assert (
        register(api_as(front_desk_a), first_name="Sita", last_name="Kumar", phone="9845012345").status_code
        == 201
    )


def test_patch_corrects_details_and_reindexes(front_desk_a, patient_a):
    client = api_as(front_desk_a)
    response = client.patch(
        f"/api/patients/{patient_a.id}/", {"phone": "9900112233", "last_name": "Gowda"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [r["id"] for r in client.get("/api/patients/", {"q": "99001 12233"}).json()["results"]] == [
        str(patient_a.id)
    ]
    assert client.get("/api/patients/", {"q": "9845012345"}).json()["results"] == []
    assert client.get("/api/patients/", {"q": "gowda"}).json()["results"][0]["last_name"] == "Gowda"


def test_staff_see_only_patients_of_their_branches(doctor_b, patient_a):
    client = api_as(doctor_b)
    assert client.get("/api/patients/", {"q": "9845012345"}).json()["results"] == []
    assert client.get(f"/api/patients/{patient_a.id}/").status_code == 404


def test_doctors_may_search_but_not_register(doctor_a, patient_a):
    client = api_as(doctor_a)
    assert len(client.get("/api/patients/", {"q": "ramesh"}).json()["results"]) == 1
    response = register(client)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_front_desk_cannot_register_at_another_branch(front_desk_a, branch_b):
    response = register(api_as(front_desk_a), branch="HYD")
    assert response.status_code == 403
    assert Patient.objects.count() == 0


def test_anonymous_is_refused_with_the_error_shape(api, patient_a):
    response = api.get("/api/patients/", {"q": "ramesh"})
    assert response.status_code == 403
    assert set(response.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize("size", [10, 200])
def test_search_query_count_does_not_grow_with_matches(
    front_desk_a, branch_a, size, django_assert_max_num_queries
):
    for _ in range(size):
        make_patient(branch=branch_a, first_name="Anil", last_name="Joshi")
    client = api_as(front_desk_a)
    with django_assert_max_num_queries(6):
        results = client.get("/api/patients/", {"q": "anil jos"}).json()["results"]
    assert len(results) == min(size, 20) and results[0]["full_name"] == "Anil Joshi"


def test_the_api_never_stores_plaintext(front_desk_a):
    register(api_as(front_desk_a))
    with connection.cursor() as cursor:
        cursor.execute("SELECT first_name::text, phone::text FROM clinic_patient")
        row = cursor.fetchone()
    assert "Priya" not in row[0] and "9876543210" not in row[1]
