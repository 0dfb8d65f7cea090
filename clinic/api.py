"""Patient registration and look-up for the front desk (the booking wizard and portal reuse them)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.identifiers import phone_display
from clinic.models import Branch, Patient, Sex, SpecialGroup
from clinic.permissions import CanManagePatients, branch_ids_for
from clinic.selectors.patients import patient_base_queryset, patient_search
from clinic.services.patients import patient_register, patient_update


class PatientOutputSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = serializers.SerializerMethodField()
    date_of_birth = serializers.DateField()
    registered_branch = serializers.CharField(source="registered_branch.code")

    class Meta:
        model = Patient
        fields = [
            "id",
            "mrn",
            "full_name",
            "first_name",
            "last_name",
            "phone",
            "date_of_birth",
            "sex",
            "special_groups",
            "registered_branch",
            "created_at",
        ]

    def get_phone(self, obj) -> str:
        return phone_display(obj.phone)


class PatientInputSerializer(serializers.Serializer):
    branch = serializers.SlugRelatedField(slug_field="code", queryset=Branch.objects.filter(is_active=True))
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30)
    alternate_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    pin_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    abha_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    abha_address = serializers.CharField(max_length=100, required=False, allow_blank=True)
    emergency_contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    emergency_contact_relation = serializers.CharField(max_length=30, required=False, allow_blank=True)
    emergency_contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    special_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=SpecialGroup.choices), required=False
    )
    allow_duplicate = serializers.BooleanField(
        default=False, help_text="Register even if name and phone match."
    )


class PatientListCreateApi(APIView):
    permission_classes = [CanManagePatients]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Phone in any format, MRN, or name words (3+ letters).")
        ],
        responses=PatientOutputSerializer(many=True),
        summary="Search patients",
    )
    def get(self, request):
        patients = patient_search(
            query=request.query_params.get("q", ""), branch_ids=branch_ids_for(request.user)
        )
        return Response({"results": PatientOutputSerializer(patients, many=True).data})

    @extend_schema(
        request=PatientInputSerializer, responses={201: PatientOutputSerializer}, summary="Register a patient"
    )
    def post(self, request):
        serializer = PatientInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        branch = data.pop("branch")
        allowed = branch_ids_for(request.user)
        if allowed is not None and branch.id not in allowed:
            return Response(
                {
                    "error": {
                        "code": "forbidden",
                        "message": "You can register patients only at your branches.",
                        "fields": {},
                    }
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        allow_duplicate = data.pop("allow_duplicate")
        patient = patient_register(
            acting_user=request.user, branch=branch, data=data, allow_duplicate=allow_duplicate
        )
        return Response(PatientOutputSerializer(patient).data, status=status.HTTP_201_CREATED)


class PatientDetailApi(APIView):
    permission_classes = [CanManagePatients]

    class UpdateSerializer(PatientInputSerializer):
        branch = None
        allow_duplicate = None

        def __init__(self, *args, **kwargs):
            kwargs["partial"] = True
            super().__init__(*args, **kwargs)

    def _get(self, request, patient_id):
        qs = patient_base_queryset()
        allowed = branch_ids_for(request.user)
        if allowed is not None:
            qs = qs.filter(registered_branch_id__in=allowed)
        return get_object_or_404(qs, id=patient_id)

    @extend_schema(responses=PatientOutputSerializer, summary="One patient's demographics")
    def get(self, request, patient_id):
        return Response(PatientOutputSerializer(self._get(request, patient_id)).data)

    @extend_schema(
        request=UpdateSerializer, responses=PatientOutputSerializer, summary="Correct a patient's details"
    )
    def patch(self, request, patient_id):
        patient = self._get(request, patient_id)
        serializer = self.UpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        patient = patient_update(
            acting_user=request.user, patient=patient, data=dict(serializer.validated_data)
        )
        return Response(PatientOutputSerializer(patient).data)
