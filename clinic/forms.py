"""Forms of the staff pages. They check shape only (required, lengths, choices); the rules
(phone and ABHA formats, dates, duplicates) live in clinic.services.patients, whose
ValidationError is put back onto these fields by the views."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from clinic.models import Branch, Patient, Sex, SpecialGroup
from clinic.services.patients import EDITABLE_FIELDS


class StaffAuthenticationForm(AuthenticationForm):
    """Django's login form, for clinic staff accounts only (patients sign in on the portal)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The username or password is not right. Check both and try again "
        "(the password is case-sensitive).",
        "not_staff": "This account is not a clinic staff account. Patients sign in on the patient portal.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update(autocomplete="username", autocapitalize="none")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError(self.error_messages["not_staff"], code="not_staff")


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Phone, name or MRN",
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "e.g. 98450 12345, Asha Verma or MRN-BLR-2026-00012",
                "enterkeyhint": "search",
                "autofocus": True,
                "data-keynav-input": True,
            }
        ),
    )


def _text(label: str, max_length: int, *, required: bool = False, **attrs) -> forms.CharField:
    """A text field. `required` marks it for people and browsers (the required attribute) but is
    checked by the service, so that one submit shows every problem, the format ones included."""
    if required:
        attrs["required"] = True
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", **attrs}),
    )


def _phone(label: str, *, required: bool = False) -> forms.CharField:
    return _text(label, 30, required=required, inputmode="tel", type="tel")


class PatientForm(forms.Form):
    """Registration and correction of a patient's demographics (no clinical data)."""

    branch = forms.ModelChoiceField(
        label="Registering branch", queryset=Branch.objects.none(), empty_label=None, required=True
    )
    first_name = _text("First name", 100, required=True, autocapitalize="words")
    last_name = _text("Last name", 100, autocapitalize="words")
    phone = _phone("Mobile number", required=True)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, initial=Sex.UNKNOWN, widget=forms.RadioSelect)
    # Typed as DD/MM/YYYY whatever the browser's language (a type="date" input follows the
    # browser's locale, and many front-desk PCs are set to US English: 02/11 would then be 11 Feb).
    date_of_birth = forms.DateField(
        label="Date of birth",
        required=False,
        input_formats=["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y", "%Y-%m-%d"],
        error_messages={"invalid": "Enter the date of birth as DD/MM/YYYY, e.g. 26/11/1990."},
        widget=forms.DateInput(
            format="%d/%m/%Y",
            attrs={"placeholder": "DD/MM/YYYY", "inputmode": "numeric", "autocomplete": "off"},
        ),
    )
    preferred_language = forms.ChoiceField(
        label="Language for messages",
        choices=Patient._meta.get_field("preferred_language").choices,
        initial="en",
        widget=forms.RadioSelect,
    )
    alternate_phone = _phone("Alternate phone")
    email = forms.CharField(
        label="Email",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    address = forms.CharField(
        label="Address",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
    )
    pin_code = _text("PIN code", 6, inputmode="numeric")
    abha_number = _text("ABHA number", 20, inputmode="numeric")
    abha_address = _text("ABHA address", 100, autocapitalize="none")
    emergency_contact_name = _text("Emergency contact name", 100)
    emergency_contact_relation = _text("Relation", 30)
    emergency_contact_phone = _phone("Emergency contact phone")
    special_groups = forms.MultipleChoiceField(
        label="Special groups",
        choices=SpecialGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    confirm_different_person = forms.BooleanField(
        label="I have checked: this is a different person, register them as a new patient",
        required=False,
    )

    def __init__(self, *args, branches=None, **kwargs):
        """`branches`: where the user may register; None when editing (the branch does not change)."""
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = "Any format: 98450 12345, 098450-12345 or +91 98450 12345."
        self.fields["abha_number"].help_text = "14 digits, if the patient has one."
        self.fields["pin_code"].help_text = "6 digits."
        self.fields["date_of_birth"].help_text = "Day/month/year, e.g. 26/11/1990."
        self.only_branch = None
        if branches is not None:
            self.fields["first_name"].widget.attrs["autofocus"] = True
        if branches is None:
            del self.fields["branch"]
            del self.fields["confirm_different_person"]
        elif len(branches) == 1:
            # Nothing to choose: the branch is not a form value anyone could tamper with.
            self.only_branch = branches[0]
            del self.fields["branch"]
        else:
            self.fields["branch"].queryset = branches

    def registering_branch(self) -> Branch:
        return self.only_branch or self.cleaned_data["branch"]

    @classmethod
    def initial_from(cls, patient: Patient) -> dict:
        return {name: getattr(patient, name) for name in EDITABLE_FIELDS}

    def service_data(self) -> dict:
        """The cleaned values the patient services take, by their field names."""
        data = {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS}
        data["special_groups"] = list(data["special_groups"] or [])
        return data

    def add_service_errors(self, error) -> None:
        """Put a service's ValidationError next to the fields it names (the rest at the top)."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)
