"""Factories for the shared kernel. Patients are made through the registration service, so every
test patient is encrypted and indexed exactly as production ones are."""

import datetime
import itertools
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from clinic.models import Branch, Hospital, Medicine, Room, Service, Staff, StaffType, StockBatch

_phone_seq = itertools.count(1)


def next_phone() -> str:
    """Distinct, valid Indian mobile numbers."""
    return f"+9198{next(_phone_seq):08d}"


class HospitalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hospital
        django_get_or_create = ("code",)

    code = "GLOW"
    name = "Glow Skin & Aesthetics"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    hospital = factory.SubFactory(HospitalFactory)
    code = factory.Sequence(lambda n: f"B{n:02d}")
    name = factory.Sequence(lambda n: f"Branch {n}")
    address_line1 = "12, 100 Feet Road"
    city = "Bengaluru"
    state = "Karnataka"
    pin_code = "560038"
    gstin = "29ABCDE1234F1Z5"
    working_days = [0, 1, 2, 3, 4, 5]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pass-Word-123")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get(name=name) for name in extracted])
        self.save()


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        skip_postgeneration_save = True

    hospital = factory.SubFactory(HospitalFactory)
    staff_type = StaffType.FRONT_DESK
    first_name = factory.Sequence(lambda n: f"Staff{n}")
    last_name = "Rao"
    registration_number = factory.LazyAttribute(
        lambda o: "KMC-12345" if o.staff_type == StaffType.DOCTOR else ""
    )

    @factory.post_generation
    def branches(self, create, extracted, **kwargs):
        if create and extracted:
            self.branches.add(*extracted)


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    branch = factory.SubFactory(BranchFactory)
    hospital = factory.SelfAttribute("branch.hospital")
    room_code = factory.Sequence(lambda n: f"R{n:03d}")
    room_name = factory.Sequence(lambda n: f"Room {n}")
    room_type = "consultation"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    hospital = factory.SubFactory(HospitalFactory)
    code = factory.Sequence(lambda n: f"SVC{n:03d}")
    name = factory.Sequence(lambda n: f"Service {n}")
    category = "consultation"
    price = Decimal("800.00")
    gst_rate = Decimal("18")
    duration_minutes = 30


class MedicineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Medicine

    hospital = factory.SubFactory(HospitalFactory)
    generic_name = factory.Sequence(lambda n: f"Generic {n}")
    brand_name = factory.Sequence(lambda n: f"Brand {n}")
    form = "tablet"
    strength = "100 mg"
    unit = "strip"
    hsn_code = "3004"
    gst_rate = Decimal("12")


class StockBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockBatch

    medicine = factory.SubFactory(MedicineFactory)
    branch = factory.SubFactory(BranchFactory)
    batch_number = factory.Sequence(lambda n: f"BT{n:05d}")
    expiry_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))
    quantity_received = 100
    quantity_available = factory.SelfAttribute("quantity_received")
    mrp = Decimal("120.00")
    cost_price = Decimal("80.00")
    received_on = factory.LazyFunction(timezone.localdate)


def make_patient(
    *, branch: Branch, first_name: str = "Asha", last_name: str = "Verma", phone: str | None = None, **data
):
    from clinic.services.patients import patient_register

    return patient_register(
        acting_user=None,
        branch=branch,
        data={"first_name": first_name, "last_name": last_name, "phone": phone or next_phone(), **data},
        allow_duplicate=True,
    )
