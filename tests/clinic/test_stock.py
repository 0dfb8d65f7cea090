"""Stock: FIFO by expiry, the expiry rule, refusals that change nothing, and no negative stock under
concurrency (clinic.services.stock, docs/decisions/0005)."""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from clinic.models import StockBatch
from clinic.selectors.stock import branch_today, stock_available, stock_near_expiry
from clinic.services.stock import InsufficientStock, stock_issue, stock_receive
from tests.factories import MedicineFactory, StockBatchFactory, UserFactory

DAY = datetime.timedelta(days=1)


@pytest.fixture
def tretinoin(hospital):
    return MedicineFactory(
        hospital=hospital,
        generic_name="Tretinoin",
        brand_name="Retino-A",
        form="cream",
        strength="0.025%",
        unit="tube",
        gst_rate=Decimal("12"),
    )


def make_batch(medicine, branch, *, quantity, expires_in_days, received_days_ago=10, number=None):
    today = branch_today(branch)
    extra = {"batch_number": number} if number else {}
    return StockBatchFactory(
        medicine=medicine,
        branch=branch,
        quantity_received=quantity,
        expiry_date=today + expires_in_days * DAY,
        received_on=today - received_days_ago * DAY,
        **extra,
    )


def quantities(*batches) -> list[int]:
    return [StockBatch.objects.get(pk=b.pk).quantity_available for b in batches]


def history_rows() -> int:
    return StockBatch.history.count()


# --- FIFO and the expiry rule ------------------------------------------------------------------


@pytest.mark.django_db
def test_issue_takes_the_earliest_expiring_usable_batch_and_skips_expired_ones(
    tretinoin, branch_a, front_desk_a
):
    late = make_batch(tretinoin, branch_a, quantity=10, expires_in_days=300, received_days_ago=60)
    expired = make_batch(tretinoin, branch_a, quantity=5, expires_in_days=-1, received_days_ago=400)
    early = make_batch(tretinoin, branch_a, quantity=10, expires_in_days=40, received_days_ago=5)

    issued = stock_issue(acting_user=front_desk_a, medicine=tretinoin, branch=branch_a, quantity=4)

    assert [(i.batch.pk, i.quantity) for i in issued] == [(early.pk, 4)]
    assert issued[0].batch.quantity_available == 6
    assert quantities(late, expired, early) == [10, 5, 6]
    record = StockBatch.history.filter(id=early.pk).latest("history_date")
    assert (record.history_user, record.history_change_reason, record.quantity_available) == (
        front_desk_a,
        "issued 4",
        6,
    )


@pytest.mark.django_db
def test_a_batch_is_not_issued_on_its_expiry_day(tretinoin, branch_a):
    today_batch = make_batch(tretinoin, branch_a, quantity=5, expires_in_days=0)
    tomorrow_batch = make_batch(tretinoin, branch_a, quantity=5, expires_in_days=1)

    issued = stock_issue(acting_user=None, medicine=tretinoin, branch=branch_a, quantity=2)

    assert [i.batch.pk for i in issued] == [tomorrow_batch.pk]
    assert quantities(today_batch, tomorrow_batch) == [5, 3]


@pytest.mark.django_db
def test_same_expiry_goes_to_the_batch_received_first(tretinoin, branch_a):
    newer = make_batch(tretinoin, branch_a, quantity=5, expires_in_days=90, received_days_ago=1)
    older = make_batch(tretinoin, branch_a, quantity=5, expires_in_days=90, received_days_ago=30)

    issued = stock_issue(acting_user=None, medicine=tretinoin, branch=branch_a, quantity=6)

    assert [(i.batch.pk, i.quantity) for i in issued] == [(older.pk, 5), (newer.pk, 1)]


