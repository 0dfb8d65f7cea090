"""Forms of the front desk's appointment pages. They check shape and resolve ids within what the
user may see; the rules (free times, workflow, schedules) live in appointments.services, whose
errors the views put back next to the fields they name.

The booking wizard keeps its whole state in the form (hidden fields), never in the session: a
reload, the back button or a second tab cannot mix two bookings up.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError

from appointments.models import AppointmentStatus, BookingSource, Priority, SlotLength
from clinic.models import Package, Service, Weekday

HIDDEN = forms.HiddenInput

DESK_SOURCES = [
    (BookingSource.FRONT_DESK, "At the counter"),
    (BookingSource.PHONE, "Phone call"),
    (BookingSource.WHATSAPP, "WhatsApp"),
]


def parse_aware(value: str) -> datetime.datetime | None:
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else None


class BookingStateForm(forms.Form):
    """What the wizard has chosen so far. Ids that are unknown or outside the user's branches are
    dropped, which sends the wizard back to the step that chooses them."""

    branch = forms.ModelChoiceField(queryset=None, required=False, widget=HIDDEN)
    patient = forms.ModelChoiceField(queryset=None, required=False, widget=HIDDEN)
    item = forms.CharField(required=False, widget=HIDDEN, max_length=60)
    doctor = forms.ModelChoiceField(queryset=None, required=False, widget=HIDDEN)
    day = forms.DateField(required=False, widget=HIDDEN, input_formats=["%Y-%m-%d"])
    week = forms.DateField(required=False, widget=HIDDEN, input_formats=["%Y-%m-%d"])
    start = forms.CharField(required=False, widget=HIDDEN, max_length=40)
    room = forms.ModelChoiceField(queryset=None, required=False, widget=HIDDEN)
    therapist = forms.ModelChoiceField(queryset=None, required=False, widget=HIDDEN)
    parent = forms.ModelChoiceField(queryset=None, required=False, widget=HIDDEN)
    reschedule = forms.ModelChoiceField(queryset=None, required=False, widget=HIDDEN)
    token = forms.CharField(required=False, widget=HIDDEN, max_length=64)

    def __init__(self, *args, branches, patients, doctors, rooms, therapists, appointments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        self.fields["patient"].queryset = patients
        self.fields["doctor"].queryset = doctors
        self.fields["room"].queryset = rooms
        self.fields["therapist"].queryset = therapists
        self.fields["parent"].queryset = appointments
        self.fields["reschedule"].queryset = appointments

    def clean_item(self):
        value = self.cleaned_data.get("item") or ""
        kind, _, pk = value.partition(":")
        model = {"service": Service, "package": Package}.get(kind)
        if not value:
            return None
        if model is None:
            raise ValidationError("Choose a service or a package.")
        try:
            return model.objects.filter(is_active=True).get(pk=pk)
        except (model.DoesNotExist, ValidationError, ValueError):
            raise ValidationError("That service is no longer offered.") from None

    def clean_start(self):
        value = self.cleaned_data.get("start")
        if not value:
            return None
        parsed = parse_aware(value)
        if parsed is None:
            raise ValidationError("Choose a time from the list.")
        return parsed

    def state(self) -> dict:
        """The valid values; anything invalid counts as not chosen yet."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}


class BookingDetailsForm(forms.Form):
    """The summary step: how the booking came in, and what the patient says."""

    source = forms.ChoiceField(
        label="How did the patient book?",
        choices=DESK_SOURCES,
        initial=BookingSource.FRONT_DESK,
        required=False,
        widget=forms.RadioSelect,
    )
    priority = forms.ChoiceField(
        label="Priority",
        choices=Priority.choices,
        initial=Priority.NORMAL,
        required=False,
        widget=forms.RadioSelect,
    )
    chief_complaint = forms.CharField(
        label="Reason for the visit",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text="In the patient's words, e.g. 'itchy rash on both arms for a week'.",
    )
    confirm_now = forms.BooleanField(
        label="Confirm it now (you approve the booking)", required=False, initial=True
    )
    check_in_now = forms.BooleanField(
        label="The patient is here: check them in now (walk-in)", required=False
    )

    reason = forms.CharField(
        label="Why is it moved?",
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Kept in the history, e.g. 'Patient asked for the evening'.",
    )

    def clean_source(self):
        return self.cleaned_data.get("source") or BookingSource.FRONT_DESK

    def clean_priority(self):
        return self.cleaned_data.get("priority") or Priority.NORMAL


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason for cancelling",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text="Kept in the appointment's history, e.g. 'Patient called: travelling'.",
        error_messages={"required": "Say why the appointment is cancelled."},
    )


