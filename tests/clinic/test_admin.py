"""The back office: every clinic admin page opens, patients are written through their services,
changelists cost the same number of queries at 10 and at 1,000 rows, staff see only their branches,
nobody edits the keystore or the access log, and the admin asks for a TOTP token when 2FA is on."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import (
    AccessLog,
    DataKey,
    Invoice,
    InvoiceLine,
    Medicine,
    Package,
    PackageItem,
    Patient,
    Room,
    Service,
    Staff,
    StockBatch,
)
from clinic.selectors.patients import patient_search
from clinic.services.access_log import access_log_record
from clinic.services.billing import invoice_add_service, invoice_create
from tests.factories import (
    BranchFactory,
    MedicineFactory,
    RoomFactory,
    ServiceFactory,
    StaffFactory,
    StockBatchFactory,
    UserFactory,
    make_patient,
)

pytestmark = pytest.mark.django_db
PASSWORD = "pass-Word-123"  # tests.factories.UserFactory

CLINIC_ADMINS = [
    "hospital",
    "branch",
    "staff",
    "room",
    "service",
    "package",
    "medicine",
    "stockbatch",
    "invoice",
    "patient",
    "datakey",
    "accesslog",
]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(model: str, view: str = "changelist", *args) -> str:
    return reverse(f"admin:clinic_{model}_{view}", args=args)


@pytest.fixture
def one_of_everything(hospital, branch_a, doctor_a, patient_a, admin_user):
    room = RoomFactory(branch=branch_a)
    service = ServiceFactory(hospital=hospital)
    package = Package.objects.create(
        hospital=hospital, code="LHR6", name="Laser hair reduction x6", sessions=6, price=Decimal("30000")
    )
    PackageItem.objects.create(package=package, service=service, sessions=6)
    batch = StockBatchFactory(branch=branch_a, medicine=MedicineFactory(hospital=hospital))
    invoice = invoice_create(acting_user=admin_user, branch=branch_a, patient=patient_a)
    invoice_add_service(acting_user=admin_user, invoice=invoice, service=service)
    log = access_log_record(
        user=admin_user, record_type="consultation", record_id="42", patient_id=patient_a.pk
    )
    return {
        "room": room,
        "service": service,
        "package": package,
        "batch": batch,
        "invoice": invoice,
        "log": log,
    }


# --- every page opens ------------------------------------------------------------------------


def test_every_clinic_model_in_the_admin_is_covered_here():
    registered = {
        model._meta.model_name for model in admin.site._registry if model._meta.app_label == "clinic"
    }
    assert registered == set(CLINIC_ADMINS)
    assert admin.site.site_header == "Intelli-Clinic back office"


@pytest.mark.parametrize("model_name", CLINIC_ADMINS)
def test_superuser_opens_every_changelist_and_change_form(model_name, admin_user, one_of_everything):
    client = client_for(admin_user)
    assert client.get(url(model_name)).status_code == 200
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = next(ma for m, ma in admin.site._registry.items() if m._meta.model_name == model_name)
    obj = model_admin.get_queryset(request).first()
    assert obj is not None
    response = client.get(url(model_name, "change", obj.pk))
    assert response.status_code == 200, response.content[:500]
    if model_admin.has_add_permission(request):
        assert client.get(url(model_name, "add")).status_code == 200


def test_money_is_shown_in_rupees_with_indian_grouping(admin_user, hospital):
    ServiceFactory(hospital=hospital, name="Hair transplant", price=Decimal("125000.00"))
    assert "₹1,25,000.00" in client_for(admin_user).get(url("service")).content.decode()


# --- patients through their services -----------------------------------------------------------


PATIENT_FORM = {
    "first_name": "Lakshmi",
    "last_name": "Narayanan",
    "phone": "98450 77777",
    "date_of_birth": "1985-04-12",
    "sex": "F",
    "preferred_language": "en",
    "special_groups": ["senior_citizen"],
    "email": "",
    "alternate_phone": "",
    "address": "14, 2nd Cross, Jayanagar",
    "pin_code": "560011",
    "abha_number": "",
    "abha_address": "",
    "emergency_contact_name": "",
    "emergency_contact_relation": "",
    "emergency_contact_phone": "",
}


def test_patient_added_in_the_admin_is_encrypted_and_searchable(admin_user, branch_a):
    response = client_for(admin_user).post(
        url("patient", "add"), {**PATIENT_FORM, "registered_branch": branch_a.pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    patient = Patient.objects.get()
    assert patient.mrn.startswith("MRN-BLR-")
    assert patient.phone == "+919845077777"
    assert patient.special_groups == ["senior_citizen"]
    for query in ["9845077777", "+91 98450 77777", "laksh", "NARAYAN", patient.mrn]:
        assert list(patient_search(query=query)) == [patient], query
    with connection.cursor() as cursor:
        cursor.execute("SELECT first_name, phone, address FROM clinic_patient WHERE id = %s", [patient.pk])
        row = cursor.fetchone()
    for stored, plain in zip(row, [b"Lakshmi", b"9845077777", b"Jayanagar"], strict=True):
        assert isinstance(stored, (bytes, memoryview))
        assert plain not in bytes(stored)
    # The admin's own history table is plaintext: it names the patient by MRN only.
    assert LogEntry.objects.get(object_id=str(patient.pk)).object_repr == patient.mrn


def test_change_form_shows_decrypted_values_and_list_shows_the_phone_readably(admin_user, patient_a):
    client = client_for(admin_user)
    form = client.get(url("patient", "change", patient_a.pk)).content.decode()
    assert 'value="Ramesh"' in form and 'value="+91 98450 12345"' in form
    listing = client.get(url("patient")).content.decode()
    assert "Ramesh Kumar" in listing and "+91 98450 12345" in listing and patient_a.mrn in listing


def test_admin_search_box_finds_patients_by_phone_mrn_and_name(admin_user, branch_a, patient_a):
    other = make_patient(branch=branch_a, first_name="Sunita", last_name="Rao")
    client = client_for(admin_user)
    for query, expected in [
        ("098450-12345", patient_a),
        ("rame kum", patient_a),
        (patient_a.mrn, patient_a),
        ("sunita", other),
    ]:
        result = client.get(url("patient"), {"q": query}).context["cl"].result_list
        assert list(result) == [expected], query


def test_a_refused_registration_is_shown_on_the_form_and_saves_nothing(admin_user, branch_a):
    response = client_for(admin_user).post(
        url("patient", "add"), {**PATIENT_FORM, "registered_branch": branch_a.pk, "phone": "12345"}
    )
    assert response.status_code == 200
    assert "+91 98450 12345" in str(response.context["adminform"].form.errors["phone"])
    assert not Patient.objects.exists()


def test_a_possible_duplicate_is_registered_with_a_warning(admin_user, branch_a, patient_a):
    response = client_for(admin_user).post(
        url("patient", "add"),
        {
            **PATIENT_FORM,
            "registered_branch": branch_a.pk,
            "first_name": "Ramesh",
            "last_name": "Kumar",
            "phone": "9845012345",
        },
        follow=True,
    )
    assert Patient.objects.count() == 2
    warnings = [str(m) for m in response.context["messages"]]
    assert any("Possible duplicate" in m and patient_a.mrn in m for m in warnings)


def test_editing_a_patient_changes_only_what_changed_and_reindexes(admin_user, patient_a):
    form = {
        **PATIENT_FORM,
        "first_name": "Ramesh",
        "last_name": "Kumar",
        "phone": "+91 98450 12345",
        "date_of_birth": "",
        "address": "",
        "pin_code": "",
        "special_groups": [],
        "sex": "U",
        "alternate_phone": "98450 55555",
    }
    response = client_for(admin_user).post(url("patient", "change", patient_a.pk), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    patient_a.refresh_from_db()
    assert patient_a.alternate_phone == "+919845055555"
    assert list(patient_search(query="9845055555")) == [patient_a]
    assert list(patient_search(query="9845012345")) == [patient_a]


def test_patients_are_closed_not_deleted_and_erasure_asks_first(admin_user, patient_a):
    client = client_for(admin_user)
    assert client.get(url("patient", "delete", patient_a.pk)).status_code == 403
    picked = {ACTION_CHECKBOX_NAME: [patient_a.pk], "index": 0}

    confirm = client.post(url("patient"), {**picked, "action": "erase_identity"})
    assert confirm.status_code == 200 and b"cannot be undone" in confirm.content
    patient_a.refresh_from_db()
    assert not patient_a.is_erased

    client.post(
        url("patient"), {ACTION_CHECKBOX_NAME: [patient_a.pk], "action": "erase_identity", "post": "yes"}
    )
    patient_a.refresh_from_db()
    assert patient_a.is_erased and patient_a.is_deleted
    assert not DataKey.objects.filter(subject_id=patient_a.pk).exists()
    assert (
        client.get(url("patient", "change", patient_a.pk)).status_code == 200
    )  # view only, nothing to decrypt


def test_only_superusers_may_crypto_shred(front_desk_a, patient_a):
    front_desk_a.user_permissions.add(
        Permission.objects.get(content_type__app_label="clinic", codename="delete_patient")
    )
    response = client_for(front_desk_a).get(url("patient"))
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "close_records" in actions and "erase_identity" not in actions


def test_rooms_are_retired_not_deleted(admin_user, branch_a):
    room = RoomFactory(branch=branch_a)
    client = client_for(admin_user)
    assert client.get(url("room", "delete", room.pk)).status_code == 403
    client.post(url("room"), {ACTION_CHECKBOX_NAME: [room.pk], "action": "retire_rooms", "index": 0})
    room.refresh_from_db()
    assert room.is_deleted and not room.is_active and room.deleted_at


def test_stock_is_received_through_the_stock_service(admin_user, branch_a, hospital):
    medicine = MedicineFactory(hospital=hospital)
    form = {
        "medicine": medicine.pk,
        "branch": branch_a.pk,
        "batch_number": "ab123",
        "expiry_date": (timezone.localdate() + datetime.timedelta(days=400)).isoformat(),
        "quantity_received": 50,
        "mrp": "120.00",
        "cost_price": "80.00",
        "received_on": timezone.localdate().isoformat(),
    }
    client = client_for(admin_user)
    assert client.post(url("stockbatch", "add"), form).status_code == 302
    batch = StockBatch.objects.get()
    assert (batch.batch_number, batch.quantity_available) == ("AB123", 50)  # the service upper-cases

    expired = {**form, "batch_number": "OLD1", "expiry_date": timezone.localdate().isoformat()}
    response = client.post(url("stockbatch", "add"), expired)
    assert response.status_code == 200
    assert "expired stock cannot be taken in" in str(response.context["adminform"].form.errors["expiry_date"])
    assert StockBatch.objects.count() == 1


def test_medicine_list_shows_unexpired_stock_and_batches_filter_by_expiry(admin_user, branch_a, hospital):
    medicine = MedicineFactory(hospital=hospital, generic_name="Tretinoin")
    today = timezone.localdate()
    StockBatchFactory(medicine=medicine, branch=branch_a, quantity_received=30)
    near = StockBatchFactory(
        medicine=medicine,
        branch=branch_a,
        quantity_received=5,
        expiry_date=today + datetime.timedelta(days=20),
    )
    expired = StockBatchFactory(medicine=medicine, branch=branch_a, quantity_received=7, expiry_date=today)
    client = client_for(admin_user)
    row = client.get(url("medicine")).context["cl"].result_list[0]
    assert row.stock_available == 35
    assert list(client.get(url("stockbatch"), {"expiry": "near"}).context["cl"].result_list) == [near]
    assert list(client.get(url("stockbatch"), {"expiry": "expired"}).context["cl"].result_list) == [expired]


# --- query counts do not grow with the rows ---------------------------------------------------


_seq = itertools.count()


def _bulk(model_name: str, n: int, ctx) -> None:
    """Add n rows that the model's changelist shows (and what they point at), efficiently."""
    hospital, branch = ctx["hospital"], ctx["branch"]
    k = [next(_seq) for _ in range(n)]
    if model_name == "staff":
        users = User.objects.bulk_create([User(username=f"staff{i}", is_staff=True) for i in k])
        staff = Staff.objects.bulk_create(
            [
                Staff(user=u, hospital=hospital, staff_type="nurse", first_name=f"Nurse{i}")
                for u, i in zip(users, k, strict=True)
            ]
        )
        Staff.branches.through.objects.bulk_create(
            [Staff.branches.through(staff=s, branch=branch) for s in staff]
        )
    elif model_name == "room":
        Room.objects.bulk_create(
            [
                Room(
                    hospital=hospital,
                    branch=branch,
                    room_code=f"Q{i}",
                    room_name=f"Room {i}",
                    room_type="laser",
                )
                for i in k
            ]
        )
    elif model_name == "service":
        Service.objects.bulk_create(
            [
                Service(
                    hospital=hospital,
                    code=f"S{i}",
                    name=f"Service {i}",
                    category="facial",
                    price=Decimal("1500"),
                )
                for i in k
            ]
        )
    elif model_name == "package":
        service = ctx["service"]
        packages = Package.objects.bulk_create(
            [Package(hospital=hospital, code=f"P{i}", name=f"Package {i}", price=Decimal("9000")) for i in k]
        )
        PackageItem.objects.bulk_create([PackageItem(package=p, service=service) for p in packages])
    elif model_name in ("medicine", "stockbatch"):
        today = timezone.localdate()
        medicines = Medicine.objects.bulk_create(
            [Medicine(hospital=hospital, generic_name=f"Generic {i}", form="cream", unit="tube") for i in k]
        )
        StockBatch.objects.bulk_create(
            [
                StockBatch(
                    medicine=m,
                    branch=branch,
                    batch_number=f"B{i}",
                    expiry_date=today + datetime.timedelta(days=i % 200),
                    quantity_received=10,
                    quantity_available=10,
                    mrp=Decimal("99"),
                    cost_price=Decimal("60"),
                    received_on=today,
                )
                for m, i in zip(medicines, k, strict=True)
            ]
        )
    elif model_name == "invoice":
        invoices = Invoice.objects.bulk_create(
            [
                Invoice(branch=branch, patient=ctx["patients"][i % len(ctx["patients"])], number=f"INV-T-{i}")
                for i in k
            ]
        )
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    invoice=inv,
                    description="Consultation",
                    quantity=1,
                    unit_price=Decimal("0"),
                    gst_rate=Decimal("18"),
                    taxable_amount=Decimal("0"),
                    gst_amount=Decimal("0"),
                    line_total=Decimal("0"),
                )
                for inv in invoices
            ]
        )
    elif model_name == "accesslog":
        now = timezone.now()
        AccessLog.objects.bulk_create(
            [
                AccessLog(
                    accessed_at=now,
                    actor="doctor_a",
                    record_type="consultation",
                    record_id=str(i),
                    patient_id=ctx["patients"][i % len(ctx["patients"])].pk,
                    access_type="view",
                    prev_hash=f"{i:064x}",
                    row_hash=f"{i + 10**9:064x}",
                )
                for i in k
            ]
        )
    else:
        raise AssertionError(model_name)


