"""Receiving and issuing medicine stock: FIFO by expiry, never negative (docs/decisions/0005).

Expiry rule: a batch can be issued on a day only while `expiry_date > that day` (branch-local). On the
expiry day itself it is treated as expired. Indian practice often sells a strip "through" its expiry
date; we choose the safer rule, because a tube issued on its last day is used by the patient for weeks.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from clinic.api_errors import Conflict
from clinic.models import Branch, Medicine, StockBatch
from clinic.selectors.stock import branch_today, stock_usable_batches


class InsufficientStock(Conflict):
    code = "insufficient_stock"


@dataclass(frozen=True)
class Issue:
    """Units taken from one batch by stock_issue. `batch` is re-read after the decrement."""

    batch: StockBatch
    quantity: int


def medicine_label(medicine: Medicine) -> str:
    """How the counter names a product: 'Tretinoin 0.025% cream'."""
    parts = (medicine.generic_name, medicine.strength, medicine.get_form_display().lower())
    return " ".join(p.strip() for p in parts if p and p.strip())


def unit_plural(unit: str) -> str:
    unit = unit or "unit"
    return unit + ("es" if unit.endswith(("s", "x", "ch", "sh")) else "s")


def units_label(count: int, unit: str) -> str:
    """'1 strip', '7 strips'."""
    return f"{count} {(unit or 'unit') if count == 1 else unit_plural(unit)}"


def _whole_quantity(quantity, *, unit: str) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError({"quantity": [f"Enter the quantity as a whole number of {unit_plural(unit)}."]})
    if quantity <= 0:
        raise ValidationError({"quantity": ["Enter a quantity of at least 1."]})
    return quantity


def _price(name: str, value, label: str) -> Decimal:
    try:
        price = StockBatch._meta.get_field(name).clean(value, None)
    except ValidationError as exc:
        raise ValidationError({name: exc.messages}) from None
    if price < 0:
        raise ValidationError({name: [f"The {label} cannot be negative."]})
    return price


def _same_hospital(medicine: Medicine, branch: Branch) -> None:
    if medicine.hospital_id != branch.hospital_id:
        raise ValidationError(
            f"{medicine_label(medicine)} is not in the medicine list of {branch.name}'s hospital."
        )


@transaction.atomic
def stock_receive(
    *,
    acting_user,
    medicine: Medicine,
    branch: Branch,
    batch_number: str,
    expiry_date: datetime.date,
    quantity: int,
    mrp,
    cost_price,
    received_on: datetime.date | None = None,
) -> StockBatch:
    """Take a new batch into a branch's stock. Refuses expired batches, bad quantities and prices,
    and a batch number already received for this medicine at this branch."""
    _same_hospital(medicine, branch)
    quantity = _whole_quantity(quantity, unit=medicine.unit)
    mrp = _price("mrp", mrp, "MRP")
    cost_price = _price("cost_price", cost_price, "cost price")
    batch_number = (batch_number or "").strip().upper()
    if not batch_number:
        raise ValidationError({"batch_number": ["Enter the batch number printed on the pack."]})
    today = branch_today(branch)
    received_on = received_on or today
    if received_on > today:
        raise ValidationError({"received_on": ["The date received cannot be in the future."]})
    if expiry_date <= today:
        when = "expires today" if expiry_date == today else f"expired on {expiry_date:%d %b %Y}"
        raise ValidationError(
            {
                "expiry_date": [
                    f"Batch {batch_number} {when}; expired stock cannot be taken in. "
                    "Return it to the supplier."
                ]
            }
        )

    batch = StockBatch(
        medicine=medicine,
        branch=branch,
        batch_number=batch_number,
        expiry_date=expiry_date,
        quantity_received=quantity,
        quantity_available=quantity,
        mrp=mrp,
        cost_price=cost_price,
        received_on=received_on,
        created_by=acting_user,
        updated_by=acting_user,
    )
    batch._history_user = acting_user
    batch._change_reason = f"received {quantity}"
    try:
        with transaction.atomic():  # savepoint: the unique constraint decides, no check-then-act
            batch.save(force_insert=True)
    except IntegrityError as exc:
        if getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") == "batch_unique_per_branch":
            raise ValidationError(
                {
                    "batch_number": [
                        f"Batch {batch_number} of {medicine_label(medicine)} was already received "
                        f"at {branch.name}. Check the batch number on the pack."
                    ]
                }
            ) from None
        raise
    return batch


def _shortage_message(*, medicine: Medicine, branch: Branch, available: int, requested: int, on_date) -> str:
    expired = StockBatch.objects.filter(
        medicine=medicine, branch=branch, expiry_date__lte=on_date, quantity_available__gt=0
    ).aggregate(units=Sum("quantity_available"), batches=Count("id"))
    name = medicine_label(medicine)
    if available:
        head = f"Only {units_label(available, medicine.unit)} of {name} in stock at {branch.name}"
    else:
        head = f"No {unit_plural(medicine.unit)} of {name} in stock at {branch.name}"
    if expired["batches"]:
        where = "an expired batch" if expired["batches"] == 1 else f"{expired['batches']} expired batches"
        units = str(expired["units"]) if available else units_label(expired["units"], medicine.unit)
        head += f" ({units} {'more ' if available else ''}in {where})"
    return f"{head}; {requested} requested."


@transaction.atomic
def stock_issue(
    *, acting_user, medicine: Medicine, branch: Branch, quantity: int, on_date: datetime.date | None = None
) -> list[Issue]:
    """Take `quantity` units out of stock, first-expiring batch first (then oldest receipt, then id).

    Batches with expiry_date <= on_date (default: branch-local today) are never issued. Candidate
    batches are locked with SELECT ... FOR UPDATE in that same FIFO order, so two counters issuing the
    same medicine queue behind each other instead of deadlocking; availability is read after the lock
    and each batch is decremented with an F() expression (the CHECK quantity_available >= 0 is the
    last line of defence). Refuses with InsufficientStock (409), changing nothing, when short.
    """
    quantity = _whole_quantity(quantity, unit=medicine.unit)
    _same_hospital(medicine, branch)
    on_date = on_date or branch_today(branch)

    batches = list(
        stock_usable_batches(medicine=medicine, branch=branch, on_date=on_date).select_for_update()
    )
    available = sum(b.quantity_available for b in batches)
    if available < quantity:
        raise InsufficientStock(
            _shortage_message(
                medicine=medicine, branch=branch, available=available, requested=quantity, on_date=on_date
            ),
            extra={"available": available, "requested": quantity},
        )

    taken: dict = {}
    remaining = quantity
    now = timezone.now()
    for batch in batches:
        if remaining == 0:
            break
        take = min(remaining, batch.quantity_available)
        StockBatch.objects.filter(pk=batch.pk).update(
            quantity_available=F("quantity_available") - take, updated_by=acting_user, updated_at=now
        )
        taken[batch.pk] = take
        remaining -= take

    fresh = StockBatch.objects.select_related("medicine", "branch").in_bulk(list(taken))
    issued = [Issue(batch=fresh[pk], quantity=take) for pk, take in taken.items()]
    for issue in issued:
        issue.batch._history_user = acting_user
        issue.batch._change_reason = f"issued {issue.quantity}"
    StockBatch.history.bulk_history_create([i.batch for i in issued], update=True, default_user=acting_user)
    return issued
