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
