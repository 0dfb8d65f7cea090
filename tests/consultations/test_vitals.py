"""Vitals: BMI computed, °F stored as °C, abnormal values flagged, impossible ones refused with
nothing saved, partial and repeated saves, and the stale-copy conflict."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from consultations.models import PatientVitals
from consultations.services.common import ConsultationClosed, StaleEdit
from consultations.services.vitals import vitals_record


def record(consultation, user, **data):
    return vitals_record(acting_user=user, consultation=consultation, data=data)


def test_bmi_is_computed_and_fahrenheit_is_stored_in_celsius(consultation_a, doctor_a):
    vitals = record(
        consultation_a, doctor_a, weight_kg="68", height_cm="165", temperature="98.6", temperature_unit="F"
    )
    assert vitals.bmi == Decimal("25.0")
    assert vitals.temperature_c == Decimal("37.0")
    assert vitals.temperature_unit == "F"
    assert vitals.recorded_by == doctor_a


def test_values_outside_the_adult_ranges_are_saved_and_flagged(consultation_a, doctor_a):
    vitals = record(
        consultation_a,
        doctor_a,
        blood_pressure_systolic=152,
        blood_pressure_diastolic=96,
        pulse_rate=72,
        spo2=93,
    )
    flags = {flag["field"]: flag for flag in vitals.abnormal}
    assert set(flags) == {"blood_pressure_systolic", "blood_pressure_diastolic", "spo2"}
    assert flags["spo2"]["direction"] == "low"
    assert flags["blood_pressure_systolic"]["message"] == (
        "Systolic blood pressure 152 mmHg is high (adult range 90 to 139)."
    )


@override_settings(VITALS_NORMAL_RANGES={"pulse_rate": (50, 90)})
def test_the_ranges_come_from_settings(consultation_a, doctor_a):
    assert [f["field"] for f in record(consultation_a, doctor_a, pulse_rate=95).abnormal] == ["pulse_rate"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"pulse_rate": 900},
            "pulse_rate",
            "A pulse of 900/min is not possible; check the reading (it must be between 20 and 250/min).",
        ),
        (
            {"temperature": "140", "temperature_unit": "F"},
            "temperature",
            "A temperature of 140 °F is not possible",
        ),
        (
            {"temperature": "98.6", "temperature_unit": "C"},
            "temperature",
            "A temperature of 98.6 °C is not possible",
        ),
        ({"spo2": 101}, "spo2", "A SpO₂ of 101 % is not possible"),
        (
            {"blood_pressure_systolic": 80, "blood_pressure_diastolic": 90},
            "blood_pressure_diastolic",
            "must be below the systolic",
        ),
        ({"weight_kg": "600"}, "weight_kg", "A weight of 600 kg is not possible"),
        ({"pulse_rate": "72.5"}, "pulse_rate", "whole number"),
        ({"pulse_rate": "fast"}, "pulse_rate", "as a number"),
    ],
)
def test_impossible_values_are_refused_and_nothing_is_saved(consultation_a, doctor_a, data, field, message):
    record(consultation_a, doctor_a, pulse_rate=70)
    with pytest.raises(ValidationError) as refused:
        record(consultation_a, doctor_a, **data)
    assert message in refused.value.message_dict[field][0]
    vitals = PatientVitals.objects.get(consultation=consultation_a)
    assert (vitals.pulse_rate, vitals.temperature_c, vitals.spo2, vitals.weight_kg) == (70, None, None, None)
    assert vitals.history.count() == 1


def test_only_the_fields_sent_change_and_a_repeat_writes_nothing(consultation_a, doctor_a, nurse_a):
    record(consultation_a, nurse_a, pulse_rate=80, weight_kg="70", height_cm="170")
    vitals = record(consultation_a, doctor_a, pulse_rate=84)
    assert (vitals.pulse_rate, vitals.weight_kg, vitals.bmi) == (84, Decimal("70.00"), Decimal("24.2"))
    count = vitals.history.count()
    record(consultation_a, doctor_a, pulse_rate=84)
    assert vitals.history.count() == count
    cleared = record(consultation_a, doctor_a, weight_kg=None)
    assert cleared.bmi is None


def test_a_save_based_on_an_old_copy_is_a_conflict(consultation_a, doctor_a):
    first = record(consultation_a, doctor_a, pulse_rate=80)
    seen = first.updated_at
    record(consultation_a, doctor_a, pulse_rate=82)  # another tablet saved meanwhile
    with pytest.raises(StaleEdit, match="changed elsewhere"):
        vitals_record(
            acting_user=doctor_a,
            consultation=consultation_a,
            data={"pulse_rate": 90},
            expected_updated_at=seen,
        )
    assert PatientVitals.objects.get(consultation=consultation_a).pulse_rate == 82


def test_vitals_of_a_closed_consultation_are_refused(consultation_a, doctor_a):
    from consultations.services.workflow import consultation_transition

    consultation_transition(
        acting_user=doctor_a, consultation=consultation_a, to_status="cancelled", reason="mistake"
    )
    with pytest.raises(ConsultationClosed, match="recording vitals is no longer possible"):
        record(consultation_a, doctor_a, pulse_rate=80)
