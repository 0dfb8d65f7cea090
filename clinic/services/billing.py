"""Invoices: GST lines, totals kept equal to the sum of the lines, draft -> issued -> paid | cancelled.

Money is Decimal, rounded half-up to the paisa at each line (docs/decisions/0005). Every change of an
invoice locks its row first; a medicine line then locks stock batches (invoice row, then batches in
FIFO order: one fixed lock order).
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from clinic.api_errors import ApplicationError, Conflict
from clinic.models import GST_RATES, Branch, Invoice, InvoiceLine, InvoiceStatus, Medicine, Patient, Service
from clinic.selectors.stock import branch_today
from clinic.services.sequences import number_next
from clinic.services.stock import Issue, medicine_label, stock_issue

PAISA = Decimal("0.01")
GST_RATE_VALUES = frozenset(rate for rate, _ in GST_RATES)
_STATE_FIELDS = (
    "status",
    "issued_at",
    "paid_at",
    "taxable_total",
    "gst_total",
    "grand_total",
    "amount_paid",
    "notes",
    "updated_at",
    "updated_by_id",
)


class InvoiceStateConflict(Conflict):
    code = "invoice_state"


def round_paise(amount: Decimal) -> Decimal:
    return amount.quantize(PAISA, rounding=ROUND_HALF_UP)


def rupees(amount: Decimal) -> str:
    """Indian grouping: ₹1,18,000.00."""
    amount = round_paise(amount)
    whole, paise = f"{abs(amount):.2f}".split(".")
    head, tail = whole[:-3], whole[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return f"{'-' if amount < 0 else ''}₹{','.join([*groups, tail])}.{paise}"


def gst_on_price(*, quantity: Decimal, unit_price: Decimal, gst_rate: Decimal) -> tuple[Decimal, Decimal]:
    """Price before GST: taxable = qty x price, gst = taxable x rate / 100, each rounded half-up to paise."""
    taxable = round_paise(quantity * unit_price)
    return taxable, round_paise(taxable * gst_rate / 100)


def gst_within_mrp(*, gross: Decimal, gst_rate: Decimal) -> tuple[Decimal, Decimal]:
    """MRP includes GST: taxable = gross x 100 / (100 + rate) rounded half-up, gst = the rest.

    The patient pays exactly MRP x quantity (selling above MRP is an offence); the GST may therefore
    differ by a paisa from taxable x rate, which is the accepted treatment for MRP goods.
    """
    gross = round_paise(gross)
    taxable = round_paise(gross * 100 / (100 + gst_rate))
    return taxable, gross - taxable


def _clean(field, value, key: str):
    """A model field's own parsing and validators (digits, decimal places, length), keyed for forms."""
    if isinstance(value, float):
        raise TypeError(f"{key}: pass money and quantities as Decimal, int or str, not float")
    try:
        return field.clean(value, None)
    except ValidationError as exc:
        raise ValidationError({key: exc.messages}) from None


def _clean_money(value, *, key: str, what: str, positive: bool, field=None) -> Decimal:
    if value is None or value == "":
        raise ValidationError({key: [f"Enter the {what}."]})
    amount = _clean(field or InvoiceLine._meta.get_field(key), value, key)
    if positive and amount <= 0:
        raise ValidationError({key: [f"The {what} must be more than zero."]})
    if amount < 0:
        raise ValidationError({key: [f"The {what} cannot be negative."]})
    return amount


