"""The front desk at the counter: signs in, finds a patient by the phone number as the caller says
it, opens them, and registers a new patient past the duplicate warning. Keyboard works, axe-core is
clean, nothing personal goes into a URL, and the screens are written to docs/screens/."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from clinic.models import Patient
from clinic.services.patients import patient_update
from tests.e2e.conftest import TABLET, assert_accessible, log_in, screenshot
from tests.factories import make_patient

pytestmark = pytest.mark.browser


@pytest.fixture
def counter_patients(branch_a, branch_b, patient_a):
    """Ramesh Kumar (+91 98450 12345) and a few others at branch A; one at branch B."""
    make_patient(
        branch=branch_a,
        first_name="Asha",
        last_name="Verma",
        sex="F",
        date_of_birth=datetime.date(1991, 3, 14),
    )
    make_patient(
        branch=branch_a,
        first_name="Rameshwari",
        last_name="Iyer",
        sex="F",
        date_of_birth=datetime.date(1968, 11, 2),
    )
    make_patient(branch=branch_b, first_name="Ramesh", last_name="Reddy", sex="M")
    return patient_update(
        acting_user=None,
        patient=patient_a,
        data={
            "sex": "M",
            "date_of_birth": datetime.date(1984, 6, 9),
            "email": "ramesh.k@example.in",
            "address": "42, 12th Main, HAL 2nd Stage, Indiranagar, Bengaluru",
            "pin_code": "560038",
            "emergency_contact_name": "Lakshmi Kumar",
            "emergency_contact_relation": "Wife",
            "emergency_contact_phone": "+91 98860 24680",
            "special_groups": ["vip"],
        },
    )


def search_box(page):
    return page.get_by_role("searchbox", name="Phone, name or MRN")


def test_front_desk_finds_a_patient_by_phone_then_registers_a_family_member(
    new_page, front_desk_a, counter_patients, live_site
):
    page = new_page()
    page.goto("/patients/")
    expect(page).to_have_url(re.compile(r"/login/"))
    assert_accessible(page)
    screenshot(page, "staff-login")

    log_in(page, "frontdesk_a")
    expect(page).to_have_url(f"{live_site.url}/appointments/queue/")  # the desk's first page
    page.goto("/patients/")
    expect(page.get_by_role("heading", name="Patients", level=1)).to_be_visible()
    expect(page.get_by_text("Search first")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients")
    ).to_have_attribute("aria-current", "page")
    assert_accessible(page)

    # The caller reads the number the way people do; results come as the typing pauses.
    box = search_box(page)
    expect(box).to_be_focused()
    box.press_sequentially("098450-12345", delay=40)
    result = page.locator("#results").get_by_role("link", name=re.compile("Ramesh Kumar"))
    expect(result).to_be_visible()
    expect(result).to_contain_text("+91 98450 12345")
    expect(result).to_contain_text(counter_patients.mrn)
    expect(result).to_contain_text("Indiranagar")
    expect(page.locator("#results .result")).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="1 patient found")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "front-desk-patients")

    # Nothing the caller said went into a URL (history, proxy logs, Referer).
    assert not [u for u in page.problems.request_urls if re.search(r"98450|12345|ramesh", u, re.I)]

    # Keyboard: down from the box into the results, Enter opens the record.
    box.focus()
    page.keyboard.press("ArrowDown")
    expect(result).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Ramesh Kumar", level=1)).to_be_visible()
    expect(page).to_have_url(f"{live_site.url}/patients/{counter_patients.id}/")
    expect(page.get_by_text(counter_patients.mrn).first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "front-desk-patient-detail")

    # A family member shares the phone and the name: the duplicate warning, then a confirmation.
    page.goto("/patients/new/")
    page.get_by_label("First name").fill("Ramesh")
    page.get_by_label("Last name").fill("Kumar")
    page.get_by_label("Mobile number").fill("98450 12345")
    page.get_by_label("Date of birth").fill("05/01/2015")
    page.get_by_text("Male", exact=True).click()
    page.get_by_role("button", name="Register patient").click()
    warning = page.locator("#duplicate-warning")
    expect(warning).to_be_visible()
    expect(warning).to_be_focused()
    existing = warning.get_by_role("link", name=re.compile("Open record"))
    expect(existing).to_have_attribute("href", f"/patients/{counter_patients.id}/")
    expect(warning).to_contain_text(counter_patients.mrn)
    assert Patient.objects.count() == 4
    assert_accessible(page)
    screenshot(page, "front-desk-register-duplicate")

    # Confirming without the tick is refused next to the tick box.
    page.get_by_role("button", name="Register as a new patient").click()
    expect(page.locator("#id_confirm_different_person_error")).to_contain_text("Tick this box")
    assert Patient.objects.count() == 4

    page.get_by_label(re.compile("this is a different person")).check()
    page.get_by_role("button", name="Register as a new patient").click()
    expect(page).to_have_url(re.compile(r"/patients/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("status").filter(has_text="Patient registered")).to_be_visible()
    new = Patient.objects.exclude(id=counter_patients.id).get(id=page.url.rstrip("/").rsplit("/", 1)[-1])
    assert new.mrn != counter_patients.mrn and new.full_name == "Ramesh Kumar"
    assert new.date_of_birth == datetime.date(2015, 1, 5)  # typed as DD/MM/YYYY
    expect(page.get_by_role("heading", name="Ramesh Kumar", level=1)).to_be_visible()
    expect(page.get_by_text(new.mrn).first).to_be_visible()


def test_an_unknown_number_offers_registration_with_the_number_filled_in(front_desk_page, counter_patients):
    page = front_desk_page
    page.goto("/patients/")
    search_box(page).fill("98765 43210")
    expect(page.get_by_text("No patient found", exact=True)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "front-desk-patients-empty")
    page.locator("#results").get_by_role("button", name="Register new patient").click()
    expect(page.get_by_role("heading", name="Register a patient")).to_be_visible()
    expect(page.get_by_label("Mobile number")).to_have_value("98765 43210")
    assert_accessible(page)
    screenshot(page, "front-desk-register")

    # Errors appear next to their fields and nothing is written.
    page.get_by_label("Mobile number").fill("12345")
    page.get_by_role("button", name="Register patient").click()
    expect(page.locator("#id_first_name_error")).to_be_visible()
    expect(page.locator("#id_phone_error")).to_contain_text("+91 98450 12345")
    expect(page.get_by_label("Mobile number")).to_have_attribute("aria-invalid", "true")
    assert Patient.objects.count() == 4


def test_doctor_on_the_tablet_searches_by_name_and_cannot_register(doctor_tablet_page, counter_patients):
    page = doctor_tablet_page
    assert page.viewport_size == TABLET
    page.goto("/patients/")
    search_box(page).press_sequentially("rames", delay=30)
    results = page.locator("#results .result")
    expect(results).to_have_count(2)  # Ramesh Kumar and Rameshwari Iyer; not branch B's Ramesh Reddy
    expect(page.locator("#results")).not_to_contain_text("Reddy")
    expect(page.get_by_role("link", name="Register new patient")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "doctor-patient-search-tablet")

    page.problems.expect_failure("/edit/")
    page.goto(f"/patients/{counter_patients.id}/edit/")
    expect(page.get_by_text("You are not allowed to open this page")).to_be_visible()


def test_components_page_is_accessible(admin_page):
    page = admin_page
    page.goto("/ui/")
    expect(page.get_by_text("In consultation")).to_be_visible()
    expect(page.get_by_text("₹1,25,000.00")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "ui-components", full_page=True)
