"""Reads of the consultations app, and the doors to protected records.

`consultation_get_for_user` and `prescription_get_for_user` are the only ways the API and pages
fetch a consultation or a prescription: they ask the `can_*` checks of consultations.permissions,
write the access-log row for a read, and raise when refused (404 when the user may not even know
the record exists, 403 when they may see it but not do what they asked).
"""

import datetime
import enum
import re
import uuid

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramStrictWordSimilarity
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Length
from django.http import HttpRequest

from appointments.models import Appointment, AppointmentStatus
from clinic.api_errors import ApplicationError
from clinic.models import AccessType, Branch, Medicine, StockBatch
from clinic.selectors.stock import branch_today
from clinic.services.access_log import access_log_record
from consultations import permissions
from consultations.models import (
    Consultation,
    ConsultationDiagnosis,
    ConsultationStatus,
    DiagnosisCode,
    DiagnosisCodeKind,
    NoteTemplate,
    Prescription,
    PrescriptionItem,
    PrescriptionStatus,
    PrescriptionWarningOverride,
)
from consultations.services.common import NotYourConsultation

ICD_CODE_LIKE = re.compile(r"^[A-Za-z]\d{0,2}(\.\d{0,2})?$|^[A-Za-z]\d{3,4}$")
ICD_WORD = re.compile(r"\w+", re.UNICODE)
TRIGRAM_MIN_SIMILARITY = 0.4


class NotFound(ApplicationError):
    code = "not_found"
    http_status = 404


class Purpose(enum.StrEnum):
    VIEW = "view"  # read the record: access-logged
    DOWNLOAD = "download"  # a document of it (the PDF): access-logged
    EDIT = "edit"  # change it: the consultation's doctor only
    VITALS = "vitals"  # record vitals: the doctor or a nurse of the branch
    DISPENSE = "dispense"  # hand over in-house medicines: the doctor or the branch's front desk


# --- Consultations ---------------------------------------------------------------------------------


def consultation_detail_queryset() -> QuerySet[Consultation]:
    """Everything the consultation page shows, in a fixed number of queries whatever its size."""
    return Consultation.objects.select_related(
        "patient__pii_key",
        "patient__registered_branch",
        "doctor",
        "branch",
        "appointment",
        "vitals",
        "note",
        "note__verified_by",
    ).prefetch_related(
        Prefetch("diagnoses", queryset=ConsultationDiagnosis.objects.select_related("code")),
        Prefetch("prescriptions", queryset=prescription_queryset().order_by("-version")),
    )


def consultation_get_for_user(
    *,
    user,
    consultation_id: uuid.UUID | str,
    purpose: Purpose = Purpose.VIEW,
    request: HttpRequest | None = None,
    reason: str = "",
    queryset: QuerySet[Consultation] | None = None,
) -> Consultation:
    """The one door to a consultation (and so to its notes)."""
    qs = queryset if queryset is not None else consultation_detail_queryset()
    consultation = qs.filter(pk=consultation_id).first()
    if consultation is None or not permissions.can_view_consultation(user, consultation):
        raise NotFound("No such consultation, or it is not one you can see.")
    if purpose == Purpose.EDIT and not permissions.can_edit_consultation(user, consultation):
        raise NotYourConsultation(
            f"Consultation {consultation.number} is {consultation.doctor.display_name}'s; "
            "only they can change it."
        )
    if purpose == Purpose.VITALS and not permissions.can_record_vitals(user, consultation):
        raise NotYourConsultation(f"You cannot record vitals for consultation {consultation.number}.")
    if purpose in (Purpose.VIEW, Purpose.DOWNLOAD):
        access_log_record(
            user=user,
            record_type="consultation",
            record_id=consultation.pk,
            patient_id=consultation.patient_id,
            access_type=AccessType.DOWNLOAD if purpose == Purpose.DOWNLOAD else AccessType.VIEW,
            reason=reason or "consultation",
            request=request,
        )
    return consultation


def related_or_none(instance, name: str):
    """A reverse one-to-one that may not exist (select_related caches its absence: no query)."""
    try:
        return getattr(instance, name)
    except Exception:
        return None


