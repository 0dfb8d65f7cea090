"""Human-readable numbers: race-free under concurrent callers, separate per branch and per year."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from clinic.services.sequences import number_next

THREADS = 10
CALLS = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_calls_give_fifty_distinct_consecutive_numbers(branch_a):
    """10 threads, each on its own connection, make 50 calls between them (5 each, each call its own
    transaction), all released together. A read-then-write counter would hand out duplicates here."""
    barrier = threading.Barrier(THREADS)

    def worker(_):
        try:
            barrier.wait(timeout=10)
            numbers = []
            for _ in range(CALLS // THREADS):
                with transaction.atomic():
                    numbers.append(number_next(branch=branch_a, prefix="TST", year=2026))
            return numbers
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        numbers = [n for batch in pool.map(worker, range(THREADS), timeout=60) for n in batch]

    assert len(numbers) == CALLS
    assert sorted(numbers) == [f"TST-BLR-2026-{i:05d}" for i in range(1, CALLS + 1)]


@pytest.mark.django_db
def test_each_branch_counts_on_its_own(branch_a, branch_b):
    assert number_next(branch=branch_a, prefix="INV", year=2026) == "INV-BLR-2026-00001"
    assert number_next(branch=branch_a, prefix="INV", year=2026) == "INV-BLR-2026-00002"
    assert number_next(branch=branch_b, prefix="INV", year=2026) == "INV-HYD-2026-00001"
    assert number_next(branch=branch_a, prefix="INV", year=2026) == "INV-BLR-2026-00003"


@pytest.mark.django_db
def test_each_year_and_prefix_counts_on_its_own(branch_a):
    assert number_next(branch=branch_a, prefix="INV", year=2025) == "INV-BLR-2025-00001"
    assert number_next(branch=branch_a, prefix="INV", year=2025) == "INV-BLR-2025-00002"
    assert number_next(branch=branch_a, prefix="INV", year=2026) == "INV-BLR-2026-00001"
    assert number_next(branch=branch_a, prefix="RX", year=2026) == "RX-BLR-2026-00001"
    assert number_next(branch=branch_a, prefix="INV", year=2025, width=6) == "INV-BLR-2025-000003"


@pytest.mark.django_db
def test_a_number_taken_in_a_rolled_back_transaction_is_handed_out_again(branch_a):
    """No duplicate and no gap: the counter rolls back with the row it would have numbered."""
    with pytest.raises(RuntimeError), transaction.atomic():
        assert number_next(branch=branch_a, prefix="INV", year=2026) == "INV-BLR-2026-00001"
        raise RuntimeError("the invoice insert failed")

    assert number_next(branch=branch_a, prefix="INV", year=2026) == "INV-BLR-2026-00001"


def test_number_format_pads_to_the_width_and_grows_past_it():
    """The one format behind every printed number (booking builds its numbers in SQL with the same
    prefix and padding and formats the value it gets back with it)."""
    from clinic.services.sequences import number_format, number_prefix

    assert number_format("APT", "BLR", 2026, 42) == "APT-BLR-2026-00042"
    assert number_format("RX", "HYD", 2025, 7, width=3) == "RX-HYD-2025-007"
    assert number_format("APT", "BLR", 2026, 123456) == "APT-BLR-2026-123456"
    assert number_prefix("INV", "BLR", 2026) == "INV-BLR-2026-"


@pytest.mark.django_db
def test_number_next_sql_is_public_and_counts_per_branch_prefix_and_year(branch_a):
    from clinic.services.sequences import NUMBER_NEXT_SQL

    with connection.cursor() as cursor:
        cursor.execute(NUMBER_NEXT_SQL, [branch_a.pk, "TSQ", 2026])
        first = cursor.fetchone()[0]
        cursor.execute(NUMBER_NEXT_SQL, [branch_a.pk, "TSQ", 2026])
        second = cursor.fetchone()[0]
    assert (first, second) == (1, 2)
    assert number_next(branch=branch_a, prefix="TSQ", year=2026) == "TSQ-BLR-2026-00003"
