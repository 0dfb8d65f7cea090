"""Shapes shared by the appointment API views: output of appointments, start options and schedules,
and the input fields that turn ids into rows with a message a person can act on."""

import copy
import uuid
from dataclasses import dataclass
from typing import ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from appointments.clock import local_instant
from appointments.models import Appointment, DoctorSchedule
from appointments.selectors.lookups import rows_by_id
from clinic.models import Branch


def local_iso(value, branch: Branch) -> str | None:
    return value.astimezone(branch.zone).isoformat() if value else None


class ExistingField(serializers.PrimaryKeyRelatedField):
    """An id that must name an existing row: 'No doctor with this id.' rather than DRF's wording."""

    def __init__(self, *, noun: str, **kwargs):
        self.noun = noun
        super().__init__(**kwargs)
        self.error_messages["does_not_exist"] = f"No {noun} with this id."
        self.error_messages["incorrect_type"] = f"Give the {noun}'s id (a UUID)."

    def to_internal_value(self, data):
        try:
            value = uuid.UUID(str(data))
        except ValueError:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(self.parent, LookedUpTogether):
            return _Pending(self, value)
        try:
            return super().to_internal_value(data)
        except DjangoValidationError:
            self.fail("does_not_exist", pk_value=data)


@dataclass(frozen=True)
class _Pending:
    field: ExistingField
    value: uuid.UUID


class LookedUpTogether:
    """A serializer mixin: its ExistingFields check each id's form, then all rows are read by one query
    (selectors.lookups.rows_by_id) instead of one query per field. The answers are the same: an
    unknown id is "No <noun> with this id." on its field."""

    def to_internal_value(self, data):
        attrs = super().to_internal_value(data)
        pending = {name: value for name, value in attrs.items() if isinstance(value, _Pending)}
        key = (type(self).__module__, type(self).__qualname__)
        rows = rows_by_id(
            {
                name: ((*key, p.field.field_name), p.field.get_queryset(), p.value)
                for name, p in pending.items()
            }
        )
        errors = {}
        for name, p in pending.items():
            if rows[name] is None:
                errors[p.field.field_name] = [p.field.error_messages["does_not_exist"]]
            attrs[name] = rows[name]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class AwareDateTimeField(serializers.DateTimeField):
    """An instant with its offset; a naive time is ambiguous across branch zones, so it is refused."""

    default_error_messages = {
        "naive": "Give the time zone offset, e.g. 2026-11-26T10:30:00+05:30 (or send date and time).",
    }

    def to_internal_value(self, value):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is not None and parsed.tzinfo is None:
            self.fail("naive")
        return super().to_internal_value(value)


class StartInputMixin:
    """`start` as an instant, or `date` + `time` on the branch's wall clock."""

    def resolve_start(self, attrs: dict, branch: Branch, *, required: bool = True) -> dict:
        start, day, clock = attrs.get("start"), attrs.pop("date", None), attrs.pop("time", None)
        if start is None and day is not None and clock is not None:
            start = local_instant(branch.zone, day, clock)
            if start is None:
                raise serializers.ValidationError(
                    {"time": "That time does not exist on that day (clocks change)."}
                )
        if start is None and required:
            raise serializers.ValidationError({"start": "Give the start, or the date and the time."})
        attrs["start"] = start
        return attrs


class PersonOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(source="display_name")


