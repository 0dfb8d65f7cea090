"""The doctor's tablet pages, mounted at /doctor/ (config/urls.py).

The namespace is `doctor`, not `consultations`: the JSON API already holds the `consultations`
namespace (api/consultations/), and Django reverses a shared namespace to its first include only.
"""

from django.urls import path

from consultations import views

app_name = "doctor"

urlpatterns = [
    path("", views.queue_page, name="tablet"),
    path("start/<uuid:appointment_id>/", views.consultation_start_page, name="start"),
    path("visit/<uuid:consultation_id>/", views.visit_page, name="visit"),
]
