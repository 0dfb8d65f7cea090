"""Driving the audio socket in tests: a communicator with a user, and chunk frames."""

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from voice.routing import websocket_urlpatterns


def frame(index: int, data: bytes) -> bytes:
    return index.to_bytes(4, "big") + data


def pcm(index: int, seconds: float = 0.5, rate: int = 16000) -> bytes:
    """Distinct PCM bytes per chunk index (so order can be checked after joining)."""
    samples = int(seconds * rate)
    return bytes([(index * 7 + i) % 251 for i in range(2)]) * samples


def communicator(recording_id, user=None, *, path: str | None = None) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path or f"/ws/voice/{recording_id}/")
    if user is not None:
        comm.scope["user"] = user
    return comm


async def receive_until(
    comm: WebsocketCommunicator, *types: str, timeout: float = 10
) -> tuple[dict, list[dict]]:
    """Messages until one of `types` arrives: (that one, everything before it)."""
    seen = []
    while True:
        message = await comm.receive_json_from(timeout=timeout)
        if message["type"] in types:
            return message, seen
        seen.append(message)
