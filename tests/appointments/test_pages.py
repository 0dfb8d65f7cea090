"""The front desk's appointment pages: who may open and act on them, the booking wizard end to
end (one appointment however often its last step is sent, a conflict answered with one-click
alternatives), check-in from the queue, the live queue's websocket, and query counts that do not
grow with the number of appointments."""

import html
import re
import uuid
import zoneinfo

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.clock import branch_today, local_instant
from appointments.models import Appointment, AppointmentStatus, AppointmentStatusHistory, DoctorSchedule
from appointments.routing import websocket_urlpatterns
from appointments.services import appointment_approve, appointment_book, appointment_check_in, slot_generate
from tests.appointments.conftest import hm, make_schedule
from tests.factories import BranchFactory, StaffFactory, UserFactory, make_patient

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
S = AppointmentStatus
PAGES = ["/appointments/queue/", "/appointments/calendar/", "/appointments/list/"]


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staff_user(username, group, staff_type, branches, staff=None):
    user = UserFactory(username=username, groups=[group] if group else [])
    if staff is not None:
        staff.user = user
        staff.save(update_fields=["user"])
    else:
        StaffFactory(user=user, staff_type=staff_type, branches=branches, hospital=branches[0].hospital)
    return user


@pytest.fixture
def site(clinic):
    """The appointments test clinic, open every day, with a login for each persona."""
    clinic.branch.working_days = list(range(7))
    clinic.branch.save(update_fields=["working_days"])
    other = BranchFactory(hospital=clinic.branch.hospital, code="HYD", name="Jubilee Hills")
    clinic.admin = UserFactory(username="admin", is_superuser=True)
    clinic.doctor_user = staff_user("doc", "Doctor", "doctor", [clinic.branch], staff=clinic.doctor)
    clinic.nurse_user = staff_user("nurse", "Therapist/Nurse", "nurse", [clinic.branch])
    clinic.other_doctor = staff_user("doc_hyd", "Doctor", "doctor", [other])
    clinic.other_desk = staff_user("desk_hyd", "Front desk", "front_desk", [other])
    clinic.no_role = staff_user("newjoiner", None, "front_desk", [clinic.branch])
    clinic.portal_user = UserFactory(username="patient9845", is_staff=False)
    clinic.other_branch = other
    return clinic


def today_slots(clinic):
    """Slots today (whatever the weekday) from 10:00 to 14:00, lunch 12-13."""
    today = branch_today(clinic.branch)
    if not DoctorSchedule.objects.filter(
        staff=clinic.doctor, branch=clinic.branch, day_of_week=today.weekday()
    ):
        make_schedule(clinic.doctor, clinic.branch, day=today.weekday())
    slot_generate(branch=clinic.branch, weeks=1, today=today)
    return today


def book_today(clinic, hh_mm: str, *, patient=None, approve=True, **kwargs):
    """An appointment today at hh_mm, booked as if it were 8 am (tests run at any hour)."""
    today = today_slots(clinic)
    early = local_instant(clinic.branch.zone, today, hm("08:00"))
    appointment = appointment_book(
        acting_user=clinic.desk,
        patient=patient or clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=local_instant(clinic.branch.zone, today, hm(hh_mm)),
        service=kwargs.pop("service", clinic.consult),
        now=early,
        **kwargs,
    )
    if approve:
        appointment = appointment_approve(acting_user=clinic.desk, appointment=appointment)
    return appointment


def hidden_state(page: str) -> dict:
    """The wizard's hidden inputs, as a browser would send them back."""
    form = page[page.index('<form id="wizard"') :]
    form = form[: form.index("</form>")]
    return {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    }


