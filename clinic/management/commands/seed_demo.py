"""`manage.py seed_demo`: a believable clinic to click through (content in clinic/demo_data.py).

Safe to run again: every row is looked up by its natural key (codes, usernames, batch numbers, a
patient's phone and name) and only what is missing is added. Random choices come from fixed seeds,
so a second run generates the same rows and finds them all present.
"""

import datetime
import logging
import os
import random
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from clinic import blind_index, demo_data
from clinic.models import (
    Branch,
    Hospital,
    Medicine,
    Package,
    PackageItem,
    PatientSearchToken,
    Room,
    Service,
    Staff,
    StockBatch,
)
from clinic.selectors.stock import branch_today
from clinic.services.patients import patient_register
from clinic.services.stock import stock_receive

SEED = 2026
NEAR_EXPIRY_DAYS = 60
FEMALE_RELATIONS = ("Mother", "Daughter", "Sister", "Wife")


@dataclass
class Tally:
    created: int = 0
    present: int = 0


class Command(BaseCommand):
    help = (
        "Load the demo clinic: branches, staff logins, rooms, prices, pharmacy stock, patients. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=500, help="How many demo patients (default 500).")
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Seed even though DEBUG is off (a shared demo server). Never on a real clinic's database.",
        )

    def handle(self, *args, patients: int, allow_without_debug: bool, **options):
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "seed_demo creates a superuser and staff logins with a published password, so it runs only "
                "with DEBUG on. For a shared demo server pass --allow-without-debug."
            )
        if patients < 0:
            raise CommandError("--patients cannot be negative.")
        self.password = os.environ.get("DEMO_PASSWORD") or demo_data.DEFAULT_DEMO_PASSWORD
        self.new_usernames: set[str] = set()
        started = time.perf_counter()
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Seeding the demo clinic: {demo_data.HOSPITAL['name']}")
        )

        hospital, branches = self._section("Hospital and branches", self.seed_organisation)
        users = self._section("Staff and logins", self.seed_staff, hospital, branches)
        admin = users["admin"]
        self._section("Rooms", self.seed_rooms, hospital, branches, admin)
        services = self._section("Services", self.seed_services, hospital, admin)
        self._section("Packages", self.seed_packages, hospital, services, admin)
        medicines = self._section("Medicines", self.seed_medicines, hospital, admin)
        self._section("Stock batches", self.seed_stock, branches, medicines, admin)
        if patients:
            # One INFO line per registered patient is right for the front desk, noise here.
            with _quiet("clinic.services.patients", unless=options["verbosity"] > 1):
                self._section("Patients", self.seed_patients, branches, users, patients)

        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.perf_counter() - started:.1f} s."))
        self._print_logins(users, branches)

    def _section(self, label: str, seed: Callable, *args):
        """One transaction per section: a failure leaves the earlier sections in place and this one empty."""
        started = time.perf_counter()
        with transaction.atomic():
            result, tally = seed(*args)
        self.stdout.write(
            f"  {label:<22} created {tally.created:>4}   already present {tally.present:>4}"
            f"   ({time.perf_counter() - started:.1f} s)"
        )
        return result

    # --- sections -------------------------------------------------------------------------------

    def seed_organisation(self):
        tally = Tally()
        spec = demo_data.HOSPITAL
        hospital = Hospital.objects.filter(code=spec["code"]).first()
        if hospital is None:
            hospital = Hospital.objects.create(**spec)
            tally.created += 1
        else:
            tally.present += 1
        branches = {
            b.code: b for b in Branch.objects.filter(code__in=[s["code"] for s in demo_data.BRANCHES])
        }
        for spec in demo_data.BRANCHES:
            if spec["code"] in branches:
                tally.present += 1
                continue
            fields = {
                **spec,
                "opens_at": datetime.time.fromisoformat(spec["opens_at"]),
                "closes_at": datetime.time.fromisoformat(spec["closes_at"]),
            }
            branches[spec["code"]] = Branch.objects.create(hospital=hospital, **fields)
            tally.created += 1
        return (hospital, branches), tally

    def seed_staff(self, hospital: Hospital, branches: dict[str, Branch]):
        tally = Tally()
        user_model = get_user_model()
        groups = {
            name: Group.objects.get_or_create(name=name)[0] for name in {s.group for s in demo_data.STAFF}
        }
        users = {
            u.username: u
            for u in user_model.objects.filter(username__in=[s.username for s in demo_data.STAFF])
        }
        with_staff = set(Staff.objects.filter(user__in=users.values()).values_list("user_id", flat=True))
        password_hash = None  # hashed once: hashing is deliberately slow, and every demo login shares it
        rng = random.Random(f"{SEED}:staff")
        for spec in demo_data.STAFF:
            phone = _mobile(rng, set())
            user = users.get(spec.username)
            if user is None:
                password_hash = password_hash or make_password(self.password)
                user = user_model.objects.create(
                    username=spec.username,
                    password=password_hash,
                    first_name=spec.first_name,
                    last_name=spec.last_name,
                    email=_staff_email(spec),
                    is_staff=True,
                    is_superuser=spec.superuser,
                )
                user.groups.add(groups[spec.group])
                users[spec.username] = user
                self.new_usernames.add(spec.username)
            if user.pk in with_staff:
                tally.present += 1
                continue
            staff = Staff(
                user=user,
                hospital=hospital,
                staff_type=spec.staff_type,
                title=spec.title,
                first_name=spec.first_name,
                last_name=spec.last_name,
                phone=_display_phone(phone),
                email=_staff_email(spec),
                specialization=spec.specialization,
                qualifications=spec.qualifications,
                registration_number=spec.registration_number,
                registration_council=spec.registration_council,
            )
            staff.save(force_insert=True)
            staff.branches.add(*[branches[code] for code in spec.branches])
            tally.created += 1
        return users, tally

    def seed_rooms(self, hospital: Hospital, branches: dict[str, Branch], admin):
        tally = Tally()
        existing = set(
            Room.objects.filter(branch__in=branches.values()).values_list("branch__code", "room_code")
        )
        for order, spec in enumerate(demo_data.ROOMS):
            if (spec.branch, spec.room_code) in existing:
                tally.present += 1
                continue
            room = Room(
                hospital=hospital,
                branch=branches[spec.branch],
                room_code=spec.room_code,
                room_name=spec.room_name,
                room_type=spec.room_type,
                capacity=spec.capacity,
                features=spec.features,
                default_slot_duration_minutes=spec.default_slot_duration_minutes,
                buffer_minutes=spec.buffer_minutes,
                display_order=order,
                created_by=admin,
                updated_by=admin,
            )
            room._history_user = admin
            room.save(force_insert=True)
            tally.created += 1
        return None, tally

    def seed_services(self, hospital: Hospital, admin):
        tally = Tally()
        services = {s.code: s for s in Service.objects.filter(hospital=hospital)}
        for spec in demo_data.SERVICES:
            if spec.code in services:
                tally.present += 1
                continue
            needs = ""
            if spec.room_types:
                needs = f"Needs a {' or '.join(spec.room_types)} room and a {spec.performed_by}."
            service = Service(
                hospital=hospital,
                code=spec.code,
                name=spec.name,
                category=spec.category,
                description=" ".join(p for p in (spec.description, needs) if p),
                sac_code=demo_data.SAC_HEALTH_SERVICE,
                price=Decimal(spec.price),
                gst_rate=spec.gst_rate,
                duration_minutes=spec.duration_minutes,
                auto_approval_eligible=spec.auto_approval_eligible,
                requires_room_allocation=spec.requires_room_allocation,
                requires_staff_allocation=True,
                allow_self_booking=spec.allow_self_booking,
                created_by=admin,
                updated_by=admin,
            )
            service._history_user = admin
            service.save(force_insert=True)
            services[spec.code] = service
            tally.created += 1
        return services, tally

    def seed_packages(self, hospital: Hospital, services: dict[str, Service], admin):
        tally = Tally()
        existing = set(Package.objects.filter(hospital=hospital).values_list("code", flat=True))
        for spec in demo_data.PACKAGES:
            if spec.code in existing:
                tally.present += 1
                continue
            service = services[spec.service_code]
            package = Package(
                hospital=hospital,
                code=spec.code,
                name=spec.name,
                description=spec.description,
                sessions=spec.sessions,
                session_gap_days=spec.session_gap_days,
                validity_days=spec.validity_days,
                price=Decimal(spec.price),
                gst_rate=service.gst_rate,
                duration_minutes=service.duration_minutes,
                auto_approval_eligible=service.auto_approval_eligible,
                requires_room_allocation=service.requires_room_allocation,
                requires_staff_allocation=service.requires_staff_allocation,
                allow_self_booking=service.allow_self_booking,
                created_by=admin,
                updated_by=admin,
            )
            package._history_user = admin
            package.save(force_insert=True)
            PackageItem.objects.create(package=package, service=service, sessions=spec.sessions)
            tally.created += 1
        return None, tally

    def seed_medicines(self, hospital: Hospital, admin):
        tally = Tally()
        key_fields = ("generic_name", "brand_name", "form", "strength")
        existing = set(Medicine.objects.filter(hospital=hospital).values_list(*key_fields))
        missing = [spec for spec in demo_data.MEDICINES if spec.natural_key not in existing]
        tally.present = len(demo_data.MEDICINES) - len(missing)
        bulk_create_with_history(
            [
                Medicine(
                    hospital=hospital,
                    generic_name=spec.generic_name,
                    brand_name=spec.brand_name,
                    drug_class=spec.drug_class,
                    form=spec.form,
                    strength=spec.strength,
                    unit=spec.unit,
                    manufacturer=spec.manufacturer,
                    hsn_code=spec.hsn_code,
                    gst_rate=spec.gst_rate,
                    reorder_level=spec.reorder_level,
                    is_prescription_only=spec.prescription_only,
                    created_by=admin,
                    updated_by=admin,
                )
                for spec in missing
            ],
            Medicine,
            default_user=admin,
        )
        tally.created = len(missing)
        by_key = {
            (m.generic_name, m.brand_name, m.form, m.strength): m
            for m in Medicine.objects.filter(hospital=hospital)
        }
        return [(spec, by_key[spec.natural_key]) for spec in demo_data.MEDICINES], tally

    def seed_stock(self, branches: dict[str, Branch], medicines: list, admin):
        """1-3 batches of every medicine at every branch; about one in ten expires within 60 days."""
        tally = Tally()
        existing = set(
            StockBatch.objects.filter(branch__in=branches.values()).values_list(
                "medicine_id", "branch_id", "batch_number"
            )
        )
        rng = random.Random(f"{SEED}:stock")
        today = {code: branch_today(branch) for code, branch in branches.items()}
        for spec, medicine in medicines:
            for code, branch in branches.items():
                numbers: set[str] = set()
                for _ in range(rng.randint(1, 3)):
                    batch = _batch(rng, spec, today[code], numbers)
                    if (medicine.pk, branch.pk, batch["batch_number"]) in existing:
                        tally.present += 1
                        continue
                    stock_receive(acting_user=admin, medicine=medicine, branch=branch, **batch)
                    tally.created += 1
        return None, tally

    def seed_patients(self, branches: dict[str, Branch], users: dict, count: int):
        """Registered through patient_register, so each is encrypted and indexed like a real one."""
        tally = Tally()
        people = _demo_people(random.Random(f"{SEED}:patients"), count, timezone.localdate())
        present = _already_registered(people)
        desk_usernames = {
            code: s.username for s in demo_data.STAFF if s.group == "Front desk" for code in s.branches
        }
        front_desk = {code: users[desk_usernames[code]] for code in branches}
        for i, person in enumerate(people):
            if i in present:
                tally.present += 1
                continue
            code = person["branch"]
            # _already_registered ran the duplicate check for everyone at once; skip the per-row query.
            patient_register(
                acting_user=front_desk[code], branch=branches[code], data=person["data"], allow_duplicate=True
            )
            tally.created += 1
        return None, tally

    # --- output ----------------------------------------------------------------------------------

    def _print_logins(self, users: dict, branches: dict[str, Branch]) -> None:
        rows = [("Role", "Username", "Password", "Branch")]
        for spec in demo_data.STAFF:
            if not spec.demo_role:
                continue
            user = users[spec.username]
            known = spec.username in self.new_usernames or user.check_password(self.password)
            where = "All branches" if spec.superuser else ", ".join(branches[c].name for c in spec.branches)
            password = self.password if known else "(set before this seed)"
            rows.append((spec.demo_role, spec.username, password, where))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        line = "  " + "  ".join("{:<%d}" % w for w in widths)  # noqa: UP031 - widths are computed
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins (sign in at /admin/):"))
        self.stdout.write(line.format(*rows[0]).rstrip())
        self.stdout.write(line.format(*("-" * w for w in widths)))
        for row in rows[1:]:
            self.stdout.write(line.format(*row).rstrip())
        others = len(demo_data.STAFF) - (len(rows) - 1)
        self.stdout.write(
            f"  The other {others} staff accounts share that password (DEMO_PASSWORD when they were made)."
        )


