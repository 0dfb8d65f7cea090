"""The front desk books a 60-minute laser service that needs a laser room and a therapist through
the wizard, sees it on the room calendar, and checks the patient in from the queue, while a second
tab's queue follows live over the websocket; a third tab, whose websocket is refused, says so and
catches up by polling. axe-core is clean on every page; screens go to docs/screens/.

Django's live_server speaks WSGI only, so these tests run the real ASGI stack instead: daphne
(`manage.py runserver`, which daphne provides) in a child process on a free port, against the test
database, serving pages, static files and websockets from one origin.
"""

import datetime
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import zoneinfo
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from appointments.clock import branch_today, local_instant
from appointments.models import (
    Appointment,
    AppointmentStatus,
    DoctorSchedule,
    ServiceResourceRequirement,
)
from appointments.services import (
    appointment_approve,
    appointment_book,
    appointment_check_in,
    appointment_start,
    appointment_transition,
    slot_block,
    slot_generate,
)
from clinic.models import Package
from tests.e2e.conftest import DESKTOP, PageProblems, assert_accessible, screenshot
from tests.factories import (
    BranchFactory,
    RoomFactory,
    ServiceFactory,
    StaffFactory,
    UserFactory,
    make_patient,
)
from tests.live_services import test_database_url as database_url_of_the_tests

pytestmark = pytest.mark.browser
ROOT = Path(settings.BASE_DIR)
S = AppointmentStatus

# Offsets never more than 4 hours apart around the clock: one of them is always in clinic hours.
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


