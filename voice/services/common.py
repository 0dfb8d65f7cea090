"""What the voice services share: saving with a history reason, telling live sockets after commit."""

import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import models, transaction

logger = logging.getLogger(__name__)


def save_with_history(
    row: models.Model, *, acting_user, reason: str, fields: list[str] | None = None
) -> None:
    """Insert (fields=None) or update the named fields, stamping who and why for the history row."""
    row._history_user = acting_user
    row._change_reason = reason[:100]
    if fields is None:
        row.save(force_insert=True)
        return
    extra = ["updated_at"] if hasattr(row, "updated_at") and "updated_at" not in fields else []
    row.save(update_fields=[*fields, *extra])


def recording_group(recording_id: uuid.UUID | str) -> str:
    return f"voice.recording.{recording_id}"


def notify_recording(recording_id: uuid.UUID | str, message: dict) -> None:
    """After commit, tell every socket of this recording (consent withdrawn, finalized elsewhere)."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(recording_group(recording_id), message)
        except Exception:  # a socket that misses this finds out at its next chunk
            logger.warning("could not notify the sockets of recording %s", recording_id, exc_info=True)

    transaction.on_commit(send)
