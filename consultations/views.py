"""Pages of the consultations app: the doctor's tablet (today's queue and the visit page) and the
public prescription check behind the printed QR code.

The tablet pages are thin. They read through the doors of consultations.selectors and start a
consultation through its service; every change made on the visit page is sent by the small
scripts of static/js/consultation/ to the JSON API (consultations/api.py), through an outbox kept
in the browser so that a reload or a dropped network loses nothing (docs/decisions/0045).
"""

import calendar
import datetime
import functools
import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from appointments.models import Appointment, AppointmentStatus
from clinic.api_errors import ApplicationError
from clinic.models import Branch, StaffType
from clinic.permissions import in_group, staff_of
from clinic.selectors.stock import branch_today
from clinic.services.access_log import access_log_for_request
from consultations import permissions
from consultations.api import consultation_payload
from consultations.documents import duration_words, frequency_words, prescription_fingerprint
from consultations.models import (
    Consultation,
    ConsultationStatus,
    Frequency,
    PrescriptionStatus,
    TemperatureUnit,
    Timing,
)
from consultations.selectors import (
    NotFound,
    VisitParts,
    consultation_queue_for_doctor,
    consultation_visit_for_user,
    follow_up_brief,
    follow_up_current,
    note_template_chips,
    prescription_by_token,
    related_or_none,
)
from consultations.services.vitals import TEMPERATURE_LIMITS, VITALS_LIMITS, normal_ranges
from consultations.services.workflow import consultation_start
from voice.selectors import console_info as voice_console_info

# --- What the tablet offers as one-tap choices ---------------------------------------------------------

# The codes a dermatology OPD gives most, offered beside the doctor's own recent ones.
COMMON_DIAGNOSES = [
    "L70.0",  # acne vulgaris
    "B35.4",  # tinea corporis
    "B35.6",  # tinea cruris
    "L20.9",  # atopic dermatitis
    "L30.9",  # dermatitis (eczema)
    "L81.1",  # chloasma (melasma)
    "L80",  # vitiligo
    "L40.0",  # psoriasis vulgaris
    "L50.9",  # urticaria
    "L65.9",  # hair loss
    "B86",  # scabies
    "B36.0",  # pityriasis versicolor
]
FREQUENCY_CHIPS = [
    Frequency.MORNING_NIGHT,
    Frequency.MORNING,
    Frequency.NIGHT,
    Frequency.OD,
    Frequency.BD,
    Frequency.TDS,
    Frequency.QID,
    Frequency.HS,
    Frequency.SOS,
]
DURATION_DAYS = [3, 5, 7, 10, 14, 30]
TIMING_CHIPS = [Timing.BEFORE_FOOD, Timing.AFTER_FOOD, Timing.BEDTIME]
OVERRIDE_REASONS = [
    "Benefit outweighs the risk; patient informed",
    "Tolerated before without a reaction",
    "Allergy history doubtful",
    "Will monitor closely",
]
ADVICE_CHIPS = [
    "Use a sunscreen (SPF 30 or more) every 3 hours outdoors.",
    "Do not pick or squeeze the spots.",
    "Moisturise twice a day.",
    "Keep the area clean and dry.",
    "Do not use steroid creams that were not prescribed.",
]
AMEND_REASONS = ["Dose changed", "Medicine added", "Medicine stopped", "Correction of an error"]
NOTE_GROUPS = [
    (
        "S",
        "Subjective",
        [
            ("chief_complaint", "Chief complaint"),
            ("history_of_present_illness", "History of present illness"),
            ("subjective", "Patient's account"),
            ("review_of_systems", "Review of systems"),
        ],
    ),
    ("O", "Objective", [("physical_examination", "Examination"), ("objective", "Other findings")]),
    ("A", "Assessment", [("assessment", "Assessment")]),
    ("P", "Plan", [("plan", "Plan")]),
]
# (field, label, unit, step, a typical value for the first tap of a stepper, decimals allowed)
VITALS_TILES = [
    ("pulse_rate", "Pulse", "/min", 1, 72, False),
    ("spo2", "SpO₂", "%", 1, 98, False),
    ("respiratory_rate", "Respiratory rate", "/min", 1, 16, False),
    ("weight_kg", "Weight", "kg", 0.5, 60, True),
    ("height_cm", "Height", "cm", 1, 160, True),
    ("blood_glucose", "Blood glucose", "mg/dL", 1, 100, True),
]
WORKFLOW_STEPS = [
    (ConsultationStatus.STARTED, "Started"),
    (ConsultationStatus.VITALS_CAPTURED, "Vitals"),
    (ConsultationStatus.IN_EXAMINATION, "Examination"),
    (ConsultationStatus.PRESCRIPTION_DONE, "Prescription"),
    (ConsultationStatus.COMPLETED, "Completed"),
]


