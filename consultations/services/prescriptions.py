"""The prescription builder: items on a draft, safety checks, finalizing, amending, dispensing.

- Each item is checked against the patient's active drug allergies (by generic name and class)
  and the InteractionRule table (against the other items and the patient's current medications).
  A warning blocks the item (409 with the warnings) unless the request overrides it by key with a
  reason; the override (who, when, why, which warning) is kept.
- A finalized prescription never changes: editing it, or finalizing it again, is refused. An
  amendment is a new draft version pointing at the old one; finalizing it marks the old one amended.
- Dispensing issues the in-house items FIFO from stock onto the visit's draft invoice through
  clinic.services.billing, all or nothing.

Lock order everywhere: consultation, then prescription, then invoice, then stock batches.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from clinic.api_errors import Conflict
from clinic.models import Invoice, InvoiceStatus, Medicine
from clinic.selectors.stock import branch_today
from clinic.services.billing import invoice_add_medicine, invoice_create
from clinic.services.sequences import number_next
from clinic.services.stock import medicine_label, unit_plural
from consultations import dosing
from consultations.drug_checks import (
    Drug,
    DrugWarning,
    allergy_warnings,
    interaction_warnings,
    names_of,
    rule_names,
)
from consultations.models import (
    Consultation,
    ConsultationStatus,
    DurationUnit,
    InteractionRule,
    Prescription,
    PrescriptionItem,
    PrescriptionStatus,
    PrescriptionWarningOverride,
    Route,
    Timing,
)
from consultations.services.common import check_fresh, lock_consultation, require_open, save_with_history
from emr.selectors import allergy_active_drug_list, medication_current_list

ITEM_FIELDS = (
    "medicine",
    "medicine_name",
    "generic_name",
    "drug_class",
    "dosage_form",
    "dosage",
    "frequency",
    "duration_value",
    "duration_unit",
    "quantity",
    "dispense_quantity",
    "timing",
    "route",
    "instructions",
    "taper_schedule",
    "is_in_house",
    "display_order",
)
PRESCRIPTION_FIELDS = ("general_instructions", "dietary_advice", "follow_up_instructions", "follow_up_date")
FORM_ROUTES = {
    "tablet": Route.ORAL,
    "capsule": Route.ORAL,
    "syrup": Route.ORAL,
    "cream": Route.TOPICAL,
    "ointment": Route.TOPICAL,
    "gel": Route.TOPICAL,
    "lotion": Route.TOPICAL,
    "solution": Route.TOPICAL,
    "sunscreen": Route.TOPICAL,
    "soap": Route.TOPICAL,
    "serum": Route.TOPICAL,
    "shampoo": Route.SCALP,
}
MAX_TAPER_STAGES = 12
HASHED_ITEM_FIELDS = (
    "medicine_name",
    "dosage",
    "frequency",
    "duration_value",
    "duration_unit",
    "quantity",
    "timing",
    "route",
    "instructions",
    "taper_schedule",
)


class PrescriptionWarnings(Conflict):
    """One or more safety warnings need an override with a reason (409, warnings in the body)."""

    code = "prescription_warning"


class PrescriptionNotEditable(Conflict):
    code = "prescription_not_editable"


@dataclass
class DispenseResult:
    invoice: Invoice | None
    items: list[PrescriptionItem] = field(default_factory=list)
    lines: list = field(default_factory=list)


# --- Reading helpers --------------------------------------------------------------------------


def _lock(prescription: Prescription) -> Prescription:
    return (
        Prescription.objects.select_for_update(of=("self",))
        .select_related("consultation", "patient", "branch", "doctor")
        .get(pk=prescription.pk)
    )


def _refuse_unless_draft(prescription: Prescription, doing: str) -> None:
    if prescription.status == PrescriptionStatus.DRAFT:
        return
    if prescription.status == PrescriptionStatus.FINALIZED:
        message = (
            f"Prescription {prescription.label} is finalized and cannot change; {doing} needs an amendment "
            "(a new version)."
        )
    elif prescription.status == PrescriptionStatus.AMENDED:
        message = (
            f"Prescription {prescription.label} has been replaced by an amendment; {doing} is not possible."
        )
    else:
        message = f"Prescription {prescription.label} is cancelled; {doing} is not possible."
    raise PrescriptionNotEditable(message, extra={"status": prescription.status})


def items_hash(prescription: Prescription, items: list[PrescriptionItem] | None = None) -> str:
    """A fingerprint of what is prescribed, fixed at finalizing and shown by the QR verification."""
    items = (
        items if items is not None else list(prescription.items.order_by("display_order", "created_at", "id"))
    )
    payload = {
        "number": prescription.number,
        "version": prescription.version,
        "items": [{name: getattr(item, name) for name in HASHED_ITEM_FIELDS} for item in items],
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- The draft -------------------------------------------------------------------------------


def _new_prescription(consultation: Consultation, acting_user, **fields) -> Prescription:
    prescription = Prescription(
        consultation=consultation,
        patient_id=consultation.patient_id,
        doctor_id=consultation.doctor_id,
        branch_id=consultation.branch_id,
        status=PrescriptionStatus.DRAFT,
        verification_token=secrets.token_urlsafe(24),
        created_by=acting_user,
        **fields,
    )
    if "number" not in fields:
        branch = consultation.branch
        prescription.number = number_next(branch=branch, prefix="RX", year=branch_today(branch).year)
    return prescription


@transaction.atomic
def prescription_get_or_create_draft(*, acting_user, consultation: Consultation) -> Prescription:
    """The consultation's draft prescription, started when there is none. Once one is finalized,
    changes go through prescription_amend."""
    locked = lock_consultation(consultation)
    draft = Prescription.objects.filter(consultation=locked, status=PrescriptionStatus.DRAFT).first()
    if draft is not None:
        return draft
    require_open(locked, "starting a prescription")
    current = (
        Prescription.objects.filter(consultation=locked, status=PrescriptionStatus.FINALIZED)
        .order_by("-version")
        .first()
    )
    if current is not None:
        raise PrescriptionNotEditable(
            f"Prescription {current.label} is finalized; amend it to change it.",
            extra={"prescription_id": str(current.pk)},
        )
    prescription = _new_prescription(locked, acting_user)
    save_with_history(prescription, acting_user=acting_user, reason="started")
    return prescription


@transaction.atomic
def prescription_update(
    *, acting_user, prescription: Prescription, data: dict[str, Any], expected_updated_at=None
) -> Prescription:
    """Advice, diet and follow-up of a draft."""
    unknown = sorted(set(data) - set(PRESCRIPTION_FIELDS))
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    locked = _lock(prescription)
    _refuse_unless_draft(locked, "changing the advice")
    check_fresh(locked, expected_updated_at, "prescription")
    if data.get("follow_up_date") and data["follow_up_date"] <= branch_today(locked.branch):
        raise ValidationError({"follow_up_date": ["The follow-up date must be after today."]})
    changed = []
    for name, value in data.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(locked, name) != value:
            setattr(locked, name, value)
            changed.append(name)
    if changed:
        save_with_history(
            locked, acting_user=acting_user, reason=f"changed {', '.join(changed)}", fields=changed
        )
    return locked


# --- Items: cleaning ----------------------------------------------------------------------------


def _text(value) -> str:
    return " ".join(str(value or "").split())


def _positive_int(value, name: str, message: str, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise ValidationError({name: [message]})
        return None
    if isinstance(value, bool):
        raise ValidationError({name: [message]})
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError({name: [message]}) from None
    if number < 1 or number > 32767:
        raise ValidationError({name: [message]})
    return number


def _clean_taper(stages) -> list[dict]:
    if not stages:
        return []
    if not isinstance(stages, list) or len(stages) > MAX_TAPER_STAGES:
        raise ValidationError(
            {"taper_schedule": [f"A taper is a list of at most {MAX_TAPER_STAGES} stages."]}
        )
    cleaned = []
    for n, stage in enumerate(stages, 1):
        if not isinstance(stage, dict):
            raise ValidationError({"taper_schedule": [f"Stage {n}: give dosage, frequency and duration."]})
        dosage = _text(stage.get("dosage"))
        if not dosage:
            raise ValidationError({"taper_schedule": [f"Stage {n}: enter the dose."]})
        try:
            frequency = dosing.frequency_normalize(stage.get("frequency"))
        except ValidationError as exc:
            raise ValidationError(
                {"taper_schedule": [f"Stage {n}: {exc.message_dict['frequency'][0]}"]}
            ) from None
        value = _positive_int(
            stage.get("duration_value"), "taper_schedule", f"Stage {n}: enter for how long.", required=True
        )
        unit = stage.get("duration_unit") or DurationUnit.DAYS
        if unit not in DurationUnit.values:
            raise ValidationError(
                {"taper_schedule": [f"Stage {n}: the duration is in days, weeks or months."]}
            )
        cleaned.append(
            {"dosage": dosage, "frequency": frequency, "duration_value": value, "duration_unit": unit}
        )
    return cleaned


def _clean_item(prescription: Prescription, data: dict[str, Any]) -> dict[str, Any]:
    """The item's fields as they will be saved; a refusal names the field to fix."""
    unknown = sorted(set(data) - set(ITEM_FIELDS))
    if unknown:
        raise ValidationError({name: ["Not a field of a prescription item."] for name in unknown})
    out: dict[str, Any] = {}
    medicine: Medicine | None = data.get("medicine")
    if medicine is not None:
        if medicine.hospital_id != prescription.branch.hospital_id:
            raise ValidationError(
                {"medicine": [f"{medicine_label(medicine)} is not on this clinic's medicine list."]}
            )
        if not medicine.is_active:
            raise ValidationError(
                {"medicine": [f"{medicine_label(medicine)} is no longer stocked; choose another."]}
            )
        brand = f" ({medicine.brand_name})" if medicine.brand_name else ""
        out.update(
            medicine=medicine,
            medicine_name=f"{medicine_label(medicine)}{brand}"[:200],
            generic_name=medicine.generic_name,
            drug_class=medicine.drug_class.lower(),
            dosage_form=medicine.form,
        )
    else:
        name = _text(data.get("medicine_name"))
        if not name:
            raise ValidationError({"medicine_name": ["Choose a medicine from the list or type its name."]})
        out.update(
            medicine=None,
            medicine_name=name[:200],
            generic_name=_text(data.get("generic_name")).lower(),
            drug_class=_text(data.get("drug_class")).lower(),
            dosage_form=_text(data.get("dosage_form")).lower()[:20],
        )
    dosage = _text(data.get("dosage"))
    if not dosage:
        raise ValidationError({"dosage": ["Enter the dose, e.g. '1 tablet' or 'thin layer'."]})
    out["dosage"] = dosage[:50]
    out["frequency"] = dosing.frequency_normalize(data.get("frequency"))
    out["duration_value"] = _positive_int(
        data.get("duration_value"), "duration_value", "Enter for how long, e.g. 5 (days).", required=True
    )
    out["duration_unit"] = data.get("duration_unit") or DurationUnit.DAYS
    if out["duration_unit"] not in DurationUnit.values:
        raise ValidationError({"duration_unit": ["The duration is in days, weeks or months."]})
    out["taper_schedule"] = _clean_taper(data.get("taper_schedule"))
    timing = data.get("timing") or ""
    if timing not in Timing.values:
        raise ValidationError(
            {"timing": ["Choose before food, after food, with food, empty stomach or bedtime."]}
        )
    out["timing"] = timing
    route = data.get("route") or FORM_ROUTES.get(out["dosage_form"], Route.OTHER)
    if route not in Route.values:
        raise ValidationError({"route": [f"Choose one of: {', '.join(Route.values)}."]})
    out["route"] = route
    out["instructions"] = (data.get("instructions") or "").strip()
    quantity = _positive_int(
        data.get("quantity"), "quantity", "Enter the quantity as a whole number.", required=False
    )
    if quantity is None:
        quantity = dosing.quantity_compute(
            dosage=out["dosage"],
            dosage_form=out["dosage_form"],
            frequency=out["frequency"],
            duration_value=out["duration_value"],
            duration_unit=out["duration_unit"],
            taper_schedule=out["taper_schedule"],
        )
    out["quantity"] = quantity
    out["is_in_house"] = bool(data.get("is_in_house"))
    out["display_order"] = (
        _positive_int(data.get("display_order"), "display_order", "A position.", required=False) or 0
    )
    out["dispense_quantity"] = None
    if out["is_in_house"]:
        if medicine is None:
            raise ValidationError(
                {"is_in_house": ["Only a medicine from the clinic's list can be dispensed here."]}
            )
        given = _positive_int(
            data.get("dispense_quantity"), "dispense_quantity", "Enter how many to dispense.", required=False
        )
        if (
            given is None
            and quantity
            and medicine.unit.lower().rstrip("s") in dosing.COUNTABLE_FORMS | {"tab", "cap"}
        ):
            given = quantity
        if given is None:
            raise ValidationError(
                {
                    "dispense_quantity": [
                        f"Enter how many {unit_plural(medicine.unit)} of {medicine_label(medicine)} "
                        "to dispense."
                    ]
                }
            )
        out["dispense_quantity"] = given
    return out


