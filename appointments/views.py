"""The front desk's appointment pages (seed 4.6, 4.8.5): the booking wizard, the calendar, today's
live queue, the list, an appointment's page and schedule management. Server-rendered with htmx
(docs/decisions/0050, 0025).

Views are thin: they parse a form, call one service or selector, and render. Front desk and
admins act; doctors, therapists and nurses read their branch's pages; anyone else gets 403.
Nothing personal travels in a URL: patient search is a POST, appointments are addressed by UUID.
Success messages name the appointment number, never the patient.
"""

import datetime
import functools
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.handlers.asgi import ASGIRequest
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from appointments.clock import branch_today, local_instant
from appointments.conf import slot_weeks_ahead
from appointments.forms import (
    AllocateForm,
    AppointmentFilterForm,
    BlockTimeForm,
    BookingDetailsForm,
    BookingStateForm,
    CancelForm,
    GenerateSlotsForm,
    HolidayForm,
    LeaveForm,
    RoomBlockForm,
    ScheduleForm,
    parse_aware,
)
from appointments.models import AppointmentStatus, DoctorSchedule, Holiday, StaffLeave
from appointments.permissions import DESK_ROLES, STAFF_ROLES, access_of
from appointments.selectors.availability import rooms_available, therapists_available
from appointments.selectors.pages import (
    appointment_for_page,
    appointments_for_pages,
    blocked_slots,
    bookable_of,
    bookables,
    calendar_grid,
    calendar_resources,
    doctors_at,
    page_branch,
    page_branches,
    queue_board,
    real_user,
    rooms_at,
    schedule_page,
    start_options_by_day,
    therapists_at,
)
from appointments.services import (
    AbsenceOutcome,
    appointment_allocate_resources,
    appointment_approve,
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointment_mark_no_show,
    appointment_reschedule,
    appointment_walk_in,
    doctor_schedule_create,
    doctor_schedule_delete,
    doctor_schedule_update,
    holiday_cancel,
    holiday_record,
    slot_block,
    slot_generate,
    slot_unblock,
    staff_leave_cancel,
    staff_leave_record,
)
from appointments.services.blocks import resource_block
from appointments.services.idempotency import IdempotencyKeyReused, idempotent_reply, request_fingerprint
from appointments.services.schedules import BreakInput
from appointments.services.workflow import TRANSITIONS
from clinic.api_errors import ApplicationError
from clinic.forms import PatientForm
from clinic.identifiers import phone_like
from clinic.models import Branch, Patient, Room, Staff, StaffType
from clinic.selectors.patients import MRN_LIKE, patient_base_queryset, patient_search
from clinic.services.patients import PossibleDuplicate, patient_register

S = AppointmentStatus
SEARCH_LIMIT = 10
LIST_PAGE_SIZE = 25


# --- Access ------------------------------------------------------------------------------------------


def staff_page(*, desk: bool = False):
    """Signed-in staff of a clinical or desk role (desk roles only when `desk`); anonymous users go
    to sign in, others get 403. The user's access (roles, branches) is read once, as request.access.
    Responses are never cached: they show patients' details."""
    roles = DESK_ROLES if desk else STAFF_ROLES

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user = real_user(request.user)
            if not user.is_authenticated:
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(resolve_url(settings.LOGIN_URL))
                return redirect_to_login(request.get_full_path())
            access = access_of(user, refresh=True)
            if not user.is_staff or not access.in_group(*roles):
                raise PermissionDenied
            request.access = access
            return view(request, *args, **kwargs)

        return never_cache(wrapped)

    return decorator


def _can_act(request) -> bool:
    return request.access.in_group(*DESK_ROLES)


def _go(request, url):
    """After a write: htmx follows with a full page load, a plain form with a 302."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _render(request, template, context, *, branch=None, status=200):
    """Render with times shown in the branch's zone (decision 8)."""
    zone = branch.zone if branch is not None else timezone.get_current_timezone()
    with timezone.override(zone):
        return render(request, template, context, status=status)


def _when(appointment) -> str:
    start = appointment.start_time
    return f"{start.hour % 12 or 12}:{start:%M} {'am' if start.hour < 12 else 'pm'}"


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


# --- Booking wizard ----------------------------------------------------------------------------------

STEPS = (
    ("patient", "Patient"),
    ("service", "Service"),
    ("slot", "Doctor and time"),
    ("resources", "Room and therapist"),
    ("summary", "Summary"),
)
STEP_FIELDS = {
    "patient": ("patient", "branch"),
    "service": ("item",),
    "slot": ("doctor", "day", "week", "start"),
    "resources": ("room", "therapist"),
    "summary": ("token",),
}
DAYS_SHOWN = 7


