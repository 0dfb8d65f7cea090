"""The consultation API for the doctor's tablet: one thin view per operation.

Every view fetches its consultation or prescription through a door of consultations.selectors
(permission checks, access log) and calls one service. The sections save on their own (PATCH),
so the tablet can save as it goes; a PATCH may carry `expected_updated_at` (the `updated_at` the
client last saw) and gets a 409 `stale` if someone saved in between. Saving the same values again
changes nothing; adding with a client-chosen item id twice adds once.
"""

import functools

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.models import Appointment
from clinic.api_errors import ApplicationError, Conflict
from clinic.models import Branch, Medicine, Patient
from clinic.permissions import branch_ids_for, in_group, staff_of
from clinic.selectors.stock import branch_today
from consultations import permissions
from consultations.documents import age_on, prescription_pdf_render
from consultations.models import (
    NOTE_SECTIONS,
    Consultation,
    ConsultationDiagnosis,
    ConsultationStatus,
    ConsultationType,
    DiagnosisCode,
    DurationUnit,
    NoteTemplate,
    Prescription,
    PrescriptionItem,
    PrescriptionStatus,
    Route,
    TemperatureUnit,
    Timing,
)
from consultations.selectors import (
    NotFound,
    Purpose,
    VisitParts,
    consultation_get_for_user,
    consultation_previous_summary,
    consultation_queue_for_doctor,
    current_prescription,
    follow_up_brief,
    follow_up_current,
    follow_up_slot_days,
    icd10_search,
    medicine_search,
    note_template_list,
    prescription_document_queryset,
    prescription_get_for_user,
    prescription_queryset,
    visit_parts,
)
from consultations.serializers import (
    AllergyBriefSerializer,
    DiagnosisCodeOutputSerializer,
    DiagnosisOutputSerializer,
    MedicationBriefSerializer,
    NoteOutputSerializer,
    NoteTemplateOutputSerializer,
    OverrideOutputSerializer,
    PrescriptionHeadOutputSerializer,
    PrescriptionItemOutputSerializer,
    PrescriptionOutputSerializer,
    VitalsOutputSerializer,
)
from consultations.services.diagnoses import diagnosis_add, diagnosis_remove
from consultations.services.follow_up import (
    consultation_reschedule_follow_up,
    consultation_schedule_follow_up,
)
from consultations.services.notes import (
    note_accept_ai_draft,
    note_apply_template,
    note_save_sections,
    note_verify,
)
from consultations.services.prescriptions import (
    prescription_amend,
    prescription_dispense,
    prescription_finalize,
    prescription_get_or_create_draft,
    prescription_item_add,
    prescription_item_remove,
    prescription_item_update,
    prescription_update,
)
from consultations.services.vitals import vitals_record
from consultations.services.workflow import (
    TRANSITIONS,
    consultation_start,
    consultation_start_walk_in,
    consultation_transition,
)
from emr.selectors import allergy_list, medication_current_list
from voice.selectors import draft_for_note, recording_get

ERRORS = {
    400: OpenApiResponse(description='Invalid input: {"error": {"code", "message", "fields"}}'),
    403: OpenApiResponse(description="Not yours to change"),
    404: OpenApiResponse(description="No such record, or not one you can see"),
    409: OpenApiResponse(
        description="Refused in the current state (or stale, or safety warnings to override)"
    ),
}


class IsClinicStaff(BasePermission):
    message = "Only clinic staff can use the consultation API."

    def has_permission(self, request, view):
        return in_group(request.user, "Doctor", "Therapist/Nurse", "Front desk", "Admin")


# --- Shapes ------------------------------------------------------------------------------------------


def _patient_brief(consultation: Consultation) -> dict:
    patient = consultation.patient
    return {
        "id": str(patient.pk),
        "mrn": patient.mrn,
        "full_name": patient.full_name,
        "age": age_on(patient.date_of_birth, branch_today(consultation.branch)),
        "sex": patient.sex,
    }


@functools.cache
def _shape(serializer_class) -> serializers.Serializer:
    """One instance of an output serializer per process, used through to_representation: building a
    serializer's fields (ModelSerializer introspection, deep copies) was most of what serializing a
    consultation cost, on every request (decision 0045, "Cost"). The output serializers keep no
    state between calls (no context, no instance), so one instance gives the same shape."""
    return serializer_class()