def _clean_gst_rate(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("gst_rate: pass a Decimal, int or str, not float")
    try:
        rate = InvoiceLine._meta.get_field("gst_rate").to_python(value)
    except ValidationError as exc:
        raise ValidationError({"gst_rate": exc.messages}) from None
    if rate not in GST_RATE_VALUES:
        allowed = ", ".join(f"{r.normalize():f}%" for r, _ in GST_RATES)
        raise ValidationError({"gst_rate": [f"The GST rate must be one of {allowed}."]})
    return rate


def _lock(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update(of=("self",)).select_related("branch").get(pk=invoice.pk)


def _sync_caller(caller: Invoice, locked: Invoice) -> None:
    """Keep the caller's object current, so a view can render it without re-reading."""
    if caller is not locked:
        for field in _STATE_FIELDS:
            setattr(caller, field, getattr(locked, field))


_STATUS_PHRASE = {
    InvoiceStatus.DRAFT: "still a draft",
    InvoiceStatus.ISSUED: "already issued",
    InvoiceStatus.PAID: "already paid",
    InvoiceStatus.CANCELLED: "cancelled",
}


def _refuse(invoice: Invoice, consequence: str) -> InvoiceStateConflict:
    return InvoiceStateConflict(
        f"Invoice {invoice.number} is {_STATUS_PHRASE[invoice.status]}; {consequence}.",
        extra={"status": invoice.status},
    )


def _require_draft(invoice: Invoice, consequence: str = "only a draft invoice can take new lines") -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        raise _refuse(invoice, consequence)


def _save(invoice: Invoice, acting_user, reason: str, fields: list[str]) -> None:
    invoice.updated_by = acting_user
    invoice._history_user = acting_user
    invoice._change_reason = reason[:100]
    invoice.save(update_fields=[*fields, "updated_by", "updated_at"])


def _recompute_totals(invoice: Invoice, acting_user, reason: str) -> None:
    sums = invoice.lines.aggregate(taxable=Sum("taxable_amount"), gst=Sum("gst_amount"))
    invoice.taxable_total = sums["taxable"] or Decimal("0.00")
    invoice.gst_total = sums["gst"] or Decimal("0.00")
    invoice.grand_total = invoice.taxable_total + invoice.gst_total
    _save(invoice, acting_user, reason, ["taxable_total", "gst_total", "grand_total"])


@transaction.atomic
def invoice_create(*, acting_user, branch: Branch, patient: Patient) -> Invoice:
    """A draft invoice numbered INV-<branch>-<year>-NNNNN (branch-local year)."""
    if not branch.is_active:
        raise ApplicationError(
            f"{branch.name} is closed; invoices cannot be raised there.", code="branch_inactive"
        )
    if patient.is_deleted:
        raise ApplicationError(
            f"Patient {patient.mrn}'s record is closed; no invoice can be raised.", code="patient_deleted"
        )
    invoice = Invoice(
        branch=branch,
        patient=patient,
        status=InvoiceStatus.DRAFT,
        created_by=acting_user,
        updated_by=acting_user,
        number=number_next(branch=branch, prefix="INV", year=branch_today(branch).year),
    )
    invoice._history_user = acting_user
    invoice._change_reason = "created"
    invoice.save(force_insert=True)
    return invoice


def _insert_line(invoice: Invoice, **fields) -> InvoiceLine:
    return InvoiceLine.objects.create(
        invoice=invoice, line_total=fields["taxable_amount"] + fields["gst_amount"], **fields
    )


@transaction.atomic
def invoice_add_line(
    *,
    acting_user,
    invoice: Invoice,
    description: str,
    quantity,
    unit_price,
    gst_rate,
    service: Service | None = None,
    package=None,
    medicine: Medicine | None = None,
    stock_batch=None,
    hsn_sac_code: str = "",
) -> InvoiceLine:
    """Add a line priced before GST to a draft invoice and recompute its totals under the row lock.

    This does not touch stock: dispense medicines with invoice_add_medicine.
    """
    quantity = _clean_money(quantity, key="quantity", what="quantity", positive=True)
    unit_price = _clean_money(unit_price, key="unit_price", what="unit price", positive=False)
    gst_rate = _clean_gst_rate(gst_rate)
    description = " ".join((description or "").split())
    if not description:
        raise ValidationError({"description": ["Describe what is being billed."]})
    description = _clean(InvoiceLine._meta.get_field("description"), description, "description")
    hsn_sac_code = _clean(
        InvoiceLine._meta.get_field("hsn_sac_code"), (hsn_sac_code or "").strip(), "hsn_sac_code"
    )

    locked = _lock(invoice)
    _require_draft(locked)
    if stock_batch is not None and stock_batch.branch_id != locked.branch_id:
        raise ValidationError(
            {"stock_batch": [f"Batch {stock_batch.batch_number} is not stock of {locked.branch.name}."]}
        )
    taxable, gst = gst_on_price(quantity=quantity, unit_price=unit_price, gst_rate=gst_rate)
    line = _insert_line(
        locked,
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        gst_rate=gst_rate,
        taxable_amount=taxable,
        gst_amount=gst,
        service=service,
        package=package,
        medicine=medicine,
        stock_batch=stock_batch,
        hsn_sac_code=hsn_sac_code,
    )
    _recompute_totals(locked, acting_user, f"line added: {description}")
    _sync_caller(invoice, locked)
    return line


def invoice_add_service(*, acting_user, invoice: Invoice, service: Service, quantity=1) -> InvoiceLine:
    """A service at its catalogue price (before GST) and GST rate, with its SAC code."""
    if not service.is_active:
        raise ValidationError({"service": [f"{service.name} is no longer offered."]})
    if service.hospital_id != invoice.branch.hospital_id:
        raise ValidationError({"service": [f"{service.name} is not a service of this hospital."]})
    return invoice_add_line(
        acting_user=acting_user,
        invoice=invoice,
        description=service.name,
        quantity=quantity,
        unit_price=service.price,
        gst_rate=service.gst_rate,
        service=service,
        hsn_sac_code=service.sac_code,
    )


def _add_medicine_lines(
    locked: Invoice, *, acting_user, issues: Iterable[Issue], medicine: Medicine
) -> list[InvoiceLine]:
    issues = list(issues)
    if not issues:
        raise ValidationError("No stock was issued, so there is nothing to bill.")
    lines = []
    label = medicine_label(medicine)
    for issue in issues:
        batch = issue.batch
        if batch.medicine_id != medicine.pk:
            raise ValidationError(f"Batch {batch.batch_number} is not {label}.")
        if batch.branch_id != locked.branch_id:
            raise ValidationError(f"Batch {batch.batch_number} is not stock of {locked.branch.name}.")
        if isinstance(issue.quantity, bool) or not isinstance(issue.quantity, int) or issue.quantity <= 0:
            raise ValidationError("An issued quantity must be a whole number of at least 1.")
        quantity = Decimal(issue.quantity)
        taxable, gst = gst_within_mrp(gross=batch.mrp * quantity, gst_rate=medicine.gst_rate)
        lines.append(
            _insert_line(
                locked,
                description=f"{label}, batch {batch.batch_number}, exp {batch.expiry_date:%m/%Y}",
                quantity=quantity,
                unit_price=round_paise(taxable / quantity),
                gst_rate=medicine.gst_rate,
                taxable_amount=taxable,
                gst_amount=gst,
                medicine=medicine,
                stock_batch=batch,
                hsn_sac_code=medicine.hsn_code,
            )
        )
    _recompute_totals(locked, acting_user, f"medicine added: {label}")
    return lines


@transaction.atomic
def invoice_add_medicine_issue(
    *, acting_user, invoice: Invoice, issues: Iterable[Issue], medicine: Medicine
) -> list[InvoiceLine]:
    """Bill what stock_issue returned: one line per batch, priced from the batch MRP.

    MRP in India includes GST, so the line total is MRP x quantity and the taxable value is
    back-calculated (gst_within_mrp); unit_price stores that taxable value per unit, to the paisa.
    Call it in the same transaction as stock_issue (or use invoice_add_medicine, which does both),
    so that a refused invoice also returns the stock.
    """
    locked = _lock(invoice)
    _require_draft(locked)
    lines = _add_medicine_lines(locked, acting_user=acting_user, issues=issues, medicine=medicine)
    _sync_caller(invoice, locked)
    return lines


@transaction.atomic
def invoice_add_medicine(
    *, acting_user, invoice: Invoice, medicine: Medicine, quantity: int, on_date=None
) -> list[InvoiceLine]:
    """Dispense and bill in one transaction: lock the invoice, issue stock FIFO, add the MRP lines."""
    locked = _lock(invoice)
    _require_draft(locked)
    issues = stock_issue(
        acting_user=acting_user, medicine=medicine, branch=locked.branch, quantity=quantity, on_date=on_date
    )
    lines = _add_medicine_lines(locked, acting_user=acting_user, issues=issues, medicine=medicine)
    _sync_caller(invoice, locked)
    return lines


@transaction.atomic
def invoice_issue(*, acting_user, invoice: Invoice) -> Invoice:
    """Draft -> issued; from now on the lines are fixed. A zero-total invoice is paid on issue."""
    locked = _lock(invoice)
    _require_draft(locked, "only a draft invoice can be issued")
    if not locked.lines.exists():
        raise ApplicationError(
            f"Invoice {locked.number} has no lines; add what is being billed first.", code="invoice_empty"
        )
    locked.status = InvoiceStatus.ISSUED
    locked.issued_at = timezone.now()
    fields = ["status", "issued_at"]
    if locked.grand_total == 0:
        locked.status = InvoiceStatus.PAID
        locked.paid_at = locked.issued_at
        fields.append("paid_at")
    _save(locked, acting_user, "issued", fields)
    _sync_caller(invoice, locked)
    return locked


@transaction.atomic
def invoice_record_payment(*, acting_user, invoice: Invoice, amount) -> Invoice:
    """Take a payment against an issued invoice; it becomes paid when nothing is left due."""
    amount = _clean_money(
        amount, key="amount", what="amount", positive=True, field=Invoice._meta.get_field("amount_paid")
    )
    locked = _lock(invoice)
    consequence = {
        InvoiceStatus.DRAFT: "issue it before taking payment",
        InvoiceStatus.PAID: "nothing is due on it",
        InvoiceStatus.CANCELLED: "it cannot take payments",
    }
    if locked.status != InvoiceStatus.ISSUED:
        raise _refuse(locked, consequence[locked.status])
    if amount > locked.balance_due:
        raise ValidationError(
            {
                "amount": [
                    f"{rupees(amount)} is more than the {rupees(locked.balance_due)} due on "
                    f"invoice {locked.number}."
                ]
            }
        )
    locked.amount_paid = locked.amount_paid + amount
    fields = ["amount_paid"]
    if locked.amount_paid == locked.grand_total:
        locked.status = InvoiceStatus.PAID
        locked.paid_at = timezone.now()
        fields += ["status", "paid_at"]
    _save(locked, acting_user, f"payment {amount}", fields)
    _sync_caller(invoice, locked)
    return locked


@transaction.atomic
def invoice_cancel(*, acting_user, invoice: Invoice, reason: str) -> Invoice:
    """Draft or issued -> cancelled, with the reason kept in the notes. Paid invoices stay.

    Stock issued onto a cancelled invoice is not returned here: returning goods to the shelf is
    a separate, physical step.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": ["Say why the invoice is being cancelled."]})
    locked = _lock(invoice)
    if locked.status == InvoiceStatus.PAID:
        raise _refuse(locked, "a paid invoice cannot be cancelled")
    if locked.status == InvoiceStatus.CANCELLED:
        raise _refuse(locked, "it cannot be cancelled again")
    if locked.amount_paid > 0:
        raise InvoiceStateConflict(
            f"{rupees(locked.amount_paid)} has been paid against invoice {locked.number}; "
            "refund it before cancelling.",
            extra={"status": locked.status},
        )
    locked.status = InvoiceStatus.CANCELLED
    who = getattr(acting_user, "get_username", lambda: "system")()
    stamp = timezone.localtime(timezone.now(), locked.branch.zone)
    note = f"Cancelled {stamp:%d %b %Y %H:%M} by {who}: {reason}"
    locked.notes = f"{locked.notes}\n{note}" if locked.notes else note
    _save(locked, acting_user, f"cancelled: {reason}", ["status", "notes"])
    _sync_caller(invoice, locked)
    return locked