def current_prescription(consultation: Consultation) -> Prescription | None:
    """The draft being written, else the newest finalized version (from the prefetched list)."""
    versions = list(consultation.prescriptions.all())
    draft = next((p for p in versions if p.status == PrescriptionStatus.DRAFT), None)
    if draft is not None:
        return draft
    signed = [p for p in versions if p.status in (PrescriptionStatus.FINALIZED, PrescriptionStatus.AMENDED)]
    return max(signed, key=lambda p: p.version) if signed else None


def consultation_previous_summary(
    *, consultation: Consultation, user, request: HttpRequest | None = None
) -> dict | None:
    """The patient's last completed visit before this one: when, who, what was found and given.
    Reading it reads that visit's notes, so it is access-logged too."""
    previous = (
        Consultation.objects.filter(
            patient_id=consultation.patient_id,
            status=ConsultationStatus.COMPLETED,
            started_at__lt=consultation.started_at,
        )
        .exclude(pk=consultation.pk)
        .select_related("doctor", "branch", "note")
        .prefetch_related(
            Prefetch("diagnoses", queryset=ConsultationDiagnosis.objects.select_related("code")),
            Prefetch(
                "prescriptions",
                queryset=Prescription.objects.filter(status=PrescriptionStatus.FINALIZED).prefetch_related(
                    Prefetch(
                        "items", queryset=PrescriptionItem.objects.order_by("display_order", "created_at")
                    )
                ),
            ),
        )
        .order_by("-started_at")
        .first()
    )
    if previous is None:
        return None
    access_log_record(
        user=user,
        record_type="consultation",
        record_id=previous.pk,
        patient_id=previous.patient_id,
        reason=f"previous visit summary in {consultation.number}",
        request=request,
    )
    note = related_or_none(previous, "note")
    prescription = max(previous.prescriptions.all(), key=lambda p: p.version, default=None)
    return {
        "consultation_id": previous.pk,
        "number": previous.number,
        "date": previous.started_at.astimezone(previous.branch.zone).date(),
        "doctor": previous.doctor.display_name,
        "branch": previous.branch.name,
        "consultation_type": previous.consultation_type,
        "chief_complaint": note.chief_complaint if note else "",
        "assessment": note.assessment if note else "",
        "plan": note.plan if note else "",
        "diagnoses": [
            {"code": d.code.code, "title": d.code.title, "is_primary": d.is_primary}
            for d in previous.diagnoses.all()
        ],
        "medicines": [
            {
                "medicine_name": i.medicine_name,
                "dosage": i.dosage,
                "frequency": i.frequency,
                "duration": f"{i.duration_value} {i.duration_unit}",
            }
            for i in (prescription.items.all() if prescription else [])
        ],
        "follow_up_date": prescription.follow_up_date if prescription else None,
    }


def consultation_queue_for_doctor(
    *, staff, branch: Branch, day: datetime.date | None = None
) -> list[Appointment]:
    """Today's patients of a doctor at a branch: checked in, in consultation, or seen, by time.
    Each appointment carries `live_consultation` (or None)."""
    day = day or branch_today(branch)
    appointments = list(
        Appointment.objects.filter(
            doctor=staff,
            branch=branch,
            appointment_date=day,
            status__in=[
                AppointmentStatus.CHECKED_IN,
                AppointmentStatus.IN_PROGRESS,
                AppointmentStatus.COMPLETED,
            ],
        )
        .select_related("patient__pii_key")
        .prefetch_related(
            Prefetch(
                "consultations",
                queryset=Consultation.objects.exclude(status=ConsultationStatus.CANCELLED),
                to_attr="live_consultations",
            )
        )
        .order_by("status", "checked_in_at", "start_time")
    )
    order = {
        AppointmentStatus.IN_PROGRESS: 0,
        AppointmentStatus.CHECKED_IN: 1,
        AppointmentStatus.COMPLETED: 2,
    }
    appointments.sort(key=lambda a: (order[a.status], a.checked_in_at or a.starts_at, a.start_time))
    for appointment in appointments:
        appointment.live_consultation = (
            appointment.live_consultations[0] if appointment.live_consultations else None
        )
    return appointments


# --- Prescriptions -----------------------------------------------------------------------------------


def prescription_queryset() -> QuerySet[Prescription]:
    return Prescription.objects.select_related("finalized_by").prefetch_related(
        Prefetch(
            "items",
            queryset=PrescriptionItem.objects.select_related("medicine").order_by(
                "display_order", "created_at"
            ),
        ),
        Prefetch("overrides", queryset=PrescriptionWarningOverride.objects.select_related("overridden_by")),
    )