@dataclass
class Wizard:
    """The booking being put together, from the form's hidden fields."""

    branches: list
    branch: object
    patient: Patient | None = None
    bookable: object = None  # selectors.pages.Bookable
    doctor: object = None
    day: datetime.date | None = None
    week: datetime.date | None = None
    start: datetime.datetime | None = None
    room: object = None
    therapist: object = None
    parent: object = None
    reschedule: object = None
    token: str = ""

    @property
    def need(self):
        return self.bookable.need if self.bookable else None

    @property
    def needs_resources(self) -> bool:
        need = self.need
        return bool(need and (need.requires_room or need.requires_therapist))

    @property
    def steps(self) -> list[tuple[str, str]]:
        steps = [s for s in STEPS if self.needs_resources or s[0] != "resources"]
        if self.reschedule is not None:  # the patient and the service stay what they were
            steps = [s for s in steps if s[0] not in ("patient", "service")]
        return steps

    def first_missing(self) -> str:
        if self.patient is None:
            return "patient"
        if self.bookable is None:
            return "service"
        if self.doctor is None or self.start is None:
            return "slot"
        need = self.need
        if (need.requires_room and self.room is None) or (need.requires_therapist and self.therapist is None):
            return "resources"
        return "summary"

    def values(self) -> dict:
        item = self.bookable.key if self.bookable else ""
        return {
            "branch": self.branch.pk if self.branch else "",
            "patient": self.patient.pk if self.patient else "",
            "item": item,
            "doctor": self.doctor.pk if self.doctor else "",
            "day": self.day.isoformat() if self.day else "",
            "week": self.week.isoformat() if self.week else "",
            "start": self.start.isoformat() if self.start else "",
            "room": self.room.pk if self.room else "",
            "therapist": self.therapist.pk if self.therapist else "",
            "parent": self.parent.pk if self.parent else "",
            "reschedule": self.reschedule.pk if self.reschedule else "",
            "token": self.token,
        }

    def hidden(self, step: str) -> list[tuple[str, object]]:
        """Hidden inputs: the whole state but the fields the step itself shows."""
        own = STEP_FIELDS.get(step, ())
        return [(k, v) for k, v in self.values().items() if k not in own and v != ""]

    def clear_from(self, step: str) -> None:
        """A choice changed: what depends on it must be chosen again."""
        if step == "service":
            self.start = None
        self.room = self.therapist = None


def _wizard_scopes(request, branches):
    access = request.access
    patients = patient_base_queryset()
    if access.branch_ids is not None:
        patients = patients.filter(registered_branch_id__in=access.branch_ids)
    ids = [b.id for b in branches]
    staff = Staff.objects.filter(branches__in=ids, is_active=True, is_deleted=False).distinct()
    return {
        "branches": Branch.objects.filter(id__in=ids),
        "patients": patients,
        "doctors": staff.filter(staff_type=StaffType.DOCTOR),
        "rooms": Room.objects.filter(branch_id__in=ids, is_active=True, is_deleted=False),
        "therapists": staff.filter(staff_type__in=("therapist", "nurse")),
        "appointments": appointments_for_pages(access).filter(branch_id__in=ids),
    }


def _wizard_from(request, data, branches) -> Wizard:
    state = BookingStateForm(data, **_wizard_scopes(request, branches)).state()
    branch = state.get("branch") or branches[0]
    wizard = Wizard(branches=branches, branch=branch)
    for name in ("patient", "doctor", "day", "week", "start", "room", "therapist", "parent", "reschedule"):
        setattr(wizard, name, state.get(name))
    wizard.token = state.get("token") or ""
    item = state.get("item")
    if item is not None and item.hospital_id == branch.hospital_id:
        wizard.bookable = bookable_of(item)
    for name in ("doctor", "room", "therapist"):  # chosen at another branch before a switch
        value = getattr(wizard, name)
        if value is not None and not _at_branch(value, branch):
            setattr(wizard, name, None)
    old = wizard.reschedule
    if old is not None:
        if old.status not in (S.REQUESTED, S.CONFIRMED) or old.branch_id != branch.pk:
            wizard.reschedule = None
        else:
            wizard.patient = old.patient
            wizard.bookable = bookable_of(old.service or old.package)
    if wizard.parent is not None and (
        wizard.patient is None or wizard.parent.patient_id != wizard.patient.pk
    ):
        wizard.parent = None
    return wizard


def _at_branch(obj, branch) -> bool:
    if hasattr(obj, "branch_id"):
        return obj.branch_id == branch.pk
    return obj.branches.filter(pk=branch.pk).exists()


def _prefill(request, branches) -> dict:
    """GET /appointments/book/?patient=<uuid> | ?follow_up=<uuid> | ?reschedule=<uuid>."""
    data = {}
    if request.GET.get("patient"):
        data["patient"] = request.GET["patient"]
    if request.GET.get("branch"):
        data["branch"] = request.GET["branch"]
    for param, field in (("follow_up", "parent"), ("reschedule", "reschedule")):
        value = request.GET.get(param)
        if not value:
            continue
        try:
            appointment = appointment_for_page(access=request.access, appointment_id=uuid.UUID(value))
        except (ValueError, Http404):
            continue
        data.update(
            {
                field: str(appointment.pk),
                "branch": str(appointment.branch_id),
                "patient": str(appointment.patient_id),
                "doctor": str(appointment.doctor_id or ""),
            }
        )
        item = appointment.service or appointment.package
        if item is not None:
            data["item"] = f"{'service' if appointment.service_id else 'package'}:{item.pk}"
        if field == "reschedule":
            data["day"] = appointment.appointment_date.isoformat()
    return data


@staff_page(desk=True)
@require_http_methods(["GET", "POST"])
def book(request):
    """The booking wizard: patient → service or package → doctor and time → room and therapist
    (when needed) → summary → booked. One URL; each step posts the whole state back."""
    branches = page_branches(request.access, desk=True)
    if not branches:
        raise PermissionDenied("You are not assigned to a branch.")
    if request.method == "GET":
        wizard = _wizard_from(request, _prefill(request, branches), branches)
        return _wizard_render(request, wizard, wizard.first_missing(), changed=False)

    post = request.POST
    wizard = _wizard_from(request, post, branches)
    step, action, goto = post.get("step", ""), post.get("action", ""), post.get("goto", "")
    if goto in dict(STEPS):
        return _wizard_render(request, wizard, goto)
    if step == "patient":
        return _step_patient(request, wizard, action)
    if step == "service":
        if wizard.bookable is None:
            return _wizard_render(request, wizard, "service", error="Choose a service or a package.")
        wizard.clear_from("service")
        return _wizard_render(request, wizard, wizard.first_missing())
    if step == "slot":
        return _step_slot(request, wizard, action)
    if step == "resources":
        return _wizard_render(request, wizard, "summary")
    if step == "summary" and (action == "book" or post.get("alternative")):
        return _submit(request, wizard)
    return _wizard_render(request, wizard, wizard.first_missing())