# --- Items: safety checks ------------------------------------------------------------------------


TOPICAL_ROUTES = frozenset({Route.TOPICAL, Route.SCALP, Route.OPHTHALMIC})


def _drug(fields_or_item, ref: str = "") -> Drug:
    get = (
        fields_or_item.get if isinstance(fields_or_item, dict) else lambda name: getattr(fields_or_item, name)
    )
    return Drug.of(
        label=get("medicine_name"),
        generic_name=get("generic_name"),
        drug_class=get("drug_class"),
        ref=ref,
        topical=get("route") in TOPICAL_ROUTES,
    )


def _context_drugs(prescription: Prescription, *, exclude_item_id=None) -> list[Drug]:
    """The other items of this prescription and the medicines the patient already takes."""
    items = (
        prescription.items.all()
        if exclude_item_id is None
        else prescription.items.exclude(pk=exclude_item_id)
    )
    drugs = [_drug(item, ref=f"item:{item.pk}") for item in items.order_by("display_order", "created_at")]
    for med in medication_current_list(patient_id=prescription.patient_id):
        drugs.append(
            Drug(
                label=med.condition_name,
                ingredients=names_of(med.condition_name),
                classes=frozenset(),
                ref=f"medication:{med.pk}",
                medication_id=med.pk,
            )
        )
    return drugs