@pytest.mark.django_db
def test_issue_spanning_two_batches_empties_the_first_then_takes_from_the_next(tretinoin, branch_a):
    first = make_batch(tretinoin, branch_a, quantity=3, expires_in_days=20)
    second = make_batch(tretinoin, branch_a, quantity=10, expires_in_days=200)

    issued = stock_issue(acting_user=None, medicine=tretinoin, branch=branch_a, quantity=5)

    assert [(i.batch.pk, i.quantity, i.batch.quantity_available) for i in issued] == [
        (first.pk, 3, 0),
        (second.pk, 2, 8),
    ]
    assert quantities(first, second) == [0, 8]


@pytest.mark.django_db
def test_issue_on_a_given_date_uses_that_date_for_expiry(tretinoin, branch_a):
    soon = make_batch(tretinoin, branch_a, quantity=5, expires_in_days=10)
    later = make_batch(tretinoin, branch_a, quantity=5, expires_in_days=100)

    issued = stock_issue(
        acting_user=None,
        medicine=tretinoin,
        branch=branch_a,
        quantity=1,
        on_date=branch_today(branch_a) + 10 * DAY,
    )

    assert [i.batch.pk for i in issued] == [later.pk]
    assert quantities(soon, later) == [5, 4]


# --- Refusals change nothing ---------------------------------------------------------------------


@pytest.mark.django_db
def test_refuses_when_only_expired_stock_remains(tretinoin, branch_a):
    expired = make_batch(tretinoin, branch_a, quantity=5, expires_in_days=-30)
    before = history_rows()

    with pytest.raises(InsufficientStock) as refused:
        stock_issue(acting_user=None, medicine=tretinoin, branch=branch_a, quantity=1)

    assert refused.value.message == (
        "No tubes of Tretinoin 0.025% cream in stock at Indiranagar (5 tubes in an expired batch); "
        "1 requested."
    )
    assert refused.value.http_status == 409
    assert quantities(expired) == [5]
    assert history_rows() == before


@pytest.mark.django_db
def test_refusing_more_than_available_leaves_every_batch_unchanged(tretinoin, branch_a):
    a = make_batch(tretinoin, branch_a, quantity=4, expires_in_days=30)
    b = make_batch(tretinoin, branch_a, quantity=3, expires_in_days=60)
    expired = make_batch(tretinoin, branch_a, quantity=2, expires_in_days=-2)
    before = history_rows()

    with pytest.raises(InsufficientStock) as refused:
        stock_issue(acting_user=None, medicine=tretinoin, branch=branch_a, quantity=10)

    assert refused.value.message == (
        "Only 7 tubes of Tretinoin 0.025% cream in stock at Indiranagar (2 more in an expired batch); "
        "10 requested."
    )
    assert refused.value.extra == {"available": 7, "requested": 10}
    assert quantities(a, b, expired) == [4, 3, 2]
    assert history_rows() == before


@pytest.mark.django_db
def test_stock_of_another_branch_does_not_count(tretinoin, branch_a, branch_b):
    elsewhere = make_batch(tretinoin, branch_b, quantity=50, expires_in_days=100)

    with pytest.raises(InsufficientStock, match=r"^No tubes of .* at Indiranagar; 1 requested\.$"):
        stock_issue(acting_user=None, medicine=tretinoin, branch=branch_a, quantity=1)

    assert quantities(elsewhere) == [50]


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -3, 1.5, "2", True, None])
def test_issue_refuses_quantities_that_are_not_positive_whole_numbers(tretinoin, branch_a, quantity):
    batch = make_batch(tretinoin, branch_a, quantity=10, expires_in_days=100)

    with pytest.raises(ValidationError) as refused:
        stock_issue(acting_user=None, medicine=tretinoin, branch=branch_a, quantity=quantity)

    assert "quantity" in refused.value.message_dict
    assert quantities(batch) == [10]


# --- Receiving -----------------------------------------------------------------------------------