def prescription_document_queryset() -> QuerySet[Prescription]:
    """What the PDF prints: the prescription, its items, the visit's diagnoses, doctor, branch, patient."""
    return (
        prescription_queryset()
        .select_related(
            "consultation", "patient__pii_key", "doctor", "branch", "branch__hospital", "amends", "amended_by"
        )
        .prefetch_related(
            Prefetch(
                "consultation__diagnoses", queryset=ConsultationDiagnosis.objects.select_related("code")
            ),
        )
    )


def prescription_get_for_user(
    *,
    user,
    prescription_id: uuid.UUID | str,
    purpose: Purpose = Purpose.VIEW,
    request: HttpRequest | None = None,
    reason: str = "",
    queryset: QuerySet[Prescription] | None = None,
) -> Prescription:
    """The one door to a prescription."""
    qs = queryset if queryset is not None else prescription_document_queryset()
    prescription = qs.select_related("consultation").filter(pk=prescription_id).first()
    if prescription is None or not permissions.can_view_prescription(user, prescription):
        raise NotFound("No such prescription, or it is not one you can see.")
    if purpose == Purpose.EDIT and not permissions.can_edit_prescription(user, prescription):
        raise NotYourConsultation(
            f"Prescription {prescription.label} is {prescription.doctor.display_name}'s; "
            "only they can change it."
        )
    if purpose == Purpose.DISPENSE and not permissions.can_dispense_prescription(user, prescription):
        raise NotYourConsultation(f"You cannot dispense prescription {prescription.label}.")
    if purpose in (Purpose.VIEW, Purpose.DOWNLOAD):
        access_log_record(
            user=user,
            record_type="prescription",
            record_id=prescription.pk,
            patient_id=prescription.patient_id,
            access_type=AccessType.DOWNLOAD if purpose == Purpose.DOWNLOAD else AccessType.VIEW,
            reason=reason or ("prescription PDF" if purpose == Purpose.DOWNLOAD else "prescription"),
            request=request,
        )
    return prescription


def prescription_by_token(token: str) -> Prescription | None:
    """For the public QR check: the prescription the printed code names, with what the page shows."""
    return (
        Prescription.objects.select_related("doctor", "branch", "amended_by")
        .prefetch_related(
            Prefetch("items", queryset=PrescriptionItem.objects.order_by("display_order", "created_at"))
        )
        .filter(verification_token=token)
        .exclude(status=PrescriptionStatus.DRAFT)
        .first()
    )


# --- Reference data: ICD-10, medicines, templates ------------------------------------------------------


def _icd_code_prefix(query: str) -> str:
    code = query.upper()
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    return code