def _rules_for(drugs: list[Drug]) -> list[InteractionRule]:
    names = rule_names(drugs)
    if not names:
        return []
    return list(
        InteractionRule.objects.filter(is_active=True)
        .annotate(a=Lower("drug_a"), b=Lower("drug_b"))
        .filter(Q(a__in=names) | Q(b__in=names))
    )


def _warnings(
    prescription: Prescription, drug: Drug, *, exclude_item_id=None, allergies=None
) -> list[DrugWarning]:
    allergies = (
        allergies if allergies is not None else allergy_active_drug_list(patient_id=prescription.patient_id)
    )
    others = _context_drugs(prescription, exclude_item_id=exclude_item_id)
    return allergy_warnings(drug, allergies) + interaction_warnings(drug, others, _rules_for([drug]))


def _clean_overrides(overrides: dict[str, str] | None) -> dict[str, str]:
    cleaned = {}
    for key, reason in (overrides or {}).items():
        reason = _text(reason)
        if not reason:
            raise ValidationError({"overrides": [f"Give a reason for overriding '{key}'."]})
        cleaned[str(key)] = reason[:1000]
    return cleaned


def _resolve(
    warnings: list[DrugWarning], overrides: dict[str, str], already: set[str], item_name: str
) -> list[DrugWarning]:
    unresolved = [w for w in warnings if w.key not in overrides and w.key not in already]
    if unresolved:
        count = len(unresolved)
        raise PrescriptionWarnings(
            f"{item_name}: {count} safety warning{'s' if count > 1 else ''} to review. "
            f"{unresolved[0].message} Override with a reason to prescribe it anyway.",
            extra={"warnings": [w.as_dict() for w in unresolved], "item_name": item_name},
        )
    return [w for w in warnings if w.key in overrides and w.key not in already]


