"""The status workflow of seed 4.3 through appointment_transition: every move on the diagram, every
move off it refused with nothing changed, and what each move does to allocations and slots."""

import datetime
from collections import defaultdict

import pytest

from appointments import events
from appointments.models import (
    AppointmentSlot,
    AppointmentStatus,
    AppointmentStatusHistory,
    ResourceAllocation,
)
from appointments.services import appointment_reschedule, appointment_transition, appointments_mark_no_shows
from appointments.services.workflow import TRANSITIONS
from clinic.api_errors import Conflict

S = AppointmentStatus
PATHS = {  # how to walk a fresh (requested) appointment into each status
    S.REQUESTED: [],
    S.CONFIRMED: [S.CONFIRMED],
    S.CHECKED_IN: [S.CONFIRMED, S.CHECKED_IN],
    S.IN_PROGRESS: [S.CONFIRMED, S.CHECKED_IN, S.IN_PROGRESS],
    S.COMPLETED: [S.CONFIRMED, S.CHECKED_IN, S.IN_PROGRESS, S.COMPLETED],
    S.CANCELLED: [S.CANCELLED],
    S.NO_SHOW: [S.CONFIRMED, S.NO_SHOW],
}
LEGAL = [(old, new) for old, targets in TRANSITIONS.items() for new in targets if new != S.RESCHEDULED]
ILLEGAL = [
    (old, new)
    for old in PATHS
    for new in S.values
    if new not in TRANSITIONS[old] and new != old and new != S.RESCHEDULED
]


@pytest.fixture
def walk(clinic, book):
    def _walk(status, hh_mm="10:00", **kwargs):
        appointment = book(hh_mm, **kwargs)
        for step in PATHS[status]:
            appointment = appointment_transition(
                acting_user=clinic.desk, appointment=appointment, to_status=step, reason="test"
            )
        return appointment

    return _walk


@pytest.mark.parametrize(("old", "new"), LEGAL)
def test_every_move_on_the_diagram_is_recorded_with_who_when_and_why(clinic, walk, old, new):
    appointment = walk(old)
    before = AppointmentStatusHistory.objects.filter(appointment=appointment).count()
    moved = appointment_transition(
        acting_user=clinic.desk, appointment=appointment, to_status=new, reason="because"
    )
    moved.refresh_from_db()
    assert moved.status == new
    last = AppointmentStatusHistory.objects.filter(appointment=appointment).latest("changed_at")
    assert (last.old_status, last.new_status, last.changed_by, last.change_reason) == (
        old,
        new,
        clinic.desk,
        "because",
    )
    assert AppointmentStatusHistory.objects.filter(appointment=appointment).count() == before + 1
    if new == S.CONFIRMED:
        assert moved.confirmed_by == clinic.desk and moved.approved_by == clinic.desk and moved.approved_at
    if new == S.CHECKED_IN:
        assert moved.checked_in_by == clinic.desk and moved.checked_in_at
    if new == S.IN_PROGRESS:
        assert moved.actual_start_time
    if new == S.COMPLETED:
        assert moved.actual_end_time
    if new == S.CANCELLED:
        assert moved.cancellation_reason == "because"


@pytest.mark.parametrize(("old", "new"), ILLEGAL)
def test_every_move_off_the_diagram_is_a_409_and_changes_nothing(clinic, walk, old, new):
    appointment = walk(old)
    history = list(
        AppointmentStatusHistory.objects.filter(appointment=appointment).values_list("id", flat=True)
    )
    allocations = list(ResourceAllocation.objects.values_list("id", "status"))
    slots = list(AppointmentSlot.objects.values_list("id", "current_bookings"))
    with pytest.raises(Conflict) as refused:
        appointment_transition(acting_user=clinic.desk, appointment=appointment, to_status=new)
    assert refused.value.http_status == 409 and refused.value.code == "invalid_transition"
    appointment.refresh_from_db()
    assert appointment.status == old
    assert (
        list(AppointmentStatusHistory.objects.filter(appointment=appointment).values_list("id", flat=True))
        == history
    )
    assert list(ResourceAllocation.objects.values_list("id", "status")) == allocations
    assert list(AppointmentSlot.objects.values_list("id", "current_bookings")) == slots