class AppointmentOutputSerializer(serializers.ModelSerializer):
    """An appointment as lists and the queue show it, times in the branch's zone."""

    patient = serializers.SerializerMethodField()
    doctor = PersonOutput(allow_null=True)
    therapist = PersonOutput(allow_null=True)
    branch = serializers.SerializerMethodField()
    service = serializers.SerializerMethodField()
    package = serializers.SerializerMethodField()
    appointment_type = serializers.SerializerMethodField()
    room = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display")
    date = serializers.DateField(source="appointment_date")
    start_time = serializers.TimeField(format="%H:%M")
    end_time = serializers.TimeField(format="%H:%M")
    starts_at = serializers.SerializerMethodField()
    ends_at = serializers.SerializerMethodField()
    duration_minutes = serializers.IntegerField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "booking_source",
            "priority",
            "patient",
            "doctor",
            "therapist",
            "branch",
            "service",
            "package",
            "appointment_type",
            "room",
            "date",
            "start_time",
            "end_time",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "requires_approval",
            "approved_at",
            "resource_allocation_status",
            "is_follow_up",
            "parent_appointment",
            "rescheduled_from",
            "chief_complaint",
            "patient_notes",
            "internal_notes",
            "cancellation_reason",
            "checked_in_at",
            "actual_start_time",
            "actual_end_time",
            "created_at",
        ]

    _built_fields: ClassVar[dict[type, dict]] = {}

    def get_fields(self):
        """ModelSerializer introspects the model for every instance; the result depends only on the
        class, so it is built once per class and copied (as DRF copies declared fields)."""
        cls = type(self)
        if cls not in self._built_fields:
            self._built_fields[cls] = super().get_fields()
        return copy.deepcopy(self._built_fields[cls])

    def get_patient(self, obj) -> dict:
        return {"id": str(obj.patient_id), "mrn": obj.patient.mrn, "full_name": obj.patient.full_name}

    def get_branch(self, obj) -> dict:
        return {
            "id": str(obj.branch_id),
            "code": obj.branch.code,
            "name": obj.branch.name,
            "time_zone": obj.branch.time_zone,
        }

    def _named(self, item) -> dict | None:
        return {"id": str(item.pk), "name": item.name} if item is not None else None

    def get_service(self, obj) -> dict | None:
        return self._named(obj.service)

    def get_package(self, obj) -> dict | None:
        return self._named(obj.package)

    def get_appointment_type(self, obj) -> dict | None:
        return self._named(obj.appointment_type)

    def get_room(self, obj) -> dict | None:
        room = obj.room
        return (
            {"id": str(room.pk), "name": room.room_name, "code": room.room_code, "type": room.room_type}
            if room
            else None
        )

    def get_starts_at(self, obj) -> str:
        return local_iso(obj.starts_at, obj.branch)

    def get_ends_at(self, obj) -> str:
        return local_iso(obj.ends_at, obj.branch)


class PatientAppointmentOutputSerializer(AppointmentOutputSerializer):
    """What the patient sees of their own booking: no internal notes."""

    class Meta(AppointmentOutputSerializer.Meta):
        fields = [f for f in AppointmentOutputSerializer.Meta.fields if f != "internal_notes"]


class AppointmentDetailOutputSerializer(AppointmentOutputSerializer):
    history = serializers.SerializerMethodField()
    allocations = serializers.SerializerMethodField()
    rescheduled_to = serializers.SerializerMethodField()

    class Meta(AppointmentOutputSerializer.Meta):
        fields = [*AppointmentOutputSerializer.Meta.fields, "rescheduled_to", "history", "allocations"]

    def get_history(self, obj) -> list[dict]:
        return [
            {
                "old_status": h.old_status,
                "new_status": h.new_status,
                "changed_by": h.changed_by.get_username() if h.changed_by else None,
                "change_reason": h.change_reason,
                "changed_at": local_iso(h.changed_at, obj.branch),
            }
            for h in obj.status_history.all()
        ]

    def get_allocations(self, obj) -> list[dict]:
        return [
            {
                "resource_type": a.resource_type,
                "resource": str(a.room or a.staff),
                "resource_id": str(a.room_id or a.staff_id),
                "start": local_iso(a.period.lower, obj.branch),
                "end": local_iso(a.period.upper, obj.branch),
                "status": a.status,
            }
            for a in obj.allocations.all()
        ]

    def get_rescheduled_to(self, obj) -> str | None:
        try:
            return str(obj.rescheduled_to.pk)
        except Appointment.rescheduled_to.RelatedObjectDoesNotExist:
            return None


class StartOptionOutput(serializers.Serializer):
    doctor_id = serializers.UUIDField()
    start = serializers.CharField(help_text="In the branch's zone, with its offset.")
    end = serializers.CharField()
    date = serializers.DateField()
    time = serializers.CharField(help_text="HH:MM on the branch's clock.")
    capacity_left = serializers.IntegerField()
    room_ids = serializers.ListField(child=serializers.UUIDField())
    therapist_ids = serializers.ListField(child=serializers.UUIDField())


class BreakSerializer(serializers.Serializer):
    start_time = serializers.TimeField(format="%H:%M")
    end_time = serializers.TimeField(format="%H:%M")
    label = serializers.CharField(max_length=50, default="Lunch")


class ScheduleOutputSerializer(serializers.ModelSerializer):
    doctor = PersonOutput(source="staff")
    branch = serializers.SerializerMethodField()
    day_name = serializers.CharField(source="get_day_of_week_display")
    start_time = serializers.TimeField(format="%H:%M")
    end_time = serializers.TimeField(format="%H:%M")
    breaks = BreakSerializer(many=True)

    class Meta:
        model = DoctorSchedule
        fields = [
            "id",
            "doctor",
            "branch",
            "day_of_week",
            "day_name",
            "start_time",
            "end_time",
            "slot_duration_minutes",
            "max_patients_per_slot",
            "is_active",
            "breaks",
        ]

    def get_branch(self, obj) -> dict:
        return {"id": str(obj.branch_id), "code": obj.branch.code, "name": obj.branch.name}