def _search_hint(query: str) -> str:
    if not query or MRN_LIKE.match(query):
        return ""
    digits = sum(c.isdigit() for c in query)
    if digits and not any(c.isalpha() for c in query) and not phone_like(query):
        return "Keep typing: a mobile number has 10 digits."
    if not digits and sum(c.isalpha() for c in query) < 2:
        return "Type at least 2 letters of the name."
    return ""


def _patient_results(request, query: str) -> dict:
    query = " ".join((query or "").split())[:100]
    hint = _search_hint(query)
    patients = []
    if query and not hint:
        patients = list(patient_search(query=query, branch_ids=request.access.branch_ids, limit=SEARCH_LIMIT))
    return {"query": query, "hint": hint, "patients": patients, "limit": SEARCH_LIMIT}


@staff_page(desk=True)
@require_POST
def book_patients(request):
    """The wizard's patient search as the typing pauses (htmx): result buttons, by POST."""
    context = {"results": _patient_results(request, request.POST.get("q"))}
    return render(request, "appointments/book.html#patient-results", context)


def _step_patient(request, wizard: Wizard, action: str):
    if action == "new":
        initial = {}
        query = " ".join(request.POST.get("q", "").split())[:100]
        if query and phone_like(query):
            initial["phone"] = query
        elif query:
            first, _, last = query.partition(" ")
            initial = {"first_name": first.title(), "last_name": last.title()}
        form = PatientForm(branches=[wizard.branch], initial=initial)
        return _wizard_render(request, wizard, "patient", register_form=form)
    if action == "register":
        form = PatientForm(request.POST, branches=[wizard.branch])
        duplicates = []
        if form.is_valid():
            try:
                wizard.patient = patient_register(
                    acting_user=request.user,
                    branch=wizard.branch,
                    data=form.service_data(),
                    allow_duplicate=form.cleaned_data["confirm_different_person"],
                )
            except PossibleDuplicate as exc:
                ids = [m["id"] for m in exc.extra.get("matches", [])]
                allowed = request.access.branch_ids
                for patient in patient_base_queryset().filter(id__in=ids):
                    openable = allowed is None or patient.registered_branch_id in allowed
                    duplicates.append({"patient": patient, "openable": openable})
                if request.POST.get("duplicate_warning_shown"):
                    form.add_error(
                        "confirm_different_person",
                        "Tick this box to register a new patient, or choose the existing one above.",
                    )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, f"Patient registered ({wizard.patient.mrn}).")
                return _wizard_render(request, wizard, wizard.first_missing())
        return _wizard_render(request, wizard, "patient", register_form=form, duplicates=duplicates)
    if wizard.patient is not None:
        return _wizard_render(request, wizard, wizard.first_missing())
    return _wizard_render(
        request, wizard, "patient", results=_patient_results(request, request.POST.get("q"))
    )


def _step_slot(request, wizard: Wizard, action: str):
    post = request.POST
    if post.get("pick_day"):
        try:
            wizard.day = datetime.date.fromisoformat(post["pick_day"])
        except ValueError:
            wizard.day = None
        wizard.start = None
    if post.get("pick_week") in ("earlier", "later"):
        today = branch_today(wizard.branch)
        first = wizard.week or today
        shift = datetime.timedelta(days=DAYS_SHOWN if post["pick_week"] == "later" else -DAYS_SHOWN)
        wizard.week = max(today, first + shift)
        wizard.day, wizard.start = None, None
    if post.get("pick_day") or post.get("pick_week") or action == "refresh" or wizard.start is None:
        wizard.start = None
        return _wizard_render(request, wizard, "slot")
    wizard.clear_from("slot")
    wizard.day = wizard.start.astimezone(wizard.branch.zone).date()
    return _wizard_render(request, wizard, wizard.first_missing())


def _slot_context(wizard: Wizard) -> dict:
    branch = wizard.branch
    doctors = doctors_at(branch)
    if wizard.doctor is None and doctors:
        wizard.doctor = doctors[0]
    today = branch_today(branch)
    if wizard.week is None or wizard.week < today:
        wizard.week = (
            max(today, wizard.day - datetime.timedelta(days=wizard.day.weekday())) if wizard.day else today
        )
    if wizard.day is not None and not (
        wizard.week <= wizard.day < wizard.week + datetime.timedelta(days=DAYS_SHOWN)
    ):
        wizard.week = wizard.day
    days = []
    if wizard.doctor is not None:
        days = start_options_by_day(
            branch=branch, doctor=wizard.doctor, first=wizard.week, days=DAYS_SHOWN, need=wizard.need
        )
    if wizard.day is None or wizard.day < today:
        wizard.day = next((d.date for d in days if d.options), wizard.week)
    chosen = next((d for d in days if d.date == wizard.day), None)
    return {
        "doctors": doctors,
        "days": days,
        "chosen_day": chosen,
        "today": today,
        "can_go_earlier": wizard.week > today,
    }


def _chosen_option(wizard: Wizard):
    """The free start the wizard holds, as it is now (None when it was taken meanwhile)."""
    if wizard.start is None or wizard.doctor is None:
        return None
    day = wizard.start.astimezone(wizard.branch.zone).date()
    days = start_options_by_day(
        branch=wizard.branch, doctor=wizard.doctor, first=day, days=1, need=wizard.need
    )
    for option in days[0].options if days else []:
        if option.option.starts_at == wizard.start:
            return option.option
    return None