def test_the_refusal_says_what_is_wrong_in_plain_words(clinic, walk):
    with pytest.raises(Conflict, match=r"^A completed appointment cannot be checked in\.$"):
        appointment_transition(acting_user=clinic.desk, appointment=walk(S.COMPLETED), to_status=S.CHECKED_IN)
    with pytest.raises(Conflict, match=r"A requested appointment cannot be checked in\. Approve it first\."):
        appointment_transition(
            acting_user=clinic.desk, appointment=walk(S.REQUESTED, "10:30"), to_status=S.CHECKED_IN
        )
    with pytest.raises(Conflict, match="A checked-in appointment cannot be cancelled"):
        appointment_transition(
            acting_user=clinic.desk, appointment=walk(S.CHECKED_IN, "11:00"), to_status=S.CANCELLED
        )


def test_rescheduled_is_reached_only_by_rescheduling(clinic, walk):
    with pytest.raises(Conflict, match="appointment_reschedule"):
        appointment_transition(
            acting_user=clinic.desk, appointment=walk(S.CONFIRMED), to_status=S.RESCHEDULED
        )


def test_moving_to_the_same_status_again_changes_nothing(clinic, walk):
    appointment = walk(S.CHECKED_IN)
    count = AppointmentStatusHistory.objects.filter(appointment=appointment).count()
    again = appointment_transition(acting_user=clinic.desk, appointment=appointment, to_status=S.CHECKED_IN)
    assert again.status == S.CHECKED_IN
    assert AppointmentStatusHistory.objects.filter(appointment=appointment).count() == count


@pytest.mark.parametrize("status", [S.CANCELLED, S.NO_SHOW])
def test_cancelling_and_no_show_free_every_resource(clinic, walk, status):
    appointment = walk(S.CONFIRMED, service=clinic.laser)
    slots = AppointmentSlot.objects.filter(staff=clinic.doctor, start_time__in=["10:00", "10:30"])
    assert [s.current_bookings for s in slots] == [1, 1]
    assert ResourceAllocation.objects.filter(appointment=appointment, status="confirmed").count() == 3
    appointment_transition(acting_user=clinic.desk, appointment=appointment, to_status=status, reason="x")
    assert [s.current_bookings for s in slots.all()] == [0, 0]
    assert set(
        ResourceAllocation.objects.filter(appointment=appointment).values_list("status", flat=True)
    ) == {"cancelled"}


def test_allocations_follow_the_visit(clinic, walk):
    appointment = walk(S.IN_PROGRESS, service=clinic.laser)
    assert set(appointment.allocations.values_list("status", flat=True)) == {"in_use"}
    appointment_transition(acting_user=clinic.desk, appointment=appointment, to_status=S.COMPLETED)
    assert set(appointment.allocations.values_list("status", flat=True)) == {"completed"}
    # A completed visit keeps its slot counted: the time was used.
    assert AppointmentSlot.objects.get(pk=appointment.slot_id).current_bookings == 1


@pytest.fixture
def own_listeners(monkeypatch):
    """Only this test's listeners (not the notifications app's)."""
    monkeypatch.setattr(events, "_listeners", defaultdict(list))


