"""The staff layout's top bar (clinic, branches, name, role) is cached per user: a page after the
first reads it with no query, and whatever changes it shows on the user's next page."""

import time

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from clinic import context_processors
from clinic.models import Branch, Staff

pytestmark = pytest.mark.django_db


def top_bar(user) -> str:
    """The empty staff layout as the user's next page renders it (a fresh request object each time,
    so nothing is carried over on the user object between "pages")."""
    request = RequestFactory().get("/")
    request.user = type(user).objects.get(pk=user.pk)
    return render_to_string("staff/base.html", request=request)


def test_a_second_page_reads_the_top_bar_with_no_query(doctor_a):
    top_bar(doctor_a)
    with CaptureQueriesContext(connection) as queries:
        again = top_bar(doctor_a)
    # The only query left is the test's own load of the user (the session does that in a request).
    assert [q["sql"] for q in queries if "auth_user" not in q["sql"].split("WHERE")[0]] == []
    assert "Indiranagar" in again
    assert "Staff" in again.split('class="usermenu__who"')[1]  # the doctor's name, from the cache


def test_a_branch_added_to_a_staff_member_shows_on_their_next_page(doctor_a, branch_b):
    assert "Jubilee Hills" not in top_bar(doctor_a)
    Staff.objects.get(user=doctor_a).branches.add(branch_b)
    assert "Jubilee Hills" in top_bar(doctor_a)


def test_a_branch_renamed_or_closed_shows_on_the_next_page(doctor_a, branch_a):
    top_bar(doctor_a)
    branch_a.name = "Koramangala"
    branch_a.save()
    assert "Koramangala" in top_bar(doctor_a)
    branch_a.is_active = False
    branch_a.save()
    assert "Koramangala" not in top_bar(doctor_a)


def test_a_change_saved_by_another_process_shows_here_within_seconds(monkeypatch, doctor_a, branch_a):
    """Each process keeps the entries and the generation token it read; another process's change
    moves the token in the shared cache, which this process reads again every few seconds."""
    top_bar(doctor_a)
    Branch.objects.filter(pk=branch_a.pk).update(name="Koramangala")  # sends no signal here
    cache.set(context_processors._GENERATION_KEY, "moved by another process")
    assert "Indiranagar" in top_bar(doctor_a)
    later = time.monotonic() + context_processors.GENERATION_RECHECK + 1
    monkeypatch.setattr(context_processors.time, "monotonic", lambda: later)
    assert "Koramangala" in top_bar(doctor_a)


def test_a_hospital_renamed_and_a_name_corrected_show_on_the_next_page(doctor_a, hospital):
    top_bar(doctor_a)
    hospital.name = "Renamed Skin Clinic"
    hospital.save()
    staff = Staff.objects.get(user=doctor_a)
    staff.first_name = "Anjali"
    staff.save()
    html = top_bar(doctor_a)
    assert "Renamed Skin Clinic" in html
    assert "Anjali" in html


def test_a_role_given_shows_in_the_menu_and_the_navigation_on_the_next_page(settings, doctor_a):
    settings.STAFF_NAV = [
        ("Queue", "doctor:tablet", "Doctor"),
        ("Patients", "staff:patient-search", "Front desk"),
    ]
    html = top_bar(doctor_a)
    assert ">Patients<" not in html
    assert "Front desk" not in html
    doctor_a.groups.add(Group.objects.get(name="Front desk"))
    html = top_bar(doctor_a)
    assert "Front desk" in html
    assert ">Patients<" in html
    Group.objects.get(name="Front desk").user_set.remove(doctor_a)
    assert ">Patients<" not in top_bar(doctor_a)


def test_two_users_never_see_each_others_top_bar(doctor_a, doctor_b):
    client_a, client_b = Client(), Client()
    client_a.force_login(doctor_a)
    client_b.force_login(doctor_b)
    for _ in range(2):
        page_a = client_a.get("/doctor/").content.decode()
        page_b = client_b.get("/doctor/").content.decode()
        assert "Indiranagar" in page_a and "Jubilee Hills" not in page_a
        assert "Jubilee Hills" in page_b and "Indiranagar" not in page_b


def test_with_the_cache_down_pages_still_show_the_top_bar_and_saves_still_work(
    monkeypatch, doctor_a, branch_b
):
    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("redis is down")

            return fail

    monkeypatch.setattr(context_processors, "cache", Down())
    assert "Indiranagar" in top_bar(doctor_a)
    Staff.objects.get(user=doctor_a).branches.add(branch_b)  # the invalidation must not fail the save
    assert "Jubilee Hills" in top_bar(doctor_a)
