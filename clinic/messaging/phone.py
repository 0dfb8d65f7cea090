"""Phone numbers as messaging providers and logs need them."""

import phonenumbers


def mask_phone(e164: str) -> str:
    """'+919845012345' as '+91 98xxx xx345': enough for a person to recognise, useless to anyone else."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "+" + "x" * 6 if e164 else ""
    national = str(number.national_number)
    if len(national) <= 5:
        masked = "x" * len(national)
    else:
        masked = national[:2] + "x" * (len(national) - 5) + national[-3:]
    if len(masked) == 10:  # Indian mobile numbers are read in two groups of five
        masked = f"{masked[:5]} {masked[5:]}"
    return f"+{number.country_code} {masked}"


def whatsapp_recipient(e164: str) -> str:
    """WhatsApp Cloud API wants the number with its country code and no '+'."""
    return "".join(ch for ch in e164 if ch.isdigit())
