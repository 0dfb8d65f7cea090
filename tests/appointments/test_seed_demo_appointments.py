"""`manage.py seed_demo_appointments`: the demo clinic's schedules and a believable week, made through
the services, with every status the front desk sees, and nothing added by a second run."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from appointments.models import Appointment, AppointmentSlot, DoctorSchedule, ServiceResourceRequirement

pytestmark = pytest.mark.django_db

OVERLAPS = """
    SELECT count(*) FROM appointments_resourceallocation a JOIN appointments_resourceallocation b
      ON a.id < b.id AND a.period && b.period AND a.share_key <> b.share_key
     AND (a.staff_id = b.staff_id OR a.room_id = b.room_id)
    WHERE a.status IN ('reserved', 'confirmed', 'in_use') AND b.status IN ('reserved', 'confirmed', 'in_use')
"""


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", patients=40, allow_without_debug=True, stdout=StringIO())
    call_command("seed_demo_appointments", per_day=4, allow_without_debug=True, stdout=out)
    return out.getvalue()


def test_the_demo_gets_schedules_slots_and_a_week_of_appointments():
    seed()
    assert (
        DoctorSchedule.objects.filter(breaks__label="Lunch").count() == DoctorSchedule.objects.count() >= 30
    )
    assert AppointmentSlot.objects.exists()
    laser = ServiceResourceRequirement.objects.get(service__code="LHR-FACE")
    assert (laser.requires_room, laser.room_type, laser.requires_therapist) == (True, "laser", True)
    botox = ServiceResourceRequirement.objects.get(service__code="BOTOX")
    assert botox.room_type == "procedure" and botox.special_requirements == {"alternative_room_types": ["ot"]}
    statuses = set(Appointment.objects.values_list("status", flat=True))
    assert {"completed", "confirmed"} <= statuses
    assert Appointment.objects.filter(room__room_type="laser", therapist__isnull=False).exists()
    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS)
        assert cursor.fetchone()[0] == 0


def test_a_second_run_adds_nothing():
    seed()
    counts = (Appointment.objects.count(), DoctorSchedule.objects.count(), AppointmentSlot.objects.count())
    output = seed()
    assert "Appointments: 0 added" in output
    assert (
        Appointment.objects.count(),
        DoctorSchedule.objects.count(),
        AppointmentSlot.objects.count(),
    ) == counts
