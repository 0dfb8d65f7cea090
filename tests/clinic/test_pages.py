"""The staff pages (server-rendered, htmx): sign-in, the navigation registry, and the front desk's
patient search, registration, duplicate warning, demographics and corrections. Who may do what,
that no query reaches a URL or a log, and that the search page costs the same at 10 and 300 patients."""

import datetime
import logging
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import Patient
from clinic.templatetags.clinic_ui import status_meta
from tests.factories import UserFactory, make_patient

pytestmark = pytest.mark.django_db
PASSWORD = "pass-Word-123"  # tests.factories.UserFactory
HTMX = {"HTTP_HX_REQUEST": "true"}


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def search(client, query: str, *, htmx: bool = True):
    return client.post("/patients/", {"q": query}, **(HTMX if htmx else {}))


def registration(**overrides) -> dict:
    return {
        "first_name": "Priya",
        "last_name": "Sharma",
        "phone": "98765 43210",
        "sex": "F",
        "preferred_language": "en",
        "date_of_birth": "31/01/1990",
        **overrides,
    }


@pytest.fixture
def no_role_user(db):
    return UserFactory(username="newjoiner")


@pytest.fixture
def portal_user(db):
    return UserFactory(username="patient9845", is_staff=False)


# --- Sign-in and the layout ---------------------------------------------------------------------


