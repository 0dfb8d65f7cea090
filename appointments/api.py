"""The appointments API (seed 4.5 and 4.8.3): one thin view per operation. Each parses its input,
calls one service or selector and serializes the result; rules live in services and selectors.

Refusals share the API's one error shape. A booking conflict is a 409 whose error carries
`resource` (doctor, room, therapist) and `alternatives` (the nearest free start options).
"""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.clock import local_instant
from appointments.models import (
    AppointmentSlot,
    AppointmentStatus,
    AppointmentType,
    BookingSource,
    DoctorSchedule,
    Holiday,
    Priority,
    ResourceAllocation,
    StaffLeave,
)
from appointments.permissions import (
    DESK_ROLES,
    IsClinicStaff,
    IsClinicStaffOrPortalPatient,
    IsFrontDeskOrAdmin,
    IsPortalPatient,
    branch_ids_for,
    can_book_at,
    can_manage,
    can_manage_schedules,
    can_run_visit,
    in_group,
    portal_patient_of,
    works_at,
)
from appointments.selectors import (
    appointment_calendar,
    appointment_get_for_user,
    appointment_list,
    appointment_list_for_day,
    booking_need,
    branch_availability,
    doctor_free_slots,
    doctor_schedule_list,
    holiday_list,
    rooms_available,
    staff_leave_list,
    therapists_available,
)
from appointments.selectors.availability import requirement_for
from appointments.selectors.blocks import resource_block_get, resource_block_list
from appointments.serializers import (
    AppointmentDetailOutputSerializer,
    AppointmentOutputSerializer,
    AwareDateTimeField,
    BreakSerializer,
    ExistingField,
    LookedUpTogether,
    PatientAppointmentOutputSerializer,
    ScheduleOutputSerializer,
    StartInputMixin,
    StartOptionOutput,
    local_iso,
)
from appointments.services import (
    AbsenceOutcome,
    appointment_allocate_resources,
    appointment_approve,
    appointment_book,
    appointment_cancel,
    appointment_check_in,
    appointment_complete,
    appointment_mark_no_show,
    appointment_reschedule,
    appointment_start,
    appointment_update,
    appointment_walk_in,
    doctor_schedule_create,
    doctor_schedule_delete,
    doctor_schedule_update,
    holiday_cancel,
    holiday_record,
    slot_block,
    slot_generate,
    slot_unblock,
    staff_leave_cancel,
    staff_leave_record,
)
from appointments.services.blocks import resource_block, resource_block_lift
from appointments.services.idempotency import idempotent_reply, request_fingerprint
from appointments.services.schedules import BreakInput
from clinic.api_errors import error_response, exception_handler
from clinic.models import Branch, Package, Patient, Room, RoomType, Service, Staff, StaffType, Weekday

DOCTORS = Staff.objects.filter(staff_type=StaffType.DOCTOR)
THERAPISTS = Staff.objects.filter(staff_type__in=[StaffType.THERAPIST, StaffType.NURSE])
PATIENTS = Patient.objects.alive().select_related("pii_key")
SERVICES = Service.objects.select_related("requirement")  # the booking needs both
ERROR = OpenApiResponse(description='{"error": {"code", "message", "fields"}}')
CONFLICT = OpenApiResponse(
    description='409: {"error": {"code": "booking_conflict", "message", "fields", "resource", '
    '"alternatives": [...]}}, or code invalid_transition for an illegal status change.'
)
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string per booking attempt (kept 24 h+): a retry with the same key gets the "
    "first reply and never books twice; the same key with another body is refused (422 "
    "idempotency_key_reused).",
)


def forbidden(message: str) -> Response:
    return error_response(code="permission_denied", message=message, http_status=status.HTTP_403_FORBIDDEN)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def error_reply(exc: Exception) -> tuple[int, dict]:
    response = exception_handler(exc, {})
    return response.status_code, response.data


def idempotent(request, run) -> Response:
    """Run `run()` (returning status and body) under the request's Idempotency-Key, if it sent one."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        code, body = run()
        return Response(body, status=code)
    reply = idempotent_reply(
        user=request.user,
        key=key,
        fingerprint=request_fingerprint(method=request.method, path=request.path, data=request.data),
        run=run,
        refusal=error_reply,
    )
    response = Response(reply.body, status=reply.status)
    if reply.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def user_branch(request, branch: Branch | None) -> Branch:
    """The branch asked for, or the user's only branch."""
    if branch is not None:
        return branch
    allowed = branch_ids_for(request.user)
    if allowed is not None and len(allowed) == 1:
        return Branch.objects.get(pk=allowed[0])
    raise serializers.ValidationError({"branch_id": "Choose the branch."})


class BookableInput(serializers.Serializer):
    service_id = ExistingField(
        noun="service", queryset=SERVICES, source="service", required=False, allow_null=True
    )
    package_id = ExistingField(
        noun="package", queryset=Package.objects.all(), source="package", required=False, allow_null=True
    )
    appointment_type_id = ExistingField(
        noun="appointment type",
        queryset=AppointmentType.objects.all(),
        source="appointment_type",
        required=False,
        allow_null=True,
    )


# --- Availability ----------------------------------------------------------------------------------


class AppointmentSlotsApi(APIView):
    """GET /api/appointments/slots/?doctor_id=&date=&branch_id=&service_id= (seed 4.5)."""

    permission_classes = [IsClinicStaffOrPortalPatient]

    class InputSerializer(BookableInput):
        doctor_id = ExistingField(noun="doctor", queryset=DOCTORS, source="doctor")
        branch_id = ExistingField(noun="branch", queryset=Branch.objects.all(), source="branch")
        date = serializers.DateField()
        room_id = ExistingField(noun="room", queryset=Room.objects.all(), source="room", required=False)
        therapist_id = ExistingField(
            noun="therapist", queryset=THERAPISTS, source="therapist", required=False
        )

    @extend_schema(
        parameters=[InputSerializer],
        responses={
            200: inline_serializer(
                "SlotOptions",
                {
                    "date": serializers.DateField(),
                    "duration_minutes": serializers.IntegerField(allow_null=True),
                    "options": StartOptionOutput(many=True),
                },
            ),
            400: ERROR,
        },
        summary="Free start times of a doctor on a day (slots combined to the service's length)",
    )
    def get(self, request):
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self_service = portal_patient_of(request.user) is not None and not IsClinicStaff().has_permission(
            request, self
        )
        need = booking_need(
            service=data.get("service"),
            package=data.get("package"),
            appointment_type=data.get("appointment_type"),
        )
        options = doctor_free_slots(
            doctor=data["doctor"],
            branch=data["branch"],
            date=data["date"],
            need=need,
            room=data.get("room"),
            therapist=data.get("therapist"),
            self_service=self_service,
        )
        return Response(
            {
                "date": data["date"],
                "duration_minutes": need.duration_minutes,
                "options": [o.as_dict() for o in options],
            }
        )


