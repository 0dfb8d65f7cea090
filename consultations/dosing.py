"""Frequencies in Indian shorthand, durations, and the quantity a course needs where it can be counted.

"1-0-1" counts doses morning-afternoon-night (a fourth number, bedtime, is allowed: "1-1-1-1");
OD/BD/TDS/QID are once to four times a day, HS at bedtime, SOS when needed (no fixed count).
"""

import math
import re
from fractions import Fraction

from django.core.exceptions import ValidationError

from consultations.models import DurationUnit, Frequency

PRESET_DOSES_PER_DAY: dict[str, Fraction | None] = {
    Frequency.OD: Fraction(1),
    Frequency.BD: Fraction(2),
    Frequency.TDS: Fraction(3),
    Frequency.QID: Fraction(4),
    Frequency.HS: Fraction(1),
    Frequency.ALTERNATE_DAYS: Fraction(1, 2),
    Frequency.WEEKLY: Fraction(1, 7),
    Frequency.SOS: None,
    Frequency.STAT: None,
}
ALIASES = {
    "QD": "OD",
    "ONCE DAILY": "OD",
    "ONCE A DAY": "OD",
    "BID": "BD",
    "TWICE DAILY": "BD",
    "TID": "TDS",
    "THRICE DAILY": "TDS",
    "QDS": "QID",
    "PRN": "SOS",
    "AS NEEDED": "SOS",
    "ALTERNATE DAYS": "ALT",
    "ONCE A WEEK": "WEEKLY",
    "QHS": "HS",
    "BEDTIME": "HS",
}
_NUMBER = r"(?:\d+(?:\.\d+)?|\d+/\d+|½|¼)"
PATTERN = re.compile(rf"^{_NUMBER}(?:-{_NUMBER}){{2,3}}$")
DAYS_PER_UNIT = {DurationUnit.DAYS: 1, DurationUnit.WEEKS: 7, DurationUnit.MONTHS: 30}
COUNTABLE_FORMS = frozenset({"tablet", "capsule"})
_COUNTABLE_WORD = re.compile(r"\b(tab|tabs|tablet|tablets|cap|caps|capsule|capsules)\b", re.IGNORECASE)
_LEADING_AMOUNT = re.compile(rf"^\s*({_NUMBER})(?:\s|$)")

FREQUENCY_HELP = "Choose how often: OD, BD, TDS, QID, HS, SOS, or a pattern such as 1-0-1."


def _number(text: str) -> Fraction:
    return {"½": Fraction(1, 2), "¼": Fraction(1, 4)}.get(text) or Fraction(text)


def frequency_normalize(value: str) -> str:
    """'bd' -> 'BD', '1 - 0 - 1' -> '1-0-1', 'prn' -> 'SOS'; anything else is refused."""
    text = " ".join(str(value or "").upper().split())
    if not text:
        raise ValidationError({"frequency": [FREQUENCY_HELP]})
    text = ALIASES.get(text, text)
    compact = text.replace(" ", "")
    if text in Frequency.values:
        return text
    if PATTERN.match(compact):
        if sum(_number(part) for part in compact.split("-")) == 0:
            raise ValidationError({"frequency": [f"{compact} gives no dose at all. {FREQUENCY_HELP}"]})
        return compact
    raise ValidationError({"frequency": [f"'{value}' is not a frequency we know. {FREQUENCY_HELP}"]})


def doses_per_day(frequency: str) -> Fraction | None:
    """None when the count cannot be known in advance (SOS, STAT)."""
    if frequency in PRESET_DOSES_PER_DAY:
        return PRESET_DOSES_PER_DAY[frequency]
    return sum((_number(part) for part in frequency.split("-")), Fraction(0))


def duration_days(value: int, unit: str) -> int:
    return value * DAYS_PER_UNIT[unit]


def units_per_dose(dosage: str) -> Fraction | None:
    """'1 tablet' -> 1, '½ tab' -> 1/2, '2 caps' -> 2; 'thin layer' -> None."""
    match = _LEADING_AMOUNT.match(dosage or "")
    return _number(match.group(1)) if match else None


def is_countable(*, dosage: str, dosage_form: str) -> bool:
    return dosage_form in COUNTABLE_FORMS or bool(_COUNTABLE_WORD.search(dosage or ""))


def quantity_compute(
    *,
    dosage: str,
    dosage_form: str,
    frequency: str,
    duration_value: int,
    duration_unit: str,
    taper_schedule: list[dict] | None = None,
) -> int | None:
    """Tablets or capsules for the whole course, tapering stages included; None when it cannot be
    counted (creams, SOS, a dose given as 'thin layer')."""
    if not is_countable(dosage=dosage, dosage_form=dosage_form):
        return None
    stages = [
        {
            "dosage": dosage,
            "frequency": frequency,
            "duration_value": duration_value,
            "duration_unit": duration_unit,
        },
        *(taper_schedule or []),
    ]
    total = Fraction(0)
    for stage in stages:
        per_dose = units_per_dose(stage["dosage"])
        if per_dose is None:
            return None
        if stage["frequency"] == Frequency.STAT:
            total += per_dose
            continue
        per_day = doses_per_day(stage["frequency"])
        if per_day is None:
            return None
        total += per_dose * per_day * duration_days(stage["duration_value"], stage["duration_unit"])
    return math.ceil(total)
