from django.urls import path

from emr import api

app_name = "emr"

urlpatterns = [
    path(
        "patients/<uuid:patient_id>/allergies/",
        api.PatientAllergyListCreateApi.as_view(),
        name="allergy-list",
    ),
    path("allergies/<uuid:allergy_id>/", api.AllergyUpdateApi.as_view(), name="allergy-detail"),
    path("allergies/<uuid:allergy_id>/status/", api.AllergyStatusApi.as_view(), name="allergy-status"),
    path(
        "patients/<uuid:patient_id>/history/", api.PatientHistoryListCreateApi.as_view(), name="history-list"
    ),
    path("history/<uuid:entry_id>/", api.HistoryUpdateApi.as_view(), name="history-detail"),
]