def _resources_context(wizard: Wizard) -> dict:
    option = _chosen_option(wizard)
    if option is None:
        return {"taken": True}
    kwargs = {"branch": wizard.branch, "start": option.starts_at, "end": option.ends_at}
    item = wizard.bookable.item
    kwargs["service" if wizard.bookable.kind == "service" else "package"] = item
    rooms = rooms_available(**kwargs) if wizard.need.requires_room else []
    therapists = therapists_available(**kwargs) if wizard.need.requires_therapist else []
    if rooms and (wizard.room is None or not any(r.available and r.resource == wizard.room for r in rooms)):
        wizard.room = next((r.resource for r in rooms if r.available), None)
    if therapists and (
        wizard.therapist is None
        or not any(t.available and t.resource == wizard.therapist for t in therapists)
    ):
        wizard.therapist = next((t.resource for t in therapists if t.available), None)
    return {"option": option, "rooms": rooms, "therapists": therapists}


def _wizard_render(request, wizard: Wizard, step: str, *, changed: bool = True, status: int = 200, **extra):
    if step not in dict(wizard.steps) and step != "done":
        step = wizard.first_missing()
    context = {"wizard": wizard, "step": step, "focus": changed and request.method == "POST", **extra}
    if step == "patient":
        context.setdefault("results", {"query": "", "hint": "", "patients": []})
    elif step == "service":
        context["bookables"] = bookables(branch=wizard.branch)
    elif step == "slot":
        context.update(_slot_context(wizard))
    elif step == "resources":
        context.update(_resources_context(wizard))
    elif step == "summary":
        wizard.token = str(uuid.uuid4())  # a new Idempotency-Key for each summary shown
        context.setdefault("details", BookingDetailsForm())
        context["option"] = _chosen_option(wizard)
        context["is_today"] = wizard.start is not None and wizard.start.astimezone(
            wizard.branch.zone
        ).date() == branch_today(wizard.branch)
    step_names = [s for s, _ in wizard.steps]
    context["step_number"] = step_names.index(step) + 1 if step in step_names else len(step_names)
    context["hidden"] = wizard.hidden(step)
    template = "appointments/book.html"
    if request.htmx:
        template += "#wizard"
    return _render(request, template, context, branch=wizard.branch, status=status)


def _refusal(exc: Exception) -> tuple[int, dict]:
    """A refused booking, as the reply kept under its Idempotency-Key."""
    if isinstance(exc, ApplicationError):
        return exc.http_status, {"error": {"code": exc.code, "message": exc.message, **exc.extra}}
    fields = exc.message_dict if hasattr(exc, "error_dict") else {}
    return 400, {"error": {"code": "invalid", "message": " ".join(exc.messages), "fields": fields}}


def _submit(request, wizard: Wizard):
    """Book once per summary shown: the summary's token is the booking's Idempotency-Key, so a
    double click, a retry after a dropped network or a reload replays the first reply."""
    details = BookingDetailsForm(request.POST)
    alternative = request.POST.get("alternative")
    if alternative:  # one click on a free time offered after a conflict
        value, room_id, therapist_id = [*alternative.split("|"), "", ""][:3]
        wizard.start = parse_aware(value)
        wizard.room = next((r for r in rooms_at(wizard.branch) if str(r.pk) == room_id), None)
        wizard.therapist = next((t for t in therapists_at(wizard.branch) if str(t.pk) == therapist_id), None)
    ready = wizard.first_missing() == "summary" or (alternative and wizard.first_missing() == "resources")
    if not ready or not wizard.token or wizard.start is None:
        return _wizard_render(
            request, wizard, wizard.first_missing(), error="Something was missing; check it."
        )
    if not details.is_valid():
        return _wizard_render(request, wizard, "summary", details=details)
    data = details.cleaned_data
    item = wizard.bookable.item
    item_kwargs = {"service": item} if wizard.bookable.kind == "service" else {"package": item}

    def run() -> tuple[int, dict]:
        with transaction.atomic():  # a refusal after the booking undoes the booking too
            if wizard.reschedule is not None:
                appointment = appointment_reschedule(
                    acting_user=request.user,
                    appointment=wizard.reschedule,
                    start=wizard.start,
                    doctor=wizard.doctor,
                    room=wizard.room,
                    therapist=wizard.therapist,
                    reason=data["reason"],
                )
            elif data["check_in_now"]:
                appointment = appointment_walk_in(
                    acting_user=request.user,
                    branch=wizard.branch,
                    doctor=wizard.doctor,
                    patient=wizard.patient,
                    start=wizard.start,
                    room=wizard.room,
                    therapist=wizard.therapist,
                    chief_complaint=data["chief_complaint"],
                    **item_kwargs,
                )
            else:
                appointment = appointment_book(
                    acting_user=request.user,
                    patient=wizard.patient,
                    branch=wizard.branch,
                    doctor=wizard.doctor,
                    start=wizard.start,
                    source=data["source"],
                    room=wizard.room,
                    therapist=wizard.therapist,
                    parent_appointment=wizard.parent,
                    chief_complaint=data["chief_complaint"],
                    priority=data["priority"],
                    **item_kwargs,
                )
                if data["confirm_now"] and appointment.status == S.REQUESTED:
                    appointment = appointment_approve(
                        acting_user=request.user, appointment=appointment, reason="Approved at booking"
                    )
        return 201, {"id": str(appointment.pk), "number": appointment.number}

    fingerprint = request_fingerprint(
        method="POST",
        path=request.path,
        data={k: request.POST.getlist(k) for k in sorted(request.POST) if k != "csrfmiddlewaretoken"},
    )
    try:
        reply = idempotent_reply(
            user=request.user, key=wizard.token, fingerprint=fingerprint, run=run, refusal=_refusal
        )
    except (IdempotencyKeyReused, ValidationError):
        return _wizard_render(
            request,
            wizard,
            "summary",
            details=details,
            error="This summary was already sent with other details. Check the details and book again.",
        )
    if reply.status == 201:
        appointment = appointment_for_page(access=request.access, appointment_id=reply.body["id"])
        if not reply.replayed:
            verb = "Moved to" if wizard.reschedule else "Booked"
            messages.success(request, f"{verb} {appointment.number}.")
        return _wizard_render(request, wizard, "done", appointment=appointment, replayed=reply.replayed)
    error = reply.body.get("error", {})
    if error.get("code") == "booking_conflict":
        return _wizard_render(
            request, wizard, "summary", details=details, conflict=_conflict_view(wizard, error)
        )
    return _wizard_render(request, wizard, "summary", details=details, error=error.get("message", ""))


