"""Registering, editing and erasing patients. Encryption and blind indexes are kept here."""

import datetime
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from clinic import blind_index, keystore
from clinic.api_errors import ApplicationError
from clinic.identifiers import abha_address_normalize, abha_number_normalize, phone_normalize
from clinic.models import Branch, DataKeyPurpose, Patient, PatientSearchToken
from clinic.services.sequences import number_next

logger = logging.getLogger(__name__)

PII_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "alternate_phone",
    "email",
    "address",
    "pin_code",
    "abha_number",
    "abha_address",
    "emergency_contact_name",
    "emergency_contact_phone",
)
PLAIN_FIELDS = ("sex", "special_groups", "preferred_language", "emergency_contact_relation")
EDITABLE_FIELDS = PII_FIELDS + PLAIN_FIELDS


class PossibleDuplicate(ApplicationError):
    code = "possible_duplicate"
    http_status = 409


@dataclass
class PatientInput:
    first_name: str
    phone: str
    last_name: str = ""
    date_of_birth: datetime.date | None = None
    alternate_phone: str = ""
    email: str = ""
    address: str = ""
    pin_code: str = ""
    abha_number: str = ""
    abha_address: str = ""
    emergency_contact_name: str = ""
    emergency_contact_relation: str = ""
    emergency_contact_phone: str = ""
    sex: str = "U"
    special_groups: list | None = None
    preferred_language: str = "en"


def _clean(data: dict) -> dict:
    """Validate and normalise; raise one ValidationError naming every bad field."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(data)

    def check(field, fn):
        if cleaned.get(field):
            try:
                cleaned[field] = fn(cleaned[field])
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)

    for field in ("first_name", "last_name", "address", "emergency_contact_name", "email", "pin_code"):
        if isinstance(cleaned.get(field), str):
            cleaned[field] = " ".join(cleaned[field].split())
    if "first_name" in cleaned and not cleaned["first_name"]:
        errors["first_name"] = ["Enter the patient's first name."]
    if "phone" in cleaned and not cleaned["phone"]:
        errors["phone"] = ["Enter a phone number; it is how the clinic finds and reminds the patient."]
    for field in ("phone", "alternate_phone", "emergency_contact_phone"):
        check(field, phone_normalize)
    check("abha_number", abha_number_normalize)
    check("abha_address", abha_address_normalize)
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
            cleaned["email"] = cleaned["email"].lower()
        except ValidationError:
            errors["email"] = ["Enter a valid email address."]
    if cleaned.get("pin_code") and not (len(cleaned["pin_code"]) == 6 and cleaned["pin_code"].isdigit()):
        errors["pin_code"] = ["A PIN code has 6 digits."]
    dob = cleaned.get("date_of_birth")
    if isinstance(dob, str):
        try:
            dob = cleaned["date_of_birth"] = datetime.date.fromisoformat(dob) if dob else None
        except ValueError:
            errors["date_of_birth"] = ["Enter the date of birth as YYYY-MM-DD."]
            dob = None
    if dob and dob > timezone.localdate():
        errors["date_of_birth"] = ["The date of birth is in the future."]
    if dob and dob.year < 1900:
        errors["date_of_birth"] = ["The date of birth is before 1900."]
    if errors:
        raise ValidationError(errors)
    return cleaned


def patient_search_tokens(patient: Patient) -> set[str]:
    """Every blind-index token of a patient's current identity (see clinic.blind_index)."""
    tokens = {blind_index.phone_token(p) for p in (patient.phone, patient.alternate_phone) if p}
    tokens.update(blind_index.name_tokens(patient.first_name, patient.last_name))
    if patient.email:
        tokens.add(blind_index.exact_token("email", patient.email))
    if patient.abha_number:
        tokens.add(blind_index.exact_token("abha", patient.abha_number))
    return tokens


def _refresh_indexes(patient: Patient) -> None:
    """Replace the patient's tokens (call after the patient row is saved, in the same transaction)."""
    PatientSearchToken.objects.filter(patient=patient).delete()
    PatientSearchToken.objects.bulk_create(
        [PatientSearchToken(patient=patient, token=t) for t in sorted(patient_search_tokens(patient))]
    )


