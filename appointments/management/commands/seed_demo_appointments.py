"""`manage.py seed_demo_appointments`: the demo clinic's scheduling, on top of `seed_demo`.

Appointment types, what each demo service needs (a laser room and a therapist for laser, a
procedure room for procedures), weekly schedules for the demo doctors at their branches with a
lunch break, slots four weeks ahead, and a believable week around today made through the booking
and workflow services: the past three days completed (a few no-shows and cancellations), today a
mix of confirmed, checked-in and in-consultation visits, the next three days requested and confirmed.

Safe to run again: types, requirements and schedules are looked up by their natural keys; the week
of appointments is made only when the demo doctors have none in it yet. Random choices use a fixed
seed.
"""

import datetime
import random
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from appointments import events
from appointments.clock import branch_today
from appointments.models import (
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    AppointmentType,
    DoctorSchedule,
    ScheduleBreak,
    ServiceResourceRequirement,
)
from appointments.services import appointment_book, appointment_transition, slot_generate
from clinic import demo_data
from clinic.api_errors import ApplicationError
from clinic.models import Branch, Patient, Service, Staff

SEED = 2026
S = AppointmentStatus
MON_WED_FRI, TUE_THU_SAT, MON_SAT = (0, 2, 4), (1, 3, 5), (0, 1, 2, 3, 4, 5)

APPOINTMENT_TYPES = [
    # code, name, minutes, self-booking, description
    ("NEW", "New consultation", 20, True, "First visit: history, examination, plan."),
    ("FOLLOW-UP", "Follow-up", 15, True, "Review of a treatment already under way."),
    ("PROCEDURE", "Procedure", 60, False, "A procedure in a procedure room or the minor OT."),
    ("SESSION", "Treatment session", 60, True, "Laser, peel or facial session with a therapist."),
    ("TELE", "Video consultation", 15, True, "Online consultation."),
]


@dataclass(frozen=True)
class Week:
    """Where each demo doctor works: (username, branch code, weekdays, start, end, lunch start)."""

    username: str
    branch: str
    days: tuple[int, ...]
    start: str
    end: str
    lunch: str


SCHEDULES = [
    Week("doctor", "BLR", MON_SAT, "10:00", "18:00", "13:00"),
    Week("karthik.subramanian", "BLR", MON_SAT, "10:00", "18:00", "13:30"),
    Week("farah.siddiqui", "BLR", MON_WED_FRI, "10:00", "17:00", "13:00"),
    Week("farah.siddiqui", "HYD", TUE_THU_SAT, "11:00", "18:00", "14:00"),
    Week("srinivas.reddy", "HYD", MON_SAT, "10:30", "18:30", "13:30"),
    Week("lakshmi.kondapalli", "HYD", MON_SAT, "10:30", "18:30", "14:00"),
    Week("arjun.mehta", "HYD", MON_WED_FRI, "10:30", "17:30", "13:30"),
    Week("arjun.mehta", "BLR", TUE_THU_SAT, "10:00", "17:00", "13:00"),
]
SLOT_MINUTES = 15

# What the desk books, by weight: mostly consultations, some procedures and therapist sessions.
MIX = {
    "CONS-NEW": 6,
    "CONS-FU": 8,
    "CONS-TRICH": 2,
    "LHR-FACE": 2,
    "LHR-UA": 1,
    "PEEL-CHEM": 1,
    "HYDRA": 1,
    "QS-TONING": 1,
    "PRP-HAIR": 1,
    "ACNE-SURG": 1,
    "BOTOX": 1,
}
COMPLAINTS = [
    "Acne on cheeks for 6 months",
    "Hair fall since delivery",
    "Itchy rash on forearms",
    "Dark patches on face",
    "Dandruff and scalp itching",
    "Mole on back, wants it checked",
    "Review of isotretinoin course",
    "Pigmentation after sun exposure",
    "Unwanted facial hair",
]


@contextmanager
def listeners_off():
    saved = events._listeners
    events._listeners = defaultdict(list)
    try:
        yield
    finally:
        events._listeners = saved


def hm(value: str) -> datetime.time:
    hour, minute = map(int, value.split(":"))
    return datetime.time(hour, minute)


