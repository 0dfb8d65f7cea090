"""Dispensing in-house items: FIFO by expiry through clinic's billing (never an expired batch, never
below zero), all or nothing, once only, and safe when two counters dispense the last units at once."""

import threading

import pytest
from django.db import connection

from clinic.models import Invoice, InvoiceLine, StockBatch
from clinic.services.stock import InsufficientStock
from consultations.models import Prescription
from consultations.services.prescriptions import (
    PrescriptionNotEditable,
    prescription_dispense,
    prescription_finalize,
    prescription_get_or_create_draft,
    prescription_item_add,
)
from consultations.services.workflow import consultation_start
from tests.consultations.conftest import add_batch, checked_in_appointment, item_data
from tests.factories import make_patient


def prescribe(consultation, doctor, *items) -> Prescription:
    draft = prescription_get_or_create_draft(acting_user=doctor, consultation=consultation)
    for data in items:
        prescription_item_add(acting_user=doctor, prescription=draft, data=data)
    return prescription_finalize(acting_user=doctor, prescription=draft)


def quantities(*batches) -> list[int]:
    return [StockBatch.objects.get(pk=b.pk).quantity_available for b in batches]


def test_in_house_items_are_issued_fifo_skipping_an_expired_batch(
    consultation_a, doctor_a, branch_a, medicines
):
    doxy = medicines["doxycycline"]
    expired = add_batch(doxy, branch_a, quantity=10, expires_in_days=-3, received_days_ago=400, number="OLD1")
    late = add_batch(doxy, branch_a, quantity=10, expires_in_days=300, number="LATE1")
    early = add_batch(doxy, branch_a, quantity=2, expires_in_days=30, number="EARLY1", mrp="150.00")
    rx = prescribe(
        consultation_a,
        doctor_a,
        item_data(
            doxy, dosage="1 capsule", frequency="BD", duration_value=14, is_in_house=True, dispense_quantity=3
        ),
        item_data(medicine_name="Sunscreen SPF 50", dosage="apply", frequency="TDS", route="topical"),
    )

    result = prescription_dispense(acting_user=doctor_a, prescription=rx)

    assert quantities(expired, early, late) == [10, 0, 9]
    lines = list(InvoiceLine.objects.filter(invoice=result.invoice).order_by("id"))
    assert [(line.stock_batch.batch_number, int(line.quantity), line.line_total) for line in lines] == [
        ("EARLY1", 2, 300),
        ("LATE1", 1, 120),
    ]
    assert result.invoice.patient == consultation_a.patient and result.invoice.status == "draft"
    rx.refresh_from_db()
    consultation_a.refresh_from_db()
    assert rx.dispensed_by == doctor_a and rx.invoice == result.invoice == consultation_a.invoice
    assert [i.dispensed_at is not None for i in rx.items.order_by("display_order")] == [True, False]

    again = prescription_dispense(acting_user=doctor_a, prescription=rx)
    assert again.items == [] and InvoiceLine.objects.count() == 2 and quantities(early, late) == [0, 9]


def test_dispensing_more_than_stock_is_refused_with_the_clinics_message_and_changes_nothing(
    consultation_a, doctor_a, branch_a, medicines
):
    doxy, cetirizine = medicines["doxycycline"], medicines["cetirizine"]
    add_batch(cetirizine, branch_a, quantity=50, expires_in_days=300)
    batch = add_batch(doxy, branch_a, quantity=2, expires_in_days=100)
    add_batch(doxy, branch_a, quantity=4, expires_in_days=-1, received_days_ago=300)
    rx = prescribe(
        consultation_a,
        doctor_a,
        item_data(cetirizine, is_in_house=True),
        item_data(doxy, dosage="1 capsule", is_in_house=True, dispense_quantity=3),
    )
    with pytest.raises(InsufficientStock) as refused:
        prescription_dispense(acting_user=doctor_a, prescription=rx)
    assert refused.value.message == (
        "Only 2 strips of Doxycycline 100 mg capsule in stock at Indiranagar "
        "(4 more in an expired batch); 3 requested."
    )
    assert quantities(batch) == [2]
    assert StockBatch.objects.get(medicine=cetirizine).quantity_available == 50
    assert not InvoiceLine.objects.exists() and not Invoice.objects.exists()
    assert not rx.items.filter(dispensed_at__isnull=False).exists()


def test_a_draft_cannot_be_dispensed(consultation_a, doctor_a, medicines):
    draft = prescription_get_or_create_draft(acting_user=doctor_a, consultation=consultation_a)
    with pytest.raises(PrescriptionNotEditable, match="finalize it first"):
        prescription_dispense(acting_user=doctor_a, prescription=draft)


def test_an_in_house_item_says_how_many_stock_units_to_hand_over(consultation_a, doctor_a, medicines):
    from django.core.exceptions import ValidationError

    draft = prescription_get_or_create_draft(acting_user=doctor_a, consultation=consultation_a)
    with pytest.raises(ValidationError) as refused:
        prescription_item_add(
            acting_user=doctor_a,
            prescription=draft,
            data=item_data(medicines["tretinoin"], dosage="apply", is_in_house=True),
        )
    assert refused.value.message_dict["dispense_quantity"] == [
        "Enter how many tubes of Tretinoin 0.025% w/w cream to dispense."
    ]


@pytest.mark.django_db(transaction=True)
def test_two_counters_dispensing_the_last_units_at_once_exactly_one_succeeds(branch_a, doctor_a, medicines):
    cetirizine = medicines["cetirizine"]
    batch = add_batch(cetirizine, branch_a, quantity=10, expires_in_days=90)
    expired = add_batch(cetirizine, branch_a, quantity=10, expires_in_days=-1, received_days_ago=200)
    prescriptions = []
    for name in ("Asha", "Vikram"):
        patient = make_patient(branch=branch_a, first_name=name)
        appointment = checked_in_appointment(patient=patient, doctor_user=doctor_a, branch=branch_a)
        consultation = consultation_start(acting_user=doctor_a, appointment=appointment)
        prescriptions.append(prescribe(consultation, doctor_a, item_data(cetirizine, is_in_house=True)))

    barrier = threading.Barrier(len(prescriptions))
    results: list = [None] * len(prescriptions)

    def dispense(index, prescription):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", prescription_dispense(acting_user=doctor_a, prescription=prescription))
        except Exception as exc:  # the test looks at what each counter got
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispense, args=pair) for pair in enumerate(prescriptions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a counter hung (deadlock?)"

    outcomes = sorted("ok" if kind == "ok" else type(value).__name__ for kind, value in results)
    assert outcomes == ["InsufficientStock", "ok"]
    assert quantities(batch, expired) == [0, 10]
    assert InvoiceLine.objects.count() == 1 and Invoice.objects.count() == 1