def _record_overrides(
    prescription, item, to_record: list[DrugWarning], overrides: dict[str, str], acting_user
):
    now = timezone.now()
    PrescriptionWarningOverride.objects.bulk_create(
        [
            PrescriptionWarningOverride(
                prescription=prescription,
                item=item,
                item_name=item.medicine_name,
                warning_key=w.key,
                kind=w.kind,
                severity=w.severity,
                message=w.message,
                allergy_id=w.allergy_id,
                rule_id=w.rule_id,
                other_medication_id=w.other_medication_id,
                reason=overrides[w.key],
                overridden_by=acting_user,
                overridden_at=now,
            )
            for w in to_record
        ]
    )


def _overridden_keys(item: PrescriptionItem) -> set[str]:
    return set(PrescriptionWarningOverride.objects.filter(item=item).values_list("warning_key", flat=True))


# --- Items: writes -----------------------------------------------------------------------------


@transaction.atomic
def prescription_item_add(
    *,
    acting_user,
    prescription: Prescription,
    data: dict[str, Any],
    overrides: dict[str, str] | None = None,
    item_id=None,
) -> PrescriptionItem:
    """Add a medicine to a draft. `overrides` maps warning keys to reasons. With `item_id` (chosen
    by the client) a retried request returns the item already added instead of adding it twice."""
    locked = _lock(prescription)
    if item_id is not None:
        existing = PrescriptionItem.objects.filter(pk=item_id).first()
        if existing is not None:
            if existing.prescription_id != locked.pk:
                raise ValidationError({"id": ["This item id belongs to another prescription."]})
            return existing
    _refuse_unless_draft(locked, "adding a medicine")
    fields = _clean_item(locked, data)
    overrides = _clean_overrides(overrides)
    warnings = _warnings(locked, _drug(fields))
    to_record = _resolve(warnings, overrides, set(), fields["medicine_name"])
    item = PrescriptionItem(prescription=locked, **fields)
    if item_id is not None:
        item.id = item_id
    if not fields["display_order"]:
        item.display_order = locked.items.count() + 1
    save_with_history(item, acting_user=acting_user, reason="added")
    _record_overrides(locked, item, to_record, overrides, acting_user)
    _touch(locked, acting_user, f"added {item.medicine_name}")
    return item


