"""Reads of the consultations app, and the doors to protected records.

`consultation_get_for_user` and `prescription_get_for_user` are the only ways the API and pages
fetch a consultation or a prescription: they ask the `can_*` checks of consultations.permissions,
write the access-log row for a read, and raise when refused (404 when the user may not even know
the record exists, 403 when they may see it but not do what they asked).
"""

import datetime
import enum
import re
import time
import uuid
import zoneinfo
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramStrictWordSimilarity
from django.db import connection, transaction
from django.db.models import (
    Case,
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
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from appointments.models import ACTIVE_APPOINTMENT_STATUSES, Appointment, AppointmentStatus
from appointments.selectors.availability import booking_need, doctor_free_slots
from clinic.api_errors import ApplicationError
from clinic.models import AccessType, Branch, DataKey, Medicine, Patient, Staff, StockBatch
from clinic.selectors.json_rows import instance_from_json, instances_from_json, json_value
from clinic.selectors.stock import branch_today
from clinic.services.access_log import (
    access_log_cte,
    access_log_cte_params,
    access_log_record,
    access_log_record_many,
)
from consultations import permissions
from consultations.models import (
    Consultation,
    ConsultationDiagnosis,
    ConsultationNote,
    ConsultationStatus,
    DiagnosisCode,
    DiagnosisCodeKind,
    NoteTemplate,
    PatientVitals,
    Prescription,
    PrescriptionItem,
    PrescriptionStatus,
    PrescriptionWarningOverride,
)
from consultations.services.common import NotYourConsultation
from emr.models import AllergyStatus, ConditionType, PatientAllergy, PatientMedicalHistory

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
    # The vitals and the note come by their own small queries: joined in, the statement had eleven
    # tables and PostgreSQL spent ~3 ms planning it (0.4 ms running it) on every page (0045).
    return Consultation.objects.select_related(
        "patient__pii_key",
        "doctor",
        "branch",
        "appointment",
    ).prefetch_related(
        "vitals",
        Prefetch("note", queryset=ConsultationNote.objects.select_related("verified_by")),
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
    consultation = _consultation_visible_to(user, consultation_id, queryset)
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


def _consultation_visible_to(user, consultation_id, queryset=None) -> Consultation:
    qs = queryset if queryset is not None else consultation_detail_queryset()
    consultation = qs.filter(pk=consultation_id).first()
    if consultation is None or not permissions.can_view_consultation(user, consultation):
        raise NotFound("No such consultation, or it is not one you can see.")
    return consultation


# The patient's last completed visit before `this` one (an outer row with id, patient_id and
# started_at), with its diagnoses and the medicines of its newest signed prescription. Written
# out: as an ORM query with array subqueries it cost ~3 ms of Python a page to compile, more than
# PostgreSQL takes to run it (decision 0045, "Cost"). Used alone and inside VISIT_SQL.
PREVIOUS_VISIT_SELECT = """
    SELECT pc.id, pc.number, pc.started_at, pc.consultation_type, pc.patient_id,
           concat_ws(' ', NULLIF(s.title, ''), NULLIF(s.first_name, ''), NULLIF(s.last_name, ''))
               AS doctor,
           b.name AS branch, b.time_zone,
           coalesce(n.chief_complaint, '') AS chief_complaint, coalesce(n.assessment, '') AS assessment,
           coalesce(n.plan, '') AS plan,
           (SELECT coalesce(json_agg(json_build_object(
                        'code', dc.code, 'title', dc.title, 'is_primary', cd.is_primary)
                    ORDER BY cd.is_primary DESC, cd.diagnosed_at), '[]'::json)
              FROM consultations_consultationdiagnosis cd
              JOIN consultations_diagnosiscode dc ON dc.id = cd.code_id
             WHERE cd.consultation_id = pc.id) AS diagnoses,
           rx.follow_up_date,
           (SELECT coalesce(json_agg(json_build_object(
                        'medicine_name', i.medicine_name, 'dosage', i.dosage, 'frequency', i.frequency,
                        'duration', concat(i.duration_value, ' ', i.duration_unit))
                    ORDER BY i.display_order, i.created_at), '[]'::json)
              FROM consultations_prescriptionitem i
             WHERE i.prescription_id = rx.id) AS medicines
      FROM consultations_consultation pc
      JOIN clinic_staff s ON s.id = pc.doctor_id
      JOIN clinic_branch b ON b.id = pc.branch_id
      LEFT JOIN consultations_consultationnote n ON n.consultation_id = pc.id
      LEFT JOIN LATERAL (
            SELECT p.id, p.follow_up_date FROM consultations_prescription p
             WHERE p.consultation_id = pc.id AND p.status = %(finalized)s
             ORDER BY p.version DESC LIMIT 1
      ) rx ON true
     WHERE pc.patient_id = this.patient_id AND pc.status = %(completed)s
       AND pc.started_at < this.started_at AND pc.id <> this.id
     ORDER BY pc.started_at DESC
     LIMIT 1
"""
PREVIOUS_VISIT_SQL = f"""
    SELECT to_json(pv)::text FROM consultations_consultation this, LATERAL ({PREVIOUS_VISIT_SELECT}) pv
     WHERE this.id = %(this)s
"""  # noqa: S608 (constant SQL; every value is a parameter)


def _previous_visit_params() -> dict:
    return {"finalized": PrescriptionStatus.FINALIZED, "completed": ConsultationStatus.COMPLETED}


def _previous_visit(consultation: Consultation) -> dict | None:
    """The patient's last completed visit before this one (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(PREVIOUS_VISIT_SQL, {**_previous_visit_params(), "this": consultation.pk})
        row = cursor.fetchone()
    return _previous_visit_row(json_value(row[0])) if row else None


def _previous_visit_row(row: dict | None) -> dict | None:
    """The JSON row with its values typed (ids, instants, dates) as the page and the log use them."""
    if row is None:
        return None
    return {
        **row,
        "id": uuid.UUID(row["id"]),
        "patient_id": uuid.UUID(row["patient_id"]),
        "started_at": datetime.datetime.fromisoformat(row["started_at"]),
        "follow_up_date": datetime.date.fromisoformat(row["follow_up_date"])
        if row["follow_up_date"]
        else None,
    }


# The reader's one-tap chips: the codes and clinic medicines they gave most in their last completed
# visits (DoctorChips, worked out when a visit completes: consultations.services.chips), then the
# clinic's common codes not among them; each medicine with the stock usable at the visit's branch
# today. A part of VISIT_SQL (`b` is the visit's branch).
HABITS_SELECT = """
    SELECT json_build_object(
      'recent_diagnoses', coalesce(ch.codes, '[]'::jsonb),
      'common_diagnoses', (
        SELECT coalesce(json_agg(json_build_object('code', dc.code, 'title', dc.title)
                                 ORDER BY array_position(%(common)s::text[], dc.code::text)), '[]'::json)
          FROM consultations_diagnosiscode dc
         WHERE dc.code = ANY(%(common)s::text[]) AND dc.is_active AND dc.kind = ANY(%(kinds)s::text[])
           AND NOT coalesce(ch.codes @> jsonb_build_array(jsonb_build_object('code', dc.code)), false)),
      -- With their stock as medicines_with_stock counts it: the units of the branch's batches that
      -- are not empty and not expired on the branch's today.
      'recent_medicines', (
        SELECT coalesce(json_agg(jsonb_build_object(
                 'id', m.id, 'generic_name', m.generic_name, 'brand_name', m.brand_name,
                 'drug_class', m.drug_class, 'form', m.form, 'strength', m.strength, 'unit', m.unit,
                 'stock', coalesce((
                   SELECT sum(sb.quantity_available) FROM clinic_stockbatch sb
                    WHERE sb.medicine_id = m.id AND sb.branch_id = b.id AND sb.quantity_available > 0
                      AND sb.expiry_date > (%(now)s::timestamptz AT TIME ZONE b.time_zone)::date), 0))
                 ORDER BY r.ord), '[]'::json)
          FROM jsonb_array_elements_text(ch.medicine_ids) WITH ORDINALITY AS r(id, ord)
          JOIN clinic_medicine m ON m.id = r.id::uuid
         WHERE m.hospital_id = b.hospital_id AND m.is_active)
    )
      FROM (SELECT) AS one
      LEFT JOIN consultations_doctorchips ch
        ON ch.doctor_id = (SELECT id FROM clinic_staff WHERE user_id = %(user)s)
"""


def _habits_params(common_codes: list[str]) -> dict:
    return {
        "common": list(common_codes),
        "kinds": [DiagnosisCodeKind.CATEGORY, DiagnosisCodeKind.SUBCATEGORY],
        "now": timezone.now(),
    }


def _habits_from_json(data: dict) -> dict:
    medicines = []
    for row in data["recent_medicines"]:
        medicine = instance_from_json(Medicine, row)
        medicine.stock = row["stock"]
        medicines.append(medicine)
    return {**data, "recent_medicines": medicines}


# What the visit page's statement logs when its reader is the visit's doctor (who may always see
# it): the visit, then the previous visit whose summary the page shows. Any other reader is logged
# by consultation_visit_for_user once the permission check has let them in.
VISIT_READS = """
    SELECT v.* FROM consultations_consultation this
      JOIN clinic_staff me ON me.id = this.doctor_id AND me.user_id = %(user)s
      CROSS JOIN LATERAL (
            SELECT 1, 'consultation', this.id::text, this.patient_id, %(reason)s::text
            UNION ALL
            SELECT 2, 'consultation', previous.id::text, previous.patient_id,
                   %(previous_reason)s::text || this.number
              FROM previous
      ) v (ord, record_type, record_id, patient_id, reason)
     WHERE this.id = %(this)s
"""
PREVIOUS_VISIT_REASON = "previous visit summary in "


# The visit page's whole record in one statement: the consultation with its patient (and data
# key), doctor, branch and appointment; its vitals, note, diagnoses, every prescription version with
# its items and overrides; and the previous visit. Read through the ORM this was eight queries and
# ~13 ms of Python compiling them (decision 0045, "Third round"); PostgreSQL runs it in ~1 ms.
# Users are read as id and username only (never their password hashes). For the visit's doctor it
# also writes the access log's rows (VISIT_READS, decision 0052).
VISIT_SQL = f"""
    WITH previous AS MATERIALIZED (
        SELECT pv.* FROM consultations_consultation this, LATERAL ({PREVIOUS_VISIT_SELECT}) pv
         WHERE this.id = %(this)s
    ),
    {access_log_cte(VISIT_READS)}
    SELECT json_build_object(
      'consultation', to_json(this),
      'patient', to_json(p),
      'pii_key', to_json(k),
      'doctor', to_json(s),
      'branch', to_json(b),
      -- Of the appointment, what the page shows (a row of 43 columns otherwise).
      'appointment', json_build_object('id', a.id, 'number', a.number, 'status', a.status,
                                       'chief_complaint', a.chief_complaint),
      'vitals', (SELECT to_json(v) FROM consultations_patientvitals v WHERE v.consultation_id = this.id),
      'note', (SELECT json_build_object('row', to_json(n), 'verified_by', CASE WHEN u.id IS NOT NULL
                        THEN json_build_object('id', u.id, 'username', u.username) END)
                 FROM consultations_consultationnote n LEFT JOIN auth_user u ON u.id = n.verified_by_id
                WHERE n.consultation_id = this.id),
      'diagnoses', (SELECT coalesce(json_agg(json_build_object('row', to_json(cd), 'code', to_json(dc))
                                    ORDER BY cd.is_primary DESC, cd.diagnosed_at), '[]'::json)
                      FROM consultations_consultationdiagnosis cd
                      JOIN consultations_diagnosiscode dc ON dc.id = cd.code_id
                     WHERE cd.consultation_id = this.id),
      'prescriptions', (
        SELECT coalesce(json_agg(json_build_object(
                 'row', to_json(rx),
                 'finalized_by', CASE WHEN fu.id IS NOT NULL
                                      THEN json_build_object('id', fu.id, 'username', fu.username) END,
                 'items', (SELECT coalesce(json_agg(to_json(i) ORDER BY i.display_order, i.created_at),
                                           '[]'::json)
                             FROM consultations_prescriptionitem i WHERE i.prescription_id = rx.id),
                 'overrides', (SELECT coalesce(json_agg(json_build_object(
                                        'row', to_json(o),
                                        'overridden_by', CASE WHEN ou.id IS NOT NULL
                                            THEN json_build_object('id', ou.id, 'username', ou.username) END)
                                      ORDER BY o.overridden_at), '[]'::json)
                                 FROM consultations_prescriptionwarningoverride o
                                 LEFT JOIN auth_user ou ON ou.id = o.overridden_by_id
                                WHERE o.prescription_id = rx.id)
               ) ORDER BY rx.version DESC), '[]'::json)
          FROM consultations_prescription rx LEFT JOIN auth_user fu ON fu.id = rx.finalized_by_id
         WHERE rx.consultation_id = this.id),
      'previous', (SELECT to_json(previous) FROM previous),
      -- As emr.selectors.allergy_list and medication_current_list read them (tested to agree).
      'allergies', (SELECT coalesce(json_agg(to_json(al) ORDER BY al.recorded_at DESC, al.id), '[]'::json)
                      FROM emr_patientallergy al
                     WHERE al.patient_id = this.patient_id AND al.status = %(allergy_active)s),
      'medications', (SELECT coalesce(json_agg(to_json(mh) ORDER BY mh.recorded_at, mh.id), '[]'::json)
                        FROM emr_patientmedicalhistory mh
                       WHERE mh.patient_id = this.patient_id AND mh.condition_type = %(medication)s
                         AND mh.is_current),
      -- The reader's own staff row: the permission checks ask for it.
      'me', (SELECT to_json(me) FROM clinic_staff me WHERE me.user_id = %(user)s),
      'habits', ({HABITS_SELECT}),
      'logged', (SELECT count(*) FROM logged)
    )::text
      FROM consultations_consultation this
      JOIN clinic_patient p ON p.id = this.patient_id
      LEFT JOIN clinic_datakey k ON k.id = p.pii_key_id
      JOIN clinic_staff s ON s.id = this.doctor_id
      JOIN clinic_branch b ON b.id = this.branch_id
      JOIN appointments_appointment a ON a.id = this.appointment_id
     WHERE this.id = %(this)s
"""  # noqa: S608 (constant SQL; every value is a parameter)


@dataclass
class VisitParts:
    """What the consultation's shape is made of, however it was read: the ORM's prefetched
    relations (`visit_parts`) or the visit page's one statement (`consultation_visit_for_user`)."""

    vitals: PatientVitals | None
    note: ConsultationNote | None
    diagnoses: list[ConsultationDiagnosis]
    # Newest version first; each with its items and overrides as `item_list` and `override_list`.
    prescriptions: list[Prescription]

    @property
    def current_prescription(self) -> Prescription | None:
        return current_of(self.prescriptions)


@dataclass
class VisitRead:
    consultation: Consultation
    parts: VisitParts
    previous: dict | None  # the previous visit's summary (consultation_previous_summary's shape)
    allergies: list[PatientAllergy]  # active, as emr.selectors.allergy_list
    medications: list[PatientMedicalHistory]  # as emr.selectors.medication_current_list
    habits: dict  # the reader's chips: recent_diagnoses, common_diagnoses, recent_medicines (with .stock)


def visit_parts(consultation: Consultation) -> VisitParts:
    """The parts of a consultation read by consultation_detail_queryset (no query)."""
    prescriptions = list(consultation.prescriptions.all())
    for prescription in prescriptions:
        prescription.item_list = list(prescription.items.all())
        prescription.override_list = list(prescription.overrides.all())
    return VisitParts(
        vitals=related_or_none(consultation, "vitals"),
        note=related_or_none(consultation, "note"),
        diagnoses=list(consultation.diagnoses.all()),
        prescriptions=prescriptions,
    )


def _user_from_json(row: dict | None) -> User | None:
    return instance_from_json(User, row)


def _visit_from_json(data: dict, user) -> VisitRead:
    if data["me"] is not None:
        # Assigning the one-to-one caches it on the user too: staff_of(user) asks no query.
        instance_from_json(Staff, data["me"]).user = user
    consultation = instance_from_json(Consultation, data["consultation"])
    patient = instance_from_json(Patient, data["patient"])
    if patient.pii_key_id is not None:
        patient.pii_key = instance_from_json(DataKey, data["pii_key"])
    consultation.patient = patient
    consultation.doctor = instance_from_json(Staff, data["doctor"])
    consultation.branch = instance_from_json(Branch, data["branch"])
    consultation.appointment = instance_from_json(Appointment, data["appointment"])
    note = None
    if data["note"] is not None:
        note = instance_from_json(ConsultationNote, data["note"]["row"])
        if note.verified_by_id is not None:
            note.verified_by = _user_from_json(data["note"]["verified_by"])
    diagnoses = []
    for row in data["diagnoses"]:
        diagnosis = instance_from_json(ConsultationDiagnosis, row["row"])
        diagnosis.code = instance_from_json(DiagnosisCode, row["code"])
        diagnoses.append(diagnosis)
    prescriptions = []
    for row in data["prescriptions"]:
        prescription = instance_from_json(Prescription, row["row"])
        if prescription.finalized_by_id is not None:
            prescription.finalized_by = _user_from_json(row["finalized_by"])
        prescription.item_list = instances_from_json(PrescriptionItem, row["items"])
        prescription.override_list = []
        for override_row in row["overrides"]:
            override = instance_from_json(PrescriptionWarningOverride, override_row["row"])
            if override.overridden_by_id is not None:
                override.overridden_by = _user_from_json(override_row["overridden_by"])
            prescription.override_list.append(override)
        prescriptions.append(prescription)
    parts = VisitParts(
        vitals=instance_from_json(PatientVitals, data["vitals"]),
        note=note,
        diagnoses=diagnoses,
        prescriptions=prescriptions,
    )
    return VisitRead(
        consultation,
        parts,
        _previous_visit_row(data["previous"]),
        allergies=instances_from_json(PatientAllergy, data["allergies"]),
        medications=instances_from_json(PatientMedicalHistory, data["medications"]),
        habits=_habits_from_json(data["habits"]),
    )


def consultation_visit_for_user(
    *,
    user,
    consultation_id: uuid.UUID | str,
    request: HttpRequest | None = None,
    reason: str = "consultation",
    common_codes: list[str] = (),
) -> VisitRead:
    """The door of the tablet's visit page: the consultation with everything the page shows and
    the summary of the patient's previous visit, and the reader's chips (`common_codes`: the
    clinic's common ICD-10 codes offered after their own), in one statement (VISIT_SQL). The visit
    and the previous one are reads of notes, so both are access-logged: by that same statement when
    the reader is the visit's doctor (VISIT_READS), else in one batch after the permission check."""
    try:
        wanted = uuid.UUID(str(consultation_id))
    except ValueError:
        raise NotFound("No such consultation, or it is not one you can see.") from None
    with connection.cursor() as cursor:
        cursor.execute(
            VISIT_SQL,
            {
                **_previous_visit_params(),
                **_habits_params(common_codes),
                "this": wanted,
                "user": user.pk,
                "allergy_active": AllergyStatus.ACTIVE,
                "medication": ConditionType.MEDICATION,
                "reason": reason,
                "previous_reason": PREVIOUS_VISIT_REASON,
                **access_log_cte_params(user=user, request=request),
            },
        )
        row = cursor.fetchone()
    data = json_value(row[0]) if row else None
    visit = _visit_from_json(data, user) if data else None
    logged = data["logged"] if data else 0
    if visit is None or not permissions.can_view_consultation(user, visit.consultation):
        raise NotFound("No such consultation, or it is not one you can see.")
    consultation, previous = visit.consultation, visit.previous
    if not logged:  # a reader other than the visit's doctor, let in by the check above
        reads = [
            {
                "record_type": "consultation",
                "record_id": consultation.pk,
                "patient_id": consultation.patient_id,
                "reason": reason,
            }
        ]
        if previous is not None:
            reads.append(_previous_visit_read(previous, consultation))
        access_log_record_many(user=user, reads=reads, request=request)
    visit.previous = _previous_visit_summary(previous)
    return visit


def related_or_none(instance, name: str):
    """A reverse one-to-one that may not exist (select_related caches its absence: no query)."""
    try:
        return getattr(instance, name)
    except Exception:
        return None


def current_prescription(consultation: Consultation) -> Prescription | None:
    """The draft being written, else the newest finalized version (from the prefetched list)."""
    return current_of(list(consultation.prescriptions.all()))


def current_of(versions: list[Prescription]) -> Prescription | None:
    """Of a consultation's prescription versions: the draft being written, else the newest signed."""
    draft = next((p for p in versions if p.status == PrescriptionStatus.DRAFT), None)
    if draft is not None:
        return draft
    signed = [p for p in versions if p.status in (PrescriptionStatus.FINALIZED, PrescriptionStatus.AMENDED)]
    return max(signed, key=lambda p: p.version) if signed else None


def _previous_visit_read(previous: dict, consultation: Consultation) -> dict:
    return {
        "record_type": "consultation",
        "record_id": previous["id"],
        "patient_id": previous["patient_id"],
        "reason": f"{PREVIOUS_VISIT_REASON}{consultation.number}",
    }


def _previous_visit_summary(previous: dict | None) -> dict | None:
    if previous is None:
        return None
    zone = zoneinfo.ZoneInfo(previous["time_zone"])
    return {
        "consultation_id": previous["id"],
        "number": previous["number"],
        "date": previous["started_at"].astimezone(zone).date(),
        "doctor": previous["doctor"],
        "branch": previous["branch"],
        "consultation_type": previous["consultation_type"],
        "chief_complaint": previous["chief_complaint"],
        "assessment": previous["assessment"],
        "plan": previous["plan"],
        "diagnoses": previous["diagnoses"],
        "medicines": previous["medicines"],
        "follow_up_date": previous["follow_up_date"],
    }


def consultation_previous_summary(
    *, consultation: Consultation, user, request: HttpRequest | None = None
) -> dict | None:
    """The patient's last completed visit before this one: when, who, what was found and given.
    Reading it reads that visit's notes, so it is access-logged too."""
    previous = _previous_visit(consultation)
    if previous is None:
        return None
    access_log_record(user=user, request=request, **_previous_visit_read(previous, consultation))
    return _previous_visit_summary(previous)


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

# Note templates change a few times a year (back office) and every visit page lists them: kept per
# process for a minute, and dropped at once when one is saved or deleted in this process.
NOTE_TEMPLATE_CACHE_SECONDS = 60
_note_template_cache: dict[str, tuple[float, list[dict]]] = {}


def note_template_chips(*, consultation_type: str) -> list[dict]:
    """[{"id", "name"}] of the active templates offered for this type, in their order (cached)."""
    now = time.monotonic()
    hit = _note_template_cache.get(consultation_type)
    if hit is not None and now - hit[0] < NOTE_TEMPLATE_CACHE_SECONDS:
        return hit[1]
    chips = [
        {"id": str(pk), "name": name}
        for pk, name in note_template_list(consultation_type=consultation_type).values_list("pk", "name")
    ]
    _note_template_cache[consultation_type] = (now, chips)
    return chips


@receiver([post_save, post_delete], dispatch_uid="note_template_chips_cache")
def _note_templates_changed(sender, **kwargs) -> None:
    # Matched by label, not class: data migrations save templates through historical models.
    if sender._meta.label == NoteTemplate._meta.label:
        _note_template_cache.clear()


# --- The follow-up visit, as the tablet books it ---------------------------------------------------

FOLLOW_UP_SLOT_DAYS = 4  # "around that day": the day asked for and the next working days after it


def follow_up_current(consultation: Consultation) -> Appointment | None:
    """The follow-up booked from this visit as it stands now: the one remembered on the
    consultation, or, when it was moved (at the front desk too), the appointment it was moved to.
    A cancelled or no-show follow-up counts as none."""
    appointment = consultation.follow_up_appointment if consultation.follow_up_appointment_id else None
    for _ in range(10):  # a follow-up moved more often than this is not worth following
        if appointment is None or appointment.status != AppointmentStatus.RESCHEDULED:
            break
        appointment = Appointment.objects.filter(rescheduled_from=appointment).first()
    if appointment is None or appointment.status not in ACTIVE_APPOINTMENT_STATUSES:
        return None
    return appointment


def follow_up_brief(appointment: Appointment | None, branch: Branch) -> dict | None:
    """What the tablet shows of a booked follow-up: number, date and time in the branch's zone."""
    if appointment is None:
        return None
    local = appointment.starts_at.astimezone(branch.zone)
    return {
        "appointment_id": str(appointment.pk),
        "number": appointment.number,
        "status": appointment.status,
        "starts_at": appointment.starts_at,
        "date": local.date().isoformat(),
        "date_text": f"{local:%a}, {local.day} {local:%b %Y}",
        "time_text": _clock(local),
    }


def _clock(moment: datetime.datetime) -> str:
    return f"{moment.hour % 12 or 12}:{moment:%M} {'am' if moment.hour < 12 else 'pm'}"


def follow_up_slot_days(
    *, consultation: Consultation, around: datetime.date, days: int = FOLLOW_UP_SLOT_DAYS
) -> list[dict]:
    """The doctor's free start times at the visit's branch from `around` (never before tomorrow),
    `days` days of them, for the same kind of visit as this one (its service or appointment type,
    so the length matches): [{"date", "date_text", "options": [{"start", "time_text"}]}]."""
    branch = consultation.branch
    first = max(around, branch_today(branch) + datetime.timedelta(days=1))
    parent = consultation.appointment
    service = parent.service if parent.service_id and parent.service.category == "consultation" else None
    need = booking_need(service=service, appointment_type=parent.appointment_type)
    result = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        options = doctor_free_slots(doctor=consultation.doctor, branch=branch, date=day, need=need)
        result.append(
            {
                "date": day.isoformat(),
                "date_text": f"{day:%a}, {day.day} {day:%b}",
                "options": [
                    {"start": o.local_start.isoformat(), "time_text": _clock(o.local_start)} for o in options
                ],
            }
        )
    return result
