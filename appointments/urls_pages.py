"""The front desk's appointment pages (seed 4.6). config/urls.py mounts this at /appointments/."""

from django.urls import path

from appointments import views

app_name = "appointments"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("book/patients/", views.book_patients, name="book-patients"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/block-room/", views.room_block_add, name="room-block"),
    path("queue/", views.queue, name="queue"),
    path("list/", views.appointment_list_page, name="list"),
    path("schedules/", views.schedules, name="schedules"),
    path("schedules/add/", views.schedule_save, name="schedule-add"),
    path("schedules/<uuid:schedule_id>/edit/", views.schedule_save, name="schedule-edit"),
    path("schedules/<uuid:schedule_id>/delete/", views.schedule_delete, name="schedule-delete"),
    path("schedules/generate/", views.slots_generate, name="slots-generate"),
    path("schedules/block/", views.time_block, name="time-block"),
    path("schedules/unblock/", views.time_unblock, name="time-unblock"),
    path("schedules/leave/", views.leave_add, name="leave-add"),
    path("schedules/leave/<uuid:leave_id>/cancel/", views.leave_cancel, name="leave-cancel"),
    path("schedules/holidays/", views.holiday_add, name="holiday-add"),
    path("schedules/holidays/<int:holiday_id>/cancel/", views.holiday_cancel_page, name="holiday-cancel"),
    path("<uuid:appointment_id>/", views.appointment_detail, name="detail"),
    path("<uuid:appointment_id>/cancel/", views.appointment_cancel_page, name="cancel"),
    path("<uuid:appointment_id>/allocate/", views.appointment_allocate_page, name="allocate"),
    path("<uuid:appointment_id>/approve/", views.appointment_action, {"action": "approve"}, name="approve"),
    path(
        "<uuid:appointment_id>/check-in/", views.appointment_action, {"action": "check-in"}, name="check-in"
    ),
    path("<uuid:appointment_id>/no-show/", views.appointment_action, {"action": "no-show"}, name="no-show"),
]