class BranchAvailabilityApi(APIView):
    """GET /api/appointments/availability/?branch_id=&start_date=&days=: every doctor, every day."""

    permission_classes = [IsClinicStaff]

    class InputSerializer(BookableInput):
        branch_id = ExistingField(noun="branch", queryset=Branch.objects.all(), source="branch")
        start_date = serializers.DateField(required=False)
        days = serializers.IntegerField(min_value=1, max_value=31, default=7)

    @extend_schema(
        parameters=[InputSerializer],
        summary="Free start times of every doctor of a branch, by day",
        responses={200: inline_serializer("BranchAvailability", {"results": serializers.ListField()})},
    )
    def get(self, request):
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        days = branch_availability(
            branch=data["branch"],
            start_date=data.get("start_date"),
            days=data["days"],
            service=data.get("service"),
            package=data.get("package"),
            appointment_type=data.get("appointment_type"),
        )
        return Response(
            {
                "results": [
                    {
                        "doctor": {"id": str(d.doctor.pk), "name": d.doctor.display_name},
                        "date": d.date,
                        "options": [o.as_dict() for o in d.options],
                    }
                    for d in days
                ]
            }
        )


class PeriodInput(StartInputMixin, serializers.Serializer):
    """A period as `start`/`end` instants, or `date` with `start_time`/`end_time` on the branch's clock."""

    branch_id = ExistingField(noun="branch", queryset=Branch.objects.all(), source="branch")
    start = AwareDateTimeField(required=False)
    end = AwareDateTimeField(required=False)
    date = serializers.DateField(required=False)
    start_time = serializers.TimeField(required=False)
    end_time = serializers.TimeField(required=False)
    service_id = ExistingField(
        noun="service", queryset=Service.objects.all(), source="service", required=False
    )
    package_id = ExistingField(
        noun="package", queryset=Package.objects.all(), source="package", required=False
    )

    def validate(self, attrs):
        branch = attrs["branch"]
        day = attrs.get("date")
        if attrs.get("start") is None and day is not None:
            attrs["time"] = attrs.get("start_time")
        attrs = self.resolve_start(attrs, branch)
        end = attrs.get("end")
        if end is None and day is not None and attrs.get("end_time") is not None:
            end = local_instant(branch.zone, day, attrs["end_time"])
        if end is None:
            raise serializers.ValidationError({"end": "Give the end, or the date and the end time."})
        if end <= attrs["start"]:
            raise serializers.ValidationError({"end": "The end must be after the start."})
        attrs["end"] = end
        return attrs


class RoomsAvailableApi(APIView):
    """GET /api/appointments/rooms/available/ (seed 4.8.3)."""

    permission_classes = [IsClinicStaff]

    class InputSerializer(PeriodInput):
        room_type = serializers.ChoiceField(choices=RoomType.choices, required=False)

    @extend_schema(
        parameters=[InputSerializer],
        summary="Rooms of a branch, each free or busy for a period",
        responses={
            200: inline_serializer("RoomsAvailable", {"results": serializers.ListField()}),
            400: ERROR,
        },
    )
    def get(self, request):
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rooms = rooms_available(
            branch=data["branch"],
            start=data["start"],
            end=data["end"],
            room_type=data.get("room_type"),
            service=data.get("service"),
            package=data.get("package"),
        )
        return Response(
            {
                "results": [
                    {
                        "id": str(r.resource.pk),
                        "code": r.resource.room_code,
                        "name": r.resource.room_name,
                        "type": r.resource.room_type,
                        "available": r.available,
                        "busy": [
                            {"start": local_iso(lo, data["branch"]), "end": local_iso(hi, data["branch"])}
                            for lo, hi in r.busy
                        ],
                    }
                    for r in rooms
                ]
            }
        )


class TherapistsAvailableApi(APIView):
    """GET /api/appointments/therapists/available/ (seed 4.8.3)."""

    permission_classes = [IsClinicStaff]

    class InputSerializer(PeriodInput):
        staff_type = serializers.ChoiceField(choices=[StaffType.THERAPIST, StaffType.NURSE], required=False)

    @extend_schema(
        parameters=[InputSerializer],
        summary="Therapists (or nurses), each free or busy for a period",
        responses={
            200: inline_serializer("TherapistsAvailable", {"results": serializers.ListField()}),
            400: ERROR,
        },
    )
    def get(self, request):
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        people = therapists_available(
            branch=data["branch"],
            start=data["start"],
            end=data["end"],
            staff_type=data.get("staff_type"),
            service=data.get("service"),
            package=data.get("package"),
        )
        return Response(
            {
                "results": [
                    {
                        "id": str(p.resource.pk),
                        "name": p.resource.display_name,
                        "staff_type": p.resource.staff_type,
                        "available": p.available,
                        "reason": p.reason,
                        "busy": [
                            {"start": local_iso(lo, data["branch"]), "end": local_iso(hi, data["branch"])}
                            for lo, hi in p.busy
                        ],
                    }
                    for p in people
                ]
            }
        )


class RequirementsApi(APIView):
    """GET /api/appointments/service/<id>/requirements/ and /package/<id>/requirements/ (seed 4.8.3)."""

    permission_classes = [IsClinicStaff]
    model: type = Service

    @extend_schema(
        summary="What a service or package needs: duration, room type, therapist, preparation",
        responses={
            200: inline_serializer("Requirements", {"duration_minutes": serializers.IntegerField()}),
            404: ERROR,
        },
    )
    def get(self, request, pk):
        item = get_object_or_404(self.model, pk=pk)
        kwargs = {"service": item} if self.model is Service else {"package": item}
        need = booking_need(**kwargs)
        requirement = requirement_for(**kwargs)
        return Response(
            {
                "id": str(item.pk),
                "name": item.name,
                "duration_minutes": need.duration_minutes,
                "requires_doctor": need.requires_doctor,
                "requires_room": need.requires_room,
                "room_types": list(need.room_types),
                "requires_therapist": need.requires_therapist,
                "preparation_time_minutes": need.preparation_minutes,
                "cleanup_time_minutes": need.cleanup_minutes,
                "auto_approval_eligible": item.auto_approval_eligible,
                "allow_self_booking": item.allow_self_booking,
                "special_requirements": requirement.special_requirements if requirement else {},
                "notes": requirement.notes if requirement else "",
            }
        )


