"""Staff pages (server-rendered, htmx): sign-in and the front desk's patient pages.

config/urls.py mounts this at the site root: path("", include("clinic.urls_pages")).
"""

from django.urls import path

from clinic import views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("ui/", views.styleguide_page, name="styleguide"),
    path("patients/", views.patient_search_page, name="patient-search"),
    path("patients/new/", views.patient_register_page, name="patient-new"),
    path("patients/<uuid:patient_id>/", views.patient_detail_page, name="patient-detail"),
    path("patients/<uuid:patient_id>/edit/", views.patient_edit_page, name="patient-edit"),
]
