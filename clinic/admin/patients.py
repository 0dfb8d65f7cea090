"""Patients in the back office. Every write goes through clinic.services.patients, which keeps the
encryption and blind indexes; the list and the search never touch an encrypted column in SQL."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from clinic.admin.base import (
    BranchScopedMixin,
    CheckboxArrayField,
    ServiceFormMixin,
    request_branch_ids,
    run_for_each,
)
from clinic.identifiers import phone_display
from clinic.models import Patient, SpecialGroup
from clinic.selectors.patients import patient_search
from clinic.services.patients import (
    EDITABLE_FIELDS,
    PII_FIELDS,
    patient_crypto_shred,
    patient_duplicates,
    patient_register,
    patient_soft_delete,
    patient_update,
)

SEARCH_LIMIT = 500
PHONE_FIELDS = ("phone", "alternate_phone", "emergency_contact_phone")
ERASE_INTRO = (
    "The data keys of these patients will be destroyed. Their names, phone numbers, addresses and every "
    "other encrypted detail become unreadable for good, including in backups. Clinical records stay, under "
    "the MRN only."
)
ERASE_WARNING = "This cannot be undone. Do it only on a verified erasure request that retention law allows."


class PatientAdminForm(forms.ModelForm):
    """Plain columns are model fields; the encrypted ones are form fields (clinic.fields gives them)
    filled with the decrypted values, so Django never validates or assigns ciphertext columns itself."""

    special_groups = CheckboxArrayField(choices=SpecialGroup.choices)

    class Meta:
        model = Patient
        fields = [
            "registered_branch",
            "sex",
            "special_groups",
            "preferred_language",
            "emergency_contact_relation",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PII_FIELDS:
            model_field = Patient._meta.get_field(name)
            field = model_field.formfield()
            field.label = capfirst(model_field.verbose_name)  # "PIN code", "ABHA number"
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            elif name == "address":
                field.widget = forms.Textarea(attrs={"rows": 2, "cols": 60})
            self.fields[name] = field
            if self.instance.pk is not None:
                value = getattr(self.instance, name)
                self.initial[name] = phone_display(value) if name in PHONE_FIELDS else value


class _NamedByMRN:
    """A patient as the admin history (django_admin_log, a plaintext table) names it: by MRN only,
    so no name is left behind there when the patient's identity is erased."""

    def __init__(self, patient: Patient):
        self.pk, self._meta, self.mrn = patient.pk, patient._meta, patient.mrn

    def __str__(self) -> str:
        return self.mrn


class PatientStatusFilter(admin.SimpleListFilter):
    title = "record"
    parameter_name = "record"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("closed", "Closed (soft-deleted)"), ("erased", "Identity erased")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(is_deleted=False)
        if self.value() == "closed":
            return queryset.filter(is_deleted=True, pii_key__isnull=False)
        if self.value() == "erased":
            return queryset.filter(pii_key__isnull=True)
        return queryset