@contextmanager
def _quiet(logger_name: str, *, unless: bool):
    logger = logging.getLogger(logger_name)
    previous = logger.level
    if not unless:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _already_registered(people: list[dict]) -> set[int]:
    """Indexes of the demo people a patient already stands for: the same phone and every word of the
    name (patient_register's duplicate rule), answered for all of them in two queries."""
    keys = []
    for person in people:
        data = person["data"]
        words = blind_index.name_words(f"{data['first_name']} {data['last_name']}")
        keys.append((blind_index.phone_token(data["phone"]), {blind_index.token("name", w) for w in words}))
    patients_by_phone: dict[str, set] = defaultdict(set)
    phone_rows = PatientSearchToken.objects.filter(token__in={phone for phone, _ in keys})
    for patient_id, token in phone_rows.values_list("patient_id", "token"):
        patients_by_phone[token].add(patient_id)
    name_tokens_of: dict = defaultdict(set)
    name_rows = PatientSearchToken.objects.filter(
        patient_id__in={pid for ids in patients_by_phone.values() for pid in ids},
        token__in=set().union(*(name for _, name in keys)),
    )
    for patient_id, token in name_rows.values_list("patient_id", "token"):
        name_tokens_of[patient_id].add(token)
    return {
        i
        for i, (phone, name) in enumerate(keys)
        if any(name <= name_tokens_of[pid] for pid in patients_by_phone[phone])
    }