_INSTANT = serializers.DateTimeField()


def prescription_shape(prescription: Prescription) -> dict:
    """PrescriptionOutputSerializer's shape, from the lists the visit already holds (`item_list`,
    `override_list`: consultations.selectors.VisitParts) rather than from the relations."""
    return {
        **_shape(PrescriptionHeadOutputSerializer).to_representation(prescription),
        "items": [
            _shape(PrescriptionItemOutputSerializer).to_representation(i) for i in prescription.item_list
        ],
        "overrides": [
            _shape(OverrideOutputSerializer).to_representation(o) for o in prescription.override_list
        ],
    }


def consultation_payload(
    consultation: Consultation, *, user, parts: VisitParts | None = None, extra: dict | None = None
) -> dict:
    """The whole consultation page's data: from consultation_detail_queryset (constant queries), or
    from the parts the visit page read in one statement (consultation_visit_for_user)."""
    parts = parts or visit_parts(consultation)
    prescription = parts.current_prescription
    payload = {
        "id": str(consultation.pk),
        "number": consultation.number,
        "status": consultation.status,
        "allowed_transitions": sorted(TRANSITIONS[consultation.status]),
        "consultation_type": consultation.consultation_type,
        # As DRF writes instants (microseconds kept), so the page's embedded copy (json_script, whose
        # encoder keeps milliseconds only) and the API's answers agree to the microsecond.
        "started_at": _INSTANT.to_representation(consultation.started_at),
        "completed_at": _INSTANT.to_representation(consultation.completed_at)
        if consultation.completed_at
        else None,
        "duration_minutes": consultation.duration_minutes,
        "voice_assisted": consultation.voice_assisted,
        "patient": _patient_brief(consultation),
        "doctor": {"id": str(consultation.doctor_id), "name": consultation.doctor.display_name},
        "branch": {"code": consultation.branch.code, "name": consultation.branch.name},
        "appointment": {
            "id": str(consultation.appointment_id),
            "number": consultation.appointment.number,
            "status": consultation.appointment.status,
            "chief_complaint": consultation.appointment.chief_complaint,
        },
        "vitals": _shape(VitalsOutputSerializer).to_representation(parts.vitals) if parts.vitals else None,
        "note": _shape(NoteOutputSerializer).to_representation(parts.note) if parts.note else None,
        "diagnoses": [_shape(DiagnosisOutputSerializer).to_representation(d) for d in parts.diagnoses],
        "prescription": prescription_shape(prescription) if prescription else None,
        "invoice_id": str(consultation.invoice_id) if consultation.invoice_id else None,
        "follow_up_appointment_id": str(consultation.follow_up_appointment_id)
        if consultation.follow_up_appointment_id
        else None,
        "can_edit": permissions.can_edit_consultation(user, consultation),
        "updated_at": _INSTANT.to_representation(consultation.updated_at),
    }
    payload.update(extra or {})
    return payload


ConsultationOutput = inline_serializer(
    "ConsultationOutput",
    {
        "id": serializers.UUIDField(),
        "number": serializers.CharField(),
        "status": serializers.ChoiceField(choices=ConsultationStatus.choices),
        "allowed_transitions": serializers.ListField(child=serializers.CharField()),
        "consultation_type": serializers.ChoiceField(choices=ConsultationType.choices),
        "patient": serializers.DictField(),
        "vitals": VitalsOutputSerializer(allow_null=True),
        "note": NoteOutputSerializer(allow_null=True),
        "diagnoses": DiagnosisOutputSerializer(many=True),
        "prescription": PrescriptionOutputSerializer(allow_null=True),
        "allergies": AllergyBriefSerializer(many=True),
        "current_medications": MedicationBriefSerializer(many=True),
        "previous_visit": serializers.DictField(allow_null=True),
        "can_edit": serializers.BooleanField(),
        "updated_at": serializers.DateTimeField(),
    },
)


def _brief(consultation: Consultation) -> dict:
    return {
        "id": str(consultation.pk),
        "number": consultation.number,
        "status": consultation.status,
        "allowed_transitions": sorted(TRANSITIONS[consultation.status]),
        "updated_at": _INSTANT.to_representation(consultation.updated_at),
    }


