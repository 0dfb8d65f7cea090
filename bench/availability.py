"""Availability and booking on a busy branch: 20 doctors, 10 rooms, 10 therapists, 20,000 appointments.

    .venv/bin/python bench/availability.py [--appointments 20000] [--small 2000] [--repeat 30]

Measures, on a scratch database, the median time and query count of
  (a) one doctor's free start times for a day (a 60-minute laser service: doctor, room, therapist),
  (b) the whole branch for 7 days (the same service, every doctor),
  (c) a booking request through the API (test client, a new Idempotency-Key each time),
and a no-op DRF endpoint (same authentication, permission and JSON body) in the same run.
Query counts are taken at two data sizes (--small and --appointments) and must be equal.
Goals: counts constant in data size; (b) <= 10 x (a); (c) <= 5 x the no-op.
Last line: the figures; exit status 1 when a goal is missed.

Appointment listeners (notifications) are switched off: in production they only enqueue a task.
"""

import argparse
import datetime
import random
import statistics
import sys
import time
import types
import uuid

from _django import scratch_database
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone
from psycopg.types.range import Range
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from appointments import events
from appointments.clock import branch_today
from appointments.models import (
    Appointment,
    AppointmentSlot,
    DoctorSchedule,
    ResourceAllocation,
    ScheduleBreak,
    ServiceResourceRequirement,
)
from appointments.permissions import IsFrontDeskOrAdmin
from appointments.selectors import branch_availability, doctor_free_slots
from appointments.services import slot_generate
from clinic import keystore
from clinic.models import Branch, DataKey, DataKeyPurpose, Hospital, Patient, Room, Service, Staff

GOAL_BRANCH_RATIO = 10.0
GOAL_BOOKING_RATIO = 5.0
DOCTORS, ROOMS, THERAPISTS = 20, 10, 10
WEEKS_BACK, WEEKS_AHEAD = 12, 12
LASER_SHARE = 0.2
PREP, CLEANUP, BUFFER = 10, 5, 10


class NoopApi(APIView):
    """The baseline: what any API request costs here before it does anything."""

    permission_classes = [IsFrontDeskOrAdmin]

    def post(self, request):
        request.data  # noqa: B018 - parse the body, as the booking view does
        return Response({"ok": True}, status=201)


bench_urls = types.ModuleType("bench_urls")
bench_urls.urlpatterns = [
    path("noop/", NoopApi.as_view()),
    path("api/appointments/", include("appointments.urls")),
]
sys.modules["bench_urls"] = bench_urls


