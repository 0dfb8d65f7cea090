"""Allergies and medical history over the API: one view per operation, every read access-logged."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.models import Patient
from clinic.services.access_log import access_log_for_request
from emr import permissions
from emr.models import (
    AllergenType,
    AllergySeverity,
    AllergyStatus,
    ConditionSeverity,
    ConditionType,
    HistorySource,
    PatientAllergy,
    PatientMedicalHistory,
)
from emr.selectors import allergy_list, medical_history_list
from emr.services import (
    allergy_record,
    allergy_set_status,
    allergy_update,
    medical_history_record,
    medical_history_update,
)


class AllergyOutputSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", default="", read_only=True)

    class Meta:
        model = PatientAllergy
        fields = [
            "id",
            "allergen_type",
            "allergen_name",
            "allergen_code",
            "drug_class",
            "reaction",
            "severity",
            "status",
            "onset_date",
            "notes",
            "recorded_at",
            "recorded_by",
            "updated_at",
        ]


class HistoryOutputSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", default="", read_only=True)

    class Meta:
        model = PatientMedicalHistory
        fields = [
            "id",
            "condition_type",
            "condition_name",
            "condition_code",
            "onset_date",
            "resolution_date",
            "is_current",
            "severity",
            "notes",
            "source",
            "recorded_at",
            "recorded_by",
            "updated_at",
        ]


def _patient_for(request, patient_id, *, can) -> Patient:
    """404 for a patient the user may not reach at all, so ids of other branches reveal nothing."""
    patient = get_object_or_404(Patient.objects.alive().select_related("registered_branch"), id=patient_id)
    if not can(request.user, patient):
        raise NotFound()
    return patient


class PatientAllergyListCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PatientAllergyListCreateInput"

        allergen_type = serializers.ChoiceField(choices=AllergenType.choices)
        allergen_name = serializers.CharField(max_length=200)
        drug_class = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        reaction = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        severity = serializers.ChoiceField(choices=AllergySeverity.choices, default=AllergySeverity.MODERATE)
        onset_date = serializers.DateField(required=False, allow_null=True, default=None)
        notes = serializers.CharField(required=False, allow_blank=True, default="")
        allergen_code = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")

    @extend_schema(
        parameters=[OpenApiParameter("include_inactive", bool, description="Also list inactive allergies.")],
        responses=AllergyOutputSerializer(many=True),
        summary="A patient's allergies",
    )
    def get(self, request, patient_id):
        patient = _patient_for(request, patient_id, can=permissions.can_view_allergies)
        include_inactive = request.query_params.get("include_inactive") in ("1", "true", "yes")
        allergies = allergy_list(patient_id=patient.pk, include_inactive=include_inactive)
        access_log_for_request(
            request,
            record_type="allergy_list",
            record_id=patient.pk,
            patient_id=patient.pk,
            reason="allergy list",
        )
        return Response({"results": AllergyOutputSerializer(allergies, many=True).data})

    @extend_schema(
        request=InputSerializer, responses={201: AllergyOutputSerializer}, summary="Record an allergy"
    )
    def post(self, request, patient_id):
        patient = _patient_for(request, patient_id, can=permissions.can_record_allergies)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        allergy = allergy_record(acting_user=request.user, patient=patient, **serializer.validated_data)
        return Response(AllergyOutputSerializer(allergy).data, status=status.HTTP_201_CREATED)


def _allergy_for(request, allergy_id) -> PatientAllergy:
    allergy = get_object_or_404(
        PatientAllergy.objects.select_related("patient__registered_branch", "recorded_by"), id=allergy_id
    )
    if not permissions.can_view_allergies(request.user, allergy.patient):
        raise NotFound()
    if not permissions.can_record_allergies(request.user, allergy.patient):
        raise PermissionDenied("You cannot change this patient's allergies.")
    return allergy


class AllergyUpdateApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AllergyUpdateInput"

        allergen_name = serializers.CharField(max_length=200, required=False)
        allergen_code = serializers.CharField(max_length=50, required=False, allow_blank=True)
        drug_class = serializers.CharField(max_length=100, required=False, allow_blank=True)
        reaction = serializers.CharField(max_length=200, required=False, allow_blank=True)
        severity = serializers.ChoiceField(choices=AllergySeverity.choices, required=False)
        onset_date = serializers.DateField(required=False, allow_null=True)
        notes = serializers.CharField(required=False, allow_blank=True)
        expected_updated_at = serializers.DateTimeField(
            required=False, help_text="The updated_at you last saw; a newer one on the server is a 409."
        )

    @extend_schema(request=InputSerializer, responses=AllergyOutputSerializer, summary="Correct an allergy")
    def patch(self, request, allergy_id):
        allergy = _allergy_for(request, allergy_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = data.pop("expected_updated_at", None)
        allergy = allergy_update(
            acting_user=request.user, allergy=allergy, data=data, expected_updated_at=expected
        )
        return Response(AllergyOutputSerializer(allergy).data)


class AllergyStatusApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AllergyStatusInput"

        status = serializers.ChoiceField(choices=AllergyStatus.choices)
        reason = serializers.CharField(max_length=200)

    @extend_schema(
        request=InputSerializer, responses=AllergyOutputSerializer, summary="Mark an allergy (in)active"
    )
    def post(self, request, allergy_id):
        allergy = _allergy_for(request, allergy_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        allergy = allergy_set_status(acting_user=request.user, allergy=allergy, **serializer.validated_data)
        return Response(AllergyOutputSerializer(allergy).data)


class PatientHistoryListCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PatientHistoryListCreateInput"

        condition_type = serializers.ChoiceField(choices=ConditionType.choices)
        condition_name = serializers.CharField(max_length=200)
        condition_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
        onset_date = serializers.DateField(required=False, allow_null=True, default=None)
        resolution_date = serializers.DateField(required=False, allow_null=True, default=None)
        is_current = serializers.BooleanField(default=True)
        severity = serializers.ChoiceField(
            choices=ConditionSeverity.choices, required=False, allow_blank=True, default=""
        )
        notes = serializers.CharField(required=False, allow_blank=True, default="")
        source = serializers.ChoiceField(choices=HistorySource.choices, default=HistorySource.SELF_REPORTED)

    @extend_schema(
        parameters=[OpenApiParameter("current_only", bool, description="Only what is current.")],
        responses=HistoryOutputSerializer(many=True),
        summary="A patient's medical history",
    )
    def get(self, request, patient_id):
        patient = _patient_for(request, patient_id, can=permissions.can_view_medical_history)
        current_only = request.query_params.get("current_only") in ("1", "true", "yes")
        entries = medical_history_list(patient_id=patient.pk, current_only=current_only)
        access_log_for_request(
            request,
            record_type="medical_history",
            record_id=patient.pk,
            patient_id=patient.pk,
            reason="history list",
        )
        return Response({"results": HistoryOutputSerializer(entries, many=True).data})

    @extend_schema(
        request=InputSerializer, responses={201: HistoryOutputSerializer}, summary="Add to the history"
    )
    def post(self, request, patient_id):
        patient = _patient_for(request, patient_id, can=permissions.can_record_medical_history)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = medical_history_record(acting_user=request.user, patient=patient, **serializer.validated_data)
        return Response(HistoryOutputSerializer(entry).data, status=status.HTTP_201_CREATED)


class HistoryUpdateApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "HistoryUpdateInput"

        condition_name = serializers.CharField(max_length=200, required=False)
        condition_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
        onset_date = serializers.DateField(required=False, allow_null=True)
        resolution_date = serializers.DateField(required=False, allow_null=True)
        is_current = serializers.BooleanField(required=False)
        severity = serializers.ChoiceField(
            choices=ConditionSeverity.choices, required=False, allow_blank=True
        )
        notes = serializers.CharField(required=False, allow_blank=True)
        expected_updated_at = serializers.DateTimeField(required=False)

    @extend_schema(
        request=InputSerializer, responses=HistoryOutputSerializer, summary="Correct a history entry"
    )
    def patch(self, request, entry_id):
        entry = get_object_or_404(
            PatientMedicalHistory.objects.select_related("patient__registered_branch", "recorded_by"),
            id=entry_id,
        )
        if not permissions.can_view_medical_history(request.user, entry.patient):
            raise NotFound()
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = data.pop("expected_updated_at", None)
        entry = medical_history_update(
            acting_user=request.user, entry=entry, data=data, expected_updated_at=expected
        )
        return Response(HistoryOutputSerializer(entry).data)
