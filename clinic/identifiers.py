"""Validation and normalisation of Indian identifiers the front desk types (phones, ABHA)."""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError

ABHA_NUMBER = re.compile(r"^\d{14}$")
ABHA_ADDRESS = re.compile(r"^[a-z0-9][a-z0-9._]{2,}@(abdm|sbx)$")


def phone_normalize(raw: str) -> str:
    """'+91 98450 12345', '098450-12345' and '9845012345' all become '+919845012345'."""
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, settings.CLINIC_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError("Enter a valid phone number, e.g. +91 98450 12345.", code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str) -> str:
    """'+919845012345' as '+91 98450 12345'."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164


def phone_like(query: str) -> bool:
    digits = re.sub(r"\D", "", query)
    return len(digits) >= 10 and not re.search(r"[A-Za-z]", query)


def abha_number_normalize(raw: str) -> str:
    """14 digits in any grouping, stored as 12-3456-7890-1234."""
    digits = re.sub(r"[\s-]", "", raw or "")
    if not ABHA_NUMBER.match(digits):
        raise ValidationError("An ABHA number has 14 digits, e.g. 91-1234-5678-9012.", code="invalid_abha")
    return f"{digits[:2]}-{digits[2:6]}-{digits[6:10]}-{digits[10:]}"


def abha_address_normalize(raw: str) -> str:
    value = (raw or "").strip().lower()
    if not ABHA_ADDRESS.match(value):
        raise ValidationError("An ABHA address looks like name.surname@abdm.", code="invalid_abha_address")
    return value