def build_clinic():
    from django.contrib.auth.models import Group, User

    hospital = Hospital.objects.create(code="BENCH", name="Bench Skin Clinic")
    branch = Branch.objects.create(
        hospital=hospital,
        code="BEN",
        name="Bench",
        address_line1="1 Road",
        city="Bengaluru",
        state="Karnataka",
        pin_code="560001",
        opens_at=datetime.time(9),
        closes_at=datetime.time(20),
        working_days=[0, 1, 2, 3, 4, 5],
    )
    doctors = []
    for i in range(DOCTORS):
        doctor = Staff.objects.create(
            hospital=hospital,
            staff_type="doctor",
            title="Dr.",
            first_name=f"Doctor{i:02d}",
            registration_number=f"KMC-{i:05d}",
        )
        doctor.branches.add(branch)
        doctors.append(doctor)
        for day in range(6):
            schedule = DoctorSchedule.objects.create(
                staff=doctor,
                branch=branch,
                day_of_week=day,
                start_time=datetime.time(9),
                end_time=datetime.time(19),
            )
            ScheduleBreak.objects.create(
                schedule=schedule, start_time=datetime.time(13), end_time=datetime.time(14)
            )
    rooms = [
        Room.objects.create(
            hospital=hospital,
            branch=branch,
            room_code=f"R{i:02d}",
            room_name=f"Room {i}",
            room_type="laser" if i < 5 else "treatment",
            buffer_minutes=BUFFER,
        )
        for i in range(ROOMS)
    ]
    therapists = []
    for i in range(THERAPISTS):
        therapist = Staff.objects.create(
            hospital=hospital, staff_type="therapist", first_name=f"Therapist{i:02d}"
        )
        therapist.branches.add(branch)
        therapists.append(therapist)
    consult = Service.objects.create(
        hospital=hospital,
        code="CONS",
        name="Consultation",
        category="consultation",
        price=1000,
        duration_minutes=30,
    )
    laser = Service.objects.create(
        hospital=hospital,
        code="LHR",
        name="Laser",
        category="laser",
        price=4500,
        duration_minutes=60,
        requires_room_allocation=True,
    )
    ServiceResourceRequirement.objects.create(
        service=laser,
        requires_room=True,
        room_type="laser",
        requires_therapist=True,
        preparation_time_minutes=PREP,
        cleanup_time_minutes=CLEANUP,
    )
    user = User.objects.create(username="desk", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    Staff.objects.create(
        user=user, hospital=hospital, staff_type="front_desk", first_name="Desk"
    ).branches.add(branch)

    today = branch_today(branch)
    first = today - datetime.timedelta(weeks=WEEKS_BACK)
    slot_generate(
        branch=branch, weeks=WEEKS_BACK + WEEKS_AHEAD, today=first - datetime.timedelta(days=first.weekday())
    )
    return branch, doctors, rooms, therapists, consult, laser, user


def make_patients(branch, n: int) -> list[Patient]:
    patients, keys = [], []
    for i in range(n):
        pid = uuid.uuid4()
        key = DataKey(id=uuid.uuid4(), subject_id=pid, purpose=DataKeyPurpose.PII)
        keystore._wrap(key, keystore.crypto.new_key())
        keys.append(key)
        patients.append(
            Patient(
                id=pid,
                mrn=f"MRN-BEN-{i:06d}",
                registered_branch=branch,
                pii_key=key,
                first_name=f"Patient{i}",
                last_name="Bench",
                phone=f"+9198{i:08d}",
            )
        )
    DataKey.objects.bulk_create(keys)
    Patient.objects.bulk_create(patients)
    return patients


class Loader:
    """Bulk-writes appointments with their allocations and slot counts, never overlapping (the
    exclusion constraints would refuse it anyway)."""

    def __init__(self, branch, rooms, therapists, consult, laser, patients, rng):
        self.branch, self.consult, self.laser, self.patients, self.rng = branch, consult, laser, patients, rng
        self.laser_rooms = [r for r in rooms if r.room_type == "laser"]
        self.therapists = therapists
        self.busy: dict = {}  # resource id -> list of (start, end)
        self.count = 0
        slots = AppointmentSlot.objects.filter(branch=branch).order_by("staff_id", "starts_at")
        self.free = list(
            slots.values_list("id", "staff_id", "slot_date", "start_time", "starts_at", "ends_at")
        )
        rng.shuffle(self.free)
        self.taken: set = set()
        self.by_start = {(s[1], s[4]): s for s in self.free}
        self.now = timezone.now()

    def _free_resource(self, candidates, start, end):
        for resource in candidates:
            if all(e <= start or s >= end for s, e in self.busy.get(resource.id, ())):
                self.busy.setdefault(resource.id, []).append((start, end))
                return resource
        return None

    def add(self, n: int) -> None:
        appointments, allocations, taken_ids = [], [], []
        made = 0
        while made < n and self.free:
            slot = self.free.pop()
            if slot[0] in self.taken:
                continue
            slot_id, staff_id, day, start_time, starts_at, ends_at = slot
            slots = [slot]
            service, room, therapist = self.consult, None, None
            following = self.by_start.get((staff_id, ends_at))
            if self.rng.random() < LASER_SHARE and following and following[0] not in self.taken:
                start, end = starts_at, following[5]
                prep, after = datetime.timedelta(minutes=PREP), datetime.timedelta(minutes=CLEANUP)
                room = self._free_resource(
                    self.laser_rooms, start - prep, end + after + datetime.timedelta(minutes=BUFFER)
                )
                therapist = self._free_resource(self.therapists, start - prep, end + after) if room else None
                if room and therapist:
                    service, slots = self.laser, [slot, following]
                elif room:
                    self.busy[room.id].pop()
                    room = None
            self.count += 1
            made += 1
            end = slots[-1][5]
            past = end < self.now
            status = (
                self.rng.choice(["completed", "completed", "no_show"])
                if past
                else self.rng.choice(["requested", "confirmed"])
            )
            appointment = Appointment(
                id=uuid.uuid4(),
                number=f"APT-BEN-{day.year}-{self.count:06d}",
                patient=self.rng.choice(self.patients),
                doctor_id=staff_id,
                branch=self.branch,
                slot_id=slot_id,
                service=service,
                appointment_date=day,
                start_time=start_time,
                end_time=end.astimezone(self.branch.zone).time(),
                starts_at=starts_at,
                ends_at=end,
                status=status,
                room=room,
                therapist=therapist,
                resource_allocation_status="allocated" if room else "not_needed",
            )
            appointments.append(appointment)
            state = {
                "completed": "completed",
                "no_show": "cancelled",
                "requested": "reserved",
                "confirmed": "confirmed",
            }[status]
            own = uuid.uuid4()
            allocations.append(
                ResourceAllocation(
                    id=own,
                    share_key=own,
                    appointment=appointment,
                    resource_type="doctor",
                    staff_id=staff_id,
                    period=Range(starts_at, end),
                    status=state,
                )
            )
            if room:
                for kind, values, low, high in (
                    (
                        "room",
                        {"room": room},
                        starts_at - datetime.timedelta(minutes=PREP),
                        end + datetime.timedelta(minutes=CLEANUP + BUFFER),
                    ),
                    (
                        "therapist",
                        {"staff": therapist},
                        starts_at - datetime.timedelta(minutes=PREP),
                        end + datetime.timedelta(minutes=CLEANUP),
                    ),
                ):
                    own = uuid.uuid4()
                    allocations.append(
                        ResourceAllocation(
                            id=own,
                            share_key=own,
                            appointment=appointment,
                            resource_type=kind,
                            period=Range(low, high),
                            status=state,
                            **values,
                        )
                    )
            for s in slots:
                self.taken.add(s[0])
                if status != "no_show":
                    taken_ids.append(s[0])
        with transaction.atomic():
            Appointment.objects.bulk_create(appointments, batch_size=2000)
            ResourceAllocation.objects.bulk_create(allocations, batch_size=2000)
            for i in range(0, len(taken_ids), 5000):
                AppointmentSlot.objects.filter(id__in=taken_ids[i : i + 5000]).update(current_bookings=1)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def paired_medians(first, second, *, repeat: int) -> tuple[float, float]:
    """Median milliseconds of two functions called alternately (after one warm-up call each)."""
    first(), second()
    times: tuple[list, list] = ([], [])
    for i in range(repeat):
        order = ((first, 0), (second, 1)) if i % 2 == 0 else ((second, 1), (first, 0))
        for fn, slot in order:
            start = time.perf_counter()
            fn()
            times[slot].append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appointments", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    rng = random.Random(7)
    events._listeners.clear()

    with scratch_database(), override_settings(ROOT_URLCONF="bench_urls", DEBUG=False):
        branch, doctors, rooms, therapists, consult, laser, user = build_clinic()
        patients = make_patients(branch, 500)
        loader = Loader(branch, rooms, therapists, consult, laser, patients, rng)
        monday = branch_today(branch) + datetime.timedelta(days=7 - branch_today(branch).weekday())
        client = APIClient()
        client.force_authenticate(user)

        def one_doctor(doctor):
            return doctor_free_slots(doctor=doctor, branch=branch, date=monday, service=laser)

        def whole_branch(day):
            return branch_availability(branch=branch, start_date=day, days=7, service=laser)

        def free_slot_bodies(n):
            rows = AppointmentSlot.objects.filter(
                branch=branch,
                current_bookings=0,
                is_blocked=False,
                starts_at__gt=timezone.now() + datetime.timedelta(days=1),
            )
            rows = list(rows.order_by("?").values_list("id", "staff_id", "starts_at")[:n])
            loader.taken.update(slot_id for slot_id, _, _ in rows)  # the loader must not take them too
            return [
                {
                    "patient_id": str(rng.choice(patients).pk),
                    "branch_id": str(branch.pk),
                    "doctor_id": str(staff_id),
                    "service_id": str(consult.pk),
                    "start": start.astimezone(branch.zone).isoformat(),
                }
                for _, staff_id, start in rows
            ]

        def book(body):
            response = client.post(
                "/api/appointments/book/", body, format="json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex
            )
            assert response.status_code == 201, response.content

        def noop(body):
            response = client.post("/noop/", body, format="json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
            assert response.status_code == 201

        counts = {}
        for label, size in (("small", args.small), ("large", args.appointments)):
            loader.add(size - loader.count)
            body = free_slot_bodies(1)[0]
            counts[label] = (
                count_queries(lambda: one_doctor(doctors[0])),
                count_queries(lambda: whole_branch(monday)),
                count_queries(lambda body=body: book(body)),
            )
            print(
                f"{label}: {Appointment.objects.count()} appointments, "
                f"{ResourceAllocation.objects.count()} allocations; queries (a, b, c) = {counts[label]}"
            )

        # Each pair is measured alternately, so that both sides see the same load on the machine.
        doctor_cycle = iter(doctors * args.repeat)
        a_ms, b_ms = paired_medians(
            lambda: one_doctor(next(doctor_cycle)), lambda: whole_branch(monday), repeat=args.repeat
        )
        bodies = iter(free_slot_bodies(args.repeat + 1))  # each booking takes a slot of its own
        spare = free_slot_bodies(1)[0]
        c_ms, noop_ms = paired_medians(lambda: book(next(bodies)), lambda: noop(spare), repeat=args.repeat)
        noop_queries = count_queries(lambda: noop(spare))

    constant = counts["small"] == counts["large"]
    branch_ratio, booking_ratio = b_ms / a_ms, c_ms / noop_ms
    ok = constant and branch_ratio <= GOAL_BRANCH_RATIO and booking_ratio <= GOAL_BOOKING_RATIO
    print(f"(a) one doctor, one day: {a_ms:.2f} ms, {counts['large'][0]} queries")
    print(f"(b) whole branch, 7 days: {b_ms:.2f} ms, {counts['large'][1]} queries ({branch_ratio:.1f} x a)")
    print(
        f"(c) booking via the API: {c_ms:.2f} ms, {counts['large'][2]} queries "
        f"({booking_ratio:.1f} x the no-op's {noop_ms:.2f} ms, {noop_queries} queries)"
    )
    print(
        f"appointments={args.appointments} small={args.small} a_ms={a_ms:.2f} b_ms={b_ms:.2f} "
        f"c_ms={c_ms:.2f} "
        f"noop_ms={noop_ms:.2f} queries_small={counts['small']} queries_large={counts['large']} "
        f"constant={'yes' if constant else 'NO'} b_over_a={branch_ratio:.2f} (goal<={GOAL_BRANCH_RATIO:g}) "
        f"c_over_noop={booking_ratio:.2f} (goal<={GOAL_BOOKING_RATIO:g}) {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
