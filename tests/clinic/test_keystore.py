"""Envelope encryption: ciphertext at rest, bound to its row, rotation, shredding, start-up checks."""

import base64
import os
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, transaction

from clinic import blind_index, keystore
from clinic.models import DataKey, Patient
from clinic.selectors.patients import patient_search
from clinic.services.patients import patient_crypto_shred
from tests.factories import make_patient

PII_COLUMNS = [
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "alternate_phone",
    "email",
    "address",
    "pin_code",
    "abha_number",
    "abha_address",
    "emergency_contact_name",
    "emergency_contact_phone",
]


def new_b64_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def switch_keys(settings):
    """Change key settings and forget the cached keys, before and after."""

    def apply(**values):
        for name, value in values.items():
            setattr(settings, name, value)
        keystore.kek_ring.cache_clear()
        blind_index.index_key.cache_clear()

    yield apply
    keystore.kek_ring.cache_clear()
    blind_index.index_key.cache_clear()


@pytest.fixture
def full_patient(branch_a):
    return make_patient(
        branch=branch_a,
        first_name="Lakshmi",
        last_name="Iyer",
        phone="+91 98450 12345",
        date_of_birth="1988-04-12",
        alternate_phone="080-2525 1234",
        email="lakshmi.iyer@example.in",
        address="14, 3rd Cross, Malleswaram, Bengaluru",
        pin_code="560003",
        abha_number="91-1234-5678-9012",
        abha_address="lakshmi.iyer@abdm",
        emergency_contact_name="Suresh Iyer",
        emergency_contact_phone="9845098450",
    )


def raw_row(patient_id) -> dict:
    with connection.cursor() as cursor:
        columns = ", ".join(PII_COLUMNS)  # constants, not input
        cursor.execute(f"SELECT {columns} FROM clinic_patient WHERE id = %s", [patient_id])  # noqa: S608
        return dict(zip(PII_COLUMNS, cursor.fetchone(), strict=True))


def test_raw_sql_read_shows_only_ciphertext_for_every_pii_field(full_patient):
    row = raw_row(full_patient.id)
    plaintexts = [
        "Lakshmi",
        "Iyer",
        "1988-04-12",
        "+919845012345",
        "Malleswaram",
        "560003",
        "lakshmi.iyer",
        "9012",
        "Suresh",
        "9845098450",
    ]
    for column, value in row.items():
        assert value is not None, f"{column} is empty in the fixture"
        raw = bytes(value)
        assert raw[:1] == keystore.VERSION
        for text in plaintexts:
            assert text.encode() not in raw, f"{text!r} readable in {column}"
    # ...and the application still reads every field back.
    fresh = Patient.objects.select_related("pii_key").get(id=full_patient.id)
    assert fresh.first_name == "Lakshmi"
    assert str(fresh.date_of_birth) == "1988-04-12"
    assert fresh.alternate_phone == "+918025251234"
    assert fresh.abha_number == "91-1234-5678-9012"


def test_search_works_against_the_encrypted_rows(full_patient, branch_a):
    make_patient(branch=branch_a, first_name="Lakshman", last_name="Rao")
    for query in ["+91 98450 12345", "098450-12345", "9845012345", "919845012345", "080 2525 1234"]:
        assert [p.id for p in patient_search(query=query)] == [full_patient.id], query
    assert {p.first_name for p in patient_search(query="laks")} == {"Lakshmi", "Lakshman"}
    assert [p.id for p in patient_search(query="LAKSH iye")] == [full_patient.id]
    assert [p.id for p in patient_search(query=full_patient.mrn.lower())] == [full_patient.id]
    assert list(patient_search(query="Sharma")) == []


def test_ciphertext_cannot_be_moved_to_another_row_or_field(full_patient, branch_a):
    other = make_patient(branch=branch_a, first_name="Other", last_name="Person")
    stolen = raw_row(full_patient.id)["first_name"]
    with connection.cursor() as cursor:
        # Same row, other field; then another row, same field.
        cursor.execute("UPDATE clinic_patient SET last_name = %s WHERE id = %s", [stolen, full_patient.id])
        cursor.execute("UPDATE clinic_patient SET first_name = %s WHERE id = %s", [stolen, other.id])
    moved_field = Patient.objects.select_related("pii_key").get(id=full_patient.id)
    assert moved_field.first_name == "Lakshmi"
    assert moved_field.last_name == ""  # refused to decrypt in the wrong context
    moved_row = Patient.objects.select_related("pii_key").get(id=other.id)
    assert moved_row.first_name == ""
    with pytest.raises(keystore.KeyUnavailable):
        keystore.decrypt(blob=bytes(stolen), context=f"clinic_patient:{other.id}:first_name")


def test_each_patient_has_their_own_wrapped_data_key(full_patient, branch_a):
    other = make_patient(branch=branch_a)
    assert full_patient.pii_key_id != other.pii_key_id
    key = DataKey.objects.get(id=full_patient.pii_key_id)
    assert key.subject_id == full_patient.id
    assert len(bytes(key.wrapped_key)) == 12 + 32 + 16  # nonce + wrapped AES-256 key + tag
    assert key.kek_id == keystore.kek_ring().current_id