def wizard_post(client, page: str, **fields):
    data = hidden_state(page)
    data.update({k: v for k, v in fields.items() if v is not None})
    response = client.post("/appointments/book/", data, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def current_step(page: str) -> str:
    return re.search(r'name="step" value="([a-z]+)"', page).group(1)


# --- Who may open what -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*PAGES, "/appointments/book/", "/appointments/schedules/"])
def test_anonymous_visitors_are_sent_to_sign_in(site, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_an_htmx_request_without_a_session_is_told_to_go_to_sign_in(site):
    response = Client().get("/appointments/queue/", **HTMX)
    assert response["HX-Redirect"] == "/login/"


@pytest.mark.parametrize("url", [*PAGES, "/appointments/book/", "/appointments/schedules/"])
@pytest.mark.parametrize("persona", ["desk", "admin"])
def test_the_front_desk_and_admins_open_every_page(site, url, persona):
    response = client_as(getattr(site, persona)).get(url)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["doctor_user", "nurse_user"])
def test_doctors_and_nurses_read_their_branch_but_cannot_book_or_manage(site, persona):
    appointment = book_today(site, "10:00")
    client = client_as(getattr(site, persona))
    for url in [*PAGES, f"/appointments/{appointment.pk}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    queue = client.get("/appointments/queue/").content.decode()
    assert "Ramesh Kumar" in queue
    assert "Check in" not in queue  # read-only
    assert client.get("/appointments/book/").status_code == 403
    assert client.get("/appointments/schedules/").status_code == 403
    response = client.post(f"/appointments/{appointment.pk}/check-in/", {"next": "queue"}, **HTMX)
    assert response.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == S.CONFIRMED
    assert not AppointmentStatusHistory.objects.filter(
        appointment=appointment, new_status=S.CHECKED_IN
    ).exists()


@pytest.mark.parametrize("persona", ["no_role", "portal_user"])
def test_staff_without_a_role_and_patients_get_403(site, persona):
    client = client_as(getattr(site, persona))
    for url in [*PAGES, "/appointments/book/", "/appointments/schedules/"]:
        assert client.get(url).status_code == 403, url


def test_another_branch_sees_neither_the_appointment_nor_its_queue(site):
    appointment = book_today(site, "10:00")
    for persona in ("other_doctor", "other_desk"):
        client = client_as(getattr(site, persona))
        assert client.get(f"/appointments/{appointment.pk}/").status_code == 404
        assert client.get(f"/appointments/queue/?branch={site.branch.pk}").status_code == 404
        assert "Ramesh Kumar" not in client.get("/appointments/queue/").content.decode()
    response = client_as(site.other_desk).post(f"/appointments/{appointment.pk}/check-in/", {"next": "queue"})
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == S.CONFIRMED


def test_no_patient_details_go_into_urls(site):
    """Patient search is a POST; pages link appointments and patients by UUID only."""
    book_today(site, "10:00")
    client = client_as(site.desk)
    for url in PAGES:
        page = client.get(url).content.decode()
        for href in re.findall(r'href="([^"]+)"', page):
            assert "Ramesh" not in href and "98450" not in href and "MRN" not in href, href
    page = client.get("/appointments/book/").content.decode()
    assert 'hx-post="/appointments/book/patients/"' in page
    assert client.get("/appointments/book/patients/").status_code == 405


# --- The booking wizard ----------------------------------------------------------------------------


def walk_to_summary(client, site, *, service=None, start="10:00"):
    service = service or site.laser
    page = client.get("/appointments/book/").content.decode()
    assert current_step(page) == "patient"
    found = client.post("/appointments/book/patients/", {"q": "ramesh"}, **HTMX).content.decode()
    assert "Ramesh Kumar" in found and f'value="{site.patient.pk}"' in found
    page = wizard_post(client, page, step="patient", patient=str(site.patient.pk))
    assert current_step(page) == "service"
    assert "Laser hair reduction" in page and "₹800" in page and "Needs laser room and a therapist" in page
    page = wizard_post(client, page, step="service", item=f"service:{service.pk}")
    assert current_step(page) == "slot"
    page = wizard_post(
        client, page, step="slot", doctor=str(site.doctor.pk), pick_day=site.monday.isoformat()
    )
    when = site.at(start).astimezone(site.branch.zone).isoformat()
    assert f'value="{when}"' in page, "the free start is offered"
    page = wizard_post(client, page, step="slot", doctor=str(site.doctor.pk), start=when)
    if service == site.laser:
        assert current_step(page) == "resources"
        assert "Laser Suite" in page and "Priya" in page
        state = hidden_state(page)
        page = wizard_post(
            client, page, step="resources", room=str(site.laser_room.pk), therapist=str(site.priya.pk)
        )
        assert state["start"] == when
    assert current_step(page) == "summary"
    return page


def submit(client, page: str, **extra):
    fields = {"step": "summary", "action": "book", "source": "phone", "priority": "normal"}
    fields.update({"chief_complaint": "Laser session 3", "confirm_now": "on", **extra})
    return wizard_post(client, page, **fields)


def test_the_wizard_books_a_laser_service_with_room_and_therapist_once_however_often_it_is_sent(site):
    client = client_as(site.desk)
    summary = walk_to_summary(client, site)
    assert "Laser Suite" in summary and "Priya" in summary
    first = submit(client, summary)
    second = submit(client, summary)  # the double click, or a retry after the network dropped

    appointment = Appointment.objects.get()
    assert appointment.number in first and appointment.number in second
    assert "Booked" in first and "nothing was booked twice" in second
    assert appointment.service == site.laser
    assert appointment.room == site.laser_room and appointment.therapist == site.priya
    assert appointment.status == S.CONFIRMED  # approved at booking
    assert appointment.booking_source == "phone" and appointment.chief_complaint == "Laser session 3"
    assert appointment.duration_minutes == 60
    assert f"/appointments/{appointment.pk}/" in first


def test_a_conflict_shows_the_message_and_one_click_alternatives(site):
    client = client_as(site.desk)
    summary = walk_to_summary(client, site, service=site.consult)
    # Someone else takes 10:00 while the desk talks to the patient.
    other = make_patient(branch=site.branch, first_name="Asha", last_name="Verma")
    appointment_book(
        acting_user=site.desk, patient=other, branch=site.branch, doctor=site.doctor, start=site.at("10:00")
    )
    page = submit(client, summary)
    assert "This time is no longer free" in page
    assert "is fully booked at 10:00 am" in page
    alternatives = re.findall(r'name="alternative" value="([^"]+)"', page)
    assert alternatives, "nearest free times offered"
    nearest = html.unescape(alternatives[0])
    assert nearest.startswith(site.at("10:30").astimezone(site.branch.zone).isoformat())

    booked = wizard_post(
        client, page, step="summary", alternative=nearest, source="front_desk", priority="normal"
    )
    mine = Appointment.objects.get(patient=site.patient)
    assert mine.number in booked
    assert mine.starts_at == site.at("10:30")
    assert Appointment.objects.count() == 2


def test_a_new_patient_is_registered_inside_the_wizard_with_the_duplicate_warning(site):
    client = client_as(site.desk)
    page = client.get("/appointments/book/").content.decode()
    page = wizard_post(client, page, step="patient", action="new", q="98450 12345")
    assert 'name="first_name"' in page and "98450 12345" in page
    same = {"first_name": "Ramesh", "last_name": "Kumar", "sex": "M", "preferred_language": "en"}
    phone = site.patient.phone
    warned = wizard_post(client, page, step="patient", action="register", phone=phone, **same)
    assert "This patient may already be registered" in warned
    assert f'name="patient" value="{site.patient.pk}"' in warned  # choose the existing one instead
    page = wizard_post(
        client,
        warned,
        step="patient",
        action="register",
        phone="98860 24680",
        first_name="Lakshmi",
        last_name="Kumar",
        sex="F",
        preferred_language="en",
    )
    assert current_step(page) == "service"
    assert "Lakshmi Kumar" in page


def test_reschedule_goes_through_the_wizard_prefilled(site):
    client = client_as(site.desk)
    old = appointment_book(
        acting_user=site.desk,
        patient=site.patient,
        branch=site.branch,
        doctor=site.doctor,
        start=site.at("10:00"),
        service=site.consult,
    )
    page = client.get(f"/appointments/book/?reschedule={old.pk}").content.decode()
    assert current_step(page) == "slot" and f"Reschedule {old.number}" in page
    when = site.at("11:00").astimezone(site.branch.zone).isoformat()
    page = wizard_post(client, page, step="slot", doctor=str(site.doctor.pk), start=when)
    assert current_step(page) == "summary"
    page = wizard_post(client, page, step="summary", action="book", reason="Patient asked for later")
    old.refresh_from_db()
    assert old.status == S.RESCHEDULED
    assert old.rescheduled_to.starts_at == site.at("11:00")
    assert old.rescheduled_to.number in page


# --- Queue -----------------------------------------------------------------------------------------


def test_check_in_from_the_queue_moves_the_row_and_writes_history(site):
    appointment = book_today(site, "10:00")
    client = client_as(site.desk)
    page = client.get("/appointments/queue/").content.decode()
    assert "Waiting to arrive" in page and "Check in Ramesh Kumar" in page

    response = client.post(f"/appointments/{appointment.pk}/check-in/", {"next": "queue"}, **HTMX)
    assert response.status_code == 200
    board = response.content.decode()
    arrived = board[board.index('id="col-arrived"') : board.index('id="col-with_doctor"')]
    assert "Ramesh Kumar" in arrived and "is-moved" in arrived
    assert "checked in" in board and 'hx-swap-oob="beforeend"' in board  # the toast
    appointment.refresh_from_db()
    assert appointment.status == S.CHECKED_IN and appointment.checked_in_by == site.desk
    row = AppointmentStatusHistory.objects.get(appointment=appointment, new_status=S.CHECKED_IN)
    assert row.old_status == S.CONFIRMED and row.changed_by == site.desk


def test_approve_and_no_show_from_the_queue_and_an_illegal_move_is_explained(site):
    requested = book_today(site, "10:00", approve=False)
    client = client_as(site.desk)
    assert "Approve Ramesh Kumar" in client.get("/appointments/queue/").content.decode()
    board = client.post(f"/appointments/{requested.pk}/check-in/", {"next": "queue"}, **HTMX).content.decode()
    assert "Approve it first" in board
    client.post(f"/appointments/{requested.pk}/approve/", {"next": "queue"}, **HTMX)
    requested.refresh_from_db()
    assert requested.status == S.CONFIRMED
    client.post(f"/appointments/{requested.pk}/no-show/", {"next": "queue"}, **HTMX)
    requested.refresh_from_db()
    assert requested.status == S.NO_SHOW


def test_an_empty_queue_says_so_and_offers_to_book(site):
    page = client_as(site.desk).get("/appointments/queue/").content.decode()
    assert "No appointments today" in page and 'href="/appointments/book/"' in page


@pytest.mark.django_db(transaction=True)
def test_the_queue_websocket_hears_a_check_in_when_it_commits(site):
    appointment = book_today(site, "10:00")
    application = URLRouter(websocket_urlpatterns)

    async def scenario():
        refused = WebsocketCommunicator(application, f"/ws/appointments/queue/{site.branch.pk}/")
        refused.scope["user"] = site.other_desk
        connected, _ = await refused.connect()
        assert not connected

        communicator = WebsocketCommunicator(application, f"/ws/appointments/queue/{site.branch.pk}/")
        communicator.scope["user"] = site.doctor_user
        connected, _ = await communicator.connect()
        assert connected
        assert await communicator.receive_nothing(timeout=0.1)
        await database_sync_to_async(appointment_check_in)(acting_user=site.desk, appointment=appointment)
        message = await communicator.receive_json_from(timeout=3)
        await communicator.disconnect()
        return message

    message = async_to_sync(scenario)()
    assert message == {"type": "queue.changed", "appointment": str(appointment.pk), "status": "checked_in"}


@pytest.mark.django_db(transaction=True)
def test_the_queue_websocket_refuses_anonymous_users(site):
    from django.contrib.auth.models import AnonymousUser

    async def scenario():
        communicator = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/appointments/queue/{site.branch.pk}/"
        )
        communicator.scope["user"] = AnonymousUser()
        connected, code = await communicator.connect()
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert not connected and code == 4403


# --- Appointment page, list, calendar, schedules -----------------------------------------------------


def test_the_appointment_page_shows_history_resources_and_the_actions_the_workflow_allows(site):
    appointment = book_today(site, "10:00", service=site.laser)
    client = client_as(site.desk)
    page = client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert appointment.number in page and "Status history" in page
    assert "Laser Suite" in page and "Check in" in page and "Cancel the appointment" in page
    assert f"/appointments/book/?reschedule={appointment.pk}" in page
    assert f"/appointments/book/?follow_up={appointment.pk}" in page
    assert client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": ""}).status_code == 400
    response = client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": "Patient is travelling"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == S.CANCELLED and appointment.cancellation_reason == "Patient is travelling"
    page = client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "Patient is travelling" in page and "Cancel the appointment" not in page


def test_allocating_another_therapist_from_the_appointment_page(site):
    appointment = book_today(site, "10:00", service=site.laser)
    assert appointment.therapist is not None
    other = site.divya if appointment.therapist == site.priya else site.priya
    client = client_as(site.desk)
    response = client.post(f"/appointments/{appointment.pk}/allocate/", {"therapist": str(other.pk)})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.therapist == other


def test_the_list_filters_by_date_doctor_status_and_source(site):
    first = book_today(site, "10:00")
    book_today(site, "10:30", approve=False, patient=make_patient(branch=site.branch, first_name="Asha"))
    client = client_as(site.desk)
    page = client.get("/appointments/list/").content.decode()
    assert page.count('class="num nowrap"><a href="/appointments/') == 2
    page = client.get("/appointments/list/?status=confirmed").content.decode()
    assert first.number in page and page.count('class="num nowrap"><a href="/appointments/') == 1
    page = client.get("/appointments/list/?source=whatsapp").content.decode()
    assert "No appointments match" in page
    page = client.get("/appointments/list/?date_from=2030-01-02&date_to=2030-01-01").content.decode()
    assert "The end date must be on or after the start date." in page


def test_the_calendar_by_room_and_by_doctor_with_blocked_time(site):
    appointment = book_today(site, "10:00", service=site.laser)
    client = client_as(site.desk)
    day = appointment.appointment_date.isoformat()
    by_room = client.get(f"/appointments/calendar/?by=room&date={day}").content.decode()
    assert "Laser Suite" in by_room and "Ramesh Kumar" in by_room
    assert f'href="/appointments/{appointment.pk}/"' in by_room
    week = client.get(f"/appointments/calendar/?view=week&by=room&resource={site.laser_room.pk}&date={day}")
    assert "Ramesh Kumar" in week.content.decode()
    client.post(
        "/appointments/schedules/block/",
        {
            "branch": site.branch.pk,
            "doctor": site.doctor.pk,
            "date": day,
            "start_time": "13:00",
            "end_time": "14:00",
            "reason": "Staff meeting",
        },
    )
    by_doctor = client.get(f"/appointments/calendar/?date={day}").content.decode()
    assert "Staff meeting" in by_doctor and "Lunch" in by_doctor and "Confirmed" in by_doctor


def test_schedule_management_adds_a_day_generates_and_blocks_slots(site):
    client = client_as(site.desk)
    base = {"branch": site.branch.pk, "doctor": site.doctor.pk}
    response = client.post(
        "/appointments/schedules/add/",
        {
            **base,
            "day_of_week": 2,
            "start_time": "16:00",
            "end_time": "19:00",
            "slot_duration_minutes": 30,
            "max_patients_per_slot": 2,
            "break_label": "Tea",
            "break_start": "17:00",
            "break_end": "17:30",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    schedule = DoctorSchedule.objects.get(staff=site.doctor, day_of_week=2)
    assert schedule.max_patients_per_slot == 2 and schedule.breaks.get().label == "Tea"
    bad = client.post(
        "/appointments/schedules/add/",
        {
            **base,
            "day_of_week": 3,
            "start_time": "07:00",
            "end_time": "10:00",
            "slot_duration_minutes": 30,
            "max_patients_per_slot": 1,
        },
    )
    assert bad.status_code == 400 and "the schedule must fit inside" in bad.content.decode()
    assert client.post("/appointments/schedules/generate/", {**base, "weeks": 2}).status_code == 302
    day = site.monday.isoformat()
    blocked = client.post(
        "/appointments/schedules/block/",
        {**base, "date": day, "start_time": "10:00", "end_time": "11:00", "reason": "Laser training"},
    )
    assert blocked.status_code == 302
    page = client.get(f"/appointments/schedules/?doctor={site.doctor.pk}").content.decode()
    assert "Laser training" in page and "Wednesday" in page and "Tea" in page


# --- Query counts ------------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    # A first request fills the per-user caches of the page frame (clinic.context_processors caches
    # the top bar's roles and workplace); what is measured is the page's own reads, warm.
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", PAGES)
def test_queue_calendar_and_list_cost_the_same_at_two_sizes(site, url):
    today = today_slots(site)
    client = client_as(site.desk)
    book_today(site, "10:00")
    url = url.replace("/list/", f"/list/?date_from={today:%Y-%m-%d}&date_to={today:%Y-%m-%d}")
    small = count_queries(client, url)
    for n, start in enumerate(["10:30", "11:00", "13:00", "13:30"]):
        patient = make_patient(branch=site.branch, first_name=f"Patient{n}")
        book_today(site, start, patient=patient, service=site.laser if start == "11:00" else site.consult)
    assert Appointment.objects.count() == 5
    assert count_queries(client, url) == small


def test_a_wizard_step_reads_a_fixed_number_of_queries(site):
    client = client_as(site.desk)
    page = walk_to_summary(client, site, service=site.consult)
    state = hidden_state(page)
    data = {**state, "step": "slot", "doctor": str(site.doctor.pk), "pick_day": site.monday.isoformat()}
    with CaptureQueriesContext(connection) as small:
        client.post("/appointments/book/", data, **HTMX)
    for n, start in enumerate(["11:00", "11:30", "13:00"]):
        appointment_book(
            acting_user=site.desk,
            patient=make_patient(branch=site.branch, first_name=f"P{n}"),
            branch=site.branch,
            doctor=site.doctor,
            start=site.at(start),
            service=site.consult,
        )
    with CaptureQueriesContext(connection) as large:
        client.post("/appointments/book/", data, **HTMX)
    assert len(large) == len(small)


def test_the_wizard_refuses_a_token_reused_for_another_booking(site):
    client = client_as(site.desk)
    summary = walk_to_summary(client, site, service=site.consult)
    submit(client, summary)
    other = submit(client, summary, chief_complaint="Something else entirely")
    assert "already sent with other details" in other
    assert Appointment.objects.count() == 1
    assert uuid.UUID(hidden_state(other)["token"]) != uuid.UUID(hidden_state(summary)["token"])


ZONES = (
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Los_Angeles",
    "Pacific/Auckland",
    "Asia/Tokyo",
)


def zone_in_working_hours() -> str:
    """A time zone where it is now between 8 am and 5 pm (Kolkata when it is), so that a test
    needing free time later today passes at any hour. The zones' offsets are never more than
    4 hours apart around the clock, so one of them always fits."""
    now = timezone.now()
    return next(z for z in ZONES if 8 <= now.astimezone(zoneinfo.ZoneInfo(z)).hour < 17)


def test_walk_in_check_in_now_from_the_summary(site):
    site.branch.time_zone = zone_in_working_hours()
    site.branch.opens_at, site.branch.closes_at = hm("06:00"), hm("22:00")
    site.branch.save()
    today = branch_today(site.branch)
    DoctorSchedule.objects.filter(staff=site.doctor, day_of_week=today.weekday()).delete()
    make_schedule(site.doctor, site.branch, day=today.weekday(), start="06:00", end="22:00", lunch=None)
    slot_generate(branch=site.branch, weeks=1, today=today)
    client = client_as(site.desk)
    page = client.get(f"/appointments/book/?patient={site.patient.pk}").content.decode()
    page = wizard_post(client, page, step="service", item=f"service:{site.consult.pk}")
    options = re.findall(r'name="start" value="([^"]+)"', page)
    assert options, "free times later today"
    page = wizard_post(client, page, step="slot", doctor=str(site.doctor.pk), start=html.unescape(options[0]))
    assert "check them in now" in page
    done = submit(client, page, check_in_now="on")
    appointment = Appointment.objects.get()
    assert appointment.number in done
    assert appointment.status == S.CHECKED_IN and appointment.appointment_date == today
    assert appointment.booking_source == "walk_in"
