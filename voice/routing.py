"""Websocket routes of the voice app (config/asgi.py includes them)."""

from django.urls import path

from voice.consumers import RecordingConsumer

websocket_urlpatterns = [
    path("ws/voice/<uuid:recording_id>/", RecordingConsumer.as_asgi()),
]