class PackageRequirementsApi(RequirementsApi):
    model = Package


# --- Booking ---------------------------------------------------------------------------------------


class BookingInput(LookedUpTogether, StartInputMixin, BookableInput):
    branch_id = ExistingField(noun="branch", queryset=Branch.objects.all(), source="branch")
    doctor_id = ExistingField(noun="doctor", queryset=DOCTORS, source="doctor")
    start = AwareDateTimeField(required=False, help_text="An instant with offset; or send date and time.")
    date = serializers.DateField(required=False, help_text="The branch's local date (with time).")
    time = serializers.TimeField(required=False, help_text="The branch's wall-clock time (with date).")
    end = AwareDateTimeField(required=False, help_text="Only to book a length other than the service's.")
    room_id = ExistingField(
        noun="room", queryset=Room.objects.all(), source="room", required=False, allow_null=True
    )
    therapist_id = ExistingField(
        noun="therapist", queryset=THERAPISTS, source="therapist", required=False, allow_null=True
    )
    parent_appointment_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="The visit this one follows up."
    )
    chief_complaint = serializers.CharField(required=False, allow_blank=True, default="")
    patient_notes = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        return self.resolve_start(attrs, attrs["branch"])


def _parent(request, attrs: dict):
    parent_id = attrs.pop("parent_appointment_id", None)
    if parent_id is None:
        return None
    try:
        return appointment_get_for_user(user=request.user, appointment_id=parent_id, with_history=False)
    except Http404:  # unknown or not visible: the same answer
        raise serializers.ValidationError({"parent_appointment_id": "No appointment with this id."}) from None


class AppointmentBookApi(APIView):
    """POST /api/appointments/book/ (seed 4.5): the front desk books for a patient."""

    permission_classes = [IsFrontDeskOrAdmin]

    class InputSerializer(BookingInput):
        patient_id = ExistingField(noun="patient", queryset=PATIENTS, source="patient")
        source = serializers.ChoiceField(
            choices=[BookingSource.FRONT_DESK, BookingSource.PHONE, BookingSource.WHATSAPP],
            default=BookingSource.FRONT_DESK,
        )
        internal_notes = serializers.CharField(required=False, allow_blank=True, default="")
        priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)

    @extend_schema(
        request=InputSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: AppointmentOutputSerializer, 400: ERROR, 403: ERROR, 409: CONFLICT, 422: ERROR},
        summary="Book an appointment",
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not can_book_at(request.user, data["branch"]):
            return forbidden("You can book only at your branches.")
        data["parent_appointment"] = _parent(request, data)

        def run():
            appointment = appointment_book(acting_user=request.user, **data)
            return status.HTTP_201_CREATED, AppointmentOutputSerializer(appointment).data

        return idempotent(request, run)


class SelfServiceBookApi(APIView):
    """POST /api/appointments/self-service/book/: the signed-in patient books for themselves (portal)."""

    permission_classes = [IsPortalPatient]

    @extend_schema(
        request=BookingInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: PatientAppointmentOutputSerializer,
            400: ERROR,
            403: ERROR,
            409: CONFLICT,
            422: ERROR,
        },
        summary="Book for yourself (patient portal)",
    )
    def post(self, request):
        serializer = BookingInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        for chosen_by_the_clinic in ("end", "room", "therapist"):
            data.pop(chosen_by_the_clinic, None)
        patient = portal_patient_of(request.user)
        parent = _parent_of_patient(patient, data.pop("parent_appointment_id", None))

        def run():
            appointment = appointment_book(
                acting_user=request.user,
                patient=patient,
                source=BookingSource.SELF_SERVICE,
                parent_appointment=parent,
                **data,
            )
            return status.HTTP_201_CREATED, PatientAppointmentOutputSerializer(appointment).data

        return idempotent(request, run)


def _parent_of_patient(patient, parent_id):
    if parent_id is None:
        return None
    parent = patient.appointments.filter(pk=parent_id).first()
    if parent is None:
        raise serializers.ValidationError({"parent_appointment_id": "No appointment of yours with this id."})
    return parent


