"""Websocket routes of the appointments app (config/asgi.py adds them)."""

from django.urls import path

from appointments.consumers import QueueConsumer

websocket_urlpatterns = [
    path("ws/appointments/queue/<uuid:branch_id>/", QueueConsumer.as_asgi()),
]