# --- generators: all randomness comes from the rng handed in, so runs repeat exactly -----------------


def _mobile(rng: random.Random, used: set[str]) -> str:
    """A new Indian mobile number in E.164 form (10 digits starting 6-9, valid to phonenumbers)."""
    while True:
        digits = rng.choices("9876", weights=(40, 30, 22, 8))[0] + f"{rng.randrange(10**9):09d}"
        number = f"+91{digits}"
        if number not in used and phonenumbers.is_valid_number(phonenumbers.parse(number)):
            used.add(number)
            return number


def _display_phone(e164: str) -> str:
    return f"{e164[:3]} {e164[3:8]} {e164[8:]}"


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", folded)


def _staff_email(spec: demo_data.StaffSeed) -> str:
    return f"{_slug(spec.first_name.split()[0])}.{_slug(spec.last_name)}@glowskin.example"


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _batch(rng: random.Random, spec: demo_data.MedicineSeed, today: datetime.date, numbers: set[str]) -> dict:
    maker = re.findall(r"[A-Za-z]+", spec.manufacturer or "Generic")
    prefix = ("".join(w[0] for w in maker) if len(maker) > 1 else maker[0])[:2].upper()
    while True:  # no date in the number: a run next year must find this year's batches
        series = "ABCDEFGHJKLM"[rng.randrange(12)]
        number = f"{prefix}{rng.randrange(10, 100)}{series}{rng.randrange(1000):03d}"
        if number not in numbers:
            numbers.add(number)
            break
    if rng.random() < 0.1:
        expiry = today + datetime.timedelta(days=rng.randint(10, NEAR_EXPIRY_DAYS - 5))
    else:
        expiry = today + datetime.timedelta(days=rng.randint(120, 900))
    units = {"strip": (20, 150), "vial": (2, 12)}.get(spec.unit, (10, 60))
    return {
        "batch_number": number,
        "expiry_date": expiry,
        "quantity": rng.randint(*units),
        "mrp": spec.mrp,
        "cost_price": (spec.mrp * Decimal("0.72")).quantize(Decimal("0.01")),
        "received_on": today - datetime.timedelta(days=rng.randint(3, 200)),
    }