def icd10_search(*, query: str, limit: int = 20) -> list[DiagnosisCode]:
    """Codes a doctor can assign, by code prefix ("L70", "l70.0", "L700") or by words ("acne vulg",
    each word a prefix), best first; misspellings ("psoraisis") fall back to trigram similarity."""
    query = (query or "").strip()
    base = DiagnosisCode.objects.filter(
        is_active=True, kind__in=[DiagnosisCodeKind.CATEGORY, DiagnosisCodeKind.SUBCATEGORY]
    )
    if not query:
        return []
    if ICD_CODE_LIKE.match(query):
        return list(base.filter(code__startswith=_icd_code_prefix(query)).order_by("code")[:limit])
    words = [w.lower() for w in ICD_WORD.findall(query)][:8]
    if not words:
        return []
    tsquery = SearchQuery(" & ".join(f"{w}:*" for w in words), search_type="raw", config="simple")
    ranked = list(
        base.filter(search=tsquery)
        .annotate(rank=SearchRank(F("search"), tsquery))
        .order_by("-rank", Length("title"), "code")[:limit]
    )
    if ranked:
        return ranked
    phrase = " ".join(words)
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner underrates the trigram index on a table this small (a scan costs ~60 ms, the
        # index ~2 ms); the threshold is the similarity below which a title is not a candidate.
        cursor.execute(
            "SELECT set_config('pg_trgm.strict_word_similarity_threshold', %s, true), "
            "set_config('enable_seqscan', 'off', true)",
            [str(TRIGRAM_MIN_SIMILARITY)],
        )
        return list(
            base.filter(title__trigram_strict_word_similar=phrase)
            .annotate(similarity=TrigramStrictWordSimilarity(phrase, "title"))
            .order_by("-similarity", Length("title"), "code")[:limit]
        )


def medicines_with_stock(*, branch: Branch) -> QuerySet[Medicine]:
    """Active medicines of the branch's hospital, each with `stock`: the units usable at the branch
    today (never expired), computed in the same query."""
    usable = (
        StockBatch.objects.filter(
            medicine=OuterRef("pk"),
            branch=branch,
            expiry_date__gt=branch_today(branch),
            quantity_available__gt=0,
        )
        .order_by()
        .values("medicine")
        .annotate(total=Sum("quantity_available"))
        .values("total")
    )
    return Medicine.objects.filter(hospital_id=branch.hospital_id, is_active=True).annotate(
        stock=Coalesce(Subquery(usable, output_field=IntegerField()), Value(0))
    )


def medicine_search(*, branch: Branch, query: str, limit: int = 20) -> QuerySet[Medicine]:
    """Active medicines of the branch's hospital whose generic or brand name starts with (or
    contains) the text, each with `stock`: the units usable at the branch today (one query)."""
    query = " ".join((query or "").split())
    qs = medicines_with_stock(branch=branch)
    if not query:
        return qs.order_by("generic_name", "brand_name")[:limit]
    starts = Q(generic_name__istartswith=query) | Q(brand_name__istartswith=query)
    contains = Q(generic_name__icontains=query) | Q(brand_name__icontains=query)
    return (
        qs.filter(contains)
        .annotate(match_rank=Case(When(starts, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("match_rank", "generic_name", "brand_name")[:limit]
    )


def note_template_list(*, consultation_type: str | None = None) -> QuerySet[NoteTemplate]:
    qs = NoteTemplate.objects.filter(is_active=True)
    if consultation_type:
        qs = qs.filter(Q(consultation_type=consultation_type) | Q(consultation_type=""))
    return qs.order_by("display_order", "name")


# --- The doctor's own habits, for the tablet's one-tap chips -----------------------------------------

RECENT_CONSULTATIONS = 100  # how far back "recent" looks: the doctor's last 100 visits


def consultation_ids_recent_for_doctor(*, staff, limit: int = RECENT_CONSULTATIONS) -> list[uuid.UUID]:
    """The doctor's last visits (not cancelled), newest first: one index scan, whatever the history.
    The habit selectors below take this list, so that each of them is an index look-up per visit
    (a subquery here made PostgreSQL hash-join whole tables, slower as the clinic's history grows)."""
    return list(
        Consultation.objects.filter(doctor=staff)
        .exclude(status=ConsultationStatus.CANCELLED)
        .order_by("-started_at")
        .values_list("pk", flat=True)[:limit]
    )


def diagnosis_codes_recent_for_doctor(*, consultation_ids: list, limit: int = 8) -> list[dict]:
    """The codes given most often in these visits: [{"code", "title"}], most used first."""
    rows = (
        ConsultationDiagnosis.objects.filter(consultation_id__in=consultation_ids)
        .values("code__code", "code__title")
        .annotate(uses=Count("pk"))
        .order_by("-uses", "code__code")[:limit]
    )
    return [{"code": row["code__code"], "title": row["code__title"]} for row in rows]


def diagnosis_codes_by_code(*, codes: list[str]) -> list[DiagnosisCode]:
    """The assignable, active codes among `codes`, in the order given (unknown codes left out)."""
    found = {
        c.code: c
        for c in DiagnosisCode.objects.filter(
            code__in=codes,
            is_active=True,
            kind__in=[DiagnosisCodeKind.CATEGORY, DiagnosisCodeKind.SUBCATEGORY],
        )
    }
    return [found[code] for code in codes if code in found]


def medicines_recent_for_doctor(*, consultation_ids: list, branch: Branch, limit: int = 8) -> list[Medicine]:
    """The clinic medicines prescribed most often in these visits, most used first, with today's
    stock at the branch (two queries)."""
    ids = list(
        PrescriptionItem.objects.filter(
            prescription__consultation_id__in=consultation_ids, medicine__isnull=False
        )
        .values("medicine")
        .annotate(uses=Count("pk"))
        .order_by("-uses", "medicine")
        .values_list("medicine", flat=True)[:limit]
    )
    by_id = {m.pk: m for m in medicines_with_stock(branch=branch).filter(pk__in=ids)} if ids else {}
    return [by_id[pk] for pk in ids if pk in by_id]
