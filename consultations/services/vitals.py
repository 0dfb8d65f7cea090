"""Vitals: quick entry saved as typed, BMI computed, abnormal values flagged, impossible ones refused.

A value outside what a living patient can have (a pulse of 900) is a typing slip: it is refused
with a message and nothing is saved. A value outside the adult reference range of the setting
VITALS_NORMAL_RANGES is saved and flagged. Temperature may be entered in °F or °C; it is stored in °C.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultations.models import Consultation, ConsultationStatus, PatientVitals, TemperatureUnit
from consultations.services.common import check_fresh, lock_consultation, require_open, save_with_history


@dataclass(frozen=True)
class Limit:
    label: str
    low: Decimal
    high: Decimal
    unit: str
    whole: bool = True


# What a living patient can show. Outside this a reading is a slip of the finger, not a finding.
VITALS_LIMITS: dict[str, Limit] = {
    "blood_pressure_systolic": Limit("systolic blood pressure", Decimal(50), Decimal(300), "mmHg"),
    "blood_pressure_diastolic": Limit("diastolic blood pressure", Decimal(20), Decimal(200), "mmHg"),
    "pulse_rate": Limit("pulse", Decimal(20), Decimal(250), "/min"),
    "respiratory_rate": Limit("respiratory rate", Decimal(4), Decimal(80), "/min"),
    "spo2": Limit("SpO₂", Decimal(40), Decimal(100), "%"),
    "weight_kg": Limit("weight", Decimal("0.5"), Decimal(350), "kg", whole=False),
    "height_cm": Limit("height", Decimal(30), Decimal(250), "cm", whole=False),
    "blood_glucose": Limit("blood glucose", Decimal(10), Decimal(1500), "mg/dL", whole=False),
}
TEMPERATURE_LIMITS = {
    TemperatureUnit.CELSIUS: (Decimal(25), Decimal(45)),
    TemperatureUnit.FAHRENHEIT: (Decimal(77), Decimal(113)),
}
INPUT_FIELDS = (*VITALS_LIMITS, "temperature", "temperature_unit", "notes")
STORED_FIELDS = (*VITALS_LIMITS, "temperature_c", "temperature_unit", "notes")
TENTH = Decimal("0.1")
RANGE_LABELS = {
    **{name: (limit.label, limit.unit) for name, limit in VITALS_LIMITS.items()},
    "temperature_c": ("temperature", "°C"),
    "bmi": ("BMI", "kg/m²"),
}


def _number(name: str, value: Any, limit_label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = str(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({name: [f"Enter the {limit_label} as a number."]}) from None
    if not number.is_finite():
        raise ValidationError({name: [f"Enter the {limit_label} as a number."]})
    return number


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _check_limit(name: str, value: Decimal, low: Decimal, high: Decimal, label: str, unit: str) -> None:
    if not low <= value <= high:
        spaced = unit if unit.startswith("/") else f" {unit}"
        raise ValidationError(
            {
                name: [
                    f"A {label} of {_fmt(value)}{spaced} is not possible; check the reading "
                    f"(it must be between {_fmt(low)} and {_fmt(high)}{spaced})."
                ]
            }
        )


def fahrenheit_to_celsius(value: Decimal) -> Decimal:
    return ((value - 32) * 5 / 9).quantize(TENTH, rounding=ROUND_HALF_UP)


def celsius_to_fahrenheit(value: Decimal) -> Decimal:
    return (value * 9 / 5 + 32).quantize(TENTH, rounding=ROUND_HALF_UP)


def bmi_compute(weight_kg: Decimal | None, height_cm: Decimal | None) -> Decimal | None:
    if not weight_kg or not height_cm:
        return None
    metres = height_cm / 100
    return (weight_kg / (metres * metres)).quantize(TENTH, rounding=ROUND_HALF_UP)


def normal_ranges() -> dict[str, tuple[Decimal, Decimal]]:
    return {
        name: (Decimal(str(low)), Decimal(str(high)))
        for name, (low, high) in settings.VITALS_NORMAL_RANGES.items()
    }


def abnormal_flags(vitals: PatientVitals) -> list[dict]:
    """Each value outside its adult reference range: {field, value, low, high, direction, message}."""
    flags = []
    for name, (low, high) in normal_ranges().items():
        value = getattr(vitals, name, None)
        if value is None or low <= Decimal(value) <= high:
            continue
        label, unit = RANGE_LABELS.get(name, (name.replace("_", " "), ""))
        direction = "low" if Decimal(value) < low else "high"
        flags.append(
            {
                "field": name,
                "value": _fmt(Decimal(value)),
                "low": _fmt(low),
                "high": _fmt(high),
                "direction": direction,
                "message": f"{label.capitalize()} {_fmt(Decimal(value))} {unit} is {direction} "
                f"(adult range {_fmt(low)} to {_fmt(high)}).",
            }
        )
    return flags


def _clean(data: dict[str, Any], current: PatientVitals) -> dict[str, Any]:
    unknown = sorted(set(data) - set(INPUT_FIELDS))
    if unknown:
        raise ValidationError({name: ["Not a vital sign."] for name in unknown})
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, limit in VITALS_LIMITS.items():
        if name not in data:
            continue
        try:
            value = _number(name, data[name], limit.label)
            if value is not None:
                if limit.whole and value != value.to_integral_value():
                    raise ValidationError({name: [f"Enter the {limit.label} as a whole number."]})
                _check_limit(name, value, limit.low, limit.high, limit.label, limit.unit)
                value = int(value) if limit.whole else value
            cleaned[name] = value
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "temperature" in data or "temperature_unit" in data:
        unit = data.get("temperature_unit") or current.temperature_unit or TemperatureUnit.CELSIUS
        if unit not in TemperatureUnit.values:
            errors["temperature_unit"] = ["Say whether the temperature is in °C (C) or °F (F)."]
        elif "temperature" in data:
            try:
                value = _number("temperature", data["temperature"], "temperature")
                if value is not None:
                    low, high = TEMPERATURE_LIMITS[unit]
                    _check_limit("temperature", value, low, high, "temperature", f"°{unit}")
                    value = fahrenheit_to_celsius(value) if unit == TemperatureUnit.FAHRENHEIT else value
                    value = value.quantize(TENTH, rounding=ROUND_HALF_UP)
                cleaned["temperature_c"] = value
                cleaned["temperature_unit"] = unit
            except ValidationError as exc:
                errors.update(exc.message_dict)
        else:
            cleaned["temperature_unit"] = unit
    if "notes" in data:
        cleaned["notes"] = (data["notes"] or "").strip()
    if errors:
        raise ValidationError(errors)
    systolic = cleaned.get("blood_pressure_systolic", current.blood_pressure_systolic)
    diastolic = cleaned.get("blood_pressure_diastolic", current.blood_pressure_diastolic)
    if systolic is not None and diastolic is not None and systolic <= diastolic:
        raise ValidationError(
            {
                "blood_pressure_diastolic": [
                    f"{systolic}/{diastolic}: the diastolic pressure must be below the systolic."
                ]
            }
        )
    return cleaned


@transaction.atomic
def vitals_record(
    *,
    acting_user,
    consultation: Consultation,
    data: dict[str, Any],
    expected_updated_at: datetime.datetime | None = None,
) -> PatientVitals:
    """Save the vitals typed so far (only the fields given change; None clears one). Saving the
    same values again writes nothing. The first save moves a started consultation to
    'vitals captured'."""
    from consultations.services.workflow import consultation_advance_to

    locked = lock_consultation(consultation)
    require_open(locked, "recording vitals")
    vitals = PatientVitals.objects.select_for_update().filter(consultation=locked).first()
    creating = vitals is None
    if creating:
        vitals = PatientVitals(consultation=locked, patient_id=locked.patient_id, created_by=acting_user)
    else:
        check_fresh(vitals, expected_updated_at, "vitals")
    cleaned = _clean(data, vitals)
    changed = [name for name, value in cleaned.items() if getattr(vitals, name) != value]
    if not changed and not creating:
        return vitals
    for name in changed:
        setattr(vitals, name, cleaned[name])
    bmi = bmi_compute(vitals.weight_kg, vitals.height_cm)
    if bmi is not None and not Decimal("5") <= bmi <= Decimal("150"):
        raise ValidationError(
            {
                "height_cm": [
                    f"A weight of {vitals.weight_kg} kg at {vitals.height_cm} cm gives a BMI of {bmi}; "
                    "check both."
                ]
            }
        )
    vitals.bmi = bmi
    vitals.abnormal = abnormal_flags(vitals)
    vitals.recorded_by = acting_user
    vitals.recorded_at = timezone.now()
    if creating:
        try:
            with transaction.atomic():
                save_with_history(vitals, acting_user=acting_user, reason="recorded")
        except IntegrityError:
            raise ValidationError("These vitals could not be saved; check the values.") from None
    else:
        save_with_history(
            vitals,
            acting_user=acting_user,
            reason=f"changed {', '.join(changed)}",
            fields=[*changed, "bmi", "abnormal", "recorded_by", "recorded_at"],
        )
    if locked.status == ConsultationStatus.STARTED:
        consultation_advance_to(
            acting_user=acting_user, consultation=locked, to_status=ConsultationStatus.VITALS_CAPTURED
        )
        consultation.status = locked.status
    return vitals
