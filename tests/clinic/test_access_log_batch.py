"""`access_log_record_many`: several reads of one request logged under one lock and one INSERT,
chained exactly as single writes are (decision 0004), interleaving safely with single writers."""

import threading
import uuid

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from clinic.models import AccessLog
from clinic.selectors.access_log import access_log_verify
from clinic.services.access_log import GENESIS_HASH, access_log_record, access_log_record_many


def _reads(patient_id, n: int, tag: str = "r") -> list[dict]:
    return [
        {"record_type": "consultation", "record_id": f"{tag}{i}", "patient_id": patient_id, "reason": "test"}
        for i in range(n)
    ]


@pytest.mark.django_db
def test_a_batch_extends_the_chain_in_list_order_with_one_insert():
    patient_id = uuid.uuid4()
    first = access_log_record(
        user=None, actor="system:test", record_type="note", record_id=1, patient_id=patient_id
    )

    with CaptureQueriesContext(connection) as queries:
        rows = access_log_record_many(user=None, actor="system:test", reads=_reads(patient_id, 3))

    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    stored = list(AccessLog.objects.order_by("id").values_list("record_id", "prev_hash", "row_hash"))
    assert [r[0] for r in stored] == ["1", "r0", "r1", "r2"]
    assert stored[0][1] == GENESIS_HASH and stored[1][1] == first.row_hash
    assert [r.row_hash for r in rows] == [r[2] for r in stored[1:]]
    result = access_log_verify()
    assert result.ok and result.rows_checked == 4


@pytest.mark.django_db
def test_a_batch_with_a_bad_row_writes_nothing():
    reads = _reads(uuid.uuid4(), 2)
    reads[1]["access_type"] = "peek"
    with pytest.raises(Exception):  # noqa: B017 - ValidationError from full_clean, before any write
        access_log_record_many(user=None, actor="system:test", reads=reads)
    assert not AccessLog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_batches_and_single_writes_at_once_leave_one_unbroken_chain():
    threads_count, rounds = 10, 5
    start = threading.Barrier(threads_count)
    errors: list[BaseException] = []
    patient_id = uuid.uuid4()

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(rounds):
                if n % 2:
                    access_log_record_many(
                        user=None, actor="system:t", reads=_reads(patient_id, 2, f"{n}-{i}-")
                    )
                else:
                    access_log_record(
                        user=None,
                        actor="system:t",
                        record_type="note",
                        record_id=f"{n}-{i}",
                        patient_id=patient_id,
                    )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    result = access_log_verify()
    assert result.ok
    assert result.rows_checked == (threads_count // 2) * rounds * 3
