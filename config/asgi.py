"""ASGI entry point: HTTP through Django, websockets through Channels (apps add routes later)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from appointments.routing import websocket_urlpatterns as appointments_websockets  # noqa: E402
from clinic.keystore import assert_keys_usable  # noqa: E402
from voice.routing import websocket_urlpatterns as voice_websockets  # noqa: E402

# Refuse to serve with a missing or wrong key-encryption key: there is no plaintext fallback.
assert_keys_usable()

websocket_urlpatterns: list = [*voice_websockets, *appointments_websockets]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
