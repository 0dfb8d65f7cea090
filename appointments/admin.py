"""Scheduling in the back office: weekly schedules with their breaks, slots (generate, block), leave,
holidays, appointment types, resource requirements; appointments and allocations to look at.

Writes go through appointments.services; appointments themselves are changed from the front desk's
pages and the API (the workflow service keeps their history), so here they are read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone

from appointments.clock import local_instant
from appointments.models import (
    Appointment,
    AppointmentSlot,
    AppointmentStatusHistory,
    AppointmentType,
    DoctorSchedule,
    Holiday,
    ResourceAllocation,
    ScheduleBreak,
    ServiceResourceRequirement,
    StaffLeave,
)
from appointments.selectors.blocks import BLOCK_TYPES, allocations_in_the_way
from appointments.services import (
    doctor_schedule_delete,
    slot_block,
    slot_generate,
    slot_regenerate,
    slot_unblock,
)
from appointments.services.absences import (
    holiday_cancel,
    holiday_record,
    holiday_update,
    holiday_validate,
    staff_leave_cancel,
    staff_leave_record,
    staff_leave_refuse_overlap,
    staff_leave_update,
    staff_leave_validate,
)
from appointments.services.blocks import (
    BLOCKABLE_STAFF,
    resource_block,
    resource_block_lift,
    resource_block_validate,
)
from appointments.services.schedules import validate_schedule
from clinic.admin.base import SERVICE_ERRORS, BranchScopedMixin, request_branch_ids
from clinic.api_errors import ApplicationError
from clinic.models import Branch, Room, Staff

EN_DASH = "\u2013"
BLOCK_INTRO = (
    "No booking can take these slots until they are unblocked. Slots with bookings cannot be blocked: "
    "move or cancel the bookings first."
)


def clock(value) -> str:
    """09:30 as '9:30 am'."""
    return f"{value.hour % 12 or 12}:{value:%M} {'am' if value.hour < 12 else 'pm'}"


def local_when(instant, branch) -> str:
    """26 Nov 2026, 9:30 am on the branch's clock (UX.md)."""
    local = instant.astimezone(branch.zone)
    return f"{local.day} {local:%b %Y}, {clock(local)}"


class StaffBranchesScopedMixin(BranchScopedMixin):
    """Rows that reach a branch through a person (leave, allocations): the person's branches."""

    def scope_to_branches(self, queryset, branch_ids):
        return queryset.filter(staff__in=Staff.objects.filter(branches__in=branch_ids).values("pk"))


# --- Schedules and slots ----------------------------------------------------------------------------


class ScheduleBreakInline(admin.TabularInline):
    model = ScheduleBreak
    extra = 1
    fields = ["label", "start_time", "end_time"]


class DoctorScheduleForm(forms.ModelForm):
    class Meta:
        model = DoctorSchedule
        fields = [
            "staff",
            "branch",
            "day_of_week",
            "start_time",
            "end_time",
            "slot_duration_minutes",
            "max_patients_per_slot",
            "is_active",
        ]
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}),
            "end_time": forms.TimeInput(attrs={"type": "time"}),
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            validate_schedule(
                staff=cleaned["staff"],
                branch=cleaned["branch"],
                day_of_week=cleaned["day_of_week"],
                start_time=cleaned["start_time"],
                end_time=cleaned["end_time"],
                slot_duration_minutes=cleaned["slot_duration_minutes"],
                max_patients_per_slot=cleaned["max_patients_per_slot"],
                breaks=[],
                exclude_id=self.instance.pk,
            )
        return cleaned


