"""Pages anyone may open without logging in: the prescription check behind the printed QR code."""

from django.urls import path

from consultations.views import prescription_verify

urlpatterns = [
    path("verify/<str:token>", prescription_verify, name="rx-verify"),
]
