"""/api/appointments/ (seed 4.5 and 4.8.3; the seed's `web/` prefix is dropped)."""

from django.urls import path

from appointments import api

app_name = "appointments_api"

urlpatterns = [
    path("", api.AppointmentListApi.as_view(), name="list"),
    path("slots/", api.AppointmentSlotsApi.as_view(), name="slots"),
    path("availability/", api.BranchAvailabilityApi.as_view(), name="availability"),
    path("book/", api.AppointmentBookApi.as_view(), name="book"),
    path("self-service/book/", api.SelfServiceBookApi.as_view(), name="self-service-book"),
    path("walk-in/", api.AppointmentWalkInApi.as_view(), name="walk-in"),
    path("today/", api.AppointmentTodayApi.as_view(), name="today"),
    path("calendar/", api.AppointmentCalendarApi.as_view(), name="calendar"),
    path("rooms/available/", api.RoomsAvailableApi.as_view(), name="rooms-available"),
    path("therapists/available/", api.TherapistsAvailableApi.as_view(), name="therapists-available"),
    path("service/<uuid:pk>/requirements/", api.RequirementsApi.as_view(), name="service-requirements"),
    path(
        "package/<uuid:pk>/requirements/", api.PackageRequirementsApi.as_view(), name="package-requirements"
    ),
    path("resource-blocks/", api.ResourceBlockListCreateApi.as_view(), name="resource-blocks"),
    path(
        "resource-blocks/<uuid:block_id>/", api.ResourceBlockDetailApi.as_view(), name="resource-block-detail"
    ),
    path("<uuid:appointment_id>/", api.AppointmentDetailApi.as_view(), name="detail"),
    path("<uuid:appointment_id>/approve/", api.AppointmentApproveApi.as_view(), name="approve"),
    path("<uuid:appointment_id>/confirm/", api.AppointmentConfirmApi.as_view(), name="confirm"),
    path("<uuid:appointment_id>/check-in/", api.AppointmentCheckInApi.as_view(), name="check-in"),
    path("<uuid:appointment_id>/start/", api.AppointmentStartApi.as_view(), name="start"),
    path("<uuid:appointment_id>/complete/", api.AppointmentCompleteApi.as_view(), name="complete"),
    path("<uuid:appointment_id>/cancel/", api.AppointmentCancelApi.as_view(), name="cancel"),
    path("<uuid:appointment_id>/no-show/", api.AppointmentNoShowApi.as_view(), name="no-show"),
    path("<uuid:appointment_id>/reschedule/", api.AppointmentRescheduleApi.as_view(), name="reschedule"),
    path(
        "<uuid:appointment_id>/allocate-resources/",
        api.AppointmentAllocateResourcesApi.as_view(),
        name="allocate-resources",
    ),
]
