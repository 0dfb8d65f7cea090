"""Hospitals, branches, staff and rooms."""

import zoneinfo

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from clinic.admin.base import BranchScopedMixin, CheckboxArrayField, run_for_each
from clinic.models import Branch, Hospital, Room, Staff, StaffType, Weekday
from clinic.services.rooms import room_retire

WEEKDAY_SHORT = {day.value: day.label[:3] for day in Weekday}
EN_DASH = "\u2013"


def working_days_label(days: list[int]) -> str:
    """[0, 1, 2, 3, 4, 5] as 'Mon-Sat' (with an en dash); [0, 2, 4] as 'Mon, Wed, Fri'."""
    runs: list[list[int]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAY_SHORT[run[0]]}{EN_DASH}{WEEKDAY_SHORT[run[-1]]}")
        else:
            parts.extend(WEEKDAY_SHORT[d] for d in run)
    return ", ".join(parts) or "closed"


def clock(value) -> str:
    """09:30 as '9:30 am'."""
    return f"{value.hour % 12 or 12}:{value:%M} {'am' if value.hour < 12 else 'pm'}"


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "phone", "email", "branch_count", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "legal_name"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "legal_name", "code", "is_active"]}),
        ("Contact", {"fields": ["phone", "email", "website"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(branch_count=Count("branches"))

    @admin.display(description="Branches", ordering="branch_count")
    def branch_count(self, obj):
        return obj.branch_count


class BranchAdminForm(forms.ModelForm):
    working_days = CheckboxArrayField(
        choices=Weekday.choices, coerce=int, help_text="Days the branch is open."
    )
    time_zone = forms.ChoiceField(
        choices=[(tz, tz) for tz in sorted(zoneinfo.available_timezones())],
        initial="Asia/Kolkata",
        help_text="Schedules are wall-clock times in this zone.",
    )

    class Meta:
        model = Branch
        fields = [
            "hospital",
            "name",
            "code",
            "is_active",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "pin_code",
            "phone",
            "email",
            "gstin",
            "time_zone",
            "working_days",
            "opens_at",
            "closes_at",
        ]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}),
            "closes_at": forms.TimeInput(attrs={"type": "time"}),
        }