def _conflict_view(wizard: Wizard, error: dict) -> dict:
    """A lost race: the message and the nearest free starts, each a one-click booking."""
    options = []
    zone = wizard.branch.zone
    for alt in error.get("alternatives", [])[:6]:
        start = datetime.datetime.fromisoformat(alt["start"]).astimezone(zone)
        keep_room = wizard.room is not None and str(wizard.room.pk) in alt.get("room_ids", [])
        keep_therapist = wizard.therapist is not None and str(wizard.therapist.pk) in alt.get(
            "therapist_ids", []
        )
        options.append(
            {
                "start": start,
                "value": start.isoformat(),
                "room": wizard.room.pk if keep_room else "",
                "therapist": wizard.therapist.pk if keep_therapist else "",
                "capacity_left": alt.get("capacity_left", 1),
            }
        )
    return {
        "message": error.get("message", ""),
        "resource": error.get("resource", ""),
        "alternatives": options,
    }


# --- Today's queue -----------------------------------------------------------------------------------


def _queue_context(request, branch, *, moved=None, focus_moved=False) -> dict:
    return {
        # Served over WSGI (pytest's live_server, a WSGI-only deployment) there is no websocket
        # endpoint: the page says so and polls instead of failing to connect.
        "websocket": isinstance(request, ASGIRequest),
        "board": queue_board(access=request.access, branch=branch),
        "branch": branch,
        "branches": page_branches(request.access),
        "can_act": _can_act(request),
        "now": timezone.now(),
        "moved": str(moved) if moved else "",
        "focus_moved": focus_moved,
    }


@staff_page()
@require_GET
def queue(request):
    """Today's appointments of the branch by where the patient is; live over a websocket
    (appointments.consumers), polling every 15 s when it drops. htmx asks for the board alone."""
    branch = page_branch(page_branches(request.access), request.GET.get("branch"))
    template = "appointments/queue.html#board" if request.htmx else "appointments/queue.html"
    moved = request.GET.get("moved", "")  # keeps the highlight of a row that just moved
    context = _queue_context(request, branch, moved=moved if _is_uuid(moved) else None)
    return _render(request, template, context, branch=branch)


# --- Appointment actions (queue rows and the appointment page) ---------------------------------------


def _act(request, appointment, action: str) -> str:
    """Run one workflow service; returns the success message."""
    user = request.user
    if action == "approve":
        appointment_approve(acting_user=user, appointment=appointment)
        return f"{appointment.number} approved."
    if action == "check-in":
        appointment_check_in(acting_user=user, appointment=appointment)
        return f"{appointment.number} checked in ({_when(appointment)})."
    if action == "no-show":
        appointment_mark_no_show(acting_user=user, appointment=appointment, reason="Marked at the desk")
        return f"{appointment.number} marked as a no-show."
    raise Http404("No such action.")


@staff_page(desk=True)
@require_POST
def appointment_action(request, appointment_id, action):
    """Approve, check in or mark a no-show; from the queue (htmx) the board comes back with the row
    in its new column, from the appointment page a redirect back to it."""
    appointment = appointment_for_page(access=request.access, appointment_id=appointment_id)
    try:
        messages.success(request, _act(request, appointment, action))
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, _error_text(exc))
    if request.POST.get("next") == "queue":
        if request.htmx:
            context = _queue_context(request, appointment.branch, moved=appointment.pk, focus_moved=True)
            return _render(request, "appointments/queue.html#board", context, branch=appointment.branch)
        return redirect(f"{reverse('appointments:queue')}?branch={appointment.branch_id}")
    return _go(request, reverse("appointments:detail", args=[appointment.pk]))


@staff_page(desk=True)
@require_POST
def appointment_cancel_page(request, appointment_id):
    appointment = appointment_for_page(access=request.access, appointment_id=appointment_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            appointment_cancel(
                acting_user=request.user, appointment=appointment, reason=form.cleaned_data["reason"]
            )
        except (ApplicationError, ValidationError) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"{appointment.number} cancelled.")
        return _go(request, reverse("appointments:detail", args=[appointment.pk]))
    return _detail_render(request, appointment, cancel_form=form)


@staff_page(desk=True)
@require_POST
def appointment_allocate_page(request, appointment_id):
    appointment = appointment_for_page(access=request.access, appointment_id=appointment_id)
    form = _allocate_form(appointment, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            appointment_allocate_resources(
                acting_user=request.user,
                appointment=appointment,
                room=data["room"],
                therapist=data["therapist"],
                approve=data["approve"],
            )
        except ApplicationError as exc:
            free = ", ".join(a["name"] for a in exc.extra.get("alternatives", []))
            form.add_error(None, exc.message + (f" Free now: {free}." if free else ""))
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, f"Resources of {appointment.number} saved.")
            return _go(request, reverse("appointments:detail", args=[appointment.pk]))
    return _detail_render(request, appointment, allocate_form=form)


# --- Appointment page --------------------------------------------------------------------------------


def _allocate_form(appointment, data=None) -> AllocateForm:
    return AllocateForm(
        data,
        rooms=Room.objects.filter(branch=appointment.branch, is_active=True, is_deleted=False),
        therapists=Staff.objects.filter(
            branches=appointment.branch,
            staff_type__in=("therapist", "nurse"),
            is_active=True,
            is_deleted=False,
        ),
    )


