"""/api/doctor-schedules/ (seed 4.5)."""

from django.urls import path

from appointments import api

app_name = "doctor_schedules_api"

urlpatterns = [
    path("", api.DoctorScheduleListCreateApi.as_view(), name="list"),
    path("staff/<uuid:staff_id>/", api.DoctorScheduleStaffApi.as_view(), name="staff"),
    path("generate-slots/", api.GenerateSlotsApi.as_view(), name="generate-slots"),
    path("block-slots/", api.BlockSlotsApi.as_view(), name="block-slots"),
    path("unblock-slots/", api.UnblockSlotsApi.as_view(), name="unblock-slots"),
    path("leave/", api.StaffLeaveListCreateApi.as_view(), name="leave"),
    path("leave/<uuid:leave_id>/", api.StaffLeaveDetailApi.as_view(), name="leave-detail"),
    path("holidays/", api.HolidayListCreateApi.as_view(), name="holidays"),
    path("holidays/<int:holiday_id>/", api.HolidayDetailApi.as_view(), name="holiday-detail"),
    path("<uuid:schedule_id>/", api.DoctorScheduleDetailApi.as_view(), name="detail"),
]