class Command(BaseCommand):
    help = (
        "Load the demo clinic's appointment types, schedules, slots and a week of appointments. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--per-day", type=int, default=8, help="Appointments per doctor per day (default 8)."
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Seed even though DEBUG is off (a shared demo server).",
        )

    def handle(self, *args, per_day: int, allow_without_debug: bool, **options):
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError("seed_demo_appointments makes demo bookings; it runs only with DEBUG on.")
        branches = {
            b.code: b for b in Branch.objects.filter(code__in=[b["code"] for b in demo_data.BRANCHES])
        }
        if not branches:
            raise CommandError("Run `manage.py seed_demo` first: the demo branches are missing.")
        rng = random.Random(SEED)
        self.say("Appointment types", self.seed_types())
        self.say("Service requirements", self.seed_requirements())
        doctors, created = self.seed_schedules(branches)
        self.say("Weekly schedules", created)
        self.say(
            "Slots",
            (
                sum(
                    slot_generate(branch=b, today=branch_today(b) - datetime.timedelta(days=3), weeks=5)
                    for b in branches.values()
                ),
                0,
            ),
        )
        with listeners_off():  # demo history is not news: no confirmations to demo patients
            self.say("Appointments", self.seed_week(branches, doctors, rng, per_day))

    def say(self, label: str, counts: tuple[int, int]) -> None:
        created, present = counts
        self.stdout.write(f"{label}: {created} added" + (f", {present} already there" if present else ""))

    def seed_types(self) -> tuple[int, int]:
        created = 0
        for order, (code, name, minutes, self_booking, description) in enumerate(APPOINTMENT_TYPES):
            _, made = AppointmentType.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "default_duration_minutes": minutes,
                    "allow_self_booking": self_booking,
                    "description": description,
                    "display_order": order,
                },
            )
            created += made
        return created, len(APPOINTMENT_TYPES) - created

    def seed_requirements(self) -> tuple[int, int]:
        services = {s.code: s for s in Service.objects.filter(code__in=[s.code for s in demo_data.SERVICES])}
        have = set(
            ServiceResourceRequirement.objects.filter(service__in=services.values()).values_list(
                "service__code", flat=True
            )
        )
        created = 0
        for spec in demo_data.SERVICES:
            service = services.get(spec.code)
            if service is None or spec.code in have:
                continue
            by_therapist = spec.performed_by == "therapist"
            laser = spec.category == "laser"
            ServiceResourceRequirement.objects.create(
                service=service,
                requires_doctor=not by_therapist,
                requires_therapist=by_therapist,
                requires_room=bool(spec.room_types),
                room_type=spec.room_types[0] if spec.room_types else "",
                special_requirements={"alternative_room_types": list(spec.room_types[1:])}
                if spec.room_types[1:]
                else {},
                preparation_time_minutes=10 if spec.room_types else 0,
                cleanup_time_minutes=5 if laser else (10 if spec.room_types else 0),
                notes="Eye protection for patient and therapist." if laser else "",
            )
            created += 1
        return created, len(have)

    def seed_schedules(self, branches: dict[str, Branch]) -> tuple[dict[str, Staff], tuple[int, int]]:
        doctors = {
            s.user.username: s
            for s in Staff.objects.filter(user__username__in={w.username for w in SCHEDULES}).select_related(
                "user"
            )
        }
        existing = set(
            DoctorSchedule.objects.filter(staff__in=doctors.values()).values_list(
                "staff__user__username", "branch__code", "day_of_week"
            )
        )
        created = present = 0
        for week in SCHEDULES:
            doctor, branch = doctors.get(week.username), branches.get(week.branch)
            if doctor is None or branch is None:
                continue
            for day in week.days:
                if (week.username, week.branch, day) in existing:
                    present += 1
                    continue
                schedule = DoctorSchedule.objects.create(
                    staff=doctor,
                    branch=branch,
                    day_of_week=day,
                    start_time=hm(week.start),
                    end_time=hm(week.end),
                    slot_duration_minutes=SLOT_MINUTES,
                )
                lunch = hm(week.lunch)
                ScheduleBreak.objects.create(
                    schedule=schedule,
                    label="Lunch",
                    start_time=lunch,
                    end_time=lunch.replace(hour=lunch.hour + 1),
                )
                created += 1
        return doctors, (created, present)

    def seed_week(self, branches, doctors, rng: random.Random, per_day: int) -> tuple[int, int]:
        now = timezone.now()
        days = {
            b.code: [branch_today(b) + datetime.timedelta(days=n) for n in range(-3, 4)]
            for b in branches.values()
        }
        first = min(d[0] for d in days.values())
        last = max(d[-1] for d in days.values())
        existing = Appointment.objects.filter(
            doctor__in=doctors.values(), appointment_date__range=(first, last)
        )
        if existing.exists():
            return 0, existing.count()
        services = {s.code: s for s in Service.objects.filter(code__in=MIX)}
        codes = [c for c in MIX if c in services]
        weights = [MIX[c] for c in codes]
        desk = {
            b.code: Staff.objects.filter(branches=b, staff_type="front_desk", user__isnull=False)
            .select_related("user")
            .first()
            for b in branches.values()
        }
        patients = {
            b.code: list(Patient.objects.alive().filter(registered_branch=b, pii_key__isnull=False)[:400])
            for b in branches.values()
        }
        made = 0
        for week in {(w.username, w.branch) for w in SCHEDULES}:
            doctor, branch = doctors.get(week[0]), branches.get(week[1])
            if doctor is None or branch is None or not patients[branch.code]:
                continue
            actor = desk[branch.code].user if desk[branch.code] else None
            slots = AppointmentSlot.objects.filter(
                staff=doctor, branch=branch, slot_date__in=days[branch.code]
            )
            by_day: dict = {}
            for slot in slots.order_by("starts_at"):
                by_day.setdefault(slot.slot_date, []).append(slot)
            for day in sorted(by_day):
                for slot in rng.sample(by_day[day], min(per_day, len(by_day[day]))):
                    service = services[rng.choices(codes, weights)[0]]
                    made += self.book_one(
                        slot, service, doctor, branch, actor, rng, patients[branch.code], now
                    )
        return made, 0

    def book_one(self, slot, service, doctor, branch, actor, rng, patients, now) -> int:
        """One booking, walked to a believable status for its time; 0 if the time is taken."""
        start = slot.starts_at
        source = rng.choices(["front_desk", "phone", "whatsapp", "self_service"], [5, 3, 1, 1])[0]
        try:
            with transaction.atomic():
                appointment = appointment_book(
                    acting_user=actor,
                    patient=rng.choice(patients),
                    branch=branch,
                    doctor=doctor,
                    start=start,
                    service=service,
                    source=source,
                    chief_complaint=rng.choice(COMPLAINTS),
                    now=min(now, start - datetime.timedelta(days=2)),
                )
                for step, at in self.steps(appointment, rng, now):
                    appointment = appointment_transition(
                        acting_user=actor,
                        appointment=appointment,
                        to_status=step,
                        now=at,
                        reason="Patient called to cancel" if step == S.CANCELLED else "",
                    )
        except (ApplicationError, ValidationError):
            return 0
        return 1

    @staticmethod
    def steps(appointment, rng, now) -> list[tuple[str, datetime.datetime]]:
        start, end = appointment.starts_at, appointment.ends_at
        minutes = datetime.timedelta(minutes=1)
        booked = min(start - datetime.timedelta(days=2), now)
        if end <= now:  # the past: mostly seen, a few no-shows and cancellations
            fate = rng.choices(["completed", "no_show", "cancelled"], [16, 2, 1])[0]
            if fate == "cancelled":
                return [(S.CANCELLED, booked + datetime.timedelta(hours=3))]
            if fate == "no_show":
                return [
                    (S.CONFIRMED, booked + datetime.timedelta(hours=1)),
                    (S.NO_SHOW, start + 30 * minutes),
                ]
            return [
                (S.CONFIRMED, booked + datetime.timedelta(hours=1)),
                (S.CHECKED_IN, start - 10 * minutes),
                (S.IN_PROGRESS, start + 2 * minutes),
                (S.COMPLETED, end - 2 * minutes),
            ]
        if start <= now:  # under way now
            return [(S.CONFIRMED, booked), (S.CHECKED_IN, start - 8 * minutes), (S.IN_PROGRESS, start)]
        if start.date() == now.date() or start - now < datetime.timedelta(hours=12):  # later today
            if rng.random() < 0.5 and start - now < datetime.timedelta(minutes=90):
                return [(S.CONFIRMED, booked), (S.CHECKED_IN, now)]
            return [(S.CONFIRMED, booked)]
        return [(S.CONFIRMED, booked)] if rng.random() < 0.6 else []  # the next days: some await approval
