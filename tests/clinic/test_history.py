"""Change history (django-simple-history, decision 0003): who changed what, and never patient PII."""

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from clinic.fields import EncryptedTextField
from clinic.models import Patient, Room
from clinic.services.patients import patient_update
from tests.factories import RoomFactory, make_patient


def _rename_room(request, room_id):
    """Stands in for any view or admin page that saves a model under the full middleware stack."""
    room = Room.objects.get(pk=room_id)
    room.room_name = request.POST["room_name"]
    room.save(update_fields=["room_name", "updated_at"])
    return HttpResponse("saved")


urlpatterns = [path("rooms/<uuid:room_id>/rename", _rename_room)]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_editing_a_room_in_a_request_records_the_change_and_the_user(client, admin_user, branch_a):
    assert "simple_history.middleware.HistoryRequestMiddleware" in settings.MIDDLEWARE
    room = RoomFactory(branch=branch_a, room_name="Consultation 1")
    client.force_login(admin_user)

    response = client.post(f"/rooms/{room.pk}/rename", {"room_name": "Laser suite"})

    assert response.status_code == 200
    latest, created = room.history.order_by("-history_date", "-history_id")[:2]
    assert latest.history_type == "~"
    assert latest.room_name == "Laser suite"
    assert latest.history_user == admin_user
    delta = latest.diff_against(created)
    assert [(c.field, c.old, c.new) for c in delta.changes if c.field == "room_name"] == [
        ("room_name", "Consultation 1", "Laser suite")
    ]
    assert created.history_user is None  # made by a factory, outside any request


@pytest.mark.django_db
def test_a_job_outside_a_request_names_its_user_explicitly(admin_user, branch_a):
    room = RoomFactory(branch=branch_a)

    room.capacity = 2
    room._history_user = admin_user
    room.save(update_fields=["capacity", "updated_at"])

    latest = room.history.order_by("-history_date", "-history_id").first()
    assert (latest.capacity, latest.history_user) == (2, admin_user)


def _encrypted_field_names() -> set[str]:
    return {f.name for f in Patient._meta.concrete_fields if isinstance(f, EncryptedTextField)}


@pytest.mark.django_db
def test_patient_history_table_has_no_pii_columns():
    encrypted = _encrypted_field_names()
    index_fields = {"phone_index", "name_index", "email_index", "abha_index"}
    assert {"first_name", "phone", "date_of_birth", "abha_number"} <= encrypted  # the check can see them
    historical = Patient.history.model

    model_fields = {f.name for f in historical._meta.concrete_fields}
    with connection.cursor() as cursor:
        table = connection.introspection.get_table_description(cursor, historical._meta.db_table)
    columns = {column.name for column in table}

    assert "mrn" in model_fields  # history is kept, only without the identifying columns
    assert model_fields.isdisjoint(encrypted | index_fields)
    assert columns.isdisjoint(encrypted | index_fields)


@pytest.mark.django_db
def test_editing_a_patient_leaves_no_identifier_in_history(branch_a, front_desk_a):
    patient = make_patient(branch=branch_a, first_name="Ramesh", last_name="Kumar", phone="+91 98450 12345")

    patient_update(acting_user=front_desk_a, patient=patient, data={"first_name": "Suresh", "sex": "M"})

    rows = list(Patient.history.model.objects.filter(id=patient.pk).values())
    assert len(rows) == 2
    assert rows[0]["sex"] == "M" or rows[1]["sex"] == "M"
    text = " ".join(str(value) for row in rows for value in row.values()).lower()
    for identifier in ("ramesh", "suresh", "kumar", "9845012345", "98450"):
        assert identifier not in text
