"""The role groups carry exactly the permissions of clinic.roles, re-applied after every migrate."""

import pytest
from django.contrib.auth.models import Group, Permission

from clinic.roles import NEVER_GRANTED, ROLE_PERMISSIONS, role_permission_names, sync_role_permissions

pytestmark = pytest.mark.django_db


def granted(role: str) -> set[str]:
    perms = Group.objects.get(name=role).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms}


@pytest.mark.parametrize("role", list(ROLE_PERMISSIONS))
def test_after_migrate_each_group_has_exactly_its_mapped_permissions(role):
    assert granted(role) == role_permission_names(role)


def test_the_map_says_what_the_roles_are_for():
    admin, desk = granted("Admin"), granted("Front desk")
    doctor, nurse = granted("Doctor"), granted("Therapist/Nurse")
    assert {
        "clinic.add_patient",
        "clinic.delete_room",
        "clinic.change_stockbatch",
        "clinic.view_accesslog",
        "clinic.view_datakey",
        "auth.view_user",
    } <= admin
    assert "auth.change_user" not in admin  # that form can make anyone a superuser
    assert {
        "clinic.view_patient",
        "clinic.add_patient",
        "clinic.change_patient",
        "clinic.view_room",
        "clinic.view_stockbatch",
        "clinic.add_invoice",
        "clinic.change_invoice",
    } <= desk
    assert not {"clinic.delete_patient", "clinic.change_room", "clinic.change_stockbatch"} & desk
    assert {
        "clinic.view_patient",
        "clinic.view_medicine",
        "clinic.view_stockbatch",
        "appointments.view_appointment",
        "emr.add_patientallergy",
        "emr.change_patientallergy",
    } <= doctor
    assert not {"clinic.add_patient", "appointments.change_appointment", "emr.delete_patientallergy"} & doctor
    assert {"clinic.view_patient", "appointments.view_appointment", "emr.add_patientallergy"} <= nurse
    assert not {"clinic.change_patient", "appointments.add_appointment"} & nurse
    assert {"appointments.add_appointment", "appointments.change_doctorschedule"} <= desk


def test_no_group_may_write_the_keystore_or_the_access_log():
    for group in Group.objects.all():
        assert not granted(group.name) & NEVER_GRANTED, group.name


def test_sync_puts_back_what_was_changed_by_hand():
    desk = Group.objects.get(name="Front desk")
    desk.permissions.remove(Permission.objects.get(codename="add_patient"))
    desk.permissions.add(Permission.objects.get(codename="delete_patient"))
    counts = sync_role_permissions()
    assert granted("Front desk") == role_permission_names("Front desk")
    assert counts["Front desk"] == len(role_permission_names("Front desk"))


def test_a_new_role_in_the_map_gets_its_group(monkeypatch):
    monkeypatch.setitem(
        ROLE_PERMISSIONS, "Pharmacist", [("clinic", ["medicine", "stockbatch"], ("view", "change"))]
    )
    sync_role_permissions()
    assert granted("Pharmacist") == {
        "clinic.view_medicine",
        "clinic.change_medicine",
        "clinic.view_stockbatch",
        "clinic.change_stockbatch",
    }


def test_permissions_that_do_not_exist_yet_are_skipped_not_fatal(monkeypatch, caplog):
    monkeypatch.setitem(
        ROLE_PERMISSIONS, "Doctor", [*ROLE_PERMISSIONS["Doctor"], "consultations.view_soapnote"]
    )
    counts = sync_role_permissions()
    assert counts["Doctor"] == len(role_permission_names("Doctor")) - 1
    assert "consultations.view_soapnote" in caplog.text