@admin.register(DoctorSchedule)
class DoctorScheduleAdmin(BranchScopedMixin, admin.ModelAdmin):
    form = DoctorScheduleForm
    inlines = [ScheduleBreakInline]
    list_display = [
        "staff",
        "branch",
        "day_of_week",
        "hours",
        "breaks_shown",
        "slot_duration_minutes",
        "max_patients_per_slot",
        "is_active",
    ]
    list_filter = [
        "day_of_week",
        "is_active",
        ("branch", admin.RelatedOnlyFieldListFilter),
        ("staff", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["staff", "branch"]
    search_fields = ["staff__first_name", "staff__last_name"]
    ordering = ["staff__first_name", "branch__name", "day_of_week"]
    actions = ["generate_slots"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("breaks")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "staff":
            field.queryset = field.queryset.filter(staff_type="doctor", is_active=True, is_deleted=False)
        return field

    @admin.display(description="Hours")
    def hours(self, obj):
        return f"{clock(obj.start_time)} {EN_DASH} {clock(obj.end_time)}"

    @admin.display(description="Breaks")
    def breaks_shown(self, obj):
        return (
            ", ".join(
                f"{b.label} {clock(b.start_time)}{EN_DASH}{clock(b.end_time)}" for b in obj.breaks.all()
            )
            or "-"
        )

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        if not change:
            obj.created_by = request.user
        obj._history_user = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the breaks, then the slots follow
        schedule = form.instance
        deleted, created = slot_regenerate(staff=schedule.staff, branch=schedule.branch)
        self.message_user(
            request, f"Slots regenerated: {created} added, {deleted} free future slots replaced."
        )

    def delete_model(self, request, obj):
        doctor_schedule_delete(acting_user=request.user, schedule=obj)

    def delete_queryset(self, request, queryset):
        for schedule in queryset:
            doctor_schedule_delete(acting_user=request.user, schedule=schedule)

    @admin.action(description="Generate slots (4 weeks)", permissions=["change"])
    def generate_slots(self, request, queryset):
        pairs = {(s.staff, s.branch) for s in queryset.select_related("staff", "branch")}
        created = sum(slot_generate(staff=staff, branch=branch, weeks=4) for staff, branch in pairs)
        self.message_user(
            request, f"{created} slots added (those already there were kept).", messages.SUCCESS
        )


class BlockReasonForm(forms.Form):
    reason = forms.CharField(max_length=255, help_text="Shown on the calendar, e.g. 'Staff meeting'.")


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(BranchScopedMixin, admin.ModelAdmin):
    list_display = ["staff", "branch", "slot_date", "time", "bookings", "is_blocked", "block_reason"]
    list_filter = [
        "is_blocked",
        ("branch", admin.RelatedOnlyFieldListFilter),
        ("staff", admin.RelatedOnlyFieldListFilter),
        "slot_date",
    ]
    list_select_related = ["staff", "branch"]
    date_hierarchy = "slot_date"
    search_fields = ["staff__first_name", "staff__last_name", "block_reason"]
    ordering = ["slot_date", "start_time"]
    actions = ["block_slots", "unblock_slots"]
    readonly_fields = [
        "staff",
        "branch",
        "schedule",
        "slot_date",
        "start_time",
        "end_time",
        "starts_at",
        "ends_at",
        "max_bookings",
        "current_bookings",
        "is_blocked",
        "block_reason",
        "blocked_by",
        "blocked_at",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False  # slots come from schedules

    def has_delete_permission(self, request, obj=None):
        return False  # a schedule change regenerates free ones; booked ones stay

    @admin.display(description="Time", ordering="start_time")
    def time(self, obj):
        return f"{clock(obj.start_time)} {EN_DASH} {clock(obj.end_time)}"

    @admin.display(description="Booked")
    def bookings(self, obj):
        return f"{obj.current_bookings} / {obj.max_bookings}"

    @admin.action(description="Block selected slots…", permissions=["change"])
    def block_slots(self, request, queryset):
        slots = list(queryset.order_by("starts_at"))
        form = BlockReasonForm(request.POST if request.POST.get("post") == "yes" else None)
        if form.is_bound and form.is_valid():
            try:
                slot_block(acting_user=request.user, slots=slots, reason=form.cleaned_data["reason"])
            except SERVICE_ERRORS as exc:
                message = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
                self.message_user(request, message, messages.ERROR)
            else:
                self.message_user(request, f"Blocked {len(slots)} slot(s).", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/clinic/action_confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Block slots",
                "intro": BLOCK_INTRO,
                "objects": slots,
                "form": form,
                "action": "block_slots",
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "confirm_label": "Block them",
            },
        )

    @admin.action(description="Unblock selected slots", permissions=["change"])
    def unblock_slots(self, request, queryset):
        slots = list(queryset.filter(is_blocked=True))
        slot_unblock(acting_user=request.user, slots=slots)
        self.message_user(request, f"Unblocked {len(slots)} slot(s).", messages.SUCCESS)


# --- Leave, holidays, types, requirements ------------------------------------------------------------------


class StaffLeaveAdminForm(forms.ModelForm):
    """The service's own checks, so that a refusal shows on the form rather than after saving."""

    class Meta:
        model = StaffLeave
        fields = ["staff", "branch", "start_date", "end_date", "start_time", "end_time", "reason"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            staff_leave_validate(
                staff=data["staff"],
                branch=data.get("branch"),
                start_date=data["start_date"],
                end_date=data["end_date"],
                start_time=data.get("start_time"),
                end_time=data.get("end_time"),
                reason=data.get("reason") or "",
                now=timezone.now(),
            )
            # Said here as well as in the service (which decides, under a lock), so that the admin
            # shows it on the form instead of failing on save.
            probe = StaffLeave(
                pk=self.instance.pk,
                staff=data["staff"],
                branch=data.get("branch"),
                start_date=data["start_date"],
                end_date=data["end_date"],
                start_time=data.get("start_time"),
                end_time=data.get("end_time"),
            )
            staff_leave_refuse_overlap(probe, now=timezone.now())
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        except ApplicationError as exc:
            self.add_error(None, exc.message)
        return data


def _affected_message(outcome) -> str:
    removed = f"{outcome.slots_removed} free slot(s) removed"
    if not outcome.affected:
        return f"Saved; {removed}. No appointments fall inside it."
    numbers = ", ".join(a.number for a in outcome.affected[:10])
    more = f" and {len(outcome.affected) - 10} more" if len(outcome.affected) > 10 else ""
    return (
        f"Saved; {removed}. {len(outcome.affected)} appointment(s) fall inside it and were NOT cancelled: "
        f"{numbers}{more}. Reschedule or cancel them from the schedules page."
    )


class AbsenceAdminMixin:
    """Saves and deletions go through appointments.services.absences (slots removed and generated
    again, affected appointments reported), never a bare save()."""

    def _report(self, request, outcome) -> None:
        level = messages.WARNING if outcome.affected else messages.SUCCESS
        self.message_user(request, _affected_message(outcome), level)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(StaffLeave)
class StaffLeaveAdmin(AbsenceAdminMixin, StaffBranchesScopedMixin, admin.ModelAdmin):
    form = StaffLeaveAdminForm
    list_display = ["staff", "start_date", "end_date", "hours", "branch_shown", "reason"]
    list_filter = [("staff", admin.RelatedOnlyFieldListFilter), "start_date"]
    list_select_related = ["staff", "branch"]
    search_fields = ["staff__first_name", "staff__last_name", "reason"]
    fields = ["staff", "branch", "start_date", "end_date", "start_time", "end_time", "reason"]

    @admin.display(description="Branch")
    def branch_shown(self, obj):
        return obj.branch or "All branches"

    @admin.display(description="Hours")
    def hours(self, obj):
        if obj.is_whole_days:
            return "Whole days"
        start = clock(obj.start_time) if obj.start_time else "start of day"
        end = clock(obj.end_time) if obj.end_time else "end of day"
        return f"{start} to {end}"

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data.get(name) for name in form.Meta.fields if name != "staff"}
        values["reason"] = values["reason"] or ""
        if change:
            outcome = staff_leave_update(acting_user=request.user, leave=obj, **values)
        else:
            outcome = staff_leave_record(acting_user=request.user, staff=form.cleaned_data["staff"], **values)
        obj.pk = outcome.record.pk
        self._report(request, outcome)

    def delete_model(self, request, obj):
        staff_leave_cancel(acting_user=request.user, leave=obj)


class HolidayAdminForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["branch", "date", "name"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            holiday_validate(
                branch=data.get("branch") or self.instance.branch,
                date=data["date"],
                name=(data.get("name") or "").strip(),
                now=timezone.now(),
                exclude_pk=self.instance.pk,
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        return data

    def validate_unique(self):
        """The service says it in words ("already has a holiday on ..."), in clean()."""


@admin.register(Holiday)
class HolidayAdmin(AbsenceAdminMixin, BranchScopedMixin, admin.ModelAdmin):
    form = HolidayAdminForm
    list_display = ["date", "name", "branch"]
    list_filter = [("branch", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["branch"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        return ["branch"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            outcome = holiday_update(
                acting_user=request.user, holiday=obj, date=data["date"], name=data["name"]
            )
        else:
            outcome = holiday_record(
                acting_user=request.user, branch=data["branch"], date=data["date"], name=data["name"]
            )
        obj.pk = outcome.record.pk
        self._report(request, outcome)

    def delete_model(self, request, obj):
        holiday_cancel(acting_user=request.user, holiday=obj)


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "default_duration_minutes",
        "requires_doctor",
        "allow_self_booking",
        "is_active",
        "display_order",
    ]
    list_editable = ["display_order"]
    list_filter = ["is_active", "allow_self_booking"]
    search_fields = ["name", "code"]


@admin.register(ServiceResourceRequirement)
class ServiceResourceRequirementAdmin(admin.ModelAdmin):
    list_display = [
        "item",
        "requires_doctor",
        "requires_room",
        "room_type",
        "requires_therapist",
        "preparation_time_minutes",
        "cleanup_time_minutes",
        "is_active",
    ]
    list_filter = ["requires_room", "room_type", "requires_therapist", "is_active"]
    list_select_related = ["service", "package"]
    search_fields = ["service__name", "package__name"]
    autocomplete_fields = ["service", "package"]
    fieldsets = [
        (
            None,
            {"fields": ["service", "package", "is_active"], "description": "Either a service or a package."},
        ),
        (
            "Resources",
            {
                "fields": [
                    "requires_doctor",
                    ("requires_room", "room_type"),
                    "requires_therapist",
                    "requires_nurse",
                    "staff_count",
                ]
            },
        ),
        (
            "Time",
            {
                "fields": [("preparation_time_minutes", "cleanup_time_minutes")],
                "description": "Rooms and therapists are held this long before and after; rooms also keep "
                "their own buffer.",
            },
        ),
        (
            "Other",
            {
                "fields": ["special_requirements", "notes"],
                "description": 'e.g. {"alternative_room_types": ["ot"]} lets another room type host it.',
            },
        ),
    ]

    @admin.display(description="Service or package")
    def item(self, obj):
        return obj.service or obj.package


# --- Appointments and allocations (read-only here) ----------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatusHistoryInline(ReadOnlyInline):
    model = AppointmentStatusHistory
    fields = ["changed_at", "old_status", "new_status", "changed_by", "change_reason"]
    readonly_fields = fields
    ordering = ["changed_at"]


class AllocationInline(ReadOnlyInline):
    model = ResourceAllocation
    fields = ["resource_type", "room", "staff", "period", "status"]
    readonly_fields = fields


@admin.register(Appointment)
class AppointmentAdmin(BranchScopedMixin, admin.ModelAdmin):
    list_display = ["number", "patient_mrn", "doctor", "branch", "when", "status", "booking_source"]
    list_filter = [
        "status",
        "booking_source",
        ("branch", admin.RelatedOnlyFieldListFilter),
        ("doctor", admin.RelatedOnlyFieldListFilter),
        "is_follow_up",
        "resource_allocation_status",
    ]
    list_select_related = ["patient", "doctor", "branch"]
    date_hierarchy = "appointment_date"
    search_fields = ["number", "patient__mrn"]
    ordering = ["-starts_at"]
    inlines = [StatusHistoryInline, AllocationInline]
    fieldsets = [
        (None, {"fields": ["number", "patient", "status", "booking_source", "priority"]}),
        (
            "When and with whom",
            {
                "fields": [
                    "branch",
                    "doctor",
                    "appointment_date",
                    ("start_time", "end_time"),
                    "service",
                    "package",
                    "appointment_type",
                    "room",
                    "therapist",
                    "resource_allocation_status",
                ]
            },
        ),
        (
            "Workflow",
            {
                "fields": [
                    "requires_approval",
                    ("approved_by", "approved_at"),
                    ("confirmed_by", "confirmed_at"),
                    ("checked_in_by", "checked_in_at"),
                    ("actual_start_time", "actual_end_time"),
                    "cancellation_reason",
                    ("reminder_sent", "reminder_sent_at"),
                ]
            },
        ),
        ("Links", {"fields": ["parent_appointment", "is_follow_up", "rescheduled_from"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [
            f
            for fieldset in self.fieldsets
            for row in fieldset[1]["fields"]
            for f in (row if isinstance(row, tuple) else (row,))
        ]

    def has_add_permission(self, request):
        return False  # bookings are made at the front desk (or the API), through the booking service

    def has_delete_permission(self, request, obj=None):
        return False  # cancelled, never deleted: the history is the record

    @admin.display(description="MRN", ordering="patient__mrn")
    def patient_mrn(self, obj):
        return obj.patient.mrn

    @admin.display(description="When (branch time)", ordering="starts_at")
    def when(self, obj):
        return local_when(obj.starts_at, obj.branch)


class ResourceBlockAdminForm(forms.ModelForm):
    """Add a room or therapist/nurse block (maintenance, training) through services.blocks. Times are
    the branch's wall clock."""

    branch = forms.ModelChoiceField(queryset=Branch.objects.all())
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))

    class Meta:
        model = ResourceAllocation
        fields = ["room", "staff", "block_reason"]
        labels = {"staff": "Therapist or nurse", "block_reason": "Reason"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Staff.objects.filter(staff_type__in=BLOCKABLE_STAFF)
        self.fields["room"].queryset = Room.objects.filter(is_deleted=False).select_related("branch")
        self.fields["block_reason"].required = True

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        branch = data["branch"]
        start = local_instant(branch.zone, data["start_date"], data["start_time"])
        end = local_instant(branch.zone, data["end_date"], data["end_time"])
        if start is None or end is None:
            raise ValidationError("That time does not exist on the branch's clock (clocks went forward).")
        data["start"], data["end"] = start, end
        values = {"room": data.get("room"), "staff": data.get("staff"), "start": start, "end": end}
        try:
            resource_block_validate(
                branch=branch, reason=(data["block_reason"] or "").strip(), now=timezone.now(), **values
            )
            # What is in the way, shown on the form; the service's insert still has the last word.
            appointments, blocks = allocations_in_the_way(**values)
        except ValidationError as exc:
            names = {"room_id": "room", "staff_id": "staff", "reason": "block_reason", "start": None}
            for name, errors in exc.message_dict.items():
                field = names.get(name, name)
                self.add_error(field if field in self.fields else None, errors)
            return data
        if appointments:
            numbers = ", ".join(a.appointment.number for a in appointments[:10])
            self.add_error(None, f"Booked in that time ({numbers}); move or cancel them first.")
        elif blocks:
            self.add_error(None, f"Already blocked in that time ({blocks[0].block_reason}).")
        return data


BLOCK_FIELDSET = [
    "branch",
    "room",
    "staff",
    ("start_date", "start_time"),
    ("end_date", "end_time"),
    "block_reason",
]
BLOCK_FORM_INTRO = (
    "Block a room (maintenance, cleaning) or a therapist or nurse (training) for a time, on the "
    "branch's clock. Refused when someone is booked then. Doctors' time is blocked on their slots."
)


@admin.register(ResourceAllocation)
class ResourceAllocationAdmin(admin.ModelAdmin):
    """Allocations to look at; room and therapist/nurse blocks are added and lifted here (through
    services.blocks). Doctors' time is blocked on their slots."""

    list_display = [
        "resource_type",
        "resource",
        "period",
        "status",
        "appointment",
        "block_reason",
        "allocated_by",
    ]
    list_filter = ["resource_type", "status", ("appointment", admin.EmptyFieldListFilter)]
    list_select_related = ["room", "staff", "appointment", "allocated_by"]
    search_fields = ["appointment__number", "block_reason"]
    actions = ["lift_blocks"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ResourceBlockAdminForm
            kwargs["fields"] = [
                "branch",
                "room",
                "staff",
                "start_date",
                "start_time",
                "end_date",
                "end_time",
                "block_reason",
            ]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": BLOCK_FIELDSET, "description": BLOCK_FORM_INTRO})]
        return super().get_fieldsets(request, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        branch_ids = request_branch_ids(request)
        if branch_ids is None:
            return queryset
        return queryset.filter(
            Q(appointment__branch_id__in=branch_ids)
            | Q(room__branch_id__in=branch_ids)
            | Q(staff__in=Staff.objects.filter(branches__in=branch_ids).values("pk"))
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        block = resource_block(
            acting_user=request.user,
            branch=data["branch"],
            room=data.get("room"),
            staff=data.get("staff"),
            start=data["start"],
            end=data["end"],
            reason=data["block_reason"],
        )
        obj.__dict__.update({k: v for k, v in block.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Lift selected room/therapist blocks", permissions=["add"])
    def lift_blocks(self, request, queryset):
        lifted, skipped = 0, 0
        for block in queryset.filter(appointment__isnull=True, resource_type__in=BLOCK_TYPES):
            try:
                resource_block_lift(acting_user=request.user, block=block)
                lifted += 1
            except SERVICE_ERRORS:
                skipped += 1
        message = f"Lifted {lifted} block(s)."
        if skipped or queryset.count() > lifted:
            message += (
                " Appointments' allocations, doctors' blocks and blocks already lifted or over were left."
            )
        self.message_user(request, message, messages.SUCCESS if lifted else messages.WARNING)

    @admin.display(description="Resource")
    def resource(self, obj):
        return obj.room or obj.staff