@admin.register(Patient)
class PatientAdmin(ServiceFormMixin, BranchScopedMixin, admin.ModelAdmin):
    form = PatientAdminForm
    branch_lookup = "registered_branch"
    list_display = ["mrn", "full_name", "phone_number", "registered_branch", "created_at", "record_state"]
    list_filter = [
        PatientStatusFilter,
        ("registered_branch", admin.RelatedOnlyFieldListFilter),
        "sex",
        "created_at",
    ]
    # Only the MRN and dates sort: the encrypted columns cannot be ordered in SQL.
    ordering = ["-created_at"]
    sortable_by = ["mrn", "registered_branch", "created_at"]
    search_fields = ["mrn"]  # shows the box; get_search_results does the real work
    search_help_text = "Phone in any format, MRN, or name (3+ letters of each word)."
    actions = ["close_records", "erase_identity"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pii_key", "registered_branch")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        found = patient_search(query=term, branch_ids=request_branch_ids(request), limit=SEARCH_LIMIT)
        # The exact MRN also finds closed and erased records, which the blind-index search leaves out.
        return queryset.filter(Q(pk__in=found.values("pk")) | Q(mrn__iexact=term)), False

    # --- the form ---------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        registration = (
            ["registered_branch"]
            if obj is None
            else [
                "mrn",
                "registered_branch",
                "record_state",
                "created_at",
                "created_by",
                "updated_at",
            ]
        )
        return [
            ("Identity", {"fields": [("first_name", "last_name"), "date_of_birth", "sex"]}),
            (
                "Contact",
                {
                    "fields": [
                        "phone",
                        "alternate_phone",
                        "email",
                        "address",
                        "pin_code",
                        "preferred_language",
                    ]
                },
            ),
            ("ABHA (Ayushman Bharat Health Account)", {"fields": ["abha_number", "abha_address"]}),
            (
                "Emergency contact",
                {
                    "fields": [
                        "emergency_contact_name",
                        "emergency_contact_relation",
                        "emergency_contact_phone",
                    ]
                },
            ),
            ("Care", {"fields": ["special_groups"]}),
            ("Registration", {"fields": registration}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["mrn", "registered_branch", "record_state", "created_at", "created_by", "updated_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The admin passes every name in the fieldsets as model fields; the encrypted ones are the
        # form's own (see PatientAdminForm), so they are left out of what Django maps onto the model.
        fields = kwargs.pop("fields", None) or flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = [name for name in fields if name not in PII_FIELDS]
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_erased:
            return False  # nothing left to edit; the record stays for the clinical history
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # records are closed (soft delete) or their identity erased, never deleted

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS if name in form.cleaned_data}
        if change:
            changed = {name: value for name, value in data.items() if name in form.changed_data}
            if changed:
                patient_update(acting_user=request.user, patient=obj, data=changed)
            return
        patient = patient_register(
            acting_user=request.user,
            branch=form.cleaned_data["registered_branch"],
            data=data,
            allow_duplicate=True,
        )
        self.adopt(obj, patient)
        duplicates = patient_duplicates(
            first_name=patient.first_name,
            last_name=patient.last_name,
            phone=patient.phone,
            exclude_id=patient.pk,
        )
        if duplicates:
            links = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                ((reverse("admin:clinic_patient_change", args=[p.pk]), p.mrn) for p in duplicates),
            )
            self.message_user(
                request,
                format_html(
                    "Possible duplicate: {} already has this name and phone. If it is the same person, "
                    "keep one record and close the other.",
                    links,
                ),
                messages.WARNING,
            )

    def log_addition(self, request, obj, message):
        return super().log_addition(request, _NamedByMRN(obj), message)

    def log_change(self, request, obj, message):
        return super().log_change(request, _NamedByMRN(obj), message)

    # --- columns ----------------------------------------------------------------------------

    @admin.display(description="Name")
    def full_name(self, obj):
        return obj.full_name if not obj.is_erased else "[identity erased]"

    @admin.display(description="Phone")
    def phone_number(self, obj):
        return phone_display(obj.phone)

    @admin.display(description="Record")
    def record_state(self, obj):
        if obj.is_erased:
            return "Identity erased"
        return "Closed" if obj.is_deleted else "Active"

    # --- actions ----------------------------------------------------------------------------

    def has_close_permission(self, request):
        return request.user.has_perm("clinic.delete_patient")

    def has_crypto_shred_permission(self, request):
        return request.user.is_superuser

    @admin.action(description="Close selected patient records (soft delete)", permissions=["close"])
    def close_records(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.filter(is_deleted=False),
            lambda patient: patient_soft_delete(acting_user=request.user, patient=patient),
            done="Closed {count} patient record(s). They no longer appear in searches.",
        )

    @admin.action(description="Erase identity (crypto-shred)…", permissions=["crypto_shred"])
    def erase_identity(self, request, queryset):
        patients = list(queryset.filter(pii_key__isnull=False))
        if request.POST.get("post") == "yes":
            run_for_each(
                self,
                request,
                patients,
                lambda patient: patient_crypto_shred(acting_user=request.user, patient=patient),
                done="Erased the identity of {count} patient(s). Their clinical records remain, unnamed.",
            )
            return None
        return TemplateResponse(
            request,
            "admin/clinic/action_confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Erase patient identity",
                "intro": ERASE_INTRO,
                "warning": ERASE_WARNING,
                "objects": patients,
                "action": "erase_identity",
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "confirm_label": "Yes, erase their identity",
            },
        )