# --- Access --------------------------------------------------------------------------------------------


def tablet_page(view):
    """Doctor's pages: anonymous users go to sign in (htmx: the whole page), other staff get 403.
    Responses are never cached: they show patients' details."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(reverse(settings.LOGIN_URL))
            return redirect_to_login(request.get_full_path())
        if not user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


def _doctor(user):
    """The doctor's staff record, or 403: the queue and starting a visit are a doctor's."""
    staff = staff_of(user)
    if staff is None or staff.staff_type != StaffType.DOCTOR or not in_group(user, "Doctor"):
        raise PermissionDenied
    return staff


def _branch(staff, code: str | None) -> tuple[Branch, list[Branch]]:
    branches = list(staff.branches.filter(is_active=True).select_related("hospital").order_by("name"))
    if not branches:
        raise PermissionDenied
    chosen = next((b for b in branches if b.code == code), branches[0]) if code else branches[0]
    return chosen, branches


# --- Today's queue -------------------------------------------------------------------------------------


def _queue_card(appointment: Appointment, now: datetime.datetime, zone) -> dict:
    consultation = appointment.live_consultation
    waited = None
    if appointment.status == AppointmentStatus.CHECKED_IN and appointment.checked_in_at:
        waited = max(0, int((now - appointment.checked_in_at).total_seconds() // 60))
    return {
        "appointment": appointment,
        "patient": appointment.patient,
        "consultation": consultation,
        "checked_in_at": timezone.localtime(appointment.checked_in_at, zone)
        if appointment.checked_in_at
        else None,
        "waited_minutes": waited,
    }


@tablet_page
@require_GET
def queue_page(request: HttpRequest) -> HttpResponse:
    """The doctor's patients today: with you now, waiting (checked in, longest wait first), seen.
    htmx refreshes the list every 20 seconds while the page is visible."""
    staff = _doctor(request.user)
    branch, branches = _branch(staff, request.GET.get("branch"))
    day = branch_today(branch)
    now = timezone.now()
    cards = [
        _queue_card(a, now, branch.zone)
        for a in consultation_queue_for_doctor(staff=staff, branch=branch, day=day)
    ]
    context = {
        "branch": branch,
        "branches": branches,
        "day": day,
        "updated_at": timezone.localtime(now, branch.zone),
        "with_you": [c for c in cards if c["appointment"].status == AppointmentStatus.IN_PROGRESS],
        "waiting": [c for c in cards if c["appointment"].status == AppointmentStatus.CHECKED_IN],
        "seen": [c for c in cards if c["appointment"].status == AppointmentStatus.COMPLETED],
    }
    template = "consultations/tablet_queue.html"
    if request.htmx:
        template += "#queue"
    return render(request, template, context)


@tablet_page
@require_POST
def consultation_start_page(request: HttpRequest, appointment_id) -> HttpResponse:
    """Start (or, on a second tap, reopen) the visit of a checked-in patient, then show it."""
    staff = _doctor(request.user)
    appointment = (
        Appointment.objects.select_related("doctor", "branch")
        .filter(pk=appointment_id, branch__in=staff.branches.all())
        .first()
    )
    if appointment is None or appointment.doctor_id != staff.pk:
        raise Http404("No such appointment in your queue.")
    try:
        consultation = consultation_start(acting_user=request.user, appointment=appointment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('doctor:tablet')}?branch={appointment.branch.code}")
    return redirect("doctor:visit", consultation_id=consultation.pk)


# --- The visit page ------------------------------------------------------------------------------------


def _month_after(day: datetime.date) -> datetime.date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _follow_up_choices(today: datetime.date) -> list[dict]:
    choices = [
        ("1 week", today + datetime.timedelta(days=7)),
        ("2 weeks", today + datetime.timedelta(days=14)),
        ("1 month", _month_after(today)),
    ]
    return [
        {"label": label, "date": day.isoformat(), "text": f"{day:%a, %d %b %Y}"} for label, day in choices
    ]


_THIS_VISIT = "c0000000-0000-4000-8000-000000000045"  # stands for the visit's id in _url_templates


def _api_urls(consultation: Consultation) -> dict:
    this = str(consultation.pk)
    templates = _url_templates(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return {name: url.replace(_THIS_VISIT, this) for name, url in templates.items()}


@functools.cache
def _url_templates(script_prefix: str, urlconf) -> dict:
    """The page's API addresses, reversed once per process and URL configuration (20 reverse()
    calls a page otherwise)."""
    zero = "00000000-0000-0000-0000-000000000000"
    return {
        "detail": reverse("consultations:detail", args=[_THIS_VISIT]),
        "transition": reverse("consultations:transition", args=[_THIS_VISIT]),
        "vitals": reverse("consultations:vitals", args=[_THIS_VISIT]),
        "note": reverse("consultations:note", args=[_THIS_VISIT]),
        "note_template": reverse("consultations:note-template", args=[_THIS_VISIT]),
        "diagnoses": reverse("consultations:diagnosis-add", args=[_THIS_VISIT]),
        "diagnosis": reverse("consultations:diagnosis-remove", args=[_THIS_VISIT, zero]),
        "prescription": reverse("consultations:prescription", args=[_THIS_VISIT]),
        "items": reverse("consultations:item-add", args=[_THIS_VISIT]),
        "item": reverse("consultations:item", args=[zero]),
        "finalize": reverse("consultations:prescription-finalize", args=[zero]),
        "amend": reverse("consultations:prescription-amend", args=[zero]),
        "follow_up": reverse("consultations:follow-up", args=[_THIS_VISIT]),
        "follow_up_slots": reverse("consultations:follow-up-slots", args=[_THIS_VISIT]),
        "follow_up_reschedule": reverse("consultations:follow-up-reschedule", args=[_THIS_VISIT]),
        "icd10": reverse("consultations:icd10-search"),
        "medicines": reverse("consultations:medicine-search"),
        "queue": reverse("doctor:tablet"),
        "login": reverse(settings.LOGIN_URL),
        "zero": zero,
    }


def _medicine_chip(medicine) -> dict:
    return {
        "id": str(medicine.pk),
        "label": str(medicine),
        "generic_name": medicine.generic_name,
        "brand_name": medicine.brand_name,
        "drug_class": medicine.drug_class,
        "form": medicine.form,
        "strength": medicine.strength,
        "unit": medicine.unit,
        "stock": medicine.stock,
    }


def _visit_state(request, consultation: Consultation, *, parts: VisitParts, habits: dict, today) -> dict:
    """Everything the page's scripts start from: the API's own shape of the consultation (what the
    scripts get back from each save has the same shape), plus the chips, limits and addresses they
    need. What only the template shows (allergies, the previous visit) stays out of it."""
    payload = consultation_payload(consultation, user=request.user, parts=parts)
    can_edit = payload["can_edit"] and consultation.is_open
    rx = payload["prescription"]
    amending = bool(rx and rx["status"] == PrescriptionStatus.DRAFT and rx["amends"])
    return {
        "consultation": payload,
        "user": request.user.pk,
        "can_edit": can_edit,
        # The prescription stays editable after the visit while an amendment of it is a draft.
        "rx_editable": bool(payload["can_edit"] and (consultation.is_open or amending)),
        "can_amend": bool(payload["can_edit"] and rx and rx["status"] == PrescriptionStatus.FINALIZED),
        "amending": amending,
        "can_book_follow_up": bool(
            payload["can_edit"] and consultation.status != ConsultationStatus.CANCELLED
        ),
        "follow_up": follow_up_brief(follow_up_current(consultation), consultation.branch),
        "zone": str(consultation.branch.zone),
        "can_record_vitals": consultation.is_open
        and permissions.can_record_vitals(request.user, consultation),
        "today": today.isoformat(),
        "urls": _api_urls(consultation),
        "chips": {
            "recent_diagnoses": habits["recent_diagnoses"],
            "common_diagnoses": habits["common_diagnoses"],
            "recent_medicines": [_medicine_chip(m) for m in habits["recent_medicines"]],
            **_fixed_chips(),
            "follow_up": _follow_up_choices(today),
        },
        "vitals": {
            **_fixed_vitals_limits(),
            "ranges": {name: [float(low), float(high)] for name, (low, high) in normal_ranges().items()},
        },
    }


@functools.cache
def _fixed_chips() -> dict:
    """The chips that are the same on every visit (from code: built once per process)."""
    return {
        "frequencies": [
            {"value": f.value, "label": f.label, "words": f.label.partition("(")[2].rstrip(")")}
            for f in FREQUENCY_CHIPS
        ],
        "durations": DURATION_DAYS,
        "timings": [{"value": t.value, "label": t.label} for t in TIMING_CHIPS],
        "override_reasons": OVERRIDE_REASONS,
        "advice": ADVICE_CHIPS,
    }


@functools.cache
def _fixed_vitals_limits() -> dict:
    """The limits past which a value is refused (from code: built once per process)."""
    return {
        "limits": {
            name: {
                "low": float(limit.low),
                "high": float(limit.high),
                "label": limit.label,
                "unit": limit.unit,
            }
            for name, limit in VITALS_LIMITS.items()
        },
        "temperature_limits": {
            unit: [float(low), float(high)] for unit, (low, high) in TEMPERATURE_LIMITS.items()
        },
    }


def _plain(value) -> str:
    """A stored number as typed: Decimal("72.00") -> "72", Decimal("98.60") -> "98.6"."""
    if value in (None, ""):
        return ""
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _vitals_form(vitals: dict | None) -> dict:
    """What the vitals tiles show: the saved values as typed, temperature in its unit (°F when new)."""
    vitals = vitals or {}
    return {
        "systolic": _plain(vitals.get("blood_pressure_systolic")),
        "diastolic": _plain(vitals.get("blood_pressure_diastolic")),
        "temperature": _plain(vitals.get("temperature")),
        "temperature_unit": vitals.get("temperature_unit") or TemperatureUnit.FAHRENHEIT,
        "bmi": _plain(vitals.get("bmi")),
        "tiles": [
            {
                "name": name,
                "label": label,
                "unit": unit,
                "step": step,
                "typical": typical,
                "decimal": decimal,
                "value": _plain(vitals.get(name)),
            }
            for name, label, unit, step, typical, decimal in VITALS_TILES
        ],
    }


def _status_key(status: str) -> str:
    """A consultation status in the product's one status system (word kept, tone shared)."""
    if status == ConsultationStatus.COMPLETED:
        return "completed"
    if status == ConsultationStatus.CANCELLED:
        return "cancelled"
    return "in_consultation"


