"""Staff pages (server-rendered, htmx; docs/decisions/0050) and the health check.

Patient look-ups travel in POST bodies, never in URLs: a URL ends up in the browser history,
proxy and server access logs and Referer headers, and a phone number or name is PII. Nothing here
logs a query or a patient's details; patients are referred to by id.
"""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from clinic.api_errors import ApplicationError
from clinic.context_processors import nav_items
from clinic.forms import PatientForm, PatientSearchForm, StaffAuthenticationForm
from clinic.identifiers import phone_like
from clinic.models import Branch, SpecialGroup
from clinic.permissions import branch_ids_for, can_manage_patients, can_register_patients
from clinic.selectors.patients import MRN_LIKE, patient_base_queryset, patient_search
from clinic.services.patients import PossibleDuplicate, patient_register, patient_update


@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers and docker-compose: the database, and Redis when configured."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except redis.RedisError as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


SEARCH_LIMIT = 20


def staff_page(check=None):
    """Staff pages: anonymous users go to the sign-in page, staff without the right role get 403.

    Responses carry no-cache headers: they show patients' details.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(reverse("staff:login"))
                return redirect_to_login(request.get_full_path())
            if not user.is_staff or (check is not None and not check(user)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return never_cache(wrapped)

    return decorator


class StaffLoginView(auth_views.LoginView):
    template_name = "clinic/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True


class StaffLogoutView(auth_views.LogoutView):
    pass


@staff_page()
def home(request):
    """The first page of the staff navigation this user may open (settings.STAFF_NAV order)."""
    items = nav_items(request)
    if items:
        return redirect(items[0].url)
    return render(request, "clinic/no_role.html")


def _patient_for(request, patient_id):
    """A live patient at one of the user's branches, or 404 (never revealing other branches' records)."""
    qs = patient_base_queryset()
    allowed = branch_ids_for(request.user)
    if allowed is not None:
        qs = qs.filter(registered_branch_id__in=allowed)
    patient = qs.filter(id=patient_id).first()
    if patient is None or patient.is_erased:
        raise Http404("No such patient.")
    return patient


@staff_page(can_manage_patients)
@require_http_methods(["GET", "POST"])
def patient_search_page(request):
    """One box for phone, name or MRN. htmx posts each pause in typing and swaps in the results."""
    form = PatientSearchForm(request.POST or None)
    query = " ".join(form.cleaned_data["q"].split()) if request.method == "POST" and form.is_valid() else ""
    hint = _search_hint(query)
    patients = []
    if query and not hint:
        patients = list(
            patient_search(query=query, branch_ids=branch_ids_for(request.user), limit=SEARCH_LIMIT)
        )
    context = {
        "form": form,
        "query": query,
        "hint": hint,
        "patients": patients,
        "more": len(patients) >= SEARCH_LIMIT,
        "limit": SEARCH_LIMIT,
        "can_register": can_register_patients(request.user),
    }
    template = "clinic/patient_search.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


def _search_hint(query: str) -> str:
    """What to tell someone whose query cannot match yet (half a phone number, one letter)."""
    if not query or MRN_LIKE.match(query):
        return ""
    digits = sum(c.isdigit() for c in query)
    if digits and not any(c.isalpha() for c in query) and not phone_like(query):
        return "Keep typing: a mobile number has 10 digits."
    if not digits and sum(c.isalpha() for c in query) < 2:
        return "Type at least 2 letters of the name."
    return ""


def _register_branches(user):
    allowed = branch_ids_for(user)
    qs = Branch.objects.filter(is_active=True).order_by("name")
    return qs if allowed is None else qs.filter(id__in=allowed)


def _prefill(query: str) -> dict:
    """What the search box held, as the start of a registration (phone, or first and last name)."""
    query = " ".join(query.split())[:100]
    if not query:
        return {}
    if phone_like(query):
        return {"phone": query}
    first, _, last = query.partition(" ")
    return {"first_name": first.title(), "last_name": last.title()}


@staff_page(can_register_patients)
@require_http_methods(["GET", "POST"])
def patient_register_page(request):
    branches = _register_branches(request.user)
    if not branches:
        raise PermissionDenied("You are not assigned to a branch.")
    duplicates = []
    if request.method == "POST" and request.POST.get("intent") == "prefill":
        form = PatientForm(branches=branches, initial=_prefill(request.POST.get("q", "")))
    elif request.method == "POST":
        form = PatientForm(request.POST, branches=branches)
        if form.is_valid():
            try:
                patient = patient_register(
                    acting_user=request.user,
                    branch=form.registering_branch(),
                    data=form.service_data(),
                    allow_duplicate=form.cleaned_data["confirm_different_person"],
                )
            except PossibleDuplicate as exc:
                duplicates = _duplicates_shown(request, exc)
                if request.POST.get("duplicate_warning_shown"):
                    form.add_error(
                        "confirm_different_person",
                        "Tick this box to register a new patient, or open the existing record above.",
                    )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, "Patient registered.")
                return _go(request, reverse("staff:patient-detail", args=[patient.id]))
    else:
        form = PatientForm(branches=branches)
    return _render_patient_form(
        request, form, mode="register", duplicates=duplicates, action=reverse("staff:patient-new")
    )


def _duplicates_shown(request, exc: PossibleDuplicate) -> list[dict]:
    """The matching records the warning lists; a link only to those the user may open."""
    ids = [m["id"] for m in exc.extra.get("matches", [])]
    allowed = branch_ids_for(request.user)
    shown = []
    for patient in patient_base_queryset().filter(id__in=ids):
        openable = allowed is None or patient.registered_branch_id in allowed
        shown.append({"patient": patient, "openable": openable})
    return shown


@staff_page(can_manage_patients)
@require_http_methods(["GET"])
def patient_detail_page(request, patient_id):
    patient = _patient_for(request, patient_id)
    context = {
        "patient": patient,
        "special_groups": [SpecialGroup(g).label for g in patient.special_groups if g in SpecialGroup],
        "can_edit": can_register_patients(request.user),
    }
    return render(request, "clinic/patient_detail.html", context)


@staff_page(can_register_patients)
@require_http_methods(["GET", "POST"])
def patient_edit_page(request, patient_id):
    patient = _patient_for(request, patient_id)
    if request.method == "POST":
        form = PatientForm(request.POST, initial=PatientForm.initial_from(patient))
        if form.is_valid():
            try:
                patient_update(acting_user=request.user, patient=patient, data=form.service_data())
            except ValidationError as exc:
                form.add_service_errors(exc)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Changes saved.")
                return _go(request, reverse("staff:patient-detail", args=[patient.id]))
    else:
        form = PatientForm(initial=PatientForm.initial_from(patient))
    return _render_patient_form(
        request,
        form,
        mode="edit",
        patient=patient,
        action=reverse("staff:patient-edit", args=[patient.id]),
    )


def _render_patient_form(request, form, *, mode, action, patient=None, duplicates=()):
    template = "clinic/patient_form.html"
    if request.htmx:
        template += "#patient-form"
    context = {"form": form, "mode": mode, "patient": patient, "duplicates": duplicates, "action": action}
    return render(request, template, context)


def _go(request, url):
    """After a successful write: htmx follows with a full page load, a plain form with a 302."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@staff_page()
@require_GET
def styleguide_page(request):
    """The components of templates/ui/ on one page, for people building pages and for the a11y test."""
    form = PatientForm(data={"phone": "12345", "sex": "F", "preferred_language": "en"})
    form.is_valid()
    form.add_error("phone", "Enter a valid phone number, e.g. +91 98450 12345.")
    context = {
        "statuses": [
            "requested",
            "booked",
            "confirmed",
            "arrived",
            "checked_in",
            "in_consultation",
            "completed",
            "no_show",
            "cancelled",
        ],
        "form": form,
        "today": timezone.localdate(),
        "now": timezone.localtime(),
    }
    return render(request, "clinic/styleguide.html", context)
