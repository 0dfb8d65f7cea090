"""Stock reads: what can be issued today, and what is about to expire (decision 0005)."""

import datetime

from django.db.models import QuerySet, Sum
from django.utils import timezone

from clinic.models import Branch, Medicine, StockBatch


def branch_today(branch: Branch) -> datetime.date:
    """Today's date on the branch's wall clock (decision 8): expiry is judged by the shelf's day."""
    return timezone.localdate(timezone=branch.zone)


def stock_usable_batches(
    *, medicine: Medicine, branch: Branch, on_date: datetime.date
) -> QuerySet[StockBatch]:
    """Batches that may be issued on `on_date`, in FIFO order: earliest expiry, then oldest receipt, then id.

    A batch is usable only while expiry_date > on_date; on its expiry day it is already refused.
    """
    return StockBatch.objects.filter(
        medicine=medicine, branch=branch, expiry_date__gt=on_date, quantity_available__gt=0
    ).order_by("expiry_date", "received_on", "id")


def stock_available(*, medicine: Medicine, branch: Branch, on_date: datetime.date | None = None) -> int:
    """Units of `medicine` that can be issued at `branch` on `on_date` (default: branch-local today)."""
    on_date = on_date or branch_today(branch)
    total = stock_usable_batches(medicine=medicine, branch=branch, on_date=on_date).aggregate(
        total=Sum("quantity_available")
    )["total"]
    return total or 0


def stock_near_expiry(
    *, branch: Branch, within_days: int = 90, on_date: datetime.date | None = None
) -> QuerySet[StockBatch]:
    """Batches still in stock that are usable now but expire within `within_days`, soonest first.

    Already-expired batches are not included: they can no longer be issued at all.
    """
    on_date = on_date or branch_today(branch)
    return (
        StockBatch.objects.filter(
            branch=branch,
            quantity_available__gt=0,
            expiry_date__gt=on_date,
            expiry_date__lte=on_date + datetime.timedelta(days=within_days),
        )
        .select_related("medicine")
        .order_by("expiry_date", "medicine__generic_name", "batch_number")
    )