def receive(medicine, branch, **overrides):
    data = {
        "acting_user": None,
        "medicine": medicine,
        "branch": branch,
        "batch_number": "tr2417",
        "expiry_date": branch_today(branch) + 365 * DAY,
        "quantity": 40,
        "mrp": Decimal("245.00"),
        "cost_price": Decimal("170.50"),
    }
    return stock_receive(**{**data, **overrides})


@pytest.mark.django_db
def test_receive_creates_a_full_batch_dated_today_with_history(tretinoin, branch_a, front_desk_a):
    batch = receive(tretinoin, branch_a, acting_user=front_desk_a)

    batch.refresh_from_db()
    assert (batch.batch_number, batch.quantity_received, batch.quantity_available) == ("TR2417", 40, 40)
    assert (batch.mrp, batch.cost_price, batch.received_on) == (
        Decimal("245.00"),
        Decimal("170.50"),
        branch_today(branch_a),
    )
    assert batch.created_by == front_desk_a
    assert batch.history.get().history_user == front_desk_a
    assert stock_available(medicine=tretinoin, branch=branch_a) == 40


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"expiry_date": "yesterday"}, "expiry_date", "expired on"),
        ({"expiry_date": "today"}, "expiry_date", "expires today"),
        ({"quantity": 0}, "quantity", "at least 1"),
        ({"quantity": -5}, "quantity", "at least 1"),
        ({"mrp": Decimal("-1.00")}, "mrp", "cannot be negative"),
        ({"cost_price": Decimal("-0.01")}, "cost_price", "cannot be negative"),
        ({"batch_number": "  "}, "batch_number", "batch number"),
        ({"received_on": "tomorrow"}, "received_on", "future"),
    ],
)
def test_receive_refuses_bad_batches_and_creates_nothing(tretinoin, branch_a, overrides, field, message):
    today = branch_today(branch_a)
    days = {"yesterday": today - DAY, "today": today, "tomorrow": today + DAY}
    overrides = {k: days[v] if isinstance(v, str) and v in days else v for k, v in overrides.items()}

    with pytest.raises(ValidationError) as refused:
        receive(tretinoin, branch_a, **overrides)

    assert message in " ".join(refused.value.message_dict[field])
    assert not StockBatch.objects.exists()


@pytest.mark.django_db
def test_receive_refuses_a_batch_number_already_received_at_the_branch(tretinoin, branch_a, branch_b):
    first = receive(tretinoin, branch_a, batch_number="TR2417")

    with pytest.raises(ValidationError) as refused:
        receive(tretinoin, branch_a, batch_number=" tr2417 ", quantity=5)

    assert refused.value.message_dict["batch_number"] == [
        "Batch TR2417 of Tretinoin 0.025% cream was already received at Indiranagar. "
        "Check the batch number on the pack."
    ]
    assert list(StockBatch.objects.values_list("pk", "quantity_received")) == [(first.pk, 40)]
    # The same batch number at another branch is a different shelf, and allowed.
    assert receive(tretinoin, branch_b, batch_number="TR2417").branch == branch_b


# --- Selectors -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_available_counts_only_usable_stock_and_near_expiry_lists_soonest_first(
    tretinoin, branch_a, hospital
):
    other = MedicineFactory(hospital=hospital, generic_name="Adapalene")
    make_batch(tretinoin, branch_a, quantity=5, expires_in_days=-1)
    make_batch(tretinoin, branch_a, quantity=7, expires_in_days=0)
    in_60 = make_batch(tretinoin, branch_a, quantity=3, expires_in_days=60)
    in_20 = make_batch(other, branch_a, quantity=4, expires_in_days=20)
    make_batch(tretinoin, branch_a, quantity=9, expires_in_days=200)
    empty = make_batch(tretinoin, branch_a, quantity=2, expires_in_days=10)
    StockBatch.objects.filter(pk=empty.pk).update(quantity_available=0)

    assert stock_available(medicine=tretinoin, branch=branch_a) == 12
    assert (
        stock_available(medicine=tretinoin, branch=branch_a, on_date=branch_today(branch_a) + 60 * DAY) == 9
    )
    assert list(stock_near_expiry(branch=branch_a)) == [in_20, in_60]
    assert list(stock_near_expiry(branch=branch_a, within_days=30)) == [in_20]