class AllocateForm(forms.Form):
    room = forms.ModelChoiceField(label="Room", queryset=None, required=False, empty_label="Keep as it is")
    therapist = forms.ModelChoiceField(
        label="Therapist", queryset=None, required=False, empty_label="Keep as it is"
    )
    approve = forms.BooleanField(label="Also approve the booking", required=False)

    def __init__(self, *args, rooms, therapists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = rooms
        self.fields["therapist"].queryset = therapists

    def clean(self):
        data = super().clean()
        if not data.get("room") and not data.get("therapist") and not data.get("approve"):
            raise ValidationError("Choose a room or a therapist to allocate.")
        return data


DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
DATE_WIDGET = forms.DateInput(
    format="%d/%m/%Y", attrs={"placeholder": "DD/MM/YYYY", "inputmode": "numeric", "autocomplete": "off"}
)
STATUS_FILTERS = [(s.value, s.label) for s in AppointmentStatus]


class AppointmentFilterForm(forms.Form):
    """The list's filters: dates, doctor, status, source, branch. GET, and nothing personal."""

    date_from = forms.DateField(label="From", required=False, input_formats=DATE_FORMATS, widget=DATE_WIDGET)
    date_to = forms.DateField(label="To", required=False, input_formats=DATE_FORMATS, widget=DATE_WIDGET)
    doctor = forms.ModelChoiceField(label="Doctor", queryset=None, required=False, empty_label="All doctors")
    status = forms.MultipleChoiceField(
        label="Status", choices=STATUS_FILTERS, required=False, widget=forms.CheckboxSelectMultiple
    )
    source = forms.ChoiceField(
        label="Booked through", choices=[("", "Any way"), *BookingSource.choices], required=False
    )
    branch = forms.ModelChoiceField(label="Branch", queryset=None, required=False, empty_label=None)

    def __init__(self, *args, doctors, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doctor"].queryset = doctors
        self.fields["branch"].queryset = branches

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data


def _time(label: str, **kwargs) -> forms.TimeField:
    return forms.TimeField(
        label=label, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **kwargs
    )


class ScheduleForm(forms.Form):
    """One weekday of a doctor's template, with at most one break (lunch)."""

    day_of_week = forms.TypedChoiceField(label="Day", choices=Weekday.choices, coerce=int)
    start_time = _time("From")
    end_time = _time("To")
    slot_duration_minutes = forms.TypedChoiceField(
        label="Slot length", choices=SlotLength.choices, coerce=int, initial=SlotLength.MIN_30
    )
    max_patients_per_slot = forms.IntegerField(
        label="Patients per slot", min_value=1, max_value=20, initial=1
    )
    break_start = _time("Break from", required=False)
    break_end = _time("Break to", required=False)
    break_label = forms.CharField(label="Break", max_length=50, required=False, initial="Lunch")
    is_active = forms.BooleanField(label="Taking appointments on this day", required=False, initial=True)

    def clean(self):
        data = super().clean()
        if bool(data.get("break_start")) != bool(data.get("break_end")):
            self.add_error("break_end", "Give both the start and the end of the break, or neither.")
        return data


class GenerateSlotsForm(forms.Form):
    weeks = forms.IntegerField(label="Weeks ahead", min_value=1, max_value=26, initial=4)


class BlockTimeForm(forms.Form):
    # Typed DD/MM/YYYY: a type="date" input follows the browser's language (US order on many PCs).
    date = forms.DateField(
        label="Date",
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter the date as DD/MM/YYYY, e.g. 26/11/2026."},
        widget=DATE_WIDGET,
    )
    start_time = _time("From")
    end_time = _time("To")
    reason = forms.CharField(
        label="Reason",
        max_length=255,
        help_text="Shown on the calendar, e.g. 'Staff meeting' or 'Laser training'.",
        error_messages={"required": "Say why the time is blocked."},
    )

    def clean(self):
        data = super().clean()
        if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
            self.add_error("end_time", "The end must be after the start.")
        return data


class RoomBlockForm(BlockTimeForm):
    """A room closed for a time (maintenance, cleaning), from the room calendar."""

    room = forms.ModelChoiceField(
        label="Room", queryset=None, error_messages={"required": "Choose the room to block."}
    )
    field_order = ["room", "date", "start_time", "end_time", "reason"]

    def __init__(self, *args, rooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = rooms
        self.fields["reason"].help_text = "Shown on the room calendar, e.g. 'AC maintenance'."
        self.fields["reason"].error_messages["required"] = "Say why the room is blocked."


class LeaveForm(forms.Form):
    """A doctor's leave from the schedules page: whole days, or from a time on the first day to a
    time on the last. Used with prefix "leave" (the page's block form has fields of the same names)."""

    start_date = forms.DateField(
        label="First day",
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter the date as DD/MM/YYYY, e.g. 26/11/2026."},
        widget=DATE_WIDGET,
    )
    end_date = forms.DateField(
        label="Last day",
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter the date as DD/MM/YYYY, e.g. 26/11/2026."},
        widget=DATE_WIDGET,
    )
    start_time = _time("From", required=False, help_text="Empty: the whole first day.")
    end_time = _time("Until", required=False, help_text="Empty: the whole last day.")
    all_branches = forms.BooleanField(label="At every branch this doctor works at", required=False)
    reason = forms.CharField(label="Reason", max_length=255, required=False)


class HolidayForm(forms.Form):
    date = forms.DateField(
        label="Date",
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Enter the date as DD/MM/YYYY, e.g. 26/11/2026."},
        widget=DATE_WIDGET,
    )
    name = forms.CharField(label="Name", max_length=100, error_messages={"required": "Name the holiday."})
