"""What every clinic admin shares: branch scoping, service refusals shown on the form, money."""

from decimal import Decimal

from babel.numbers import format_currency
from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from clinic.api_errors import ApplicationError
from clinic.permissions import branch_ids_for

SERVICE_ERRORS = (ValidationError, ApplicationError)


def inr(amount: Decimal | None) -> str:
    """₹1,25,000.00: rupees with Indian (lakh) grouping, as UX.md asks."""
    if amount is None:
        return "-"
    return format_currency(amount, "INR", locale="en_IN")


def request_branch_ids(request: HttpRequest) -> list | None:
    """clinic.permissions.branch_ids_for, asked once per request (None: every branch)."""
    if not hasattr(request, "_clinic_branch_ids"):
        request._clinic_branch_ids = branch_ids_for(request.user)
    return request._clinic_branch_ids


class BranchScopedMixin:
    """Staff see and choose only what belongs to their branches; superusers see everything.

    `branch_lookup` is the path from the model to a branch id ("branch", "registered_branch", "pk"
    for Branch itself); a model that reaches its branch another way overrides `scope_to_branches`.
    Works on ModelAdmin and inline classes alike.
    """

    branch_lookup = "branch"

    def scope_to_branches(self, queryset: QuerySet, branch_ids: list) -> QuerySet:
        return queryset.filter(**{f"{self.branch_lookup}__in": branch_ids})

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        branch_ids = request_branch_ids(request)
        return queryset if branch_ids is None else self.scope_to_branches(queryset, branch_ids)

    def _scoped_choices(self, db_field, request) -> QuerySet | None:
        if request_branch_ids(request) is None:
            return None
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if isinstance(related_admin, BranchScopedMixin):
            return related_admin.get_queryset(request)
        return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = self._scoped_choices(db_field, request)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = self._scoped_choices(db_field, request)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ServiceFormMixin:
    """Admin writes go through services (STYLE.md 1); their refusals appear on the form.

    A service runs in save_model, after the form has validated. When it refuses (ValidationError
    or ApplicationError), the admin's transaction rolls back and the view is rendered once more
    with the refusal attached to the form: the fields it names get the messages, so the person
    sees "the date of birth is in the future" next to the date, never a server error.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SERVICE_ERRORS as exc:
            if request.method != "POST" or hasattr(request, "_clinic_service_error"):
                raise
            request._clinic_service_error = exc
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "_clinic_service_error", None)
        if error is None:
            return form_class
        return type(form_class.__name__, (_RefusedFormMixin, form_class), {"service_error": error})

    @staticmethod
    def adopt(obj, saved) -> None:
        """Make the admin's unsaved `obj` the row the service saved (the admin redirects with obj.pk)."""
        obj.__dict__.update(saved.__dict__)


class _RefusedFormMixin:
    service_error: Exception

    def clean(self):
        cleaned = super().clean()
        error = self.service_error
        if isinstance(error, ApplicationError):
            self.add_error(None, error.message)
        elif hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                if field == NON_FIELD_ERRORS:
                    self.add_error(None, errors)
                elif field in self.fields:
                    self.add_error(field, errors)
                else:
                    self.add_error(None, [f"{field.replace('_', ' ').capitalize()}: {e}" for e in errors])
        else:
            self.add_error(None, error.messages)
        return cleaned


def run_for_each(modeladmin, request, objects, service, *, done: str) -> int:
    """Call `service(obj)` for each selected row; report successes and each refusal by name."""
    succeeded = 0
    for obj in objects:
        try:
            service(obj)
        except SERVICE_ERRORS as exc:
            message = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
            modeladmin.message_user(request, f"{obj}: {message}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done.format(count=succeeded), messages.SUCCESS)
    return succeeded


class CheckboxArrayField(forms.TypedMultipleChoiceField):
    """An ArrayField of choices as a row of checkboxes (working days, special groups)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, choices, coerce=str, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(choices=choices, coerce=coerce, **kwargs)