# --- The database is the last line of defence ----------------------------------------------------


@pytest.mark.django_db
def test_database_check_alone_refuses_negative_stock(tretinoin, branch_a):
    batch = make_batch(tretinoin, branch_a, quantity=3, expires_in_days=100)

    with (
        pytest.raises(IntegrityError, match="stock_never_negative"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        sql = "UPDATE {} SET quantity_available = quantity_available - 4 WHERE id = %s"
        cur.execute(sql.format(StockBatch._meta.db_table), [batch.pk])

    assert quantities(batch) == [3]


# --- Concurrency: own connections, real commits ---------------------------------------------------


def run_at_once(*calls):
    """Run each call in its own thread (own DB connection), released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except Exception as exc:  # the test inspects what each thread got
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def outcome(results):
    return sorted("ok" if kind == "ok" else type(value).__name__ for kind, value in results)


@pytest.mark.django_db(transaction=True)
def test_two_counters_issuing_the_last_units_at_once_exactly_one_succeeds(branch_a, hospital):
    for round_ in range(5):
        medicine = MedicineFactory(hospital=hospital, generic_name=f"Minoxidil {round_}")
        first = make_batch(medicine, branch_a, quantity=2, expires_in_days=30)
        second = make_batch(medicine, branch_a, quantity=3, expires_in_days=90)

        def issue_all(medicine=medicine):
            return stock_issue(acting_user=None, medicine=medicine, branch=branch_a, quantity=5)

        results = run_at_once(issue_all, issue_all)

        assert outcome(results) == ["InsufficientStock", "ok"]
        assert quantities(first, second) == [0, 0]


@pytest.mark.django_db(transaction=True)
def test_many_counters_across_batches_never_oversell_or_deadlock(branch_a, hospital):
    medicine = MedicineFactory(hospital=hospital, generic_name="Clindamycin")
    batches = [
        make_batch(medicine, branch_a, quantity=q, expires_in_days=d) for q, d in ((3, 30), (4, 60), (3, 90))
    ]

    def take_two():
        return stock_issue(acting_user=None, medicine=medicine, branch=branch_a, quantity=2)

    results = run_at_once(*[take_two] * 6)

    assert outcome(results) == ["InsufficientStock"] + ["ok"] * 5
    assert quantities(*batches) == [0, 0, 0]
    assert sum(i.quantity for kind, issues in results if kind == "ok" for i in issues) == 10


@pytest.mark.django_db(transaction=True)
def test_a_second_counter_waits_for_the_lock_and_then_sees_the_stock_gone(tretinoin, branch_a):
    """Forces the dangerous interleaving: B reads while A's issue is uncommitted. Without the row
    lock B would read 5 available and then hit the CHECK (IntegrityError), not a clean refusal."""
    batch = make_batch(tretinoin, branch_a, quantity=5, expires_in_days=100)
    a_has_issued = threading.Event()
    user = UserFactory(username="counter_b")

    def counter_a():
        with transaction.atomic():
            issued = stock_issue(acting_user=None, medicine=tretinoin, branch=branch_a, quantity=5)
            a_has_issued.set()
            time.sleep(0.5)
        return issued

    def counter_b():
        assert a_has_issued.wait(timeout=10)
        started = time.monotonic()
        try:
            stock_issue(acting_user=user, medicine=tretinoin, branch=branch_a, quantity=5)
        finally:
            waited["seconds"] = time.monotonic() - started

    waited: dict = {}
    results = run_at_once(counter_a, counter_b)

    assert results[0][0] == "ok"
    assert results[1][0] == "error" and isinstance(results[1][1], InsufficientStock), results[1]
    assert waited["seconds"] >= 0.3
    assert quantities(batch) == [0]