def _edit(request, consultation_id, purpose: Purpose = Purpose.EDIT) -> Consultation:
    return consultation_get_for_user(
        user=request.user,
        consultation_id=consultation_id,
        purpose=purpose,
        queryset=Consultation.objects.select_related("doctor", "branch", "patient"),
    )


# --- Queue, start, detail, workflow ------------------------------------------------------------------


class ConsultationQueueApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter("branch", str, description="Branch code; default: the doctor's first branch.")
        ],
        responses=inline_serializer(
            "QueueOutput",
            {
                "date": serializers.DateField(),
                "results": serializers.ListField(child=serializers.DictField()),
            },
        ),
        summary="Today's patients of the logged-in doctor",
    )
    def get(self, request):
        staff = staff_of(request.user)
        if staff is None:
            raise ApplicationError("Only a doctor has a queue.", code="forbidden", http_status=403)
        branches = staff.branches.all()
        code = request.query_params.get("branch")
        branch = branches.filter(code=code).first() if code else branches.order_by("name").first()
        if branch is None:
            raise NotFound("No such branch among yours.")
        day = branch_today(branch)
        results = [
            {
                "appointment_id": str(a.pk),
                "appointment_number": a.number,
                "status": a.status,
                "start_time": a.start_time.strftime("%H:%M"),
                "checked_in_at": a.checked_in_at,
                "chief_complaint": a.chief_complaint,
                "patient": {"id": str(a.patient_id), "mrn": a.patient.mrn, "full_name": a.patient.full_name},
                "consultation": {"id": str(a.live_consultation.pk), "status": a.live_consultation.status}
                if a.live_consultation
                else None,
            }
            for a in consultation_queue_for_doctor(staff=staff, branch=branch, day=day)
        ]
        return Response({"date": day, "branch": branch.code, "results": results})


class ConsultationStartApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsultationStartInput"

        appointment_id = serializers.UUIDField()
        consultation_type = serializers.ChoiceField(choices=ConsultationType.choices, required=False)
        voice_assisted = serializers.BooleanField(default=False)

    @extend_schema(
        request=InputSerializer, responses={201: ConsultationOutput, **ERRORS}, summary="Start a consultation"
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        appointment = get_object_or_404(
            Appointment.objects.select_related("doctor", "branch"), pk=data["appointment_id"]
        )
        if not (permissions.can_start_consultation(request.user, appointment) or request.user.is_superuser):
            allowed = branch_ids_for(request.user)
            if allowed is not None and appointment.branch_id not in allowed:
                raise NotFound("No such appointment.")
        consultation = consultation_start(
            acting_user=request.user,
            appointment=appointment,
            consultation_type=data.get("consultation_type"),
            voice_assisted=data["voice_assisted"],
        )
        return _detail_response(
            request, consultation.pk, status.HTTP_201_CREATED, reason="consultation started"
        )


class ConsultationWalkInApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsultationWalkInInput"

        patient_id = serializers.UUIDField()
        branch = serializers.CharField(help_text="Branch code.")
        consultation_type = serializers.ChoiceField(
            choices=ConsultationType.choices, default=ConsultationType.INITIAL
        )
        chief_complaint = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer,
        responses={201: ConsultationOutput, **ERRORS},
        summary="See a walk-in patient",
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        branch = get_object_or_404(Branch, code=data["branch"], is_active=True)
        patient = get_object_or_404(Patient.objects.alive(), pk=data["patient_id"])
        consultation = consultation_start_walk_in(
            acting_user=request.user,
            patient=patient,
            branch=branch,
            consultation_type=data["consultation_type"],
            chief_complaint=data["chief_complaint"],
        )
        return _detail_response(request, consultation.pk, status.HTTP_201_CREATED, reason="walk-in started")


def _detail_response(
    request, consultation_id, http_status=status.HTTP_200_OK, reason="consultation"
) -> Response:
    consultation = consultation_get_for_user(
        user=request.user,
        consultation_id=consultation_id,
        purpose=Purpose.VIEW,
        request=request,
        reason=reason,
    )
    extra = {
        "allergies": AllergyBriefSerializer(allergy_list(patient_id=consultation.patient_id), many=True).data,
        "current_medications": MedicationBriefSerializer(
            medication_current_list(patient_id=consultation.patient_id), many=True
        ).data,
        "previous_visit": consultation_previous_summary(
            consultation=consultation, user=request.user, request=request
        ),
    }
    return Response(consultation_payload(consultation, user=request.user, extra=extra), status=http_status)


class ConsultationDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    @extend_schema(
        responses={200: ConsultationOutput, 404: ERRORS[404]},
        summary="The whole consultation (access-logged)",
    )
    def get(self, request, consultation_id):
        return _detail_response(request, consultation_id)


class ConsultationTransitionApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsultationTransitionInput"

        to_status = serializers.ChoiceField(choices=ConsultationStatus.choices)
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer(
                "TransitionOutput",
                {
                    "consultation": serializers.DictField(),
                    "follow_up_prompt": serializers.DictField(allow_null=True),
                    "invoice_id": serializers.UUIDField(allow_null=True),
                    "dispensed_item_ids": serializers.ListField(child=serializers.UUIDField()),
                },
            ),
            **ERRORS,
        },
        summary="Move the consultation along its workflow (completing bills in-house medicines)",
    )
    def post(self, request, consultation_id):
        consultation = _edit(request, consultation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = consultation_transition(
            acting_user=request.user, consultation=consultation, **serializer.validated_data
        )
        return Response(
            {
                "consultation": _brief(result.consultation),
                "follow_up_prompt": result.follow_up_prompt,
                "invoice_id": str(result.invoice_id) if result.invoice_id else None,
                "dispensed_item_ids": [str(item.pk) for item in result.dispensed_items],
            }
        )


# --- Vitals and notes ------------------------------------------------------------------------------


class ConsultationVitalsApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsultationVitalsInput"

        blood_pressure_systolic = serializers.IntegerField(required=False, allow_null=True)
        blood_pressure_diastolic = serializers.IntegerField(required=False, allow_null=True)
        pulse_rate = serializers.IntegerField(required=False, allow_null=True)
        respiratory_rate = serializers.IntegerField(required=False, allow_null=True)
        temperature = serializers.DecimalField(
            max_digits=5, decimal_places=2, required=False, allow_null=True
        )
        temperature_unit = serializers.ChoiceField(choices=TemperatureUnit.choices, required=False)
        spo2 = serializers.IntegerField(required=False, allow_null=True)
        weight_kg = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True)
        height_cm = serializers.DecimalField(max_digits=5, decimal_places=1, required=False, allow_null=True)
        blood_glucose = serializers.DecimalField(
            max_digits=6, decimal_places=1, required=False, allow_null=True
        )
        notes = serializers.CharField(required=False, allow_blank=True)
        expected_updated_at = serializers.DateTimeField(required=False)

    @extend_schema(
        request=InputSerializer,
        responses={200: VitalsOutputSerializer, **ERRORS},
        summary="Save vitals (only fields sent)",
    )
    def patch(self, request, consultation_id):
        consultation = _edit(request, consultation_id, Purpose.VITALS)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = data.pop("expected_updated_at", None)
        vitals = vitals_record(
            acting_user=request.user, consultation=consultation, data=data, expected_updated_at=expected
        )
        return Response({**VitalsOutputSerializer(vitals).data, "consultation": _brief(consultation)})


class ConsultationNoteApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsultationNoteInput"

        sections = serializers.DictField(
            child=serializers.CharField(allow_blank=True), help_text=f"Any of: {', '.join(NOTE_SECTIONS)}."
        )
        expected_updated_at = serializers.DateTimeField(required=False)

    @extend_schema(
        request=InputSerializer, responses={200: NoteOutputSerializer, **ERRORS}, summary="Save note sections"
    )
    def patch(self, request, consultation_id):
        consultation = _edit(request, consultation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = note_save_sections(
            acting_user=request.user,
            consultation=consultation,
            sections=serializer.validated_data["sections"],
            expected_updated_at=serializer.validated_data.get("expected_updated_at"),
        )
        return Response(NoteOutputSerializer(note).data)


class ConsultationNoteTemplateApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsultationNoteTemplateInput"

        template_id = serializers.UUIDField()

    @extend_schema(
        request=InputSerializer,
        responses={200: NoteOutputSerializer, **ERRORS},
        summary="Fill empty sections from a template",
    )
    def post(self, request, consultation_id):
        consultation = _edit(request, consultation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = get_object_or_404(NoteTemplate, pk=serializer.validated_data["template_id"])
        note = note_apply_template(acting_user=request.user, consultation=consultation, template=template)
        return Response(NoteOutputSerializer(note).data)


class ConsultationNoteAiDraftApi(APIView):
    """Put a voice recording's ready draft into the note. The server reads the draft itself
    (voice.selectors.draft_for_note, an access-logged door) from a recording of this same
    consultation, so a client cannot hand in text of its own as an "AI draft"."""

    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsultationNoteAiDraftInput"

        recording_id = serializers.UUIDField(help_text="A recording of this consultation, its draft ready.")

    @extend_schema(
        request=InputSerializer,
        responses={200: NoteOutputSerializer, **ERRORS},
        summary="Accept the voice recording's AI draft for review",
    )
    def post(self, request, consultation_id):
        consultation = _edit(request, consultation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recording_id = serializer.validated_data["recording_id"]
        if recording_get(recording_id).consultation_id != consultation.pk:
            raise ValidationError({"recording_id": ["This recording belongs to another consultation."]})
        draft = draft_for_note(user=request.user, recording_id=recording_id, request=request)
        note = note_accept_ai_draft(acting_user=request.user, consultation=consultation, draft=draft)
        return Response(NoteOutputSerializer(note).data)


class ConsultationNoteVerifyApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    @extend_schema(
        request=None, responses={200: NoteOutputSerializer, **ERRORS}, summary="Verify the note (who, when)"
    )
    def post(self, request, consultation_id):
        consultation = _edit(request, consultation_id)
        note = note_verify(acting_user=request.user, consultation=consultation)
        return Response(NoteOutputSerializer(note).data)


# --- Diagnoses ----------------------------------------------------------------------------------------


class ConsultationDiagnosisAddApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsultationDiagnosisAddInput"

        code = serializers.CharField(max_length=10, help_text="ICD-10 code, e.g. L70.0")
        is_primary = serializers.BooleanField(required=False, allow_null=True, default=None)
        notes = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer,
        responses={201: DiagnosisOutputSerializer, **ERRORS},
        summary="Add a diagnosis",
    )
    def post(self, request, consultation_id):
        consultation = _edit(request, consultation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        code = DiagnosisCode.objects.filter(code=data["code"].strip().upper()).first()
        if code is None:
            raise ApplicationError(f"{data['code']} is not an ICD-10 code.", code="invalid")
        diagnosis = diagnosis_add(
            acting_user=request.user,
            consultation=consultation,
            code=code,
            is_primary=data["is_primary"],
            notes=data["notes"],
        )
        return Response(DiagnosisOutputSerializer(diagnosis).data, status=status.HTTP_201_CREATED)


class ConsultationDiagnosisRemoveApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    @extend_schema(responses={204: None, **ERRORS}, summary="Remove a diagnosis")
    def delete(self, request, consultation_id, diagnosis_id):
        consultation = _edit(request, consultation_id)
        diagnosis = get_object_or_404(ConsultationDiagnosis, pk=diagnosis_id, consultation=consultation)
        diagnosis_remove(acting_user=request.user, diagnosis=diagnosis)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Prescriptions ---------------------------------------------------------------------------------


def _rx_response(prescription_id, http_status=status.HTTP_200_OK) -> Response:
    prescription = prescription_queryset().get(pk=prescription_id)
    return Response(PrescriptionOutputSerializer(prescription).data, status=http_status)


class ConsultationPrescriptionApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsultationPrescriptionInput"

        general_instructions = serializers.CharField(required=False, allow_blank=True)
        dietary_advice = serializers.CharField(required=False, allow_blank=True)
        follow_up_instructions = serializers.CharField(required=False, allow_blank=True)
        follow_up_date = serializers.DateField(required=False, allow_null=True)
        expected_updated_at = serializers.DateTimeField(required=False)

    @extend_schema(
        responses={200: PrescriptionOutputSerializer, **ERRORS},
        summary="The current prescription (access-logged)",
    )
    def get(self, request, consultation_id):
        consultation = get_object_or_404(
            Consultation.objects.select_related("doctor", "branch").prefetch_related(
                Prefetch("prescriptions", queryset=Prescription.objects.order_by("-version"))
            ),
            pk=consultation_id,
        )
        prescription = current_prescription(consultation)
        if prescription is None:
            if permissions.can_view_consultation(request.user, consultation):
                raise NotFound("No prescription has been started for this consultation.")
            raise NotFound("No such consultation, or it is not one you can see.")
        prescription = prescription_get_for_user(
            user=request.user, prescription_id=prescription.pk, request=request
        )
        return Response(PrescriptionOutputSerializer(prescription).data)

    @extend_schema(
        request=InputSerializer,
        responses={200: PrescriptionOutputSerializer, **ERRORS},
        summary="Save the advice and follow-up",
    )
    def patch(self, request, consultation_id):
        consultation = _edit(request, consultation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = data.pop("expected_updated_at", None)
        draft = prescription_get_or_create_draft(acting_user=request.user, consultation=consultation)
        prescription_update(
            acting_user=request.user, prescription=draft, data=data, expected_updated_at=expected
        )
        return _rx_response(draft.pk)


class OverrideInputSerializer(serializers.Serializer):
    warning = serializers.CharField(max_length=120, help_text="The warning's key, as the 409 listed it.")
    reason = serializers.CharField(max_length=1000)


class ItemInputSerializer(serializers.Serializer):
    medicine_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="From the clinic's list; else give medicine_name."
    )
    medicine_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    generic_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    drug_class = serializers.CharField(max_length=100, required=False, allow_blank=True)
    dosage_form = serializers.CharField(max_length=20, required=False, allow_blank=True)
    dosage = serializers.CharField(max_length=50, required=False, allow_blank=True)
    frequency = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="OD, BD, TDS, QID, HS, SOS, 1-0-1 ..."
    )
    duration_value = serializers.IntegerField(required=False, allow_null=True)
    duration_unit = serializers.ChoiceField(choices=DurationUnit.choices, required=False)
    quantity = serializers.IntegerField(
        required=False, allow_null=True, help_text="Left out: computed where it can be."
    )
    dispense_quantity = serializers.IntegerField(required=False, allow_null=True)
    timing = serializers.ChoiceField(choices=Timing.choices, required=False, allow_blank=True)
    route = serializers.ChoiceField(choices=Route.choices, required=False)
    instructions = serializers.CharField(required=False, allow_blank=True)
    taper_schedule = serializers.ListField(child=serializers.DictField(), required=False)
    is_in_house = serializers.BooleanField(required=False)
    display_order = serializers.IntegerField(required=False, allow_null=True)
    overrides = OverrideInputSerializer(many=True, required=False)

    def to_service(self, *, hospital_id) -> tuple[dict, dict]:
        data = dict(self.validated_data)
        overrides = {o["warning"]: o["reason"] for o in data.pop("overrides", [])}
        if "medicine_id" in data:
            medicine_id = data.pop("medicine_id")
            data["medicine"] = (
                get_object_or_404(Medicine, pk=medicine_id, hospital_id=hospital_id) if medicine_id else None
            )
        return data, overrides


class PrescriptionItemAddApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(ItemInputSerializer):
        class Meta:
            ref_name = "PrescriptionItemAddInput"

        id = serializers.UUIDField(
            required=False, help_text="Chosen by the client: a retry with the same id adds nothing."
        )

    @extend_schema(
        request=InputSerializer,
        responses={201: PrescriptionItemOutputSerializer, **ERRORS},
        summary="Add a medicine (409 lists safety warnings to override with a reason)",
    )
    def post(self, request, consultation_id):
        consultation = _edit(request, consultation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item_id = serializer.validated_data.get("id")
        data, overrides = serializer.to_service(hospital_id=consultation.branch.hospital_id)
        data.pop("id", None)
        draft = prescription_get_or_create_draft(acting_user=request.user, consultation=consultation)
        item = prescription_item_add(
            acting_user=request.user, prescription=draft, data=data, overrides=overrides, item_id=item_id
        )
        return Response(PrescriptionItemOutputSerializer(item).data, status=status.HTTP_201_CREATED)


def _item_for_edit(request, item_id) -> PrescriptionItem:
    item = get_object_or_404(PrescriptionItem.objects.select_related("prescription__branch"), pk=item_id)
    prescription_get_for_user(
        user=request.user,
        prescription_id=item.prescription_id,
        purpose=Purpose.EDIT,
        queryset=prescription_queryset().select_related("doctor", "branch"),
    )
    return item


class PrescriptionItemApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(ItemInputSerializer):
        class Meta:
            ref_name = "PrescriptionItemInput"

        expected_updated_at = serializers.DateTimeField(required=False)

    @extend_schema(
        request=InputSerializer,
        responses={200: PrescriptionItemOutputSerializer, **ERRORS},
        summary="Change a medicine",
    )
    def patch(self, request, item_id):
        item = _item_for_edit(request, item_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expected = serializer.validated_data.get("expected_updated_at")
        data, overrides = serializer.to_service(hospital_id=item.prescription.branch.hospital_id)
        data.pop("expected_updated_at", None)
        item = prescription_item_update(
            acting_user=request.user, item=item, data=data, overrides=overrides, expected_updated_at=expected
        )
        return Response(PrescriptionItemOutputSerializer(item).data)

    @extend_schema(responses={204: None, **ERRORS}, summary="Remove a medicine")
    def delete(self, request, item_id):
        item = _item_for_edit(request, item_id)
        prescription_item_remove(acting_user=request.user, item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PrescriptionFinalizeApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    @extend_schema(
        request=None,
        responses={200: PrescriptionOutputSerializer, **ERRORS},
        summary="Finalize (sign) the prescription",
    )
    def post(self, request, prescription_id):
        prescription = prescription_get_for_user(
            user=request.user,
            prescription_id=prescription_id,
            purpose=Purpose.EDIT,
            queryset=prescription_queryset(),
        )
        prescription_finalize(acting_user=request.user, prescription=prescription)
        return _rx_response(prescription.pk)


class PrescriptionAmendApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PrescriptionAmendInput"

        reason = serializers.CharField(max_length=500)

    @extend_schema(
        request=InputSerializer,
        responses={201: PrescriptionOutputSerializer, **ERRORS},
        summary="Start an amendment (new version)",
    )
    def post(self, request, prescription_id):
        prescription = prescription_get_for_user(
            user=request.user,
            prescription_id=prescription_id,
            purpose=Purpose.EDIT,
            queryset=prescription_queryset(),
        )
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        draft = prescription_amend(
            acting_user=request.user, prescription=prescription, **serializer.validated_data
        )
        return _rx_response(draft.pk, status.HTTP_201_CREATED)


class PrescriptionDispenseApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "DispenseOutput",
                {
                    "invoice_id": serializers.UUIDField(allow_null=True),
                    "dispensed_item_ids": serializers.ListField(child=serializers.UUIDField()),
                },
            ),
            **ERRORS,
        },
        summary="Dispense the in-house medicines onto the visit's invoice",
    )
    def post(self, request, prescription_id):
        prescription = prescription_get_for_user(
            user=request.user,
            prescription_id=prescription_id,
            purpose=Purpose.DISPENSE,
            queryset=prescription_queryset(),
        )
        result = prescription_dispense(acting_user=request.user, prescription=prescription)
        return Response(
            {
                "invoice_id": str(result.invoice.pk) if result.invoice else None,
                "dispensed_item_ids": [str(item.pk) for item in result.items],
            }
        )


class PrescriptionPdfApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(description="The prescription PDF"), **ERRORS},
        summary="Download the prescription PDF (access-logged)",
    )
    def get(self, request, prescription_id):
        prescription = prescription_get_for_user(
            user=request.user,
            prescription_id=prescription_id,
            purpose=Purpose.DOWNLOAD,
            request=request,
            queryset=prescription_document_queryset(),
        )
        if prescription.status not in (PrescriptionStatus.FINALIZED, PrescriptionStatus.AMENDED):
            raise Conflict(
                f"Prescription {prescription.label} is a draft; finalize it to print it.",
                code="not_finalized",
            )
        response = HttpResponse(prescription_pdf_render(prescription), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{prescription.label.replace(" ", "-")}.pdf"'
        response["Cache-Control"] = "no-store"
        return response


# --- Follow-up ---------------------------------------------------------------------------------------


FollowUpOutput = inline_serializer(
    "FollowUpBooked",
    {
        "appointment_id": serializers.UUIDField(),
        "number": serializers.CharField(),
        "status": serializers.CharField(),
        "starts_at": serializers.DateTimeField(),
        "date": serializers.DateField(help_text="In the branch's time zone."),
        "date_text": serializers.CharField(),
        "time_text": serializers.CharField(help_text="In the branch's time zone, e.g. 11:30 am."),
    },
)


class ConsultationFollowUpApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsultationFollowUpInput"

        start = serializers.DateTimeField(help_text="One of the doctor's slot starts, with its offset.")
        chief_complaint = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer,
        responses={201: FollowUpOutput, **ERRORS},
        summary="Book the follow-up visit",
    )
    def post(self, request, consultation_id):
        consultation = _edit(request, consultation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = consultation_schedule_follow_up(
            acting_user=request.user, consultation=consultation, **serializer.validated_data
        )
        return Response(follow_up_brief(appointment, consultation.branch), status=status.HTTP_201_CREATED)


class ConsultationFollowUpSlotsApi(APIView):
    """The doctor's free start times for the follow-up, a few days from the day asked for."""

    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsultationFollowUpSlotsInput"

        date = serializers.DateField(help_text="The first day to look at (tomorrow at the earliest).")

    @extend_schema(
        parameters=[InputSerializer],
        responses={
            200: inline_serializer(
                "FollowUpSlots",
                {
                    "days": serializers.ListField(child=serializers.DictField()),
                    "booked": FollowUpOutput,
                },
            ),
            **ERRORS,
        },
        summary="Free times for the follow-up visit (the visit's doctor, branch and kind of visit)",
    )
    def get(self, request, consultation_id):
        consultation = _edit(request, consultation_id)
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        days = follow_up_slot_days(consultation=consultation, around=serializer.validated_data["date"])
        booked = follow_up_brief(follow_up_current(consultation), consultation.branch)
        return Response({"days": days, "booked": booked})


class ConsultationFollowUpRescheduleApi(APIView):
    """Move the booked follow-up to another free time (books one when none is booked)."""

    permission_classes = [IsAuthenticated, IsClinicStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConsultationFollowUpRescheduleInput"

        start = serializers.DateTimeField(help_text="One of the doctor's slot starts, with its offset.")

    @extend_schema(
        request=InputSerializer,
        responses={200: FollowUpOutput, **ERRORS},
        summary="Move the follow-up visit to another time",
    )
    def post(self, request, consultation_id):
        consultation = _edit(request, consultation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = consultation_reschedule_follow_up(
            acting_user=request.user, consultation=consultation, **serializer.validated_data
        )
        return Response(follow_up_brief(appointment, consultation.branch))


# --- Reference data ----------------------------------------------------------------------------------


class Icd10SearchApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Code prefix (L70, L70.0) or words (acne vulg)")],
        responses=DiagnosisCodeOutputSerializer(many=True),
        summary="Search ICD-10",
    )
    def get(self, request):
        codes = icd10_search(query=request.query_params.get("q", ""))
        return Response({"results": DiagnosisCodeOutputSerializer(codes, many=True).data})


class MedicineSearchApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    class OutputSerializer(serializers.ModelSerializer):
        label = serializers.CharField(source="__str__")
        stock = serializers.IntegerField(help_text="Units usable today at the branch (never expired).")

        class Meta:
            model = Medicine
            ref_name = "MedicineSearchOutput"
            fields = [
                "id",
                "label",
                "generic_name",
                "brand_name",
                "drug_class",
                "form",
                "strength",
                "unit",
                "stock",
            ]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Start of a generic or brand name"),
            OpenApiParameter("branch", str, description="Branch code for stock; default: your first branch"),
        ],
        responses=OutputSerializer(many=True),
        summary="Medicine autocomplete with stock at the branch",
    )
    def get(self, request):
        allowed = branch_ids_for(request.user)
        branches = Branch.objects.filter(is_active=True)
        if allowed is not None:
            branches = branches.filter(pk__in=allowed)
        code = request.query_params.get("branch")
        branch = branches.filter(code=code).first() if code else branches.order_by("name").first()
        if branch is None:
            raise NotFound("No such branch among yours.")
        medicines = medicine_search(branch=branch, query=request.query_params.get("q", ""))
        return Response({"branch": branch.code, "results": self.OutputSerializer(medicines, many=True).data})


class NoteTemplateListApi(APIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]

    @extend_schema(
        parameters=[OpenApiParameter("consultation_type", str)],
        responses=NoteTemplateOutputSerializer(many=True),
        summary="SOAP templates",
    )
    def get(self, request):
        templates = note_template_list(consultation_type=request.query_params.get("consultation_type"))
        return Response({"results": NoteTemplateOutputSerializer(templates, many=True).data})