def _touch(prescription: Prescription, acting_user, reason: str) -> None:
    """Bump the prescription's updated_at, so a client holding an old copy learns of the change."""
    save_with_history(prescription, acting_user=acting_user, reason=reason, fields=[])


@transaction.atomic
def prescription_item_update(
    *,
    acting_user,
    item: PrescriptionItem,
    data: dict[str, Any],
    overrides: dict[str, str] | None = None,
    expected_updated_at=None,
) -> PrescriptionItem:
    """Change an item of a draft (only the fields given); the checks run again on the result."""
    locked = _lock(item.prescription)
    _refuse_unless_draft(locked, "changing a medicine")
    current = (
        PrescriptionItem.objects.select_for_update(of=("self",)).select_related("medicine").get(pk=item.pk)
    )
    check_fresh(current, expected_updated_at, "medicine")
    merged = {name: getattr(current, name) for name in ITEM_FIELDS}
    if "medicine" in data and data["medicine"] is None:
        merged.update(generic_name="", drug_class="", dosage_form="")
    if "quantity" not in data and any(
        name in data
        for name in ("dosage", "frequency", "duration_value", "duration_unit", "taper_schedule", "medicine")
    ):
        merged["quantity"] = None  # recompute for the new course
    if "dispense_quantity" not in data and ("quantity" in data or "medicine" in data):
        merged["dispense_quantity"] = None
    merged.update(data)
    fields = _clean_item(locked, merged)
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    if not changed:
        return current
    overrides = _clean_overrides(overrides)
    warnings = _warnings(locked, _drug(fields), exclude_item_id=current.pk)
    to_record = _resolve(warnings, overrides, _overridden_keys(current), fields["medicine_name"])
    for name in changed:
        setattr(current, name, fields[name])
    save_with_history(
        current, acting_user=acting_user, reason=f"changed {', '.join(changed)}"[:100], fields=changed
    )
    _record_overrides(locked, current, to_record, overrides, acting_user)
    _touch(locked, acting_user, f"changed {current.medicine_name}")
    return current