def test_listeners_hear_of_changes_only_after_commit(
    clinic, walk, own_listeners, django_capture_on_commit_callbacks
):
    heard = []
    events.listen(events.STATUS_CHANGED, lambda pk, old, new: heard.append((old, new)))
    events.listen(events.CHECKED_IN, lambda pk: heard.append(("checked in", pk)))
    appointment = walk(S.CONFIRMED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        appointment_transition(acting_user=clinic.desk, appointment=appointment, to_status=S.CHECKED_IN)
    assert heard == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert heard == [(S.CONFIRMED, S.CHECKED_IN), ("checked in", appointment.id)]


def test_a_failing_listener_does_not_break_the_others(
    clinic, book, own_listeners, django_capture_on_commit_callbacks
):
    heard = []

    def broken(pk, **details):
        raise RuntimeError("listener bug")

    events.listen(events.BOOKED, broken)
    events.listen(events.BOOKED, lambda pk: heard.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book("10:00")
    assert heard == [appointment.id]


def test_reschedule_links_both_and_moves_the_counters(clinic, walk):
    old = walk(S.CONFIRMED, "10:00")
    new = appointment_reschedule(
        acting_user=clinic.desk, appointment=old, start=clinic.at("11:00"), reason="Traffic"
    )
    old.refresh_from_db()
    assert old.status == S.RESCHEDULED and new.rescheduled_from == old
    assert new.status == S.CONFIRMED and new.approved_at == old.approved_at  # the approval carries over
    assert new.patient == old.patient and new.service == old.service and new.number != old.number
    assert AppointmentSlot.objects.get(pk=old.slot_id).current_bookings == 0
    assert AppointmentSlot.objects.get(pk=new.slot_id).current_bookings == 1
    last = old.status_history.latest("changed_at")
    assert (last.old_status, last.new_status, last.change_reason) == (S.CONFIRMED, S.RESCHEDULED, "Traffic")
    assert new.status_history.get().change_reason == f"Rescheduled from {old.number}"
    assert set(old.allocations.values_list("status", flat=True)) == {"cancelled"}


def test_reschedule_into_an_overlapping_time_of_its_own(clinic, walk):
    old = walk(S.REQUESTED, "10:00", service=clinic.laser)  # 10:00-11:00
    new = appointment_reschedule(acting_user=clinic.desk, appointment=old, start=clinic.at("10:30"))
    assert (new.start_time, new.end_time) == (datetime.time(10, 30), datetime.time(11, 30))
    counts = dict(
        AppointmentSlot.objects.filter(staff=clinic.doctor).values_list("start_time", "current_bookings")
    )
    assert (
        counts[datetime.time(10, 0)] == 0
        and counts[datetime.time(10, 30)] == 1
        and counts[datetime.time(11, 0)] == 1
    )


@pytest.mark.parametrize("status", [S.CHECKED_IN, S.COMPLETED, S.CANCELLED, S.NO_SHOW])
def test_only_requested_or_confirmed_appointments_can_be_rescheduled(clinic, walk, status):
    appointment = walk(status)
    count = type(appointment).objects.count()
    with pytest.raises(Conflict, match="cannot be rescheduled"):
        appointment_reschedule(acting_user=clinic.desk, appointment=appointment, start=clinic.at("11:00"))
    assert type(appointment).objects.count() == count


def test_a_failed_reschedule_leaves_the_old_appointment_as_it_was(clinic, walk, book):
    old = walk(S.CONFIRMED, "10:00")
    book("11:00", patient=old.patient)
    with pytest.raises(Conflict) as refused:
        appointment_reschedule(acting_user=clinic.desk, appointment=old, start=clinic.at("11:00"))
    assert refused.value.extra["alternatives"]
    old.refresh_from_db()
    assert old.status == S.CONFIRMED
    assert set(old.allocations.values_list("status", flat=True)) == {"confirmed"}
    assert AppointmentSlot.objects.get(pk=old.slot_id).current_bookings == 1


def test_the_no_show_job_marks_late_confirmed_visits_once(clinic, walk):
    late = walk(S.CONFIRMED, "10:00")
    on_time = walk(S.CONFIRMED, "11:30")
    arrived = walk(S.CHECKED_IN, "10:30")
    waiting = walk(S.REQUESTED, "11:00")
    at_1045 = clinic.at("10:45")
    assert appointments_mark_no_shows(now=at_1045) == 1  # 10:00 + 30 minutes' grace has passed
    assert appointments_mark_no_shows(now=at_1045) == 0  # and a second run finds nothing to do
    statuses = {a.number: type(a).objects.get(pk=a.pk).status for a in (late, on_time, arrived, waiting)}
    assert statuses == {
        late.number: S.NO_SHOW,
        on_time.number: S.CONFIRMED,
        arrived.number: S.CHECKED_IN,
        waiting.number: S.REQUESTED,
    }
    entry = late.status_history.latest("changed_at")
    assert entry.changed_by is None and "automatically" in entry.change_reason
    assert AppointmentSlot.objects.get(pk=late.slot_id).current_bookings == 0