def _detail_render(request, appointment, *, cancel_form=None, allocate_form=None):
    can_act = _can_act(request)
    allowed = TRANSITIONS.get(appointment.status, frozenset())
    actions = {
        "approve": S.CONFIRMED in allowed and appointment.status == S.REQUESTED,
        "check_in": S.CHECKED_IN in allowed,
        "no_show": S.NO_SHOW in allowed,
        "cancel": S.CANCELLED in allowed,
        "reschedule": S.RESCHEDULED in allowed,
        "allocate": appointment.status in (S.REQUESTED, S.CONFIRMED, S.CHECKED_IN),
        "follow_up": appointment.status not in (S.CANCELLED, S.RESCHEDULED),
    }
    context = {
        "appointment": appointment,
        "can_act": can_act,
        "actions": actions if can_act else {},
        "cancel_form": cancel_form or CancelForm(),
        "allocate_form": allocate_form,
    }
    if can_act and actions["allocate"]:
        context["allocate_form"] = allocate_form or _allocate_form(appointment)
        kwargs = {"branch": appointment.branch, "start": appointment.starts_at, "end": appointment.ends_at}
        kwargs["service"], kwargs["package"] = appointment.service, appointment.package
        context["rooms"] = rooms_available(**kwargs)
        context["therapists"] = therapists_available(**kwargs)
    status = 400 if (cancel_form or allocate_form) else 200
    return _render(request, "appointments/detail.html", context, branch=appointment.branch, status=status)


@staff_page()
@require_GET
def appointment_detail(request, appointment_id):
    appointment = appointment_for_page(access=request.access, appointment_id=appointment_id)
    return _detail_render(request, appointment)


# --- List --------------------------------------------------------------------------------------------


@staff_page()
@require_GET
def appointment_list_page(request):
    """All appointments with filters (dates, doctor, status, source, branch), 25 a page, by time."""
    branches = page_branches(request.access)
    branch = page_branch(branches, request.GET.get("branch"))
    doctors = Staff.objects.filter(branches=branch, staff_type=StaffType.DOCTOR, is_deleted=False)
    today = branch_today(branch)
    data = request.GET.copy()
    data.setdefault("date_from", today.strftime("%d/%m/%Y"))
    data.setdefault("branch", str(branch.pk))
    form = AppointmentFilterForm(
        data,
        doctors=doctors.order_by("first_name"),
        branches=Branch.objects.filter(id__in=[b.id for b in branches]),
    )
    qs = appointments_for_pages(request.access).filter(branch=branch)
    if form.is_valid():
        f = form.cleaned_data
        if f["date_from"]:
            qs = qs.filter(appointment_date__gte=f["date_from"])
        if f["date_to"]:
            qs = qs.filter(appointment_date__lte=f["date_to"])
        if f["doctor"]:
            qs = qs.filter(doctor=f["doctor"])
        if f["status"]:
            qs = qs.filter(status__in=f["status"])
        if f["source"]:
            qs = qs.filter(booking_source=f["source"])
    else:
        qs = qs.none()
    page = Paginator(qs.order_by("starts_at", "number"), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "branch": branch,
        "multi_branch": len(branches) > 1,
        "query": query.urlencode(),
        "can_act": _can_act(request),
    }
    return _render(request, "appointments/list.html", context, branch=branch)


# --- Calendar ----------------------------------------------------------------------------------------


CALENDAR_LEGEND = ("requested", "confirmed", "checked_in", "in_progress", "completed", "no_show")


def _date_param(value, default: datetime.date) -> datetime.date:
    """A date typed as 26/11/2026 (or 26-11-2026), or sent as 2026-11-26; the default otherwise."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime((value or "").strip(), pattern).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    return default


@staff_page()
@require_GET
def calendar(request):
    """Day (a column per doctor or room) or week (one doctor or room, a column per day), in the
    branch's zone; appointments link to their page."""
    return _calendar_render(request, request.GET)


def _calendar_render(request, params, *, block_form=None, status=200):
    branch = page_branch(page_branches(request.access), params.get("branch"))
    view = "week" if params.get("view") == "week" else "day"
    by = "room" if params.get("by") == "room" else "doctor"
    today = branch_today(branch)
    day = _date_param(params.get("date"), today)
    resources = calendar_resources(branch=branch, by=by)
    resource = None
    if view == "week":
        first = day - datetime.timedelta(days=day.weekday())
        days, step = 7, 7
        wanted = params.get("resource")
        resource = next((r for r in resources if str(r.pk) == wanted), resources[0] if resources else None)
    else:
        first, days, step = day, 1, 1
    grid = calendar_grid(
        access=request.access,
        branch=branch,
        by=by,
        first=first,
        days=days,
        resource_id=resource.pk if resource is not None else None,
    )
    now = timezone.now().astimezone(branch.zone)
    minutes = now.hour * 60 + now.minute
    opens = branch.opens_at.hour * 60 + branch.opens_at.minute
    closes = branch.closes_at.hour * 60 + branch.closes_at.minute
    context = {
        "grid": grid,
        "legend": CALENDAR_LEGEND,
        "now_top": 100 * (minutes - opens) / (closes - opens) if opens <= minutes <= closes else None,
        "branch": branch,
        "branches": page_branches(request.access),
        "view": view,
        "by": by,
        "day": day,
        "today": today,
        "first": first,
        "last": first + datetime.timedelta(days=days - 1),
        "previous": day - datetime.timedelta(days=step),
        "next": day + datetime.timedelta(days=step),
        "resources": resources,
        "resource": resource,
        "can_act": _can_act(request),
    }
    if by == "room" and context["can_act"] and resources:
        context["block_form"] = block_form or RoomBlockForm(
            rooms=Room.objects.filter(pk__in=[r.pk for r in resources]),
            initial={"date": day, "room": resource},
        )
    return _render(request, "appointments/calendar.html", context, branch=branch, status=status)


