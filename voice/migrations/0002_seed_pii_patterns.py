"""The PII patterns the clinic starts with: the seed's four regexes (section 5.3) and one row per
code detector, so that the back office sees every detector and can switch any of them off.

The rows are written here (not imported from voice.privacy.patterns) so the migration stays as it
was when it ran; voice.privacy.patterns.default_config() serves the same set without a database.
"""

from django.db import migrations

REGEXES = [
    ("Aadhaar Number", "aadhaar", r"\b\d{4}[\s-]?\d{4}[\s-]?\d{4}\b", "[AADHAAR_REDACTED]", 10),
    ("Phone Number", "phone", r"\b(?:\+91[\s-]?)?[6-9]\d{9}\b", "[PHONE_REDACTED]", 9),
    ("Email Address", "email", r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "[EMAIL_REDACTED]", 8),
    ("PAN Number", "pan", r"\b[A-Z]{5}\d{4}[A-Z]\b", "[PAN_REDACTED]", 7),
]
DETECTORS = [
    ("known_identifiers", "known", "Names, numbers, address parts, email and date of birth from the record", "", 100),
    ("phone", "phone", "Indian phones: +91/0/91, spaced, dashed, comma-grouped, spoken (English, Hindi)",
     "[PHONE_REDACTED]", 9),
    ("aadhaar", "aadhaar", "Aadhaar: 12 digits, Verhoeff-valid, any grouping, written or spoken", "[AADHAAR_REDACTED]", 10),
    ("virtual_id", "vid", "Aadhaar Virtual ID: 16 digits", "[VID_REDACTED]", 10),
    ("abha_number", "abha", "ABHA number: 14 digits", "[ABHA_REDACTED]", 10),
    ("long_number", "id_number", "Any other run of 8 or more digits (an identifier misheard)", "[NUMBER_REDACTED]", 5),
    ("pin_code", "pin", "PIN code: 6 digits in an address context", "[PIN_REDACTED]", 6),
    ("pan", "pan", "PAN: AAAAA9999A, spaced, lowercase or spelt out", "[PAN_REDACTED]", 7),
    ("email", "email", "Email, written or spoken (at the rate, dot com)", "[EMAIL_REDACTED]", 8),
    ("abha_address", "abha_address", "ABHA address: name@abdm / name@sbx, written or spoken", "[ABHA_ADDRESS_REDACTED]", 8),
    ("date_of_birth", "dob", "Dates of birth and other full dates, any written or spoken form", "[DOB_REDACTED]", 6),
    ("address", "address", "Addresses: after 'I live at' / 'address is', house numbers, localities", "[ADDRESS_REDACTED]", 4),
    ("person_name", "name", "People the record does not know: titles, relations, introductions, name list", "[PERSON]", 3),
]  # fmt: skip


def seed(apps, schema_editor):
    Pattern = apps.get_model("voice", "PIIRedactionPattern")
    for name, type_, regex, replacement, priority in REGEXES:
        Pattern.objects.update_or_create(
            pattern_name=name,
            defaults={"pattern_type": type_, "regex_pattern": regex, "replacement_template": replacement,
                      "priority": priority, "description": "Seed default (section 5.3)."},
        )
    for detector, type_, description, replacement, priority in DETECTORS:
        Pattern.objects.update_or_create(
            detector=detector,
            defaults={"pattern_name": f"Detector: {detector.replace('_', ' ')}", "pattern_type": type_,
                      "replacement_template": replacement, "priority": priority, "description": description},
        )


def unseed(apps, schema_editor):
    Pattern = apps.get_model("voice", "PIIRedactionPattern")
    Pattern.objects.filter(pattern_name__in=[r[0] for r in REGEXES]).delete()
    Pattern.objects.filter(detector__in=[d[0] for d in DETECTORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("voice", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