@admin.register(Branch)
class BranchAdmin(BranchScopedMixin, admin.ModelAdmin):
    branch_lookup = "pk"
    form = BranchAdminForm
    list_display = ["name", "code", "hospital", "city", "days_open", "hours", "room_count", "is_active"]
    list_filter = ["is_active", ("hospital", admin.RelatedOnlyFieldListFilter), "state"]
    list_select_related = ["hospital"]
    search_fields = ["name", "code", "city"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["hospital", "name", "code", "is_active"]}),
        ("Address", {"fields": ["address_line1", "address_line2", "city", "state", "pin_code"]}),
        ("Contact and tax", {"fields": ["phone", "email", "gstin"]}),
        ("Hours", {"fields": ["time_zone", "working_days", ("opens_at", "closes_at")]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(room_count=Count("rooms"))

    def get_changeform_initial_data(self, request):
        return {"working_days": [0, 1, 2, 3, 4, 5], **super().get_changeform_initial_data(request)}

    @admin.display(description="Open")
    def days_open(self, obj):
        return working_days_label(obj.working_days)

    @admin.display(description="Hours")
    def hours(self, obj):
        return f"{clock(obj.opens_at)} {EN_DASH} {clock(obj.closes_at)}"

    @admin.display(description="Rooms", ordering="room_count")
    def room_count(self, obj):
        return obj.room_count


@admin.register(Staff)
class StaffAdmin(BranchScopedMixin, admin.ModelAdmin):
    list_display = [
        "display_name",
        "staff_type",
        "login",
        "branch_codes",
        "phone",
        "registration_number",
        "is_active",
    ]
    list_filter = ["staff_type", ("branches", admin.RelatedOnlyFieldListFilter), "is_active"]
    list_select_related = ["user"]
    search_fields = ["first_name", "last_name", "user__username", "phone", "email", "registration_number"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["branches"]
    readonly_fields = ["signature_preview", "created_at", "updated_at"]
    ordering = ["first_name", "last_name"]

    def scope_to_branches(self, queryset, branch_ids):
        # Through the M2M, as a subquery: a person at two of my branches is listed once.
        return queryset.filter(pk__in=Staff.objects.filter(branches__in=branch_ids).values("pk"))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("branches")

    def get_fieldsets(self, request, obj=None):
        is_doctor = obj is None or obj.staff_type == StaffType.DOCTOR
        return [
            (
                None,
                {
                    "fields": [
                        "user",
                        "hospital",
                        "staff_type",
                        "title",
                        ("first_name", "last_name"),
                        "is_active",
                    ]
                },
            ),
            ("Contact", {"fields": ["phone", "email"]}),
            ("Branches", {"fields": ["branches"]}),
            (
                "Medical registration",
                {
                    "fields": [
                        "specialization",
                        "qualifications",
                        "registration_number",
                        "registration_council",
                        "signature",
                        "signature_preview",
                    ],
                    "description": "Doctors need a registration number; it and the signature are printed on "
                    "prescriptions.",
                    "classes": [] if is_doctor else ["collapse"],
                },
            ),
            ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
        ]

    @admin.display(description="Name", ordering="first_name")
    def display_name(self, obj):
        return obj.display_name

    @admin.display(description="Login", ordering="user__username")
    def login(self, obj):
        return obj.user.get_username() if obj.user else "-"

    @admin.display(description="Branches")
    def branch_codes(self, obj):
        return ", ".join(b.code for b in obj.branches.all()) or "-"

    @admin.display(description="Signature on file")
    def signature_preview(self, obj):
        if not obj.signature:
            return "No signature uploaded."
        return format_html(
            '<img src="{}" alt="Signature of {}" style="max-height:80px;max-width:320px;background:#fff">',
            obj.signature.url,
            obj.display_name,
        )


class RetiredFilter(admin.SimpleListFilter):
    title = "retired"
    parameter_name = "retired"

    def lookups(self, request, model_admin):
        return [("no", "In service"), ("yes", "Retired")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_deleted=self.value() == "yes")
        return queryset


class RoomAdminForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = [
            "branch",
            "room_code",
            "room_name",
            "room_type",
            "is_active",
            "display_order",
            "capacity",
            "default_slot_duration_minutes",
            "buffer_minutes",
            "features",
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("branch"):
            # A room's hospital is its branch's; asking for both would only allow them to disagree.
            self.instance.hospital = cleaned["branch"].hospital
        return cleaned


@admin.register(Room)
class RoomAdmin(BranchScopedMixin, admin.ModelAdmin):
    form = RoomAdminForm
    list_display = [
        "room_name",
        "room_code",
        "branch",
        "room_type",
        "capacity",
        "buffer_minutes",
        "display_order",
        "state",
    ]
    list_filter = [("branch", admin.RelatedOnlyFieldListFilter), "room_type", "is_active", RetiredFilter]
    list_select_related = ["branch"]
    search_fields = ["room_name", "room_code"]
    ordering = ["branch__name", "display_order", "room_code"]
    actions = ["retire_rooms"]
    readonly_fields = ["created_at", "updated_at", "deleted_at"]
    fieldsets = [
        (None, {"fields": ["branch", ("room_code", "room_name"), "room_type", "is_active", "display_order"]}),
        ("Scheduling", {"fields": ["capacity", "default_slot_duration_minutes", "buffer_minutes"]}),
        ("Features", {"fields": ["features"]}),
        ("Record", {"fields": ["created_at", "updated_at", "deleted_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description="Status")
    def state(self, obj):
        if obj.is_deleted:
            return "Retired"
        return "In use" if obj.is_active else "Closed for now"

    def has_delete_permission(self, request, obj=None):
        return False  # rooms are retired: bookings and records keep pointing at them

    def has_retire_permission(self, request):
        return request.user.has_perm("clinic.delete_room")

    @admin.action(description="Retire selected rooms", permissions=["retire"])
    def retire_rooms(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.filter(is_deleted=False),
            lambda room: room_retire(acting_user=request.user, room=room),
            done="Retired {count} room(s). They stay in past bookings and can no longer be booked.",
        )
