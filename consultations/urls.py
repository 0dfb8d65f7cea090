from django.urls import path

from consultations import api

app_name = "consultations"

urlpatterns = [
    path("queue/", api.ConsultationQueueApi.as_view(), name="queue"),
    path("start/", api.ConsultationStartApi.as_view(), name="start"),
    path("walk-in/", api.ConsultationWalkInApi.as_view(), name="walk-in"),
    path("icd10/", api.Icd10SearchApi.as_view(), name="icd10-search"),
    path("medicines/", api.MedicineSearchApi.as_view(), name="medicine-search"),
    path("note-templates/", api.NoteTemplateListApi.as_view(), name="note-templates"),
    path("<uuid:consultation_id>/", api.ConsultationDetailApi.as_view(), name="detail"),
    path("<uuid:consultation_id>/transition/", api.ConsultationTransitionApi.as_view(), name="transition"),
    path("<uuid:consultation_id>/vitals/", api.ConsultationVitalsApi.as_view(), name="vitals"),
    path("<uuid:consultation_id>/note/", api.ConsultationNoteApi.as_view(), name="note"),
    path(
        "<uuid:consultation_id>/note/template/",
        api.ConsultationNoteTemplateApi.as_view(),
        name="note-template",
    ),
    path(
        "<uuid:consultation_id>/note/ai-draft/",
        api.ConsultationNoteAiDraftApi.as_view(),
        name="note-ai-draft",
    ),
    path("<uuid:consultation_id>/note/verify/", api.ConsultationNoteVerifyApi.as_view(), name="note-verify"),
    path(
        "<uuid:consultation_id>/diagnoses/", api.ConsultationDiagnosisAddApi.as_view(), name="diagnosis-add"
    ),
    path(
        "<uuid:consultation_id>/diagnoses/<uuid:diagnosis_id>/",
        api.ConsultationDiagnosisRemoveApi.as_view(),
        name="diagnosis-remove",
    ),
    path(
        "<uuid:consultation_id>/prescription/", api.ConsultationPrescriptionApi.as_view(), name="prescription"
    ),
    path("<uuid:consultation_id>/prescription/items/", api.PrescriptionItemAddApi.as_view(), name="item-add"),
    path("<uuid:consultation_id>/follow-up/", api.ConsultationFollowUpApi.as_view(), name="follow-up"),
    path(
        "<uuid:consultation_id>/follow-up/slots/",
        api.ConsultationFollowUpSlotsApi.as_view(),
        name="follow-up-slots",
    ),
    path(
        "<uuid:consultation_id>/follow-up/reschedule/",
        api.ConsultationFollowUpRescheduleApi.as_view(),
        name="follow-up-reschedule",
    ),
    path("prescription-items/<uuid:item_id>/", api.PrescriptionItemApi.as_view(), name="item"),
    path(
        "prescriptions/<uuid:prescription_id>/finalize/",
        api.PrescriptionFinalizeApi.as_view(),
        name="prescription-finalize",
    ),
    path(
        "prescriptions/<uuid:prescription_id>/amend/",
        api.PrescriptionAmendApi.as_view(),
        name="prescription-amend",
    ),
    path(
        "prescriptions/<uuid:prescription_id>/dispense/",
        api.PrescriptionDispenseApi.as_view(),
        name="prescription-dispense",
    ),
    path(
        "prescriptions/<uuid:prescription_id>/pdf/", api.PrescriptionPdfApi.as_view(), name="prescription-pdf"
    ),
]
