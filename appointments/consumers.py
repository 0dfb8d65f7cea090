"""The live queue: a websocket per branch that says "the queue changed" (ids only, never a name).

`ws/appointments/queue/<branch id>/` accepts signed-in staff of that branch (superusers: any
active branch) and refuses everyone else before the handshake completes. Appointment events
(appointments.events, announced after commit) are sent to the branch's group; the page then
fetches the board again over HTTP, with the page's own permissions (static/js/live_queue.js).
This module registers its listeners when imported (AppointmentsConfig.ready imports it).
"""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from appointments import events
from appointments.models import Appointment
from appointments.permissions import access_of
from appointments.selectors.pages import branch_visible_for_queue, real_user

logger = logging.getLogger(__name__)

REFUSED = 4403  # a close code in the private range: "not for you"
_pending: set = set()  # sends scheduled on a running loop, kept until done


def queue_group(branch_id) -> str:
    return f"appointments.queue.{branch_id}"


@database_sync_to_async
def _may_follow(user, branch_id) -> bool:
    user = real_user(user)
    if not user or not user.is_authenticated or not user.is_staff:
        return False
    return branch_visible_for_queue(access_of(user, refresh=True), branch_id)


class QueueConsumer(AsyncJsonWebsocketConsumer):
    group = None

    async def connect(self):
        branch_id = self.scope["url_route"]["kwargs"]["branch_id"]
        if not await _may_follow(self.scope.get("user"), branch_id):
            await self.close(code=REFUSED)
            return
        self.group = queue_group(branch_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        """Clients only listen; a ping gets a pong so a client can check the line."""
        if content == {"type": "ping"}:
            await self.send_json({"type": "pong"})

    async def queue_changed(self, event):
        await self.send_json(
            {"type": "queue.changed", "appointment": event["appointment"], "status": event.get("status", "")}
        )


def queue_changed(appointment_id, **details) -> None:
    """An appointment was booked or changed status (after commit): tell its branch's queue."""
    branch_id = Appointment.objects.filter(pk=appointment_id).values_list("branch_id", flat=True).first()
    layer = get_channel_layer()
    if branch_id is None or layer is None:
        return
    message = {"type": "queue.changed", "appointment": str(appointment_id), "status": details.get("new", "")}
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # the usual case: a sync view, task or command
        async_to_sync(layer.group_send)(queue_group(branch_id), message)
    else:  # called from a thread that runs an event loop itself: send from that loop
        task = loop.create_task(layer.group_send(queue_group(branch_id), message))
        _pending.add(task)
        task.add_done_callback(_pending.discard)


events.listen(events.BOOKED, queue_changed)
events.listen(events.STATUS_CHANGED, queue_changed)