def test_saving_without_a_data_key_is_refused_not_written_in_plaintext(branch_a):
    patient = Patient(mrn="MRN-X-1", registered_branch=branch_a, first_name="Plain", phone="+919845012345")
    with pytest.raises(ImproperlyConfigured, match="no data key"), transaction.atomic():
        patient.save()
    assert not Patient.objects.filter(mrn="MRN-X-1").exists()


def test_kek_rotation_rewraps_every_key_and_keeps_every_record_readable(
    full_patient, branch_a, switch_keys, settings
):
    others = [make_patient(branch=branch_a, first_name=f"Pat{i}") for i in range(3)]
    old_kek = settings.ENCRYPTION_KEK or Path(settings.ENCRYPTION_KEK_FILE).read_text().strip()
    old_id = keystore.kek_ring().current_id
    switch_keys(ENCRYPTION_KEK=new_b64_key(), ENCRYPTION_KEK_FILE="", ENCRYPTION_OLD_KEKS=[old_kek])
    new_id = keystore.kek_ring().current_id
    assert new_id != old_id

    call_command("rotate_kek")

    assert set(DataKey.objects.values_list("kek_id", flat=True)) == {new_id}
    # The old key can now be dropped: everything opens with the new one alone.
    switch_keys(ENCRYPTION_OLD_KEKS=[])
    keystore.assert_keys_usable()
    for patient in [full_patient, *others]:
        fresh = Patient.objects.select_related("pii_key").get(id=patient.id)
        assert fresh.first_name == patient.first_name
        assert fresh.phone == patient.phone
    assert fresh.date_of_birth is None
    assert (
        Patient.objects.select_related("pii_key").get(id=full_patient.id).email == "lakshmi.iyer@example.in"
    )


def test_rotation_without_the_old_key_fails_loudly_and_changes_nothing(full_patient, switch_keys):
    before = bytes(DataKey.objects.get(id=full_patient.pii_key_id).wrapped_key)
    switch_keys(ENCRYPTION_KEK=new_b64_key(), ENCRYPTION_KEK_FILE="", ENCRYPTION_OLD_KEKS=[])
    with pytest.raises(keystore.KeyUnavailable):
        call_command("rotate_kek")
    assert bytes(DataKey.objects.get(id=full_patient.pii_key_id).wrapped_key) == before


def test_crypto_shredding_one_patient_leaves_the_others_readable(full_patient, branch_a, admin_user):
    other = make_patient(branch=branch_a, first_name="Meera", last_name="Nair", phone="+91 99000 11122")
    blob = bytes(raw_row(full_patient.id)["first_name"])

    patient_crypto_shred(acting_user=admin_user, patient=full_patient)

    assert not DataKey.objects.filter(subject_id=full_patient.id).exists()
    erased = Patient.objects.select_related("pii_key").get(id=full_patient.id)
    assert erased.is_erased and erased.first_name == "" and erased.date_of_birth is None
    with pytest.raises(keystore.KeyUnavailable):
        keystore.decrypt(blob=blob, context=f"clinic_patient:{full_patient.id}:first_name")
    assert list(patient_search(query="9845012345")) == []
    assert list(patient_search(query="Lakshmi")) == []

    kept = Patient.objects.select_related("pii_key").get(id=other.id)
    assert (kept.first_name, kept.phone) == ("Meera", "+919900011122")
    assert [p.id for p in patient_search(query="meera")] == [other.id]


def test_a_missing_key_stops_start_up_with_a_clear_message(switch_keys):
    switch_keys(ENCRYPTION_KEK="", ENCRYPTION_KEK_FILE="")
    with pytest.raises(ImproperlyConfigured, match="ENCRYPTION_KEK is not set"):
        keystore.assert_keys_usable()
    switch_keys(ENCRYPTION_KEK="not base64!!")
    with pytest.raises(ImproperlyConfigured, match="not valid base64"):
        keystore.assert_keys_usable()
    switch_keys(ENCRYPTION_KEK=base64.b64encode(b"short").decode())
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        keystore.assert_keys_usable()


def test_a_wrong_key_stops_start_up_with_a_clear_message(full_patient, switch_keys):
    switch_keys(ENCRYPTION_KEK=new_b64_key(), ENCRYPTION_KEK_FILE="", ENCRYPTION_OLD_KEKS=[])
    with pytest.raises(ImproperlyConfigured, match="does not match the stored data keys"):
        keystore.assert_keys_usable()
    with pytest.raises(ImproperlyConfigured):
        call_command("check_keys")


def test_the_key_can_come_from_a_secret_file(tmp_path, switch_keys, full_patient, settings):
    current = settings.ENCRYPTION_KEK or Path(settings.ENCRYPTION_KEK_FILE).read_text().strip()
    secret = tmp_path / "kek"
    secret.write_text(current + "\n")
    switch_keys(ENCRYPTION_KEK="", ENCRYPTION_KEK_FILE=str(secret))
    keystore.assert_keys_usable()
    assert Patient.objects.select_related("pii_key").get(id=full_patient.id).first_name == "Lakshmi"