def _address(rng: random.Random, branch: str) -> tuple[str, str]:
    locality, pin = rng.choice(demo_data.LOCALITIES[branch])
    city = demo_data.CITY[branch]
    style = rng.randrange(3)
    if style == 0:
        flat = f"Flat {rng.randint(1, 14)}{rng.randint(1, 12):02d}, {rng.choice(demo_data.APARTMENTS)}"
        return f"{flat}, {locality}, {city}", pin
    if branch == "BLR":
        if style == 1:
            cross, main = _ordinal(rng.randint(1, 18)), _ordinal(rng.randint(1, 12))
            return f"#{rng.randint(1, 450)}, {cross} Cross, {main} Main, {locality}, {city}", pin
        return f"{rng.randint(1, 220)}, {rng.choice(demo_data.BLR_ROADS)}, {locality}, {city}", pin
    if style == 1:
        house = f"{rng.randint(1, 12)}-{rng.randint(1, 9)}-{rng.randint(10, 999)}/{rng.randint(1, 120)}"
        return f"H.No. {house}, {locality}, {city}", pin
    return f"Plot {rng.randint(1, 900)}, Road No. {rng.randint(1, 45)}, {locality}, {city}", pin


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _demo_people(rng: random.Random, count: int, today: datetime.date) -> list[dict]:
    """`count` synthetic patients, each {"branch": code, "data": patient_register data}.

    People are generated one after another from one rng, so the first N of a larger run are the
    same N as a smaller run: `--patients 30` then `--patients 500` adds 470.
    """
    used_phones: set[str] = set()
    used_abha: set[str] = set()
    used_abha_addresses: set[str] = set()
    parents: dict[tuple[str, str], list[dict]] = defaultdict(list)
    people = []
    for _ in range(count):
        branch = _weighted(rng, demo_data.BRANCH_SHARE)
        region = _weighted(rng, demo_data.REGION_MIX[branch])
        pool = demo_data.NAME_POOLS[region]
        low, high, _weight = rng.choices(demo_data.AGE_BANDS, weights=[b[2] for b in demo_data.AGE_BANDS])[0]
        age = rng.randint(low, high)
        dob = _years_before(today, age) - datetime.timedelta(days=rng.randint(0, 360))
        sex = rng.choices("FMO", weights=(62, 37, 1))[0]
        names = {"F": pool.female, "M": pool.male}.get(sex) or rng.choice((pool.female, pool.male))
        first = rng.choice(names)
        extra = pool.female_surnames if sex == "F" else pool.male_surnames if sex == "M" else ()
        last = rng.choice(pool.surnames + extra)
        data: dict = {"first_name": first, "last_name": last, "date_of_birth": dob, "sex": sex}

        family = parents[(branch, region)]
        if age < 13 and family and rng.random() < 0.7:
            parent = rng.choice(family)  # a child booked on a parent's phone
            data["last_name"] = parent["last_name"]
            data["phone"] = parent["phone"]
            data["emergency_contact_name"] = f"{parent['first_name']} {parent['last_name']}"
            data["emergency_contact_relation"] = "Mother" if parent["sex"] == "F" else "Father"
            data["emergency_contact_phone"] = parent["phone"]
        else:
            data["phone"] = _mobile(rng, used_phones)
            if age < demo_data.ADULT_AGE or age >= demo_data.SENIOR_CITIZEN_AGE or rng.random() < 0.4:
                relation = _relation(rng, age, sex)
                relative_names = pool.female if relation in FEMALE_RELATIONS else pool.male
                data["emergency_contact_name"] = f"{rng.choice(relative_names)} {data['last_name']}"
                data["emergency_contact_relation"] = relation
                data["emergency_contact_phone"] = _mobile(rng, used_phones)
        if 25 <= age <= 50 and sex in "FM":
            family.append(data)

        if age >= demo_data.ADULT_AGE and rng.random() < 0.2:
            data["alternate_phone"] = _mobile(rng, used_phones)
        if age >= demo_data.ADULT_AGE and rng.random() < 0.6:
            handle = f"{_slug(first)}.{_slug(data['last_name'])}{rng.randint(1, 99)}"
            data["email"] = f"{handle}@{rng.choice(demo_data.EMAIL_DOMAINS)}"
        if rng.random() < 0.9:
            data["address"], data["pin_code"] = _address(rng, branch)
        if rng.random() < 0.3:
            while (abha := f"91{rng.randrange(10**12):012d}") in used_abha:
                pass
            used_abha.add(abha)
            data["abha_number"] = abha
            if rng.random() < 0.6:
                handle = f"{_slug(first)}.{_slug(data['last_name'])}"
                for address in (f"{handle}@abdm", f"{handle}{dob:%Y}@abdm"):
                    if address not in used_abha_addresses:
                        used_abha_addresses.add(address)
                        data["abha_address"] = address
                        break
        data["special_groups"] = _special_groups(rng, age, sex)
        data["preferred_language"] = "hi" if rng.random() < pool.hindi_speaking else "en"
        people.append({"branch": branch, "data": data})
    return people


def _relation(rng: random.Random, age: int, sex: str) -> str:
    if age < demo_data.ADULT_AGE:
        return rng.choice(("Mother", "Father"))
    if age >= demo_data.SENIOR_CITIZEN_AGE:
        return rng.choice(("Son", "Daughter"))
    spouse = {"F": "Husband", "M": "Wife"}.get(sex, "Sister")
    return rng.choice((spouse, spouse, "Brother", "Sister", "Father", "Mother"))


def _special_groups(rng: random.Random, age: int, sex: str) -> list[str]:
    groups = []
    if age >= demo_data.SENIOR_CITIZEN_AGE:
        groups.append("senior_citizen")
    if age < demo_data.ADULT_AGE:
        groups.append("child")
    if sex == "F" and 21 <= age <= 40 and rng.random() < 0.05:
        groups.append("pregnant")
    if rng.random() < 0.01:
        groups.append("differently_abled")
    if rng.random() < 0.015:
        groups.append("vip")
    return groups