@transaction.atomic
def prescription_item_remove(*, acting_user, item: PrescriptionItem) -> None:
    locked = _lock(item.prescription)
    _refuse_unless_draft(locked, "removing a medicine")
    item._history_user = acting_user
    item._change_reason = "removed"
    name = item.medicine_name
    item.delete()
    _touch(locked, acting_user, f"removed {name}")


# --- Finalizing and amending -----------------------------------------------------------------------


def prescription_unresolved_warnings(prescription: Prescription) -> list[dict]:
    """Warnings of the items as things stand now (allergies may have been added meanwhile) that
    no override covers, each with the item it concerns."""
    items = list(prescription.items.order_by("display_order", "created_at"))
    allergies = allergy_active_drug_list(patient_id=prescription.patient_id)
    keys_by_item: dict = {}
    for override in PrescriptionWarningOverride.objects.filter(prescription=prescription, item__isnull=False):
        keys_by_item.setdefault(override.item_id, set()).add(override.warning_key)
    unresolved = []
    for item in items:
        for warning in _warnings(prescription, _drug(item), exclude_item_id=item.pk, allergies=allergies):
            if warning.key not in keys_by_item.get(item.pk, set()):
                unresolved.append(
                    {**warning.as_dict(), "item_id": str(item.pk), "item_name": item.medicine_name}
                )
    return unresolved


@transaction.atomic
def prescription_finalize(*, acting_user, prescription: Prescription) -> Prescription:
    """Sign the draft: from now on it is immutable. Finalizing twice is refused. An amendment,
    once finalized, marks the version it replaces as amended."""
    locked = _lock(prescription)
    if locked.status == PrescriptionStatus.FINALIZED:
        when = timezone.localtime(locked.finalized_at, locked.branch.zone)
        raise PrescriptionNotEditable(
            f"Prescription {locked.label} was already finalized on {when:%d %b %Y at %I:%M %p}.",
            code="already_finalized",
        )
    _refuse_unless_draft(locked, "finalizing")
    if locked.consultation.status == ConsultationStatus.CANCELLED:
        raise PrescriptionNotEditable(f"Consultation {locked.consultation.number} was cancelled.")
    items = list(locked.items.order_by("display_order", "created_at", "id"))
    if not items and not locked.general_instructions.strip():
        raise ValidationError("Add at least one medicine, or some advice, before finalizing.")
    unresolved = prescription_unresolved_warnings(locked)
    if unresolved:
        raise PrescriptionWarnings(
            f"{len(unresolved)} safety warning(s) are not overridden; {unresolved[0]['message']}",
            extra={"warnings": unresolved},
        )
    locked.status = PrescriptionStatus.FINALIZED
    locked.finalized_at = timezone.now()
    locked.finalized_by = acting_user
    locked.items_hash = items_hash(locked, items)
    save_with_history(
        locked,
        acting_user=acting_user,
        reason="finalized",
        fields=["status", "finalized_at", "finalized_by", "items_hash"],
    )
    if locked.amends_id:
        previous = Prescription.objects.select_for_update().get(pk=locked.amends_id)
        previous.status = PrescriptionStatus.AMENDED
        save_with_history(
            previous, acting_user=acting_user, reason=f"amended by v{locked.version}", fields=["status"]
        )
    return locked


