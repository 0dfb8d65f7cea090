"""Invoices: GST maths, MRP-inclusive medicine lines, totals, numbers, and the status workflow with
every refusal leaving the invoice as it was (clinic.services.billing, docs/decisions/0005)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clinic.api_errors import ApplicationError
from clinic.models import Invoice, InvoiceLine, InvoiceStatus, StockBatch
from clinic.selectors.stock import branch_today
from clinic.services.billing import (
    InvoiceStateConflict,
    gst_within_mrp,
    invoice_add_line,
    invoice_add_medicine,
    invoice_add_medicine_issue,
    invoice_add_service,
    invoice_cancel,
    invoice_create,
    invoice_issue,
    invoice_record_payment,
    rupees,
)
from clinic.services.patients import patient_soft_delete
from clinic.services.stock import InsufficientStock, stock_issue
from tests.factories import MedicineFactory, ServiceFactory, StockBatchFactory, make_patient

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def consult(hospital):
    return ServiceFactory(
        hospital=hospital, name="Dermatology consultation", price=D("1000.00"), gst_rate=D("18")
    )


@pytest.fixture
def cream(hospital):
    return MedicineFactory(
        hospital=hospital,
        generic_name="Tretinoin",
        form="cream",
        strength="0.025%",
        unit="tube",
        gst_rate=D("12"),
        hsn_code="3004",
    )


@pytest.fixture
def draft(front_desk_a, branch_a, patient_a):
    return invoice_create(acting_user=front_desk_a, branch=branch_a, patient=patient_a)


def batch(medicine, branch, *, quantity=10, mrp="120.00", expires_in_days=200, number=None):
    extra = {"batch_number": number} if number else {}
    return StockBatchFactory(
        medicine=medicine,
        branch=branch,
        quantity_received=quantity,
        mrp=D(mrp),
        expiry_date=branch_today(branch) + datetime.timedelta(days=expires_in_days),
        **extra,
    )


def state(invoice: Invoice) -> tuple:
    """Everything a refusal must leave alone."""
    row = Invoice.objects.get(pk=invoice.pk)
    lines = list(InvoiceLine.objects.filter(invoice=invoice).values_list("pk", "line_total"))
    return (
        row.status,
        row.taxable_total,
        row.gst_total,
        row.grand_total,
        row.amount_paid,
        row.issued_at,
        row.paid_at,
        row.notes,
        lines,
        row.history.count(),
    )


def add(invoice, user, **kwargs):
    data = {"description": "Chemical peel", "quantity": 1, "unit_price": D("1000.00"), "gst_rate": D("18")}
    return invoice_add_line(acting_user=user, invoice=invoice, **{**data, **kwargs})


def assert_totals_are_sum_of_lines(invoice):
    invoice = Invoice.objects.get(pk=invoice.pk)
    lines = list(invoice.lines.all())
    assert invoice.taxable_total == sum(line.taxable_amount for line in lines)
    assert invoice.gst_total == sum(line.gst_amount for line in lines)
    assert (
        invoice.grand_total
        == sum(line.line_total for line in lines)
        == invoice.taxable_total + invoice.gst_total
    )


# --- GST maths -----------------------------------------------------------------------------------


def test_a_1000_rupee_service_at_18_percent(draft, front_desk_a, consult):
    line = invoice_add_service(acting_user=front_desk_a, invoice=draft, service=consult)

    assert (line.quantity, line.unit_price, line.gst_rate) == (D("1.00"), D("1000.00"), D("18"))
    assert (line.taxable_amount, line.gst_amount, line.line_total) == (
        D("1000.00"),
        D("180.00"),
        D("1180.00"),
    )
    assert (line.cgst_amount, line.sgst_amount) == (D("90.00"), D("90.00"))
    assert (line.hsn_sac_code, line.service, line.description) == (
        "999312",
        consult,
        "Dermatology consultation",
    )
    draft.refresh_from_db()
    assert (draft.taxable_total, draft.gst_total, draft.grand_total) == (
        D("1000.00"),
        D("180.00"),
        D("1180.00"),
    )


@pytest.mark.parametrize(
    ("quantity", "unit_price", "rate", "taxable", "gst"),
    [
        ("3", "33.33", "18", "99.99", "18.00"),  # 17.9982 -> 18.00
        ("1", "10.10", "5", "10.10", "0.51"),  # 0.505 -> 0.51 half-up (half-even would give 0.50)
        ("1", "0.10", "5", "0.10", "0.01"),  # 0.005 -> 0.01
        ("2.5", "99.99", "12", "249.98", "30.00"),  # 249.975 -> 249.98; 29.9976 -> 30.00
        ("1", "0.00", "18", "0.00", "0.00"),
    ],
)
def test_odd_paise_round_half_up_per_line(draft, front_desk_a, quantity, unit_price, rate, taxable, gst):
    line = add(draft, front_desk_a, quantity=quantity, unit_price=D(unit_price), gst_rate=D(rate))

    assert (line.taxable_amount, line.gst_amount, line.line_total) == (
        D(taxable),
        D(gst),
        D(taxable) + D(gst),
    )
    assert line.cgst_amount + line.sgst_amount == line.gst_amount
    assert_totals_are_sum_of_lines(draft)


def test_medicine_line_is_priced_from_mrp_including_gst(draft, front_desk_a, cream, branch_a):
    stocked = batch(cream, branch_a, quantity=10, mrp="120.00", number="TR01")

    [line] = invoice_add_medicine(acting_user=front_desk_a, invoice=draft, medicine=cream, quantity=3)

    # 3 x MRP 120.00 = 360.00 paid; taxable 360 x 100/112 = 321.428.. -> 321.43; GST the remaining 38.57.
    assert (line.line_total, line.taxable_amount, line.gst_amount) == (D("360.00"), D("321.43"), D("38.57"))
    assert (line.quantity, line.unit_price, line.gst_rate, line.hsn_sac_code) == (
        D("3"),
        D("107.14"),
        D("12"),
        "3004",
    )
    assert (line.medicine, line.stock_batch) == (cream, stocked)
    assert line.description == f"Tretinoin 0.025% cream, batch TR01, exp {stocked.expiry_date:%m/%Y}"
    assert StockBatch.objects.get(pk=stocked.pk).quantity_available == 7
    draft.refresh_from_db()
    assert draft.grand_total == D("360.00")


@pytest.mark.parametrize(
    ("gross", "rate", "taxable", "gst"),
    [
        ("100.00", "12", "89.29", "10.71"),
        ("99.99", "5", "95.23", "4.76"),
        ("1.00", "18", "0.85", "0.15"),
        ("50.00", "0", "50.00", "0.00"),
    ],
)
def test_mrp_inclusive_split_never_changes_what_the_patient_pays(gross, rate, taxable, gst):
    assert gst_within_mrp(gross=D(gross), gst_rate=D(rate)) == (D(taxable), D(gst))


def test_medicine_spanning_two_batches_bills_each_batch_at_its_own_mrp(draft, front_desk_a, cream, branch_a):
    old = batch(cream, branch_a, quantity=2, mrp="110.00", expires_in_days=30)
    new = batch(cream, branch_a, quantity=10, mrp="120.00", expires_in_days=300)

    issues = stock_issue(acting_user=front_desk_a, medicine=cream, branch=branch_a, quantity=3)
    lines = invoice_add_medicine_issue(acting_user=front_desk_a, invoice=draft, issues=issues, medicine=cream)

    assert [(ln.stock_batch, ln.quantity, ln.line_total) for ln in lines] == [
        (old, D("2"), D("220.00")),
        (new, D("1"), D("120.00")),
    ]
    assert_totals_are_sum_of_lines(draft)
    assert draft.grand_total == D("340.00")  # the caller's object is kept current


def test_totals_equal_the_sum_of_lines_after_several_adds(draft, front_desk_a, consult, cream, branch_a):
    batch(cream, branch_a, quantity=5, mrp="245.50")
    invoice_add_service(acting_user=front_desk_a, invoice=draft, service=consult)
    add(
        draft,
        front_desk_a,
        description="Sunscreen sample",
        quantity=2,
        unit_price=D("49.99"),
        gst_rate=D("5"),
    )
    invoice_add_medicine(acting_user=front_desk_a, invoice=draft, medicine=cream, quantity=3)
    add(draft, front_desk_a, description="Dressing", quantity="1.5", unit_price=D("33.33"), gst_rate=D("12"))

    assert_totals_are_sum_of_lines(draft)
    row = Invoice.objects.get(pk=draft.pk)
    assert row.grand_total == D("1180.00") + D("104.98") + D("736.50") + D("56.00")
    assert row.history.first().history_user == front_desk_a


# --- Numbers -------------------------------------------------------------------------------------


def test_invoice_numbers_are_per_branch_per_year_and_distinct(front_desk_a, branch_a, branch_b, patient_a):
    year = branch_today(branch_a).year
    numbers = [
        invoice_create(acting_user=front_desk_a, branch=branch_a, patient=patient_a).number for _ in range(3)
    ]
    other = invoice_create(acting_user=front_desk_a, branch=branch_b, patient=patient_a)

    assert numbers == [f"INV-BLR-{year}-00001", f"INV-BLR-{year}-00002", f"INV-BLR-{year}-00003"]
    assert other.number == f"INV-HYD-{year}-00001"
    assert Invoice.objects.get(number=numbers[0]).status == InvoiceStatus.DRAFT


def test_no_invoice_for_a_deleted_patient(front_desk_a, branch_a):
    gone = patient_soft_delete(acting_user=front_desk_a, patient=make_patient(branch=branch_a))

    with pytest.raises(ApplicationError, match="record is closed"):
        invoice_create(acting_user=front_desk_a, branch=branch_a, patient=gone)

    assert not Invoice.objects.exists()


# --- Workflow ------------------------------------------------------------------------------------


def test_draft_is_issued_then_paid_in_two_instalments(draft, front_desk_a, consult):
    invoice_add_service(acting_user=front_desk_a, invoice=draft, service=consult)

    issued = invoice_issue(acting_user=front_desk_a, invoice=draft)
    assert (issued.status, issued.issued_at is not None) == (InvoiceStatus.ISSUED, True)

    part = invoice_record_payment(acting_user=front_desk_a, invoice=draft, amount=D("500.00"))
    assert (part.status, part.amount_paid, part.balance_due, part.paid_at) == (
        InvoiceStatus.ISSUED,
        D("500.00"),
        D("680.00"),
        None,
    )

    paid = invoice_record_payment(acting_user=front_desk_a, invoice=draft, amount="680.00")
    row = Invoice.objects.get(pk=draft.pk)
    assert (paid.status, row.status, row.amount_paid, row.balance_due) == (
        InvoiceStatus.PAID,
        InvoiceStatus.PAID,
        D("1180.00"),
        D("0.00"),
    )
    assert row.paid_at is not None


def test_a_zero_total_invoice_is_paid_on_issue(draft, front_desk_a):
    add(draft, front_desk_a, description="Free follow-up", unit_price=D("0.00"))

    issued = invoice_issue(acting_user=front_desk_a, invoice=draft)

    assert (issued.status, issued.grand_total) == (InvoiceStatus.PAID, D("0.00"))


def test_cancel_a_draft_keeps_the_reason(draft, front_desk_a):
    cancelled = invoice_cancel(
        acting_user=front_desk_a, invoice=draft, reason="  Patient   left before treatment "
    )

    row = Invoice.objects.get(pk=draft.pk)
    assert (cancelled.status, row.status) == (InvoiceStatus.CANCELLED, InvoiceStatus.CANCELLED)
    assert row.notes.endswith("by frontdesk_a: Patient left before treatment")
    assert row.history.first().history_change_reason == "cancelled: Patient left before treatment"


def test_cancel_an_issued_unpaid_invoice(draft, front_desk_a, consult):
    invoice_add_service(acting_user=front_desk_a, invoice=draft, service=consult)
    invoice_issue(acting_user=front_desk_a, invoice=draft)

    assert (
        invoice_cancel(acting_user=front_desk_a, invoice=draft, reason="Billed twice").status == "cancelled"
    )


# --- Every refusal leaves the invoice as it was ----------------------------------------------------


@pytest.fixture
def issued(draft, front_desk_a, consult):
    invoice_add_service(acting_user=front_desk_a, invoice=draft, service=consult)
    return invoice_issue(acting_user=front_desk_a, invoice=draft)


@pytest.fixture
def paid(issued, front_desk_a):
    return invoice_record_payment(acting_user=front_desk_a, invoice=issued, amount=D("1180.00"))


@pytest.fixture
def cancelled(draft, front_desk_a):
    return invoice_cancel(acting_user=front_desk_a, invoice=draft, reason="Entered by mistake")


def test_an_empty_invoice_cannot_be_issued(draft, front_desk_a):
    before = state(draft)

    with pytest.raises(ApplicationError) as refused:
        invoice_issue(acting_user=front_desk_a, invoice=draft)

    assert refused.value.code == "invoice_empty"
    assert state(draft) == before


@pytest.mark.parametrize(
    ("which", "phrase"), [("issued", "already issued"), ("paid", "already paid"), ("cancelled", "cancelled")]
)
def test_only_a_draft_takes_lines_or_can_be_issued(request, front_desk_a, which, phrase):
    invoice = request.getfixturevalue(which)
    before = state(invoice)

    with pytest.raises(InvoiceStateConflict) as refused:
        add(invoice, front_desk_a)
    assert refused.value.http_status == 409
    assert (
        refused.value.message
        == f"Invoice {invoice.number} is {phrase}; only a draft invoice can take new lines."
    )

    with pytest.raises(InvoiceStateConflict, match="only a draft invoice can be issued"):
        invoice_issue(acting_user=front_desk_a, invoice=invoice)
    assert state(invoice) == before


def test_medicine_for_an_issued_invoice_is_refused_and_stock_stays(issued, front_desk_a, cream, branch_a):
    stocked = batch(cream, branch_a, quantity=10)
    before = state(issued)

    with pytest.raises(InvoiceStateConflict):
        invoice_add_medicine(acting_user=front_desk_a, invoice=issued, medicine=cream, quantity=2)

    assert state(issued) == before
    assert StockBatch.objects.get(pk=stocked.pk).quantity_available == 10


def test_medicine_short_of_stock_adds_no_line(draft, front_desk_a, cream, branch_a):
    stocked = batch(cream, branch_a, quantity=2)
    before = state(draft)

    with pytest.raises(InsufficientStock):
        invoice_add_medicine(acting_user=front_desk_a, invoice=draft, medicine=cream, quantity=3)

    assert state(draft) == before
    assert StockBatch.objects.get(pk=stocked.pk).quantity_available == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "1.005"}, "quantity"),
        ({"unit_price": D("-0.01")}, "unit_price"),
        ({"unit_price": "abc"}, "unit_price"),
        ({"gst_rate": D("7")}, "gst_rate"),
        ({"description": "   "}, "description"),
        ({"hsn_sac_code": "123456789"}, "hsn_sac_code"),
    ],
)
def test_bad_lines_are_refused(draft, front_desk_a, changes, field):
    before = state(draft)

    with pytest.raises(ValidationError) as refused:
        add(draft, front_desk_a, **changes)

    assert field in refused.value.message_dict
    assert state(draft) == before


def test_float_money_is_a_programming_error(draft, front_desk_a):
    with pytest.raises(TypeError):
        add(draft, front_desk_a, unit_price=10.1)


def test_payment_on_a_draft_is_refused(draft, front_desk_a):
    add(draft, front_desk_a)
    before = state(draft)

    with pytest.raises(InvoiceStateConflict, match="is still a draft; issue it before taking payment"):
        invoice_record_payment(acting_user=front_desk_a, invoice=draft, amount=D("100.00"))

    assert state(draft) == before


@pytest.mark.parametrize(
    ("which", "message"), [("paid", "nothing is due"), ("cancelled", "cannot take payments")]
)
def test_payment_on_a_paid_or_cancelled_invoice_is_refused(request, front_desk_a, which, message):
    invoice = request.getfixturevalue(which)
    before = state(invoice)

    with pytest.raises(InvoiceStateConflict, match=message):
        invoice_record_payment(acting_user=front_desk_a, invoice=invoice, amount=D("1.00"))

    assert state(invoice) == before


@pytest.mark.parametrize("amount", [D("0"), D("-10.00"), "0.001", None])
def test_non_positive_or_malformed_payments_are_refused(issued, front_desk_a, amount):
    before = state(issued)

    with pytest.raises(ValidationError) as refused:
        invoice_record_payment(acting_user=front_desk_a, invoice=issued, amount=amount)

    assert "amount" in refused.value.message_dict
    assert state(issued) == before


def test_overpayment_is_refused(issued, front_desk_a):
    invoice_record_payment(acting_user=front_desk_a, invoice=issued, amount=D("1000.00"))
    before = state(issued)

    with pytest.raises(ValidationError) as refused:
        invoice_record_payment(acting_user=front_desk_a, invoice=issued, amount=D("180.01"))

    assert refused.value.message_dict["amount"] == [
        f"₹180.01 is more than the ₹180.00 due on invoice {issued.number}."
    ]
    assert state(issued) == before


def test_a_paid_invoice_cannot_be_cancelled(paid, front_desk_a):
    before = state(paid)

    with pytest.raises(InvoiceStateConflict, match="is already paid; a paid invoice cannot be cancelled"):
        invoice_cancel(acting_user=front_desk_a, invoice=paid, reason="Changed mind")

    assert state(paid) == before


def test_a_part_paid_invoice_cannot_be_cancelled(issued, front_desk_a):
    invoice_record_payment(acting_user=front_desk_a, invoice=issued, amount=D("100.00"))
    before = state(issued)

    with pytest.raises(InvoiceStateConflict, match=r"₹100\.00 has been paid .* refund it before cancelling"):
        invoice_cancel(acting_user=front_desk_a, invoice=issued, reason="Changed mind")

    assert state(issued) == before


def test_cancel_needs_a_reason_and_happens_once(cancelled, draft, front_desk_a, branch_a, patient_a):
    before = state(cancelled)
    with pytest.raises(InvoiceStateConflict, match="is cancelled; it cannot be cancelled again"):
        invoice_cancel(acting_user=front_desk_a, invoice=cancelled, reason="Again")
    assert state(cancelled) == before

    fresh = invoice_create(acting_user=front_desk_a, branch=branch_a, patient=patient_a)
    fresh_before = state(fresh)
    with pytest.raises(ValidationError) as refused:
        invoice_cancel(acting_user=front_desk_a, invoice=fresh, reason="  ")
    assert "reason" in refused.value.message_dict
    assert state(fresh) == fresh_before


def test_rupees_use_indian_grouping():
    assert [rupees(D(x)) for x in ("0", "999.5", "1180", "118000", "12345678.9")] == [
        "₹0.00",
        "₹999.50",
        "₹1,180.00",
        "₹1,18,000.00",
        "₹1,23,45,678.90",
    ]
