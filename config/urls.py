from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from clinic.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("clinic.urls")),
    path("api/appointments/", include("appointments.urls")),
    path("api/doctor-schedules/", include("appointments.urls_schedules")),
    path("api/consultations/", include("consultations.urls")),
    path("api/emr/", include("emr.urls")),
    path("api/voice/", include("voice.urls")),
    path("rx/", include("consultations.public_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("doctor/", include("consultations.urls_pages")),
    path("appointments/", include("appointments.urls_pages")),
    path("", include("clinic.urls_pages")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