def zone_in_clinic_hours() -> str:
    """Asia/Kolkata when it is between 9 am and 5 pm there now; otherwise a zone where it is, so
    that the test finds a morning behind it and free time ahead at any hour it runs."""
    now = timezone.now()
    return next(z for z in ZONES if 9 <= now.astimezone(zoneinfo.ZoneInfo(z)).hour < 17)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def asgi_site(transactional_db, tmp_path):
    """daphne on a free port against the test database; yields its URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_the_tests(),
        "DJANGO_DEBUG": "true",  # static files from the app folders, plain HTTP cookies
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
    }
    log = (tmp_path / "daphne.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as reply:  # noqa: S310 - loopback
                if reply.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"daphne did not start:\n{(tmp_path / 'daphne.log').read_text()}", pytrace=False)
        time.sleep(0.3)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
    print((tmp_path / "daphne.log").read_text()[-20000:])  # shown when a test fails


@pytest.fixture
def desk_page(browser, asgi_site):
    """Pages signed in as a user, on the daphne origin; anything else is refused and reported."""
    contexts = []
    problems = PageProblems()
    origin = urlsplit(asgi_site)

    def route(route_, request):
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob") or (url.hostname, url.port) == (origin.hostname, origin.port):
            route_.continue_()
        else:
            problems.external_requests.append(request.url)
            route_.abort()

    def make(user, viewport=DESKTOP):
        context = browser.new_context(
            viewport=viewport, base_url=asgi_site, locale="en-IN", timezone_id="Asia/Kolkata"
        )
        context.set_default_timeout(10_000)
        context.route("**/*", route)
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": asgi_site}])
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.js_errors.append(str(error)))
        page.on("console", problems.on_console)
        page.on("response", problems.on_response)
        page.problems = problems
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems.external_requests, f"requests left the server: {problems.external_requests}"
    assert not problems.js_errors, f"JavaScript errors on the page: {problems.js_errors}"
    assert not problems.failed_resources, f"requests that failed: {problems.failed_resources}"


def settled(page):
    """The page once its finite animations (toasts sliding in, a moved row's glow) are over: axe
    would otherwise measure the contrast of a half-faded toast."""
    page.evaluate(
        """Promise.all(document.getAnimations()
            .filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity)
            .map((a) => a.finished.catch(() => null)))"""
    )
    return page


def hm(value: str) -> datetime.time:
    return datetime.time(*map(int, value.split(":")))


@pytest.fixture
def laser_clinic(transactional_db, hospital):
    """A branch open 6 am to 10 pm every day, a doctor working all of today, two laser rooms, two
    therapists, a 60-minute laser service needing a laser room and a therapist, and a morning of
    appointments already in the queue."""
    branch = BranchFactory(
        hospital=hospital,
        code="BLR",
        name="Indiranagar",
        time_zone=zone_in_clinic_hours(),
        opens_at=hm("06:00"),
        closes_at=hm("22:00"),
        working_days=list(range(7)),
    )
    today = branch_today(branch)
    doctor = StaffFactory(
        hospital=hospital,
        staff_type="doctor",
        title="Dr.",
        first_name="Ananya",
        last_name="Rao",
        specialization="Dermatology",
        branches=[branch],
    )
    DoctorSchedule.objects.create(
        staff=doctor, branch=branch, day_of_week=today.weekday(), start_time=hm("06:00"), end_time=hm("22:00")
    )
    slot_generate(branch=branch, weeks=1, today=today)
    laser = ServiceFactory(
        hospital=hospital,
        code="LHR-FF",
        name="Laser hair reduction, full face",
        category="laser",
        duration_minutes=60,
        price=Decimal("4500"),
        requires_room_allocation=True,
    )
    ServiceResourceRequirement.objects.create(
        service=laser,
        requires_room=True,
        room_type="laser",
        requires_therapist=True,
        preparation_time_minutes=10,
        cleanup_time_minutes=5,
    )
    consult = ServiceFactory(
        hospital=hospital, code="CONS", name="Dermatology consultation", price=Decimal("800")
    )
    ServiceFactory(
        hospital=hospital, code="PEEL", name="Chemical peel", category="procedure", price=Decimal("3200")
    )
    Package.objects.create(
        hospital=hospital,
        code="ACNE-6",
        name="Acne scar programme, 6 sessions",
        sessions=6,
        duration_minutes=45,
        price=Decimal("125000"),
    )
    suite = RoomFactory(
        branch=branch, room_code="LSR-1", room_name="Laser Suite", room_type="laser", buffer_minutes=15
    )
    RoomFactory(
        branch=branch, room_code="LSR-2", room_name="Laser Room 2", room_type="laser", buffer_minutes=15
    )
    RoomFactory(branch=branch, room_code="CON-1", room_name="Consultation Room")
    for name in ("Priya", "Divya"):
        StaffFactory(
            hospital=hospital, staff_type="therapist", title="Ms.", first_name=name, branches=[branch]
        )
    desk = UserFactory(username="frontdesk", groups=["Front desk"])
    StaffFactory(user=desk, hospital=hospital, staff_type="front_desk", first_name="Kavya", branches=[branch])
    ramesh = make_patient(
        branch=branch, first_name="Ramesh", last_name="Kumar", phone="+91 98450 12345", sex="M"
    )

    # The morning so far: booked as if at opening time, then moved along the workflow.
    opening = local_instant(branch.zone, today, hm("06:00"))
    now_local = timezone.now().astimezone(branch.zone)
    earlier = [
        (now_local - datetime.timedelta(hours=h)).replace(minute=0 if h % 2 else 30) for h in (3, 2, 1)
    ]
    people = [
        ("Asha", "Verma", S.COMPLETED),
        ("Imran", "Shaikh", S.IN_PROGRESS),
        ("Meera", "Nair", S.CHECKED_IN),
    ]
    for (first, last, status), when in zip(people, earlier, strict=True):
        appointment = appointment_book(
            acting_user=desk,
            patient=make_patient(branch=branch, first_name=first, last_name=last),
            branch=branch,
            doctor=doctor,
            start=when.replace(second=0, microsecond=0),
            service=consult,
            now=opening,
        )
        appointment_approve(acting_user=desk, appointment=appointment)
        appointment_check_in(acting_user=desk, appointment=appointment)
        if status in (S.IN_PROGRESS, S.COMPLETED):
            appointment_start(acting_user=desk, appointment=appointment)
        if status == S.COMPLETED:
            appointment_transition(acting_user=desk, appointment=appointment, to_status=S.COMPLETED)
    later = (now_local + datetime.timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    waiting = appointment_book(
        acting_user=desk,
        patient=make_patient(branch=branch, first_name="Farhan", last_name="Qureshi"),
        branch=branch,
        doctor=doctor,
        start=later,
        service=consult,
    )
    slot_block(
        acting_user=desk,
        reason="Staff meeting",
        staff=doctor,
        branch=branch,
        start=later + datetime.timedelta(hours=1),
        end=later + datetime.timedelta(hours=1, minutes=30),
    )
    return {"branch": branch, "desk": desk, "ramesh": ramesh, "suite": suite, "waiting": waiting}


def test_front_desk_books_a_laser_session_sees_it_on_the_room_calendar_and_checks_the_patient_in(
    desk_page, laser_clinic
):
    desk = laser_clinic["desk"]
    page = desk_page(desk)

    # 1. Patient: the one search box, the number as the caller says it; arrow key + Enter picks.
    page.goto("/appointments/book/")
    expect(page.get_by_role("heading", name="Book an appointment", level=1)).to_be_visible()
    search = page.get_by_role("searchbox", name="Phone, name or MRN")
    expect(search).to_be_focused()
    search.press_sequentially("98450 12345", delay=30)
    result = page.get_by_role("button", name=re.compile("Ramesh Kumar"))
    expect(result).to_be_visible()
    assert "98450" not in page.url
    assert_accessible(settled(page))
    screenshot(page, "front-desk-booking-patient")
    search.press("ArrowDown")
    expect(result).to_be_focused()
    page.keyboard.press("Enter")

    # 2. Service: length, price in rupees and what it needs, at a glance.
    expect(page.get_by_role("heading", name="Which service or package?")).to_be_visible()
    expect(page.get_by_text("₹1,25,000")).to_be_visible()  # lakh grouping
    laser = page.get_by_role("button", name=re.compile("Laser hair reduction, full face"))
    expect(laser).to_contain_text("60 min")
    expect(laser).to_contain_text("₹4,500")
    expect(laser).to_contain_text("Needs laser room and a therapist")
    assert_accessible(settled(page))
    screenshot(page, "front-desk-booking-service")
    laser.click()

    # 3. Doctor and time: today's free starts, two 30-minute slots combined for 60 minutes.
    expect(page.get_by_role("heading", name="Doctor and time")).to_be_visible()
    expect(page.get_by_role("radio", name="Dr. Ananya Rao")).to_be_checked()
    times = page.get_by_role("list", name="Free start times").get_by_role("button")
    expect(times.first).to_contain_text("2 slots")
    assert_accessible(settled(page))
    screenshot(page, "front-desk-booking-slot")
    chosen = times.first.locator("strong").inner_text()
    times.first.click()

    # 3b. Room and therapist: availability shown, the first free ones chosen.
    expect(page.get_by_role("heading", name="Room and therapist")).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile("Laser Suite"))).to_be_checked()
    expect(page.get_by_role("radio", name=re.compile("Divya"))).to_be_checked()
    assert_accessible(settled(page))
    screenshot(page, "front-desk-booking-resources")
    page.get_by_role("radio", name=re.compile("Priya")).check()
    page.get_by_role("button", name="Continue to summary").click()

    # 4. Summary, then one booking.
    expect(page.get_by_role("heading", name="Check and book")).to_be_visible()
    summary = page.locator(".facts--summary")
    for text in ("Ramesh Kumar", "Laser hair reduction, full face", "Laser Suite", "Ms. Priya", chosen):
        expect(summary).to_contain_text(text)
    page.get_by_label("Reason for the visit").fill("Third session, upper lip and chin")
    assert_accessible(settled(page))
    screenshot(page, "front-desk-booking-summary")
    page.get_by_role("button", name="Book appointment").click()
    expect(page.get_by_role("heading", name=re.compile(r"Booked APT-BLR-\d{4}-\d{5}"))).to_be_visible()
    appointment = Appointment.objects.get(patient=laser_clinic["ramesh"])
    assert appointment.status == S.CONFIRMED and appointment.duration_minutes == 60
    assert appointment.room == laser_clinic["suite"] and appointment.therapist.first_name == "Priya"
    expect(page.locator(".toast--success")).to_contain_text(f"Booked {appointment.number}")
    assert_accessible(settled(page))
    screenshot(page, "front-desk-booking-done")

    # The room calendar shows it in the Laser Suite column.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    page.get_by_role("link", name="Rooms").click()
    suite_column = page.get_by_role("region", name="Laser Suite")
    event = suite_column.get_by_role("link", name=re.compile("Ramesh Kumar"))
    expect(event).to_be_visible()
    expect(event).to_contain_text("Confirmed")
    assert_accessible(settled(page))
    screenshot(page, "front-desk-calendar")

    # The appointment's page: history, the time held, and what the desk may do next.
    event.click()
    expect(page.get_by_role("heading", name=re.compile(appointment.number), level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Status history")).to_contain_text("Approved at booking")
    expect(page.get_by_role("link", name="Reschedule")).to_be_visible()
    assert_accessible(settled(page))
    screenshot(page, "front-desk-appointment")

    # The doctors' day: the booking, the blocked staff meeting, hours off.
    page.goto("/appointments/calendar/?by=doctor")
    expect(page.get_by_role("region", name=re.compile("Dr. Ananya Rao"))).to_contain_text("Staff meeting")
    assert_accessible(settled(page))
    screenshot(page, "front-desk-calendar-doctors")

    # The list and the schedules page are clean too.
    page.goto("/appointments/list/")
    expect(page.get_by_role("link", name=appointment.number)).to_be_visible()
    assert_accessible(settled(page))
    page.goto("/appointments/schedules/")
    expect(page.get_by_role("region", name="Blocked ahead")).to_contain_text("Staff meeting")
    assert_accessible(settled(page))
    screenshot(page, "front-desk-schedules")

    # A second tab keeps today's queue open; it follows over the websocket.
    watcher = desk_page(desk)
    watcher.goto("/appointments/queue/")
    expect(watcher.locator("#live-status")).to_have_attribute("data-state", "live")
    waiting = watcher.get_by_role("region", name=re.compile("Waiting to arrive"))
    expect(waiting).to_contain_text("Ramesh Kumar")

    # Check in from the queue: the row moves at once here, and in the other tab without a reload.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    assert_accessible(settled(page))
    page.get_by_role("button", name=re.compile("Check in Ramesh Kumar")).click()
    arrived = page.get_by_role("region", name=re.compile("Arrived"))
    expect(arrived.locator(".queue-row.is-moved")).to_contain_text("Ramesh Kumar")
    expect(page.locator(".toast--success")).to_contain_text(f"{appointment.number} checked in")
    expect(watcher.get_by_role("region", name=re.compile("Arrived"))).to_contain_text(
        "Ramesh Kumar", timeout=8000
    )
    appointment.refresh_from_db()
    assert appointment.status == S.CHECKED_IN
    assert_accessible(settled(page))
    screenshot(page, "front-desk-queue")


def test_the_queue_says_when_live_updates_are_lost_and_polls_every_15_seconds(desk_page, laser_clinic):
    page = desk_page(laser_clinic["desk"])
    page.clock.install()
    page.route_web_socket(re.compile(r".*/ws/appointments/queue/.*"), lambda ws: ws.close())
    page.goto("/appointments/queue/")
    status = page.locator("#live-status")
    expect(status).to_have_attribute("data-state", "polling")
    expect(status).to_contain_text("refreshing every 15 seconds")
    waiting = laser_clinic["waiting"]
    expect(page.get_by_role("region", name=re.compile("Waiting to arrive"))).to_contain_text("Farhan Qureshi")
    assert_accessible(settled(page))

    # Someone else checks Farhan in; without a websocket this page learns of it at the next poll.
    appointment_approve(acting_user=laser_clinic["desk"], appointment=waiting)
    appointment_check_in(acting_user=laser_clinic["desk"], appointment=waiting)
    page.clock.run_for(16_000)
    expect(page.get_by_role("region", name=re.compile("Arrived"))).to_contain_text("Farhan Qureshi")
    screenshot(page, "front-desk-queue-offline")