def _prescription_versions(consultation: Consultation, parts: VisitParts) -> list[dict]:
    """The signed versions of the visit's prescription, newest first, each with its PDF (from the
    list already read: no query)."""
    zone = consultation.branch.zone
    return [
        {
            "id": str(p.pk),
            "label": p.label,
            "version": p.version,
            "status": p.status,
            "status_text": p.get_status_display(),
            "signed": timezone.localtime(p.finalized_at, zone) if p.finalized_at else None,
            "pdf_url": reverse("consultations:prescription-pdf", args=[p.pk]),
        }
        for p in parts.prescriptions
        if p.status in (PrescriptionStatus.FINALIZED, PrescriptionStatus.AMENDED)
    ]


@tablet_page
@require_GET
def visit_page(request: HttpRequest, consultation_id) -> HttpResponse:
    """One page for the whole visit: who (sticky), vitals, notes, diagnoses, prescription, follow-up,
    complete. Opening it is an access-logged read of the consultation (and of the previous visit)."""
    try:
        visit = consultation_visit_for_user(
            user=request.user,
            consultation_id=consultation_id,
            request=request,
            reason="tablet visit page",
            common_codes=COMMON_DIAGNOSES,
        )
    except NotFound:
        raise Http404("No such consultation.") from None
    consultation, previous = visit.consultation, visit.previous
    today = branch_today(consultation.branch)
    state = _visit_state(request, consultation, parts=visit.parts, habits=visit.habits, today=today)
    payload = state["consultation"]
    note = payload["note"] or {}
    prescription = payload["prescription"]
    signed = prescription if prescription and prescription["status"] != PrescriptionStatus.DRAFT else None
    versions = _prescription_versions(consultation, visit.parts)
    steps = [value for value, _ in WORKFLOW_STEPS]
    current = steps.index(consultation.status) if consultation.status in steps else -1
    is_over = consultation.status == ConsultationStatus.COMPLETED
    context = {
        "consultation": consultation,
        "patient": consultation.patient,
        "allergies": visit.allergies,
        "medications": visit.medications,
        "previous": previous,
        "vitals": _vitals_form(payload["vitals"]),
        "note_groups": [
            (
                letter,
                title,
                [(name, label, (note.get("sections") or {}).get(name, "")) for name, label in fields],
            )
            for letter, title, fields in NOTE_GROUPS
        ],
        "note": note,
        "templates": note_template_chips(consultation_type=consultation.consultation_type),
        "steps": [
            {
                "status": value,
                "label": label,
                "done": i < current or is_over,
                "current": i == current and not is_over,
            }
            for i, (value, label) in enumerate(WORKFLOW_STEPS)
        ],
        "prescription": prescription,
        "signed_prescription": signed,
        "rx_versions": versions,
        "amend_reasons": AMEND_REASONS,
        "amended_label": next(
            (v["label"] for v in versions if prescription and v["id"] == str(prescription["amends"])), ""
        ),
        "rx_editable": state["rx_editable"],
        "can_amend": state["can_amend"],
        "amending": state["amending"],
        "can_book_follow_up": state["can_book_follow_up"],
        "follow_up": state["follow_up"],
        "state": state,
        "can_edit": state["can_edit"],
        "can_record_vitals": state["can_record_vitals"],
        "doctor_name": consultation.doctor.display_name,
        "status_key": _status_key(consultation.status),
        "is_completed": consultation.status == ConsultationStatus.COMPLETED,
        "is_cancelled": consultation.status == ConsultationStatus.CANCELLED,
        "started_at": timezone.localtime(consultation.started_at, consultation.branch.zone),
        "completed_at": timezone.localtime(consultation.completed_at, consultation.branch.zone)
        if consultation.completed_at
        else None,
    }
    # In Jinja2, several times faster than Django's engine for this markup (decision 0051), with the
    # voice app's console and the staff layout's shared pieces.
    context["voice_info"] = voice_console_info()
    return render(request, "consultations/visit_page.html", context, using="jinja2")