def _count_queries(client, path, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(queries)


QUERY_COUNTS: dict[str, tuple[int, int]] = {}


@pytest.mark.parametrize(
    "model_name", ["staff", "room", "service", "package", "medicine", "stockbatch", "invoice", "accesslog"]
)
def test_changelist_queries_do_not_grow_with_rows(model_name, admin_user, hospital, branch_a):
    ctx = {
        "hospital": hospital,
        "branch": branch_a,
        "service": ServiceFactory(hospital=hospital),
        "patients": [make_patient(branch=branch_a) for _ in range(3)],
    }
    client = client_for(admin_user)
    _bulk(model_name, 10, ctx)
    small = _count_queries(client, url(model_name))
    _bulk(model_name, 990, ctx)
    large = _count_queries(client, url(model_name))
    QUERY_COUNTS[model_name] = (small, large)
    print(f"\nqueries {model_name}: {small} at 10 rows, {large} at 1,000 rows")
    assert small == large


def test_patient_changelist_search_and_api_queries_do_not_grow_with_patients(
    admin_user, branch_a, front_desk_a
):
    """1,000 patients registered one by one through patient_register, as the front desk would."""
    admin_client, desk = client_for(admin_user), client_for(front_desk_a)
    for _ in range(10):
        make_patient(branch=branch_a, last_name="Verma")
    before = {
        "changelist": _count_queries(admin_client, url("patient")),
        "changelist as front desk": _count_queries(desk, url("patient")),
        "admin search": _count_queries(admin_client, url("patient"), {"q": "verma"}),
        "api search": _count_queries(desk, "/api/patients/", {"q": "verma"}),
    }
    for _ in range(990):
        make_patient(branch=branch_a, last_name="Verma")
    after = {
        "changelist": _count_queries(admin_client, url("patient")),
        "changelist as front desk": _count_queries(desk, url("patient")),
        "admin search": _count_queries(admin_client, url("patient"), {"q": "verma"}),
        "api search": _count_queries(desk, "/api/patients/", {"q": "verma"}),
    }
    print(f"\nqueries patient at 10 / 1,000 rows: { {k: (before[k], after[k]) for k in before} }")
    assert before == after


# --- branch scoping -------------------------------------------------------------------------


def test_front_desk_sees_and_opens_only_their_branch(front_desk_a, branch_a, branch_b, patient_a, hospital):
    room_a, room_b = RoomFactory(branch=branch_a), RoomFactory(branch=branch_b)
    patient_b = make_patient(branch=branch_b, first_name="Bhavana")
    medicine = MedicineFactory(hospital=hospital)
    batch_a = StockBatchFactory(branch=branch_a, medicine=medicine)
    batch_b = StockBatchFactory(branch=branch_b, medicine=medicine)
    client = client_for(front_desk_a)

    for model_name, mine, theirs in [
        ("room", room_a, room_b),
        ("patient", patient_a, patient_b),
        ("stockbatch", batch_a, batch_b),
    ]:
        listed = list(client.get(url(model_name)).context["cl"].result_list)
        assert listed == [mine], model_name
        assert client.get(url(model_name, "change", mine.pk)).status_code == 200
        response = client.get(url(model_name, "change", theirs.pk))
        assert response.status_code in (302, 404), model_name
        if response.status_code == 302:
            assert response["Location"] == reverse("admin:index")

    # Searching does not reach across branches either, and the branch filter offers only theirs.
    assert list(client.get(url("patient"), {"q": "bhavana"}).context["cl"].result_list) == []
    assert client.get(url("patient")).content.decode().count(branch_b.name) == 0
    form = client.get(url("patient", "add")).context["adminform"].form
    assert list(form.fields["registered_branch"].queryset) == [branch_a]


def test_front_desk_cannot_register_a_patient_at_another_branch(front_desk_a, branch_b):
    response = client_for(front_desk_a).post(
        url("patient", "add"), {**PATIENT_FORM, "registered_branch": branch_b.pk}
    )
    assert response.status_code == 200
    assert "registered_branch" in response.context["adminform"].form.errors
    assert not Patient.objects.exists()


def test_front_desk_medicine_stock_counts_only_their_branches(front_desk_a, branch_a, branch_b, hospital):
    medicine = MedicineFactory(hospital=hospital)
    StockBatchFactory(medicine=medicine, branch=branch_a, quantity_received=12)
    StockBatchFactory(medicine=medicine, branch=branch_b, quantity_received=40)
    row = client_for(front_desk_a).get(url("medicine")).context["cl"].result_list[0]
    assert row.stock_available == 12


# --- who may do what --------------------------------------------------------------------------


def test_doctor_cannot_add_a_patient_via_the_admin(doctor_a, branch_a, patient_a):
    client = client_for(doctor_a)
    assert client.get(url("patient")).status_code == 200  # may look
    assert client.get(url("patient", "add")).status_code == 403
    response = client.post(url("patient", "add"), {**PATIENT_FORM, "registered_branch": branch_a.pk})
    assert response.status_code == 403
    assert Patient.objects.count() == 1
    change = client.post(url("patient", "change", patient_a.pk), {**PATIENT_FORM, "first_name": "Changed"})
    assert change.status_code == 403
    patient_a.refresh_from_db()
    assert patient_a.first_name == "Ramesh"


@pytest.mark.parametrize("model_name", ["accesslog", "datakey"])
def test_nobody_changes_or_deletes_access_log_or_keys_in_the_admin(model_name, admin_user, one_of_everything):
    row = AccessLog.objects.first() if model_name == "accesslog" else DataKey.objects.first()
    client = client_for(admin_user)
    assert client.get(url(model_name, "add")).status_code == 403
    assert client.post(url(model_name, "change", row.pk), {"actor": "someone-else"}).status_code == 403
    assert client.get(url(model_name, "delete", row.pk)).status_code == 403
    assert client.post(url(model_name, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert client.get(url(model_name)).context["action_form"] is None  # no bulk actions, delete included
    assert type(row).objects.filter(pk=row.pk).exists()


def test_access_log_links_to_the_patient_and_never_shows_key_bytes(admin_user, one_of_everything, patient_a):
    client = client_for(admin_user)
    log_page = client.get(url("accesslog")).content.decode()
    assert url("patient", "change", patient_a.pk) in log_page and patient_a.mrn in log_page
    key = DataKey.objects.get(subject_id=patient_a.pk)
    key_page = client.get(url("datakey", "change", key.pk)).content.decode()
    assert "Wrapped key" not in key_page and bytes(key.wrapped_key).hex()[:16] not in key_page
    assert patient_a.mrn in key_page


# --- two-factor -------------------------------------------------------------------------------


def _token(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@override_settings(ADMIN_REQUIRE_2FA=True)
def test_with_2fa_on_a_password_alone_does_not_open_the_admin(admin_user):
    index = reverse("admin:index")
    assert client_for(admin_user).get(index).status_code == 302  # logged in, but not verified

    client = Client()
    response = client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD, "next": index})
    assert response.status_code == 200  # the form asks for the token
    assert "otp_token" in response.context["form"].errors or response.context["form"].non_field_errors()
    assert client.get(index).status_code == 302


@override_settings(ADMIN_REQUIRE_2FA=True)
def test_with_2fa_on_a_valid_totp_token_opens_the_admin(admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    client = Client()
    wrong = client.post(
        reverse("admin:login"),
        {
            "username": "admin",
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": "000000",
        },
    )
    assert wrong.status_code == 200 and client.get(reverse("admin:index")).status_code == 302

    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(
        reverse("admin:login"),
        {
            "username": "admin",
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": _token(device),
            "next": reverse("admin:index"),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert client.get(reverse("admin:index")).status_code == 200


@override_settings(ADMIN_REQUIRE_2FA=False)
def test_with_2fa_off_the_admin_takes_a_password(admin_user):
    client = Client()
    client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    assert client.get(reverse("admin:index")).status_code == 200


def test_add_totp_device_command_prints_the_otpauth_url_and_a_qr_code(admin_user, capsys):
    call_command("add_totp_device", "admin")
    out = capsys.readouterr().out
    device = TOTPDevice.objects.get(user=admin_user)
    assert device.confirmed
    assert device.config_url in out and "otpauth://totp/Intelli-Clinic" in out
    assert "█" in out or "▀" in out or "▄" in out  # the QR code


def test_staff_manage_only_their_own_totp_devices(front_desk_a, doctor_a):
    theirs = TOTPDevice.objects.create(user=doctor_a, name="doctor's phone")
    client = client_for(front_desk_a)
    changelist = reverse("admin:otp_totp_totpdevice_changelist")
    assert list(client.get(changelist).context["cl"].result_list) == []
    assert client.get(reverse("admin:otp_totp_totpdevice_change", args=[theirs.pk])).status_code == 302
    response = client.post(
        reverse("admin:otp_totp_totpdevice_add"),
        {
            "user": doctor_a.pk,
            "name": "mine",
            "key": theirs.key,
            "step": 30,
            "t0": 0,
            "digits": 6,
            "tolerance": 1,
            "drift": 0,
            "throttling_failure_count": 0,
            "confirmed": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert TOTPDevice.objects.get(name="mine").user == front_desk_a


def test_a_staff_member_without_a_branch_sees_no_branch_rows(branch_a):
    user = UserFactory(username="nobranch", groups=["Front desk"])
    StaffFactory(user=user, hospital=branch_a.hospital)
    RoomFactory(branch=branch_a)
    assert list(client_for(user).get(url("room")).context["cl"].result_list) == []


def test_branch_form_takes_working_days_as_checkboxes_and_a_known_time_zone(admin_user, hospital):
    client = client_for(admin_user)
    form = {
        "hospital": hospital.pk,
        "name": "Koramangala",
        "code": "KOR",
        "is_active": "on",
        "address_line1": "80 Feet Road",
        "city": "Bengaluru",
        "state": "Karnataka",
        "pin_code": "560034",
        "time_zone": "Asia/Kolkata",
        "working_days": ["0", "1", "2", "3", "4", "5"],
        "opens_at": "09:00",
        "closes_at": "20:00",
    }
    assert 'type="checkbox" name="working_days"' in client.get(url("branch", "add")).content.decode()
    assert client.post(url("branch", "add"), {**form, "time_zone": "Mars/Olympus"}).status_code == 200
    assert client.post(url("branch", "add"), form).status_code == 302
    branch = BranchFactory._meta.model.objects.get(code="KOR")
    assert branch.working_days == [0, 1, 2, 3, 4, 5]
    assert "Mon\u2013Sat" in client.get(url("branch")).content.decode()


def test_invoices_are_found_by_patient_phone_and_issued_or_cancelled_from_the_list(
    admin_user, one_of_everything
):
    invoice = one_of_everything["invoice"]
    client = client_for(admin_user)
    assert list(client.get(url("invoice"), {"q": "98450 12345"}).context["cl"].result_list) == [invoice]
    assert list(client.get(url("invoice"), {"q": invoice.number}).context["cl"].result_list) == [invoice]
    assert "₹944.00" in client.get(url("invoice", "change", invoice.pk)).content.decode()  # 800 + 18% GST

    picked = {ACTION_CHECKBOX_NAME: [invoice.pk]}
    client.post(url("invoice"), {**picked, "action": "issue_invoices", "index": 0})
    invoice.refresh_from_db()
    assert invoice.status == "issued"

    asked = client.post(url("invoice"), {**picked, "action": "cancel_invoices", "index": 0})
    assert asked.status_code == 200 and b"reason" in asked.content
    no_reason = client.post(
        url("invoice"), {**picked, "action": "cancel_invoices", "post": "yes", "reason": ""}
    )
    assert no_reason.status_code == 200
    client.post(
        url("invoice"), {**picked, "action": "cancel_invoices", "post": "yes", "reason": "Billed twice"}
    )
    invoice.refresh_from_db()
    assert invoice.status == "cancelled" and "Billed twice" in invoice.notes


def test_an_admin_role_user_opens_every_clinic_list_scoped_to_their_branches(
    branch_a, branch_b, one_of_everything
):
    manager = UserFactory(username="manager_a", groups=["Admin"])
    StaffFactory(user=manager, staff_type="admin", branches=[branch_a], hospital=branch_a.hospital)
    StaffFactory(staff_type="nurse", branches=[branch_b], hospital=branch_b.hospital, first_name="Other")
    RoomFactory(branch=branch_b)
    client = client_for(manager)
    for model_name in CLINIC_ADMINS:
        assert client.get(url(model_name)).status_code == 200, model_name
    assert list(client.get(url("branch")).context["cl"].result_list) == [branch_a]
    assert "Other" not in client.get(url("staff")).content.decode()
    assert {r.branch for r in client.get(url("room")).context["cl"].result_list} == {branch_a}
    staff_form = client.get(url("staff", "add")).context["adminform"].form
    assert list(staff_form.fields["branches"].queryset) == [branch_a]