class AppointmentWalkInApi(APIView):
    """POST /api/appointments/walk-in/: book the next free time today (or `start`) and check in.
    A new patient can be registered in the same request."""

    permission_classes = [IsFrontDeskOrAdmin]

    class InputSerializer(StartInputMixin, BookableInput):
        branch_id = ExistingField(noun="branch", queryset=Branch.objects.all(), source="branch")
        doctor_id = ExistingField(noun="doctor", queryset=DOCTORS, source="doctor")
        patient_id = ExistingField(noun="patient", queryset=PATIENTS, source="patient", required=False)
        new_patient = inline_serializer(
            "NewWalkInPatient",
            {
                "first_name": serializers.CharField(max_length=100),
                "last_name": serializers.CharField(max_length=100, required=False, allow_blank=True),
                "phone": serializers.CharField(max_length=30),
                "date_of_birth": serializers.DateField(required=False, allow_null=True),
                "sex": serializers.CharField(max_length=1, required=False),
            },
            required=False,
        )
        start = AwareDateTimeField(required=False)
        date = serializers.DateField(required=False)
        time = serializers.TimeField(required=False)
        room_id = ExistingField(noun="room", queryset=Room.objects.all(), source="room", required=False)
        therapist_id = ExistingField(
            noun="therapist", queryset=THERAPISTS, source="therapist", required=False
        )
        chief_complaint = serializers.CharField(required=False, allow_blank=True, default="")

        def validate(self, attrs):
            return self.resolve_start(attrs, attrs["branch"], required=False)

    @extend_schema(
        request=InputSerializer,
        responses={201: AppointmentOutputSerializer, 400: ERROR, 409: CONFLICT},
        summary="Walk-in: book now and check in",
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not can_book_at(request.user, data["branch"]):
            return forbidden("You can book only at your branches.")
        appointment = appointment_walk_in(acting_user=request.user, **data)
        return Response(AppointmentOutputSerializer(appointment).data, status=status.HTTP_201_CREATED)


# --- Reading appointments ---------------------------------------------------------------------------


class AppointmentListApi(APIView):
    """GET /api/appointments/: the appointments you may see, filtered, in time order, paginated."""

    permission_classes = [IsClinicStaff]

    class FilterSerializer(serializers.Serializer):
        branch_id = serializers.UUIDField(required=False)
        doctor_id = serializers.UUIDField(required=False)
        room_id = serializers.UUIDField(required=False)
        patient_id = serializers.UUIDField(required=False)
        status = serializers.MultipleChoiceField(choices=AppointmentStatus.choices, required=False)
        source = serializers.ChoiceField(choices=BookingSource.choices, required=False)
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)

        def validate(self, attrs):
            if attrs.get("date_from") and attrs.get("date_to") and attrs["date_to"] < attrs["date_from"]:
                raise serializers.ValidationError(
                    {"date_to": "The end date must not be before the start date."}
                )
            return attrs

    @extend_schema(
        parameters=[FilterSerializer],
        responses=AppointmentOutputSerializer(many=True),
        summary="List appointments",
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = dict(filters.validated_data)
        data["status"] = list(data.get("status") or [])
        appointments = appointment_list(user=request.user, **data)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(appointments, request, view=self)
        return paginator.get_paginated_response(AppointmentOutputSerializer(page, many=True).data)


class AppointmentDetailApi(APIView):
    """GET /api/appointments/<id>/ with its history; PUT/PATCH to edit notes, complaint, priority."""

    permission_classes = [IsClinicStaff]

    class UpdateSerializer(serializers.Serializer):
        chief_complaint = serializers.CharField(required=False, allow_blank=True)
        patient_notes = serializers.CharField(required=False, allow_blank=True)
        internal_notes = serializers.CharField(required=False, allow_blank=True)
        priority = serializers.ChoiceField(choices=Priority.choices, required=False)

    @extend_schema(responses={200: AppointmentDetailOutputSerializer, 404: ERROR}, summary="One appointment")
    def get(self, request, appointment_id):
        appointment = appointment_get_for_user(user=request.user, appointment_id=appointment_id)
        return Response(AppointmentDetailOutputSerializer(appointment).data)

    @extend_schema(
        request=UpdateSerializer,
        responses={200: AppointmentDetailOutputSerializer, 400: ERROR},
        summary="Edit notes, complaint or priority",
    )
    def put(self, request, appointment_id):
        appointment = appointment_get_for_user(user=request.user, appointment_id=appointment_id)
        require(can_manage(request.user, appointment), "Only the front desk of this branch can edit it.")
        serializer = self.UpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        appointment_update(
            acting_user=request.user, appointment=appointment, data=dict(serializer.validated_data)
        )
        return self.get(request, appointment_id)

    patch = put


class AppointmentTodayApi(APIView):
    """GET /api/appointments/today/?branch_id=&doctor_id= (seed 4.5): the day's queue."""

    permission_classes = [IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        branch_id = ExistingField(
            noun="branch", queryset=Branch.objects.all(), source="branch", required=False
        )
        doctor_id = ExistingField(noun="doctor", queryset=DOCTORS, source="doctor", required=False)
        date = serializers.DateField(required=False, help_text="Another day's queue (default: today there).")
        include_closed = serializers.BooleanField(default=False, help_text="Also cancelled and rescheduled.")

    @extend_schema(
        parameters=[InputSerializer],
        responses=AppointmentOutputSerializer(many=True),
        summary="Today's queue at a branch",
    )
    def get(self, request):
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        branch = user_branch(request, data.get("branch"))
        appointments = appointment_list_for_day(
            user=request.user,
            branch=branch,
            day=data.get("date"),
            doctor=data.get("doctor"),
            include_closed=data["include_closed"],
        )
        return Response(
            {"branch": branch.code, "results": AppointmentOutputSerializer(appointments, many=True).data}
        )


class AppointmentCalendarApi(APIView):
    """GET /api/appointments/calendar/?doctor_id=|room_id=|branch_id=&start_date=&end_date= (seed 4.5)."""

    permission_classes = [IsClinicStaff]
    MAX_DAYS = 42

    class InputSerializer(serializers.Serializer):
        branch_id = ExistingField(
            noun="branch", queryset=Branch.objects.all(), source="branch", required=False
        )
        doctor_id = ExistingField(noun="doctor", queryset=DOCTORS, source="doctor", required=False)
        room_id = ExistingField(
            noun="room", queryset=Room.objects.select_related("branch"), source="room", required=False
        )
        start_date = serializers.DateField()
        end_date = serializers.DateField()

        def validate(self, attrs):
            if attrs["end_date"] < attrs["start_date"]:
                raise serializers.ValidationError(
                    {"end_date": "The end date must not be before the start date."}
                )
            if (attrs["end_date"] - attrs["start_date"]).days >= AppointmentCalendarApi.MAX_DAYS:
                raise serializers.ValidationError({"end_date": "Ask for at most six weeks at a time."})
            return attrs

    @extend_schema(
        parameters=[InputSerializer],
        summary="Appointments and blocks by doctor, room or branch",
        responses={
            200: inline_serializer(
                "Calendar",
                {"appointments": AppointmentOutputSerializer(many=True), "blocks": serializers.ListField()},
            ),
            400: ERROR,
        },
    )
    def get(self, request):
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not any(data.get(k) for k in ("branch", "doctor", "room")):
            data["branch"] = user_branch(request, None)
        appointments, blocks = appointment_calendar(user=request.user, **data)
        zone_branch = data.get("branch") or (data["room"].branch if data.get("room") else None)
        blocks = list(blocks)
        return Response(
            {
                "appointments": AppointmentOutputSerializer(appointments, many=True).data,
                "blocks": [
                    {
                        "resource": str(b.staff or b.room),
                        "reason": b.block_reason,
                        "start": local_iso(b.period.lower, zone_branch)
                        if zone_branch
                        else b.period.lower.isoformat(),
                        "end": local_iso(b.period.upper, zone_branch)
                        if zone_branch
                        else b.period.upper.isoformat(),
                    }
                    for b in blocks
                ],
            }
        )


# --- Acting on one appointment --------------------------------------------------------------------


class _ActionApi(APIView):
    """POST /api/appointments/<id>/<action>/: one workflow step."""

    permission_classes = [IsClinicStaff]
    visit_step = False  # start/complete: also the appointment's own doctor or therapist

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    def act(self, request, appointment, data):
        raise NotImplementedError

    def post(self, request, appointment_id):
        appointment = appointment_get_for_user(
            user=request.user, appointment_id=appointment_id, with_history=False
        )
        allowed = can_run_visit if self.visit_step else can_manage
        require(allowed(request.user, appointment), "You cannot do this to this appointment.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = self.act(request, appointment, serializer.validated_data)
        detail = appointment_get_for_user(user=request.user, appointment_id=result.pk)
        code = status.HTTP_201_CREATED if result.pk != appointment.pk else status.HTTP_200_OK
        return Response(AppointmentDetailOutputSerializer(detail).data, status=code)


def _action(name: str, summary: str, fn, *, visit_step: bool = False, reason_required: bool = False):
    class Input(serializers.Serializer):
        reason = serializers.CharField(
            required=reason_required,
            allow_blank=not reason_required,
            default=serializers.empty if reason_required else "",
        )

    def act(self, request, appointment, data):
        return fn(request.user, appointment, data.get("reason", ""))

    view = type(
        name,
        (_ActionApi,),
        {
            "InputSerializer": Input,
            "act": act,
            "visit_step": visit_step,
            "__doc__": f"POST /api/appointments/<id>/…: {summary}",
        },
    )
    view.post = extend_schema(
        request=Input,
        responses={200: AppointmentDetailOutputSerializer, 403: ERROR, 404: ERROR, 409: CONFLICT},
        summary=summary,
    )(view.post)
    return view


AppointmentApproveApi = _action(
    "AppointmentApproveApi",
    "Approve a requested booking",
    lambda user, a, reason: appointment_approve(acting_user=user, appointment=a, reason=reason),
)
AppointmentConfirmApi = _action(
    "AppointmentConfirmApi",
    "Confirm (same as approve)",
    lambda user, a, reason: appointment_approve(acting_user=user, appointment=a, reason=reason),
)
AppointmentCheckInApi = _action(
    "AppointmentCheckInApi",
    "Check the patient in",
    lambda user, a, reason: appointment_check_in(acting_user=user, appointment=a),
)
AppointmentStartApi = _action(
    "AppointmentStartApi",
    "Start the visit",
    lambda user, a, reason: appointment_start(acting_user=user, appointment=a),
    visit_step=True,
)
AppointmentCompleteApi = _action(
    "AppointmentCompleteApi",
    "Complete the visit",
    lambda user, a, reason: appointment_complete(acting_user=user, appointment=a),
    visit_step=True,
)
AppointmentCancelApi = _action(
    "AppointmentCancelApi",
    "Cancel, with a reason (frees every resource)",
    lambda user, a, reason: appointment_cancel(acting_user=user, appointment=a, reason=reason),
    reason_required=True,
)
AppointmentNoShowApi = _action(
    "AppointmentNoShowApi",
    "Mark as a no-show (frees every resource)",
    lambda user, a, reason: appointment_mark_no_show(acting_user=user, appointment=a, reason=reason),
)


class AppointmentRescheduleApi(_ActionApi):
    """POST /api/appointments/<id>/reschedule/ (seed 4.5): a new appointment linked to the old one."""

    class InputSerializer(StartInputMixin, serializers.Serializer):
        start = AwareDateTimeField(required=False)
        date = serializers.DateField(required=False)
        time = serializers.TimeField(required=False)
        doctor_id = ExistingField(noun="doctor", queryset=DOCTORS, source="doctor", required=False)
        room_id = ExistingField(noun="room", queryset=Room.objects.all(), source="room", required=False)
        therapist_id = ExistingField(
            noun="therapist", queryset=THERAPISTS, source="therapist", required=False
        )
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    def act(self, request, appointment, data):
        data = self.InputSerializer().resolve_start(dict(data), appointment.branch)
        return appointment_reschedule(acting_user=request.user, appointment=appointment, **data)


AppointmentRescheduleApi.post = extend_schema(
    request=AppointmentRescheduleApi.InputSerializer,
    responses={201: AppointmentDetailOutputSerializer, 400: ERROR, 409: CONFLICT},
    summary="Reschedule (books the new time, marks the old one rescheduled)",
)(AppointmentRescheduleApi.post)


class AppointmentAllocateResourcesApi(_ActionApi):
    """POST /api/appointments/<id>/allocate-resources/ (seed 4.8.3): {room_id, therapist_id, approve}."""

    class InputSerializer(serializers.Serializer):
        room_id = ExistingField(
            noun="room", queryset=Room.objects.all(), source="room", required=False, allow_null=True
        )
        therapist_id = ExistingField(
            noun="therapist", queryset=THERAPISTS, source="therapist", required=False, allow_null=True
        )
        approve = serializers.BooleanField(default=False)

    def act(self, request, appointment, data):
        return appointment_allocate_resources(acting_user=request.user, appointment=appointment, **data)


AppointmentAllocateResourcesApi.post = extend_schema(
    request=AppointmentAllocateResourcesApi.InputSerializer,
    responses={200: AppointmentDetailOutputSerializer, 400: ERROR, 409: CONFLICT},
    summary="Allocate a room and/or therapist, optionally approving",
)(AppointmentAllocateResourcesApi.post)


# --- Doctor schedules (seed 4.5: /api/doctor-schedules/) --------------------------------------------


def _schedules_for(request) -> QuerySet[DoctorSchedule]:
    return doctor_schedule_list(branch_ids=branch_ids_for(request.user))


class ScheduleInput(serializers.Serializer):
    day_of_week = serializers.ChoiceField(choices=Weekday.choices)
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    slot_duration_minutes = serializers.IntegerField(default=30)
    max_patients_per_slot = serializers.IntegerField(default=1)
    is_active = serializers.BooleanField(default=True)
    breaks = BreakSerializer(many=True, required=False)


def _breaks(data: dict) -> list[BreakInput] | None:
    items = data.pop("breaks", None)
    return (
        None
        if items is None
        else [BreakInput(b["start_time"], b["end_time"], b.get("label", "Lunch")) for b in items]
    )


class DoctorScheduleListCreateApi(APIView):
    """GET /api/doctor-schedules/?staff_id=&branch_id=; POST to add a weekly schedule (slots follow)."""

    permission_classes = [IsClinicStaff]

    class FilterSerializer(serializers.Serializer):
        staff_id = serializers.UUIDField(required=False)
        branch_id = serializers.UUIDField(required=False)

    class CreateSerializer(ScheduleInput):
        staff_id = ExistingField(noun="doctor", queryset=DOCTORS, source="staff")
        branch_id = ExistingField(noun="branch", queryset=Branch.objects.all(), source="branch")

    @extend_schema(
        parameters=[FilterSerializer],
        responses=ScheduleOutputSerializer(many=True),
        summary="Doctors' weekly schedules at your branches",
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        schedules = doctor_schedule_list(branch_ids=branch_ids_for(request.user), **filters.validated_data)
        return Response({"results": ScheduleOutputSerializer(schedules, many=True).data})

    @extend_schema(
        request=CreateSerializer,
        responses={201: ScheduleOutputSerializer, 400: ERROR, 403: ERROR},
        summary="Add a weekly schedule",
    )
    def post(self, request):
        serializer = self.CreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        require(
            can_manage_schedules(request.user, data["branch"]),
            "You can manage schedules only at your branches.",
        )
        breaks = _breaks(data)
        schedule = doctor_schedule_create(acting_user=request.user, breaks=breaks, **data)
        return Response(
            ScheduleOutputSerializer(_schedules_for(request).get(pk=schedule.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class DoctorScheduleStaffApi(APIView):
    """GET /api/doctor-schedules/staff/<staff_id>/ (seed 4.5's GET /api/doctor-schedules/{staff_id})."""

    permission_classes = [IsClinicStaff]

    @extend_schema(responses=ScheduleOutputSerializer(many=True), summary="One doctor's weekly schedules")
    def get(self, request, staff_id):
        schedules = doctor_schedule_list(branch_ids=branch_ids_for(request.user), staff_id=staff_id)
        return Response({"results": ScheduleOutputSerializer(schedules, many=True).data})


class DoctorScheduleDetailApi(APIView):
    """GET, PUT/PATCH (slots regenerate; booked ones stay) or DELETE one schedule."""

    permission_classes = [IsClinicStaff]

    class UpdateSerializer(ScheduleInput):
        def __init__(self, *args, **kwargs):
            kwargs["partial"] = True
            super().__init__(*args, **kwargs)

    def _get(self, request, schedule_id) -> DoctorSchedule:
        return get_object_or_404(_schedules_for(request), pk=schedule_id)

    @extend_schema(responses={200: ScheduleOutputSerializer, 404: ERROR}, summary="One weekly schedule")
    def get(self, request, schedule_id):
        return Response(ScheduleOutputSerializer(self._get(request, schedule_id)).data)

    @extend_schema(
        request=UpdateSerializer,
        responses={200: ScheduleOutputSerializer, 400: ERROR},
        summary="Change a weekly schedule",
    )
    def put(self, request, schedule_id):
        schedule = self._get(request, schedule_id)
        require(
            can_manage_schedules(request.user, schedule.branch),
            "You can manage schedules only at your branches.",
        )
        serializer = self.UpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        breaks = _breaks(data)
        doctor_schedule_update(acting_user=request.user, schedule=schedule, data=data, breaks=breaks)
        return Response(ScheduleOutputSerializer(self._get(request, schedule_id)).data)

    patch = put

    @extend_schema(responses={204: None, 404: ERROR}, summary="Remove a weekly schedule")
    def delete(self, request, schedule_id):
        schedule = self._get(request, schedule_id)
        require(
            can_manage_schedules(request.user, schedule.branch),
            "You can manage schedules only at your branches.",
        )
        doctor_schedule_delete(acting_user=request.user, schedule=schedule)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GenerateSlotsApi(APIView):
    """POST /api/doctor-schedules/generate-slots/ {branch_id, staff_id?, weeks?}."""

    permission_classes = [IsFrontDeskOrAdmin]

    class InputSerializer(serializers.Serializer):
        branch_id = ExistingField(noun="branch", queryset=Branch.objects.all(), source="branch")
        staff_id = ExistingField(noun="doctor", queryset=DOCTORS, source="staff", required=False)
        weeks = serializers.IntegerField(min_value=1, max_value=26, required=False)

    @extend_schema(
        request=InputSerializer,
        summary="Generate missing slots ahead (idempotent)",
        responses={200: inline_serializer("SlotsGenerated", {"created": serializers.IntegerField()})},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        require(
            can_manage_schedules(request.user, data["branch"]),
            "You can manage schedules only at your branches.",
        )
        return Response({"created": slot_generate(**data)})


class _SlotsInput(serializers.Serializer):
    slot_ids = serializers.ListField(child=serializers.UUIDField(), required=False, allow_empty=False)
    staff_id = ExistingField(noun="doctor", queryset=DOCTORS, source="staff", required=False)
    branch_id = ExistingField(noun="branch", queryset=Branch.objects.all(), source="branch", required=False)
    start = AwareDateTimeField(required=False)
    end = AwareDateTimeField(required=False)


def _slot_output(slot: AppointmentSlot) -> dict:
    return {
        "id": str(slot.pk),
        "doctor_id": str(slot.staff_id),
        "date": slot.slot_date,
        "start_time": slot.start_time.strftime("%H:%M"),
        "end_time": slot.end_time.strftime("%H:%M"),
        "is_blocked": slot.is_blocked,
        "block_reason": slot.block_reason,
        "current_bookings": slot.current_bookings,
        "max_bookings": slot.max_bookings,
    }


def _slots_at_my_branches(request, ids) -> list[AppointmentSlot]:
    slots = list(AppointmentSlot.objects.filter(pk__in=ids).select_related("branch"))
    if len(slots) != len(set(ids)):
        raise serializers.ValidationError({"slot_ids": "Some of these slots do not exist."})
    for slot in slots:
        require(can_manage_schedules(request.user, slot.branch), "You can block slots only at your branches.")
    return slots


class BlockSlotsApi(APIView):
    """POST /api/doctor-schedules/block-slots/ {slot_ids | staff_id + start + end [+ branch_id], reason}."""

    permission_classes = [IsFrontDeskOrAdmin]

    class InputSerializer(_SlotsInput):
        reason = serializers.CharField(max_length=255)

    @extend_schema(
        request=InputSerializer,
        summary="Block slots (meetings, training); refused if booked",
        responses={
            200: inline_serializer("SlotsBlocked", {"results": serializers.ListField()}),
            400: ERROR,
            409: ERROR,
        },
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        ids = data.pop("slot_ids", None)
        if ids is not None:
            data["slots"] = _slots_at_my_branches(request, ids)
        else:
            allowed = branch_ids_for(request.user)
            if data.get("branch") is not None:
                require(
                    works_at(request.user, data["branch"].pk), "You can block slots only at your branches."
                )
            elif allowed is not None and data.get("staff") is not None:
                data["branch"] = user_branch(request, None)
        slots = slot_block(acting_user=request.user, **data)
        return Response({"results": [_slot_output(s) for s in slots]})


class UnblockSlotsApi(APIView):
    """POST /api/doctor-schedules/unblock-slots/ {slot_ids}."""

    permission_classes = [IsFrontDeskOrAdmin]

    class InputSerializer(serializers.Serializer):
        slot_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)

    @extend_schema(
        request=InputSerializer,
        summary="Give blocked slots back",
        responses={200: inline_serializer("SlotsUnblocked", {"results": serializers.ListField()})},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slots = slot_unblock(
            acting_user=request.user,
            slots=_slots_at_my_branches(request, serializer.validated_data["slot_ids"]),
        )
        return Response({"results": [_slot_output(s) for s in slots]})


# --- Leave and holidays ----------------------------------------------------------------------------

AWAY_STAFF = Staff.objects.filter(staff_type__in=[StaffType.DOCTOR, StaffType.THERAPIST, StaffType.NURSE])


def _can_record_leave(user, staff: Staff, branch: Branch | None) -> bool:
    """The desk of the branch; leave at every branch needs the desk of each of the person's branches."""
    if branch is not None:
        return can_manage_schedules(user, branch) and staff.branches.filter(pk=branch.pk).exists()
    allowed = branch_ids_for(user)
    return in_group(user, *DESK_ROLES) and (
        allowed is None or set(staff.branches.values_list("pk", flat=True)) <= set(allowed)
    )


def _leave_output(leave: StaffLeave) -> dict:
    return {
        "id": str(leave.pk),
        "staff": {"id": str(leave.staff_id), "name": leave.staff.display_name},
        "branch_id": str(leave.branch_id) if leave.branch_id else None,
        "start_date": leave.start_date,
        "end_date": leave.end_date,
        "start_time": leave.start_time.strftime("%H:%M") if leave.start_time else None,
        "end_time": leave.end_time.strftime("%H:%M") if leave.end_time else None,
        "reason": leave.reason,
    }


def _holiday_output(holiday: Holiday) -> dict:
    return {"id": holiday.pk, "branch_id": str(holiday.branch_id), "date": holiday.date, "name": holiday.name}


def _outcome_output(outcome: AbsenceOutcome, record: dict) -> dict:
    return {
        "record": record,
        "slots_removed": outcome.slots_removed,
        "affected": AppointmentOutputSerializer(outcome.affected, many=True).data,
    }


OUTCOME = inline_serializer(
    "AbsenceOutcome",
    {
        "record": serializers.DictField(),
        "slots_removed": serializers.IntegerField(),
        "affected": AppointmentOutputSerializer(many=True),
    },
)


class StaffLeaveListCreateApi(APIView):
    """GET /api/doctor-schedules/leave/ (coming leave at my branches) and POST (record leave)."""

    permission_classes = [IsFrontDeskOrAdmin]

    class FilterSerializer(serializers.Serializer):
        staff_id = serializers.UUIDField(required=False)

    class InputSerializer(serializers.Serializer):
        staff_id = ExistingField(noun="doctor, therapist or nurse", queryset=AWAY_STAFF, source="staff")
        branch_id = ExistingField(
            noun="branch",
            queryset=Branch.objects.all(),
            source="branch",
            required=False,
            allow_null=True,
            help_text="Leave out (or null) for leave at every branch the person works at.",
        )
        start_date = serializers.DateField()
        end_date = serializers.DateField()
        start_time = serializers.TimeField(
            required=False, allow_null=True, help_text="Wall clock; none: from the start of the first day."
        )
        end_time = serializers.TimeField(
            required=False, allow_null=True, help_text="Wall clock; none: to the end of the last day."
        )
        reason = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")

    @extend_schema(
        parameters=[FilterSerializer],
        summary="Coming leave at my branches",
        responses={200: inline_serializer("StaffLeaveList", {"results": serializers.ListField()})},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = staff_leave_list(branch_ids=branch_ids_for(request.user), **filters.validated_data)
        return Response({"results": [_leave_output(leave) for leave in rows]})

    @extend_schema(
        request=InputSerializer,
        summary="Record leave: its free slots go; appointments inside are listed, not cancelled",
        responses={201: OUTCOME, 400: ERROR, 403: ERROR},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        require(
            _can_record_leave(request.user, data["staff"], data.get("branch")),
            "You can record leave only for staff of your branches.",
        )
        outcome = staff_leave_record(acting_user=request.user, **data)
        body = _outcome_output(outcome, _leave_output(outcome.record))
        return Response(body, status=status.HTTP_201_CREATED)


class StaffLeaveDetailApi(APIView):
    """DELETE /api/doctor-schedules/leave/<id>/: withdraw a leave; the slots come back."""

    permission_classes = [IsFrontDeskOrAdmin]

    @extend_schema(
        summary="Cancel leave (its slots are generated again)",
        responses={200: inline_serializer("LeaveCancelled", {"slots_created": serializers.IntegerField()})},
    )
    def delete(self, request, leave_id):
        leave = get_object_or_404(StaffLeave.objects.select_related("staff", "branch"), pk=leave_id)
        require(
            _can_record_leave(request.user, leave.staff, leave.branch),
            "You can cancel leave only for staff of your branches.",
        )
        return Response({"slots_created": staff_leave_cancel(acting_user=request.user, leave=leave)})


class HolidayListCreateApi(APIView):
    """GET /api/doctor-schedules/holidays/ (coming holidays at my branches) and POST (record one)."""

    permission_classes = [IsFrontDeskOrAdmin]

    class InputSerializer(serializers.Serializer):
        branch_id = ExistingField(noun="branch", queryset=Branch.objects.all(), source="branch")
        date = serializers.DateField(help_text="The branch's local date.")
        name = serializers.CharField(max_length=100)

    @extend_schema(
        summary="Coming holidays at my branches",
        responses={200: inline_serializer("HolidayList", {"results": serializers.ListField()})},
    )
    def get(self, request):
        rows = holiday_list(branch_ids=branch_ids_for(request.user))
        return Response({"results": [_holiday_output(h) for h in rows]})

    @extend_schema(
        request=InputSerializer,
        summary="Record a holiday: its free slots go; appointments that day are listed, not cancelled",
        responses={201: OUTCOME, 400: ERROR, 403: ERROR},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        require(
            can_manage_schedules(request.user, data["branch"]), "Only the desk of that branch can do this."
        )
        outcome = holiday_record(acting_user=request.user, **data)
        body = _outcome_output(outcome, _holiday_output(outcome.record))
        return Response(body, status=status.HTTP_201_CREATED)


class HolidayDetailApi(APIView):
    """DELETE /api/doctor-schedules/holidays/<id>/: open the branch again that day."""

    permission_classes = [IsFrontDeskOrAdmin]

    @extend_schema(
        summary="Cancel a holiday (its slots are generated again)",
        responses={200: inline_serializer("HolidayCancelled", {"slots_created": serializers.IntegerField()})},
    )
    def delete(self, request, holiday_id):
        holiday = get_object_or_404(Holiday.objects.select_related("branch"), pk=holiday_id)
        require(
            can_manage_schedules(request.user, holiday.branch), "Only the desk of that branch can do this."
        )
        return Response({"slots_created": holiday_cancel(acting_user=request.user, holiday=holiday)})


# --- Room and therapist/nurse blocks ---------------------------------------------------------------

ROOMS = Room.objects.filter(is_deleted=False).select_related("branch")


def _block_output(block, branch: Branch | None = None) -> dict:
    """Times on the room's branch's clock; a person's block (they may work at several branches) on
    the branch asked about, else the clinic's default zone."""
    branch = block.room.branch if block.room_id else branch

    def when(value):
        return value.astimezone(branch.zone).isoformat() if branch else timezone.localtime(value).isoformat()

    return {
        "id": str(block.pk),
        "resource_type": block.resource_type,
        "room": {"id": str(block.room_id), "name": str(block.room)} if block.room_id else None,
        "staff": {"id": str(block.staff_id), "name": block.staff.display_name} if block.staff_id else None,
        "starts_at": when(block.period.lower),
        "ends_at": when(block.period.upper),
        "reason": block.block_reason,
        "status": block.status,
        "blocked_by": block.allocated_by.get_username() if block.allocated_by_id else None,
        "blocked_at": block.allocated_at,
    }


def _can_manage_block(user, block) -> bool:
    """The desk of the room's branch; for a person, the desk of one of the branches they work at."""
    if block.room_id:
        return can_manage_schedules(user, block.room.branch)
    allowed = branch_ids_for(user)
    return in_group(user, *DESK_ROLES) and (
        allowed is None or block.staff.branches.filter(pk__in=allowed).exists()
    )


BLOCK = inline_serializer(
    "ResourceBlock",
    {
        "id": serializers.UUIDField(),
        "resource_type": serializers.ChoiceField(choices=["room", "therapist", "nurse"]),
        "room": serializers.DictField(allow_null=True),
        "staff": serializers.DictField(allow_null=True),
        "starts_at": serializers.DateTimeField(),
        "ends_at": serializers.DateTimeField(),
        "reason": serializers.CharField(),
        "status": serializers.CharField(),
        "blocked_by": serializers.CharField(allow_null=True),
        "blocked_at": serializers.DateTimeField(),
    },
)
BLOCK_CONFLICT = OpenApiResponse(
    description='409: {"error": {"code": "resource_busy", "message", "appointments": [{"id", "number", '
    '"starts_at", "ends_at", "status"}], "blocks": [{"id", "reason", "starts_at", "ends_at"}]}}: '
    "what is in the way; nothing was written."
)


class ResourceBlockListCreateApi(APIView):
    """GET /api/appointments/resource-blocks/ (blocks not yet over at my branches) and POST (block a
    room, or a therapist or nurse, for a time with a reason)."""

    permission_classes = [IsFrontDeskOrAdmin]

    class FilterSerializer(serializers.Serializer):
        room_id = serializers.UUIDField(required=False)
        staff_id = serializers.UUIDField(required=False)
        start = AwareDateTimeField(required=False, help_text="With `end`: blocks overlapping that time.")
        end = AwareDateTimeField(required=False)

    class InputSerializer(serializers.Serializer):
        branch_id = ExistingField(
            noun="branch", queryset=Branch.objects.all(), source="branch", required=False
        )
        room_id = ExistingField(noun="room", queryset=ROOMS, source="room", required=False)
        staff_id = ExistingField(
            noun="therapist or nurse", queryset=THERAPISTS, source="staff", required=False
        )
        start = AwareDateTimeField()
        end = AwareDateTimeField()
        reason = serializers.CharField(max_length=255, help_text="Why: 'AC maintenance', 'Laser training'.")

    @extend_schema(
        parameters=[FilterSerializer],
        summary="Room and therapist/nurse blocks at my branches",
        responses={200: inline_serializer("ResourceBlockList", {"results": serializers.ListField()})},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = resource_block_list(branch_ids=branch_ids_for(request.user), **filters.validated_data)
        return Response({"results": [_block_output(b) for b in rows]})

    @extend_schema(
        request=InputSerializer,
        summary="Block a room or a therapist/nurse (maintenance, training); refused if booked then",
        responses={201: BLOCK, 400: ERROR, 403: ERROR, 409: BLOCK_CONFLICT},
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        room = data.get("room")
        branch = data.pop("branch", None) or (room.branch if room is not None else user_branch(request, None))
        require(
            can_manage_schedules(request.user, branch), "You can block rooms and staff only at your branches."
        )
        block = resource_block(acting_user=request.user, branch=branch, **data)
        block = resource_block_get(pk=block.pk)
        return Response(_block_output(block, branch), status=status.HTTP_201_CREATED)


class ResourceBlockDetailApi(APIView):
    """DELETE /api/appointments/resource-blocks/<id>/: lift a block (kept on record, cancelled)."""

    permission_classes = [IsFrontDeskOrAdmin]

    @extend_schema(
        summary="Lift a room or therapist/nurse block",
        responses={200: BLOCK, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def delete(self, request, block_id):
        try:
            block = resource_block_get(pk=block_id)
        except ResourceAllocation.DoesNotExist:
            raise Http404 from None
        require(_can_manage_block(request.user, block), "You can lift blocks only at your branches.")
        resource_block_lift(acting_user=request.user, block=block)
        return Response(_block_output(resource_block_get(pk=block_id)))


def _name_schema_components() -> None:
    """Each view's nested serializers get a schema component name of their own (AppointmentBookInput,
    not a shared "Input"), so the OpenAPI schema has no name collisions."""
    for view in [v for v in globals().values() if isinstance(v, type) and issubclass(v, APIView)]:
        for attr in ("InputSerializer", "UpdateSerializer", "FilterSerializer", "CreateSerializer"):
            nested = view.__dict__.get(attr)
            if nested is not None:
                name = view.__name__.removesuffix("Api") + attr.removesuffix("Serializer")
                extend_schema_serializer(component_name=name)(nested)


_name_schema_components()