@transaction.atomic
def prescription_amend(*, acting_user, prescription: Prescription, reason: str) -> Prescription:
    """Start a new version of a finalized prescription: a draft with the same number, version + 1,
    `amends` pointing at it, and its items (and their overrides) copied. Asking again returns the
    same draft."""
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": ["Say why the prescription is being amended."]})
    lock_consultation(prescription.consultation)
    locked = _lock(prescription)
    pending = Prescription.objects.filter(amends=locked).first()
    if pending is not None:
        if pending.status == PrescriptionStatus.DRAFT:
            return pending
        raise PrescriptionNotEditable(
            f"Prescription {locked.label} was already amended by {pending.label}; amend that one instead."
        )
    if locked.status != PrescriptionStatus.FINALIZED:
        raise PrescriptionNotEditable(
            f"Prescription {locked.label} is {locked.get_status_display().lower()}; "
            "only a finalized one can be amended."
        )
    copy_fields = {name: getattr(locked, name) for name in (*PRESCRIPTION_FIELDS, "number")}
    draft = _new_prescription(
        locked.consultation,
        acting_user,
        version=locked.version + 1,
        amends=locked,
        amendment_reason=reason,
        **copy_fields,
    )
    try:
        with transaction.atomic():
            save_with_history(draft, acting_user=acting_user, reason=f"amends v{locked.version}: {reason}")
    except IntegrityError:
        raise PrescriptionNotEditable(
            "This consultation already has a draft prescription; finish or remove it first."
        ) from None
    old_items = list(locked.items.order_by("display_order", "created_at"))
    mapping = {}
    for old in old_items:
        new = PrescriptionItem(
            prescription=draft,
            **{name: getattr(old, name) for name in ITEM_FIELDS},
            dispensed_at=old.dispensed_at,
        )
        save_with_history(new, acting_user=acting_user, reason=f"copied from v{locked.version}")
        mapping[old.pk] = new
    PrescriptionWarningOverride.objects.bulk_create(
        [
            PrescriptionWarningOverride(
                prescription=draft,
                item=mapping[o.item_id],
                item_name=o.item_name,
                warning_key=o.warning_key,
                kind=o.kind,
                severity=o.severity,
                message=o.message,
                allergy_id=o.allergy_id,
                rule_id=o.rule_id,
                other_medication_id=o.other_medication_id,
                reason=o.reason,
                overridden_by_id=o.overridden_by_id,
                overridden_at=o.overridden_at,
            )
            for o in PrescriptionWarningOverride.objects.filter(prescription=locked, item_id__in=mapping)
        ]
    )
    return draft


# --- Dispensing -------------------------------------------------------------------------------------


def _visit_invoice(consultation: Consultation, acting_user) -> Invoice:
    """The visit's draft invoice (the consultation is locked by the caller); a new one when it has
    none or its invoice was already issued."""
    invoice = Invoice.objects.filter(pk=consultation.invoice_id).first() if consultation.invoice_id else None
    if invoice is not None and invoice.status == InvoiceStatus.DRAFT:
        return invoice
    invoice = invoice_create(
        acting_user=acting_user, branch=consultation.branch, patient=consultation.patient
    )
    consultation.invoice = invoice
    save_with_history(
        consultation, acting_user=acting_user, reason=f"invoice {invoice.number}", fields=["invoice"]
    )
    return invoice


@transaction.atomic
def prescription_dispense(*, acting_user, prescription: Prescription) -> DispenseResult:
    """Issue every in-house item not yet dispensed, FIFO by expiry, onto the visit's draft invoice.
    All or nothing: a shortage (clinic's InsufficientStock, 409) leaves stock and invoice as they
    were. Dispensing again finds nothing left to do."""
    consultation = lock_consultation(prescription.consultation)
    locked = _lock(prescription)
    if locked.status != PrescriptionStatus.FINALIZED:
        what = (
            "finalize it first"
            if locked.status == PrescriptionStatus.DRAFT
            else "dispense its current version"
        )
        raise PrescriptionNotEditable(
            f"Prescription {locked.label} is {locked.get_status_display().lower()}; {what}.",
            code="not_dispensable",
        )
    pending = list(
        locked.items.filter(is_in_house=True, dispensed_at__isnull=True)
        .select_related("medicine")
        .order_by("display_order", "created_at")
    )
    if not pending:
        return DispenseResult(invoice=locked.invoice)
    invoice = _visit_invoice(consultation, acting_user)
    now = timezone.now()
    result = DispenseResult(invoice=invoice)
    for item in pending:
        result.lines += invoice_add_medicine(
            acting_user=acting_user, invoice=invoice, medicine=item.medicine, quantity=item.dispense_quantity
        )
        item.dispensed_at = now
        save_with_history(
            item,
            acting_user=acting_user,
            reason=f"dispensed {item.dispense_quantity}",
            fields=["dispensed_at"],
        )
        result.items.append(item)
    locked.dispensed_at, locked.dispensed_by, locked.invoice = now, acting_user, invoice
    save_with_history(
        locked,
        acting_user=acting_user,
        reason="dispensed",
        fields=["dispensed_at", "dispensed_by", "invoice"],
    )
    return result