def patient_duplicates(*, first_name: str, last_name: str, phone: str, exclude_id=None) -> list[Patient]:
    """Patients already registered with the same phone and the same name."""
    from clinic.selectors.patients import patient_base_queryset, with_all_tokens

    whole_name = [blind_index.token("name", w) for w in blind_index.name_words(f"{first_name} {last_name}")]
    qs = with_all_tokens(
        patient_base_queryset(), [blind_index.phone_token(phone_normalize(phone)), *whole_name]
    )
    if exclude_id:
        qs = qs.exclude(id=exclude_id)
    return list(qs[:5])


@transaction.atomic
def patient_register(*, acting_user, branch: Branch, data: dict, allow_duplicate: bool = False) -> Patient:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: ["Unknown field."] for f in unknown})
    cleaned = _clean({**PatientInput(first_name="", phone="").__dict__, **data})
    cleaned["special_groups"] = cleaned.get("special_groups") or []
    if not allow_duplicate:
        dupes = patient_duplicates(
            first_name=cleaned["first_name"], last_name=cleaned["last_name"], phone=cleaned["phone"]
        )
        if dupes:
            raise PossibleDuplicate(
                "A patient with this name and phone is already registered. Open the existing record, "
                "or confirm that this is a different person.",
                extra={"matches": [{"id": str(p.id), "mrn": p.mrn} for p in dupes]},
            )
    patient = Patient(registered_branch=branch, created_by=acting_user, updated_by=acting_user, **cleaned)
    patient.pii_key = keystore.data_key_get_or_create(subject_id=patient.id, purpose=DataKeyPurpose.PII)
    patient.mrn = number_next(branch=branch, prefix="MRN")
    patient.save(force_insert=True)
    _refresh_indexes(patient)
    logger.info("patient %s registered at branch %s", patient.id, branch.code)
    return patient


@transaction.atomic
def patient_update(*, acting_user, patient: Patient, data: dict) -> Patient:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: ["Unknown field."] for f in unknown})
    if patient.is_erased:
        raise ApplicationError(
            "This patient's identity was erased; the record cannot be edited.", code="erased"
        )
    cleaned = _clean(data)
    for field, value in cleaned.items():
        setattr(patient, field, value if value is not None else "")
    patient.updated_by = acting_user
    patient.save()
    _refresh_indexes(patient)
    return patient


@transaction.atomic
def patient_soft_delete(*, acting_user, patient: Patient) -> Patient:
    patient.is_deleted = True
    patient.deleted_at = timezone.now()
    patient.updated_by = acting_user
    patient.save(update_fields=["is_deleted", "deleted_at", "updated_by", "updated_at"])
    return patient


@transaction.atomic
def patient_crypto_shred(*, acting_user, patient: Patient) -> Patient:
    """Erase a patient's identity for good: destroy their data keys and the search indexes.

    Clinical rows stay (retention law) but nothing identifying can ever be decrypted again.
    """
    keystore.subject_shred(subject_id=patient.id)
    PatientSearchToken.objects.filter(patient=patient).delete()
    patient.pii_key = None
    patient.is_deleted = True
    patient.deleted_at = timezone.now()
    patient.updated_by = acting_user
    patient.save(update_fields=["pii_key", "is_deleted", "deleted_at", "updated_by", "updated_at"])
    logger.info("patient %s crypto-shredded by user %s", patient.id, getattr(acting_user, "pk", None))
    return patient


@dataclass
class DecryptCheck:
    checked: int = 0
    failed: int = 0
    first_failed_id: str | None = None


def patients_verify_decryptable(*, chunk_size: int = 1000) -> DecryptCheck:
    """Open every encrypted field of every patient whose key exists (shredded patients are skipped)."""
    from clinic.fields import EncryptedTextField

    fields = [f for f in Patient._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    result = DecryptCheck()
    qs = Patient.objects.filter(pii_key__isnull=False).select_related("pii_key").order_by("id")
    for patient in qs.iterator(chunk_size=chunk_size):
        result.checked += 1
        try:
            for field in fields:
                blob = patient.__dict__.get(field.attname)
                if isinstance(blob, bytes):
                    keystore.decrypt(blob=blob, context=field.context(patient), key=patient.pii_key)
        except keystore.KeyUnavailable:
            result.failed += 1
            result.first_failed_id = result.first_failed_id or str(patient.id)
    return result
