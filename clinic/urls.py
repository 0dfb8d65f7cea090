from django.urls import path

from clinic import api

app_name = "clinic"

urlpatterns = [
    path("patients/", api.PatientListCreateApi.as_view(), name="patient-list"),
    path("patients/<uuid:patient_id>/", api.PatientDetailApi.as_view(), name="patient-detail"),
]
