"""Invoices, read-only: lines and totals are written by clinic.services.billing at the billing counter.
The back office can issue drafts and cancel unpaid invoices (with a reason) from the list."""

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import Q
from django.template.response import TemplateResponse

from clinic.admin.base import BranchScopedMixin, inr, request_branch_ids, run_for_each
from clinic.models import Invoice, InvoiceLine, InvoiceStatus
from clinic.selectors.patients import patient_search
from clinic.services.billing import invoice_cancel, invoice_issue

SEARCH_PATIENT_LIMIT = 200
CANCEL_INTRO = (
    "These invoices will be cancelled. Paid invoices, and invoices with a payment, are refused; stock "
    "already issued is not returned to the shelf by this."
)


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = [
        "description",
        "hsn_sac_code",
        "quantity",
        "unit_price_inr",
        "gst",
        "taxable_inr",
        "gst_inr",
        "total_inr",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "line"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Unit price (before GST)")
    def unit_price_inr(self, line):
        return inr(line.unit_price)

    @admin.display(description="GST rate")
    def gst(self, line):
        return f"{line.gst_rate.normalize():f}%"

    @admin.display(description="Taxable value")
    def taxable_inr(self, line):
        return inr(line.taxable_amount)

    @admin.display(description="GST")
    def gst_inr(self, line):
        return inr(line.gst_amount)

    @admin.display(description="Line total")
    def total_inr(self, line):
        return inr(line.line_total)


class CancelReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text="Kept in each invoice's notes, with your name and the time.",
    )


@admin.register(Invoice)
class InvoiceAdmin(BranchScopedMixin, admin.ModelAdmin):
    inlines = [InvoiceLineInline]
    list_display = [
        "number",
        "patient",
        "branch",
        "status",
        "issued_at",
        "grand_total_inr",
        "amount_paid_inr",
        "balance_inr",
    ]
    list_filter = ["status", ("branch", admin.RelatedOnlyFieldListFilter), "issued_at", "created_at"]
    list_select_related = ["patient__pii_key", "branch"]
    search_fields = ["number"]
    search_help_text = "Invoice number, or the patient's phone, MRN or name."
    date_hierarchy = "created_at"
    actions = ["issue_invoices", "cancel_invoices"]
    fieldsets = [
        (None, {"fields": ["number", "patient", "branch", "status"]}),
        (
            "Totals",
            {
                "fields": [
                    "taxable_total_inr",
                    "gst_total_inr",
                    "grand_total_inr",
                    "amount_paid_inr",
                    "balance_inr",
                ]
            },
        ),
        ("Dates", {"fields": ["created_at", "issued_at", "paid_at"]}),
        ("Notes", {"fields": ["notes"]}),
    ]
    readonly_fields = [
        "number",
        "patient",
        "branch",
        "status",
        "taxable_total_inr",
        "gst_total_inr",
        "grand_total_inr",
        "amount_paid_inr",
        "balance_inr",
        "created_at",
        "issued_at",
        "paid_at",
        "notes",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("patient__pii_key", "branch")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        patients = patient_search(
            query=term, branch_ids=request_branch_ids(request), limit=SEARCH_PATIENT_LIMIT
        )
        matches = (
            Q(number__icontains=term) | Q(patient__mrn__iexact=term) | Q(patient__in=patients.values("pk"))
        )
        return queryset.filter(matches), False

    def has_add_permission(self, request):
        return False  # invoices are raised at the billing counter, line by line, through the billing services

    def has_delete_permission(self, request, obj=None):
        return False  # invoices are cancelled, never deleted

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description="Issue selected draft invoices", permissions=["change"])
    def issue_invoices(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda invoice: invoice_issue(acting_user=request.user, invoice=invoice),
            done="Issued {count} invoice(s).",
        )

    @admin.action(description="Cancel selected invoices…", permissions=["change"])
    def cancel_invoices(self, request, queryset):
        form = CancelReasonForm(request.POST if "post" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            run_for_each(
                self,
                request,
                queryset,
                lambda invoice: invoice_cancel(acting_user=request.user, invoice=invoice, reason=reason),
                done="Cancelled {count} invoice(s).",
            )
            return None
        return TemplateResponse(
            request,
            "admin/clinic/action_confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Cancel invoices",
                "intro": CANCEL_INTRO,
                "objects": list(queryset),
                "form": form,
                "action": "cancel_invoices",
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "confirm_label": "Cancel these invoices",
            },
        )

    @admin.display(description="Taxable value", ordering="taxable_total")
    def taxable_total_inr(self, obj):
        return inr(obj.taxable_total)

    @admin.display(description="GST (CGST + SGST)", ordering="gst_total")
    def gst_total_inr(self, obj):
        return inr(obj.gst_total)

    @admin.display(description="Total", ordering="grand_total")
    def grand_total_inr(self, obj):
        return inr(obj.grand_total)

    @admin.display(description="Paid", ordering="amount_paid")
    def amount_paid_inr(self, obj):
        return inr(obj.amount_paid)

    @admin.display(description="Balance due")
    def balance_inr(self, obj):
        return inr(obj.balance_due) if obj.status != InvoiceStatus.CANCELLED else "-"