@staff_page(desk=True)
@require_POST
def room_block_add(request):
    """Block a room from the room calendar (services.blocks.resource_block): on success back to the
    calendar of that day; refused, the calendar again with the form and the reason (what is booked)."""
    branch = page_branch(page_branches(request.access, desk=True), request.POST.get("branch"))
    form = RoomBlockForm(request.POST, rooms=Room.objects.filter(branch=branch, is_deleted=False))
    if form.is_valid():
        data = form.cleaned_data
        start = local_instant(branch.zone, data["date"], data["start_time"])
        end = local_instant(branch.zone, data["date"], data["end_time"])
        try:
            if start is None or end is None:
                raise ValidationError({"start_time": ["That time does not exist that day (clocks change)."]})
            resource_block(
                acting_user=request.user,
                branch=branch,
                room=data["room"],
                start=start,
                end=end,
                reason=data["reason"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{data['room'].room_name} blocked: {data['reason']}.")
            query = f"?branch={branch.pk}&by=room&date={data['date']:%Y-%m-%d}"
            return _go(request, reverse("appointments:calendar") + query)
    params = {"branch": str(branch.pk), "by": "room", "date": request.POST.get("date", "")}
    return _calendar_render(request, params, block_form=form, status=400)


# --- Schedules ---------------------------------------------------------------------------------------


def _schedule_scope(request, data):
    branches = page_branches(request.access, desk=True)
    branch = page_branch(branches, data.get("branch"))
    doctors = doctors_at(branch)
    wanted = data.get("doctor")
    doctor = next((d for d in doctors if str(d.pk) == wanted), doctors[0] if doctors else None)
    if wanted and (doctor is None or str(doctor.pk) != wanted):
        raise Http404("No such doctor at this branch.")
    return branches, branch, doctors, doctor


def _schedules_url(branch, doctor) -> str:
    url = f"{reverse('appointments:schedules')}?branch={branch.pk}"
    return url + (f"&doctor={doctor.pk}" if doctor else "")


def _schedules_render(request, branches, branch, doctors, doctor, *, status=200, **forms):
    page = schedule_page(branch=branch, doctor=doctor) if doctor else None
    context = {
        "branches": branches,
        "branch": branch,
        "doctors": doctors,
        "doctor": doctor,
        "page": page,
        "schedule_form": forms.get("schedule_form") or ScheduleForm(),
        "schedule_rows": [
            (s, forms.get("edit_forms", {}).get(str(s.pk)) or _schedule_form_for(s))
            for s in (page.schedules if page else [])
        ],
        "generate_form": forms.get("generate_form")
        or GenerateSlotsForm(initial={"weeks": slot_weeks_ahead()}),
        "block_form": forms.get("block_form") or BlockTimeForm(),
        "leave_form": forms.get("leave_form") or LeaveForm(prefix="leave"),
        "holiday_form": forms.get("holiday_form") or HolidayForm(prefix="holiday"),
        "cancel_reason": "Doctor away: clinic will call to rebook",
    }
    return _render(request, "appointments/schedules.html", context, branch=branch, status=status)


def _schedule_form_for(schedule: DoctorSchedule) -> ScheduleForm:
    first_break = next(iter(schedule.breaks.all()), None)
    return ScheduleForm(
        initial={
            "day_of_week": schedule.day_of_week,
            "start_time": schedule.start_time,
            "end_time": schedule.end_time,
            "slot_duration_minutes": schedule.slot_duration_minutes,
            "max_patients_per_slot": schedule.max_patients_per_slot,
            "break_start": first_break.start_time if first_break else None,
            "break_end": first_break.end_time if first_break else None,
            "break_label": first_break.label if first_break else "Lunch",
            "is_active": schedule.is_active,
        },
        prefix=f"s{schedule.pk.hex[:8]}",
    )


def _breaks_of(data) -> list[BreakInput]:
    if data.get("break_start") and data.get("break_end"):
        return [BreakInput(data["break_start"], data["break_end"], data.get("break_label") or "Lunch")]
    return []


def _service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = {"breaks": "break_start", "staff": None}.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@staff_page(desk=True)
@require_GET
def schedules(request):
    """A doctor's weekly template (with breaks), leave and holidays, slot generation and blocks."""
    branches, branch, doctors, doctor = _schedule_scope(request, request.GET)
    return _schedules_render(request, branches, branch, doctors, doctor)


@staff_page(desk=True)
@require_POST
def schedule_save(request, schedule_id=None):
    branches, branch, doctors, doctor = _schedule_scope(request, request.POST)
    if doctor is None:
        raise Http404("No doctor.")
    schedule = None
    if schedule_id is not None:
        schedule = DoctorSchedule.objects.filter(pk=schedule_id, branch=branch, staff=doctor).first()
        if schedule is None:
            raise Http404("No such schedule.")
    prefix = f"s{schedule.pk.hex[:8]}" if schedule else None
    form = ScheduleForm(request.POST, prefix=prefix)
    if form.is_valid():
        data = form.cleaned_data
        values = {k: data[k] for k in ("day_of_week", "start_time", "end_time", "slot_duration_minutes")}
        values["max_patients_per_slot"] = data["max_patients_per_slot"]
        try:
            if schedule is None:
                doctor_schedule_create(
                    acting_user=request.user,
                    staff=doctor,
                    branch=branch,
                    breaks=_breaks_of(data),
                    is_active=data["is_active"],
                    **values,
                )
            else:
                doctor_schedule_update(
                    acting_user=request.user,
                    schedule=schedule,
                    data={**values, "is_active": data["is_active"]},
                    breaks=_breaks_of(data),
                )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, "Schedule saved; free slots ahead were generated again.")
            return _go(request, _schedules_url(branch, doctor))
    forms = {"edit_forms": {str(schedule.pk): form}} if schedule else {"schedule_form": form}
    return _schedules_render(request, branches, branch, doctors, doctor, status=400, **forms)


@staff_page(desk=True)
@require_POST
def schedule_delete(request, schedule_id):
    _, branch, _, doctor = _schedule_scope(request, request.POST)
    schedule = DoctorSchedule.objects.filter(pk=schedule_id, branch=branch, staff=doctor).first()
    if schedule is None:
        raise Http404("No such schedule.")
    doctor_schedule_delete(acting_user=request.user, schedule=schedule)
    messages.success(request, "Day removed from the weekly schedule; booked slots stay.")
    return _go(request, _schedules_url(branch, doctor))


@staff_page(desk=True)
@require_POST
def slots_generate(request):
    branches, branch, doctors, doctor = _schedule_scope(request, request.POST)
    form = GenerateSlotsForm(request.POST)
    if not form.is_valid():
        return _schedules_render(request, branches, branch, doctors, doctor, status=400, generate_form=form)
    created = slot_generate(branch=branch, staff=doctor, weeks=form.cleaned_data["weeks"])
    word = "slot" if created == 1 else "slots"
    messages.success(
        request, f"{created} new {word} generated." if created else "All slots were already there."
    )
    return _go(request, _schedules_url(branch, doctor))


@staff_page(desk=True)
@require_POST
def time_block(request):
    branches, branch, doctors, doctor = _schedule_scope(request, request.POST)
    form = BlockTimeForm(request.POST)
    if form.is_valid() and doctor is not None:
        data = form.cleaned_data
        start = local_instant(branch.zone, data["date"], data["start_time"])
        end = local_instant(branch.zone, data["date"], data["end_time"])
        try:
            blocked = slot_block(
                acting_user=request.user,
                reason=data["reason"],
                staff=doctor,
                branch=branch,
                start=start,
                end=end,
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{len(blocked)} slot{'s' if len(blocked) != 1 else ''} blocked.")
            return _go(request, _schedules_url(branch, doctor))
    return _schedules_render(request, branches, branch, doctors, doctor, status=400, block_form=form)


@staff_page(desk=True)
@require_POST
def time_unblock(request):
    _, branch, _, doctor = _schedule_scope(request, request.POST)
    slots = blocked_slots(branch=branch, ids=[v for v in request.POST.getlist("slot") if _is_uuid(v)])
    if slots:
        slot_unblock(acting_user=request.user, slots=slots)
        messages.success(
            request, f"{len(slots)} slot{'s' if len(slots) != 1 else ''} open for booking again."
        )
    return _go(request, _schedules_url(branch, doctor))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _absence_message(outcome: AbsenceOutcome, what: str) -> str:
    removed = f"{outcome.slots_removed} free slot{'s' if outcome.slots_removed != 1 else ''} removed"
    count = len(outcome.affected)
    if not count:
        return f"{what} recorded; {removed}. No appointments fall inside it."
    word = "appointment falls" if count == 1 else "appointments fall"
    return f"{what} recorded; {removed}. {count} {word} inside it: reschedule or cancel below."


@staff_page(desk=True)
@require_POST
def leave_add(request):
    """Record the page's doctor's leave; the appointments inside it are then listed on the page."""
    branches, branch, doctors, doctor = _schedule_scope(request, request.POST)
    form = LeaveForm(request.POST, prefix="leave")
    if form.is_valid() and doctor is not None:
        data = form.cleaned_data
        everywhere = data["all_branches"] and all(
            b.pk in {x.pk for x in branches} for b in doctor.branches.all()
        )
        if data["all_branches"] and not everywhere:
            form.add_error("all_branches", "You can record leave only at the branches you work at.")
        else:
            try:
                outcome = staff_leave_record(
                    acting_user=request.user,
                    staff=doctor,
                    branch=None if everywhere else branch,
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                    reason=data["reason"],
                )
            except ValidationError as exc:
                _service_errors(form, exc)
            except ApplicationError as exc:  # overlaps a leave already recorded
                form.add_error(None, exc.message)
            else:
                level = messages.warning if outcome.affected else messages.success
                level(request, _absence_message(outcome, "Leave"))
                return _go(request, _schedules_url(branch, doctor))
    return _schedules_render(request, branches, branch, doctors, doctor, status=400, leave_form=form)


@staff_page(desk=True)
@require_POST
def leave_cancel(request, leave_id):
    _, branch, _, doctor = _schedule_scope(request, request.POST)
    leave = StaffLeave.objects.filter(pk=leave_id, staff=doctor).first()
    if leave is None or (leave.branch_id not in (None, branch.pk)):
        raise Http404("No such leave.")
    created = staff_leave_cancel(acting_user=request.user, leave=leave)
    messages.success(request, f"Leave withdrawn; {created} slot{'s' if created != 1 else ''} open again.")
    return _go(request, _schedules_url(branch, doctor))


@staff_page(desk=True)
@require_POST
def holiday_add(request):
    branches, branch, doctors, doctor = _schedule_scope(request, request.POST)
    form = HolidayForm(request.POST, prefix="holiday")
    if form.is_valid():
        try:
            outcome = holiday_record(acting_user=request.user, branch=branch, **form.cleaned_data)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            level = messages.warning if outcome.affected else messages.success
            level(request, _absence_message(outcome, "Holiday"))
            return _go(request, _schedules_url(branch, doctor))
    return _schedules_render(request, branches, branch, doctors, doctor, status=400, holiday_form=form)


@staff_page(desk=True)
@require_POST
def holiday_cancel_page(request, holiday_id):
    _, branch, _, doctor = _schedule_scope(request, request.POST)
    holiday = Holiday.objects.filter(pk=holiday_id, branch=branch).first()
    if holiday is None:
        raise Http404("No such holiday.")
    created = holiday_cancel(acting_user=request.user, holiday=holiday)
    word = "slot" if created == 1 else "slots"
    messages.success(request, f"{branch} open again that day; {created} {word} added.")
    return _go(request, _schedules_url(branch, doctor))