# --- The public prescription check ---------------------------------------------------------------------


@require_GET
@never_cache
def prescription_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The public prescription check behind the QR code printed on every prescription.

    Anyone holding the paper (a pharmacist) may open it; it shows only what the paper shows, minus
    the patient: number, date, doctor, status, the medicines and whether the printed fingerprint
    matches the record. Each look-up is access-logged.
    """
    prescription = prescription_by_token(token)
    if prescription is None:
        response = render(request, "consultations/rx_verify.html", {"found": False}, status=404)
    else:
        access_log_for_request(
            request,
            record_type="prescription",
            record_id=prescription.pk,
            patient_id=prescription.patient_id,
            reason="QR verification",
        )
        printed = request.GET.get("h", "")
        fingerprint = prescription_fingerprint(prescription)
        amended_by = related_or_none(prescription, "amended_by")
        context = {
            "found": True,
            "rx": prescription,
            "valid": prescription.status == PrescriptionStatus.FINALIZED,
            "amended_by": amended_by
            if amended_by and amended_by.status != PrescriptionStatus.DRAFT
            else None,
            "date": f"{prescription.finalized_at.astimezone(prescription.branch.zone):%d %b %Y}",
            "fingerprint": fingerprint,
            "fingerprint_given": bool(printed),
            "fingerprint_matches": bool(printed) and hmac.compare_digest(printed, fingerprint),
            "items": [
                {
                    "name": item.medicine_name,
                    "dosage": item.dosage,
                    "frequency": frequency_words(item.frequency),
                    "duration": duration_words(item.duration_value, item.duration_unit),
                }
                for item in prescription.items.all()
            ],
        }
        response = render(request, "consultations/rx_verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
