"""The access log is append-only in the database, and its hash chain shows any row touched with the
guard lifted (decision 0004). Real PostgreSQL throughout: the trigger and the lock are the point."""

import contextlib
import io
import itertools
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test import RequestFactory

from clinic.models import AccessLog
from clinic.selectors.access_log import ChainBreak, access_log_for_patient, access_log_verify
from clinic.services.access_log import (
    GENESIS_HASH,
    access_log_for_request,
    access_log_record,
    access_log_row_hash,
)


def _write(n: int, *, user=None, patient_id=None) -> list[AccessLog]:
    patient_id = patient_id or uuid.uuid4()
    return [
        access_log_record(
            user=user,
            actor="system:test",
            record_type="soap_note",
            record_id=i,
            patient_id=patient_id,
            reason="continuity of care",
        )
        for i in range(n)
    ]


@contextlib.contextmanager
def _guard_lifted():
    """What a superuser (or the table owner) can do: switch the append-only trigger off."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE clinic_accesslog DISABLE TRIGGER clinic_accesslog_append_only")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE clinic_accesslog ENABLE TRIGGER clinic_accesslog_append_only")


def _snapshot(row: AccessLog) -> dict:
    return AccessLog.objects.filter(pk=row.pk).values().get()


# --- The database refuses changes ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda row: AccessLog.objects.filter(pk=row.pk).update(reason="nothing to see"), id="orm-update"
        ),
        pytest.param(lambda row: setattr(row, "reason", "nothing to see") or row.save(), id="orm-save"),
        pytest.param(lambda row: AccessLog.objects.filter(pk=row.pk).delete(), id="orm-queryset-delete"),
        pytest.param(lambda row: row.delete(), id="orm-instance-delete"),
        pytest.param(
            lambda row: connection.cursor().execute(
                "UPDATE clinic_accesslog SET reason = %s WHERE id = %s", ["nothing to see", row.pk]
            ),
            id="raw-update",
        ),
        pytest.param(
            lambda row: connection.cursor().execute("DELETE FROM clinic_accesslog WHERE id = %s", [row.pk]),
            id="raw-delete",
        ),
    ],
)
def test_database_refuses_update_and_delete(change):
    row = _write(1)[0]
    before = _snapshot(row)

    refused = r"clinic_accesslog is append-only: (UPDATE|DELETE) refused"
    with pytest.raises(DatabaseError, match=refused), transaction.atomic():
        change(row)

    assert _snapshot(row) == before
    assert access_log_verify().ok


# --- The chain shows what was done with the guard lifted ----------------------------------------


@pytest.mark.django_db
def test_verify_passes_on_an_untouched_log():
    rows = _write(5)

    result = access_log_verify(chunk_size=2)  # several chunks of the server-side cursor

    assert result.ok
    assert result.rows_checked == 5
    assert result.head_hash == rows[-1].row_hash
    assert rows[0].prev_hash == GENESIS_HASH


@pytest.mark.django_db
def test_verify_passes_on_an_empty_log():
    result = access_log_verify()

    assert result.ok
    assert result.rows_checked == 0


@pytest.mark.django_db
def test_editing_a_row_breaks_the_chain_at_that_row():
    rows = _write(5)
    with _guard_lifted():
        AccessLog.objects.filter(pk=rows[2].pk).update(reason="routine")

    result = access_log_verify()

    assert not result.ok
    assert result.broken_row_id == rows[2].pk
    assert result.problem == ChainBreak.ROW_CHANGED
    assert result.rows_checked == 3


@pytest.mark.django_db
def test_editing_a_row_and_rehashing_it_breaks_the_chain_at_the_next_row():
    rows = _write(5)
    forged = _snapshot(rows[2]) | {"reason": "routine"}
    forged_hash = access_log_row_hash(prev_hash=forged["prev_hash"], fields=forged)
    with _guard_lifted():
        AccessLog.objects.filter(pk=rows[2].pk).update(reason="routine", row_hash=forged_hash)

    result = access_log_verify()

    assert not result.ok
    assert result.broken_row_id == rows[3].pk
    assert result.problem == ChainBreak.CHAIN_BROKEN


@pytest.mark.django_db
def test_deleting_a_middle_row_breaks_the_chain_at_the_following_row():
    rows = _write(5)
    with _guard_lifted():
        AccessLog.objects.filter(pk=rows[2].pk).delete()

    result = access_log_verify()

    assert not result.ok
    assert result.broken_row_id == rows[3].pk
    assert result.problem == ChainBreak.CHAIN_BROKEN


@pytest.mark.django_db
def test_deleting_the_first_row_breaks_the_chain_at_the_new_first_row():
    rows = _write(3)
    with _guard_lifted():
        AccessLog.objects.filter(pk=rows[0].pk).delete()

    result = access_log_verify()

    assert result.broken_row_id == rows[1].pk
    assert result.problem == ChainBreak.CHAIN_BROKEN


@pytest.mark.django_db
def test_an_insert_that_claims_its_own_place_is_put_at_the_end_of_the_chain():
    """The database chains every row as it is inserted (decision 0052): whatever an INSERT says
    about its place, time and hashes, the row lands after the head with hashes that verify."""
    (first,) = _write(1)

    forged = AccessLog.objects.create(
        accessed_at=first.accessed_at.replace(year=2001),
        actor="forger",
        record_type="x",
        record_id="1",
        patient_id=uuid.uuid4(),
        access_type="view",
        prev_hash=GENESIS_HASH,
        row_hash="e" * 64,
    )

    stored = AccessLog.objects.get(actor="forger")
    assert stored.prev_hash == first.row_hash and stored.accessed_at > first.accessed_at
    assert stored.row_hash == access_log_row_hash(prev_hash=stored.prev_hash, fields=_snapshot(stored))
    assert forged.pk == stored.pk > first.pk
    assert access_log_verify().ok


@pytest.mark.django_db
def test_with_the_chaining_trigger_off_a_second_genesis_row_is_refused_by_the_unique_prev_hash():
    _write(1)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE clinic_accesslog DISABLE TRIGGER clinic_accesslog_chain")
    try:
        with pytest.raises(DatabaseError, match="prev_hash"), transaction.atomic():
            AccessLog.objects.create(
                accessed_at=AccessLog.objects.get().accessed_at,
                actor="forger",
                record_type="x",
                record_id="1",
                patient_id=uuid.uuid4(),
                access_type="view",
                prev_hash=GENESIS_HASH,
                row_hash="e" * 64,
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE clinic_accesslog ENABLE TRIGGER clinic_accesslog_chain")

    assert AccessLog.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "agent", "ip"),
    [
        ('quote " and backslash \\ and slash /', 'Mozilla/5.0 (Linux; Android 14) "tablet"', "10.0.0.7"),
        ("हिंदी में कारण — दवा", "Émoji 🙂 agent", "2001:db8::1"),
        ("tab\tnewline\nbell\x07 kept", "", "::ffff:192.0.2.1"),
        ("", "x" * 400, None),
    ],
)
def test_the_databases_hash_is_the_verifiers_hash_for_awkward_text(reason, agent, ip):
    """The trigger hashes in SQL, the verifier in Python: the same bytes for quotes, backslashes,
    Devanagari, emoji, control characters, IPv6 and empty values."""
    request = RequestFactory().get("/", HTTP_USER_AGENT=agent, REMOTE_ADDR=ip or "not an address")
    row = access_log_record(
        user=None,
        actor="system:test",
        record_type="soap_note",
        record_id="r1",
        patient_id=uuid.uuid4(),
        reason=reason,
        request=request,
    )

    stored = _snapshot(row)
    assert stored["reason"] == reason and stored["row_hash"] == row.row_hash
    assert row.row_hash == access_log_row_hash(prev_hash=row.prev_hash, fields=stored)
    assert access_log_verify().ok


# --- Concurrent writers are serialized -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_unbroken_chain():
    threads_count, per_thread = 20, 10
    start = threading.Barrier(threads_count)
    errors: list[BaseException] = []
    patient_id = uuid.uuid4()

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                access_log_record(
                    user=None,
                    actor=f"system:thread-{n}",
                    record_type="transcript",
                    record_id=f"{n}-{i}",
                    patient_id=patient_id,
                )
        except BaseException as exc:  # reported by the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    rows = list(AccessLog.objects.order_by("id").values_list("prev_hash", "row_hash", "record_id"))
    assert len(rows) == threads_count * per_thread
    assert len({record_id for _, _, record_id in rows}) == threads_count * per_thread
    assert rows[0][0] == GENESIS_HASH
    for predecessor, row in itertools.pairwise(rows):
        assert row[0] == predecessor[1]
    result = access_log_verify()
    assert result.ok
    assert result.rows_checked == threads_count * per_thread


# --- The command ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_reports_an_intact_chain():
    rows = _write(3)
    out = io.StringIO()

    call_command("verify_access_log", stdout=out)

    assert f"access log OK: 3 rows, chain intact (head {rows[-1].row_hash})" in out.getvalue()


@pytest.mark.django_db
def test_command_names_the_broken_row_and_exits_1():
    rows = _write(3)
    with _guard_lifted():
        AccessLog.objects.filter(pk=rows[1].pk).update(record_id="999")
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_access_log", stdout=out, stderr=err)

    assert exit_info.value.code == 1
    expected = f"access log BROKEN at row {rows[1].pk}: row contents changed after it was written"
    assert expected in err.getvalue()
    assert "OK" not in out.getvalue()


# --- What a row holds ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_row_records_who_what_and_where_but_no_patient_identifier(doctor_a, patient_a):
    request = RequestFactory().get(
        "/consultations/x",
        REMOTE_ADDR="10.1.2.3",
        HTTP_USER_AGENT="Tablet/1.0\x00 " + "x" * 500,
    )
    request.user = doctor_a

    row = access_log_for_request(
        request,
        record_type="soap_note",
        record_id=42,
        patient_id=patient_a.pk,
        reason="consultation",
    )

    stored = _snapshot(row)
    assert stored["user_id"] == doctor_a.pk
    assert stored["actor"] == "doctor_a"
    assert stored["record_type"] == "soap_note"
    assert stored["record_id"] == "42"
    assert stored["patient_id"] == patient_a.pk
    assert stored["access_type"] == "view"
    assert stored["ip_address"] == "10.1.2.3"
    assert stored["user_agent"].startswith("Tablet/1.0 xxx")  # NUL dropped: PostgreSQL text refuses it
    assert len(stored["user_agent"]) == 400
    text = " ".join(str(value) for value in stored.values()).lower()
    for identifier in ("ramesh", "kumar", "9845012345", "98450", patient_a.mrn.lower()):
        assert identifier not in text
    assert list(access_log_for_patient(patient_a.pk)) == [row]


@pytest.mark.django_db
def test_portal_user_is_named_by_id_not_by_username(patient_a):
    from tests.factories import UserFactory

    portal_user = UserFactory(username="+919845012345", is_staff=False)

    row = access_log_record(
        user=portal_user, record_type="prescription", record_id=1, patient_id=patient_a.pk
    )

    assert row.actor == f"user:{portal_user.pk}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.5"),  # no trusted proxy: the header is the client's and ignored
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the hop our proxy saw; the rest is forgeable
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.4", "203.0.113.9"),
        (1, "not-an-ip", "10.0.0.5"),
        (1, "2001:0DB8:0000::1", "2001:db8::1"),  # stored as inet prints it, so the hash still verifies
    ],
)
def test_ip_comes_from_remote_addr_or_the_trusted_proxy_hop(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded_for)

    row = access_log_record(
        user=None, record_type="document", record_id=1, patient_id=uuid.uuid4(), request=request
    )

    assert _snapshot(row)["ip_address"] == expected
    assert access_log_verify().ok


@pytest.mark.django_db
def test_bad_fields_are_refused_before_anything_is_written():
    with pytest.raises(ValidationError) as exc_info:
        access_log_record(
            user=None,
            record_type="soap_note",
            record_id="x" * 65,
            patient_id=uuid.uuid4(),
            access_type="edit",
        )

    assert set(exc_info.value.message_dict) == {"record_id", "access_type"}
    assert not AccessLog.objects.exists()