def test_staff_sign_in_through_the_form_lands_on_the_first_page_of_their_navigation(front_desk_a):
    client = Client()
    response = client.post("/login/", {"username": "frontdesk_a", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/appointments/queue/"  # the desk's day starts at the queue
    page = response.content.decode()
    assert 'aria-current="page">Queue</a>' in page
    assert "Indiranagar" in page and "Glow Skin" in page  # the clinic and branch in the top bar
    assert 'action="/logout/"' in page


def test_a_patient_account_cannot_sign_in_to_the_staff_pages(portal_user):
    response = Client().post("/login/", {"username": "patient9845", "password": PASSWORD})
    assert response.status_code == 200
    assert "not a clinic staff account" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_a_wrong_password_is_explained_next_to_the_form(front_desk_a):
    response = Client().post("/login/", {"username": "frontdesk_a", "password": "nope"})
    assert response.status_code == 200
    assert "The username or password is not right" in response.content.decode()


def test_sign_out_is_a_post_and_ends_the_session(front_desk_a):
    client = client_as(front_desk_a)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").url == "/login/"
    assert client.get("/patients/").status_code == 302


@pytest.mark.parametrize(
    "url", ["/", "/patients/", "/patients/new/", "/ui/", "/patients/00000000-0000-0000-0000-000000000000/"]
)
def test_anonymous_visitors_are_sent_to_sign_in(url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")


def test_an_htmx_request_after_the_session_ended_sends_the_whole_page_to_sign_in():
    response = Client().post("/patients/", {"q": "asha"}, **HTMX)
    assert response.headers["HX-Redirect"] == "/login/"


def test_a_staff_account_without_a_role_is_told_so_and_refused_patients(no_role_user):
    client = client_as(no_role_user)
    assert "has no role yet" in client.get("/").content.decode()
    assert client.get("/patients/").status_code == 403


def test_the_navigation_shows_registered_pages_the_user_may_open(settings, doctor_a, front_desk_a):
    settings.STAFF_NAV = [
        ("Queue", "appointments:no-such-page", None),  # not built yet: left out
        ("Patients", "staff:patient-search", ("Doctor", "Front desk")),
        ("Components", "staff:styleguide", "Front desk"),
        ("Admin only", "admin:index", ("Admin",)),
    ]
    doctor_page = client_as(doctor_a).get("/patients/").content.decode()
    assert ">Patients</a>" in doctor_page
    assert "Components" not in doctor_page and "Queue" not in doctor_page and "Admin only" not in doctor_page
    desk_page = client_as(front_desk_a).get("/ui/").content.decode()
    assert 'href="/ui/" aria-current="page">Components</a>' in desk_page
    assert 'href="/patients/">Patients</a>' in desk_page


def test_the_components_page_renders_every_status_with_a_word_and_an_icon(front_desk_a):
    page = client_as(front_desk_a).get("/ui/").content.decode()
    for word in ["Requested", "Booked", "Confirmed", "Arrived", "Checked in", "In consultation"]:
        assert word in page
    assert page.count('class="status status--') == 9
    assert "₹1,25,000.00" in page and "+91 98450 12345" in page


# --- Search ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["098450-12345", "9845012345", "+91 98450 12345", "98450 12345", "ramesh", "KUM", "ram kum"]
)
def test_search_by_phone_in_any_format_or_by_name_finds_the_patient(front_desk_a, patient_a, query):
    make_patient(branch=patient_a.registered_branch, first_name="Sita", last_name="Rao")
    response = search(client_as(front_desk_a), query)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="result"') == 1
    assert patient_a.mrn in page and "Ramesh Kumar" in page
    assert "+91 98450 12345" in page  # shown the way people read it
    assert f'href="/patients/{patient_a.id}/"' in page
    assert 'hx-swap-oob="innerHTML">1 patient found.' in page
    assert "<html" not in page  # a fragment for htmx, not the whole page


def test_search_by_mrn(front_desk_a, patient_a):
    other = make_patient(branch=patient_a.registered_branch)
    page = search(client_as(front_desk_a), patient_a.mrn.lower()).content.decode()
    assert patient_a.mrn in page and other.mrn not in page


def test_search_shows_only_the_users_branches(doctor_b, doctor_a, patient_a, branch_b):
    make_patient(branch=branch_b, first_name="Ramesh", last_name="Reddy")
    page = search(client_as(doctor_b), "ramesh").content.decode()
    assert "Ramesh Reddy" in page and "Ramesh Kumar" not in page
    page = search(client_as(doctor_a), "ramesh").content.decode()
    assert "Ramesh Kumar" in page and "Ramesh Reddy" not in page


def test_no_match_offers_registration_to_the_front_desk_only(front_desk_a, doctor_a, patient_a):
    desk = search(client_as(front_desk_a), "98765 43210").content.decode()
    assert "No patient found" in desk
    assert 'name="intent" value="prefill"' in desk and 'value="98765 43210"' in desk
    doctor = search(client_as(doctor_a), "98765 43210").content.decode()
    assert "No patient found" in doctor and "prefill" not in doctor


def test_half_a_phone_number_asks_for_the_rest_instead_of_saying_no_match(front_desk_a, patient_a):
    page = search(client_as(front_desk_a), "98450").content.decode()
    assert "a mobile number has 10 digits" in page and "No patient found" not in page


def test_the_query_never_travels_in_a_url_and_is_never_logged(front_desk_a, patient_a, caplog):
    client = client_as(front_desk_a)
    # A query string is ignored: the search runs only on a POST body.
    page = client.get("/patients/", {"q": "9845012345"}).content.decode()
    assert "Ramesh" not in page and "Search first" in page
    assert 'hx-post="/patients/"' in page and 'method="post"' in page
    with caplog.at_level(logging.DEBUG):
        full = search(client, "098450-12345", htmx=False)
    assert full.status_code == 200 and "Ramesh Kumar" in full.content.decode()
    logged = " ".join(r.getMessage() for r in caplog.records)
    for secret in ["98450", "12345", "Ramesh", "ramesh"]:
        assert secret not in logged


def test_patient_pages_are_not_cached(front_desk_a, patient_a):
    client = client_as(front_desk_a)
    for response in [search(client, "ramesh"), client.get(f"/patients/{patient_a.id}/")]:
        assert "no-store" in response.headers["Cache-Control"]


def _search_queries(client, query) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = search(client, query)
    assert response.status_code == 200
    return len(queries)


def test_search_page_costs_the_same_number_of_queries_at_10_and_300_patients(front_desk_a, branch_a):
    client = client_as(front_desk_a)
    for _ in range(10):
        make_patient(branch=branch_a, first_name="Asha", last_name="Verma", sex="F")
    small_page = search(client, "asha").content.decode()
    assert small_page.count('class="result"') == 10
    small = _search_queries(client, "asha")
    for _ in range(290):
        make_patient(branch=branch_a, first_name="Asha", last_name="Verma", sex="F")
    large_page = search(client, "asha").content.decode()
    assert large_page.count('class="result"') == 20  # the newest 20, and it says so
    assert "type more to narrow" in large_page
    assert _search_queries(client, "asha") == small
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/patients/").status_code == 200
    assert len(queries) <= small


# --- Registration -------------------------------------------------------------------------------


def test_front_desk_registers_an_encrypted_patient_who_is_then_found(front_desk_a, branch_a):
    client = client_as(front_desk_a)
    response = client.post("/patients/new/", registration())
    patient = Patient.objects.get()
    assert response.status_code == 302 and response.url == f"/patients/{patient.id}/"
    assert patient.registered_branch == branch_a and patient.created_by == front_desk_a
    assert patient.phone == "+919876543210" and patient.date_of_birth == datetime.date(1990, 1, 31)
    with connection.cursor() as cursor:
        cursor.execute("SELECT first_name, phone FROM clinic_patient WHERE id = %s", [patient.id])
        first_name, phone = (bytes(v) for v in cursor.fetchone())
    assert b"Priya" not in first_name and b"9876543210" not in phone
    page = client.get(response.url).content.decode()
    assert "Priya Sharma" in page and patient.mrn in page and "Patient registered." in page
    assert "+91 98765 43210" in page and "31 Jan 1990" in page
    assert "Priya Sharma" in search(client, "+91 98765 43210").content.decode()


def test_htmx_registration_redirects_the_whole_page(front_desk_a, branch_a):
    response = client_as(front_desk_a).post("/patients/new/", registration(), **HTMX)
    assert response.headers["HX-Redirect"] == f"/patients/{Patient.objects.get().id}/"


def test_errors_from_the_service_appear_next_to_their_fields_and_nothing_is_written(front_desk_a, branch_a):
    response = client_as(front_desk_a).post(
        "/patients/new/",
        registration(first_name="", phone="12345", email="nope", date_of_birth="01/01/2999"),
        **HTMX,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="patient-form"' in page and "<html" not in page
    assert 'id="id_phone_error"' in page and "+91 98450 12345" in page
    assert 'id="id_first_name_error"' in page and "first name" in page
    assert 'id="id_email_error"' in page
    assert 'id="id_date_of_birth_error"' in page and "in the future" in page
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in page
    assert 'aria-invalid="true"' in page
    assert Patient.objects.count() == 0


def test_a_date_of_birth_is_typed_day_first(front_desk_a, branch_a):
    client = client_as(front_desk_a)
    page = client.post("/patients/new/", registration(date_of_birth="31/02/1990")).content.decode()
    assert 'id="id_date_of_birth_error"' in page and "DD/MM/YYYY" in page
    assert Patient.objects.count() == 0
    client.post("/patients/new/", registration(date_of_birth="02-11-1990"))
    assert Patient.objects.get().date_of_birth == datetime.date(1990, 11, 2)


def test_registration_prefilled_from_an_empty_search(front_desk_a, branch_a):
    client = client_as(front_desk_a)
    by_phone = client.post("/patients/new/", {"intent": "prefill", "q": "098450-12345"}).content.decode()
    assert 'value="098450-12345"' in by_phone
    by_name = client.post("/patients/new/", {"intent": "prefill", "q": "anita desai"}).content.decode()
    assert 'value="Anita"' in by_name and 'value="Desai"' in by_name
    assert Patient.objects.count() == 0


def test_duplicate_warning_links_the_existing_record_and_needs_a_confirmation(front_desk_a, patient_a):
    client = client_as(front_desk_a)
    same = registration(first_name="RAMESH", last_name="kumar", phone="098450-12345", sex="M")
    warned = client.post("/patients/new/", same, **HTMX).content.decode()
    assert "This patient may already be registered" in warned
    assert f'href="/patients/{patient_a.id}/"' in warned and patient_a.mrn in warned
    assert 'name="confirm_different_person"' in warned
    assert Patient.objects.count() == 1

    unconfirmed = client.post("/patients/new/", {**same, "duplicate_warning_shown": "1"}, **HTMX)
    assert "Tick this box" in unconfirmed.content.decode()
    assert Patient.objects.count() == 1

    confirmed = client.post(
        "/patients/new/", {**same, "duplicate_warning_shown": "1", "confirm_different_person": "on"}
    )
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 2


def test_a_duplicate_at_another_branch_is_named_but_not_linked(front_desk_a, branch_a, branch_b):
    other = make_patient(branch=branch_b, first_name="Ramesh", last_name="Kumar", phone="+91 98450 12345")
    page = client_as(front_desk_a).post(
        "/patients/new/", registration(first_name="Ramesh", last_name="Kumar", phone="9845012345")
    )
    page = page.content.decode()
    assert other.mrn in page and "(another branch)" in page
    assert f"/patients/{other.id}/" not in page


def test_a_front_desk_of_two_branches_chooses_where_to_register(front_desk_a, branch_a, branch_b):
    front_desk_a.staff.branches.add(branch_b)
    client = client_as(front_desk_a)
    page = client.get("/patients/new/").content.decode()
    assert '<select name="branch"' in page and "Jubilee Hills" in page
    client.post("/patients/new/", registration(branch=str(branch_b.id)))
    assert Patient.objects.get().registered_branch == branch_b


# --- Demographics and corrections -------------------------------------------------------------------


def test_doctor_views_demographics_without_edit_or_register(doctor_a, patient_a):
    client = client_as(doctor_a)
    page = client.get(f"/patients/{patient_a.id}/").content.decode()
    assert "Ramesh Kumar" in page and "+91 98450 12345" in page
    assert "Edit details" not in page
    assert "Register new patient" not in client.get("/patients/").content.decode()
    assert client.get("/patients/new/").status_code == 403
    assert client.get(f"/patients/{patient_a.id}/edit/").status_code == 403


def test_a_doctor_refused_an_edit_changes_nothing(doctor_a, patient_a):
    response = client_as(doctor_a).post(
        f"/patients/{patient_a.id}/edit/", registration(first_name="Changed", phone="9845012345")
    )
    assert response.status_code == 403
    patient_a.refresh_from_db()
    assert patient_a.first_name == "Ramesh"
    assert client_as(doctor_a).post("/patients/new/", registration()).status_code == 403
    assert Patient.objects.count() == 1


def test_another_branchs_patient_is_not_found(doctor_b, patient_a):
    assert client_as(doctor_b).get(f"/patients/{patient_a.id}/").status_code == 404


def test_front_desk_corrects_details_through_the_service(front_desk_a, patient_a):
    client = client_as(front_desk_a)
    form = client.get(f"/patients/{patient_a.id}/edit/").content.decode()
    assert 'value="Ramesh"' in form and 'value="+919845012345"' in form
    data = registration(
        first_name="Ramesh",
        last_name="Kumar",
        phone="+919845012345",
        email="ramesh@example.in",
        special_groups=["senior_citizen"],
        sex="M",
    )
    response = client.post(f"/patients/{patient_a.id}/edit/", data)
    assert response.url == f"/patients/{patient_a.id}/"
    patient_a.refresh_from_db()
    assert patient_a.email == "ramesh@example.in" and patient_a.updated_by == front_desk_a
    page = client.get(response.url).content.decode()
    assert "ramesh@example.in" in page and "Senior citizen" in page and "Changes saved." in page
    # the search index follows the correction
    assert "Ramesh Kumar" in search(client, "ramesh").content.decode()


def test_admin_sees_every_branch(admin_user, patient_a, branch_b):
    other = make_patient(branch=branch_b, first_name="Ramesh", last_name="Reddy")
    page = search(client_as(admin_user), "ramesh").content.decode()
    assert patient_a.mrn in page and other.mrn in page


# --- Template helpers -----------------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load clinic_ui %}" + source).render(Context(context)).strip()


def test_money_is_in_rupees_with_lakh_grouping():
    assert render("{{ x|inr }}", x=Decimal("125000")) == "₹1,25,000.00"
    assert render("{{ x|inr }}", x=12345678.5) == "₹1,23,45,678.50"
    assert render('{{ x|inr:"whole" }}', x=125000) == "₹1,25,000"
    assert render("{{ x|inr }}", x=None) == ""


def test_phones_ages_and_times_in_indian_conventions(settings):
    assert render("{{ p|phone }}", p="+919845012345") == "+91 98450 12345"
    today = timezone.localdate()
    assert render("{{ d|age }}", d=today.replace(year=today.year - 34)) == "34 y"
    assert render("{{ d|age }}", d=today - datetime.timedelta(days=70)) == "2 mo"
    assert render("{{ t|clock }}", t=datetime.time(16, 45)) == "4:45 pm"
    assert render("{{ t|clock }}", t=datetime.time(0, 5)) == "12:05 am"
    aware = datetime.datetime(2026, 11, 26, 5, 0, tzinfo=datetime.UTC)
    assert render("{{ t|clock }}", t=aware) == "10:30 am"  # shown in Asia/Kolkata
    assert render("{{ d|date }}", d=datetime.date(2026, 11, 26)) == "26 Nov 2026"


@pytest.mark.parametrize(
    ("status", "tone", "word"),
    [
        ("requested", "booked", "Requested"),
        ("booked", "booked", "Booked"),
        ("confirmed", "confirmed", "Confirmed"),
        ("checked_in", "arrived", "Checked in"),
        ("arrived", "arrived", "Arrived"),
        ("in_progress", "active", "In progress"),
        ("in_consultation", "active", "In consultation"),
        ("completed", "completed", "Completed"),
        ("no-show", "no-show", "No-show"),
        ("cancelled", "cancelled", "Cancelled"),
    ],
)
def test_every_status_has_one_tone_a_word_and_an_icon(status, tone, word):
    html = render("{% status_badge s %}", s=status)
    assert f'class="status status--{tone}"' in html
    assert f"<span>{word}</span>" in html
    assert "<svg" in html and 'aria-hidden="true"' in html
    assert status_meta(status).icon


def test_an_unknown_status_still_shows_its_word():
    html = render('{% include "ui/status.html" with status="on_hold" %}')
    assert "status--neutral" in html and "<span>On hold</span>" in html
