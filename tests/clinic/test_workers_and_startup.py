"""Real Celery worker and Redis channel layer (CI runs these), and start-up refusing a wrong key."""

import base64
import os
import subprocess
import sys

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from clinic.services.access_log import access_log_record
from clinic.tasks import access_log_verify_task
from tests.factories import make_patient
from tests.live_services import ROOT, child_env, needs_redis


@needs_redis
def test_a_real_worker_verifies_the_access_log_chain(celery_worker_queue, branch_a, admin_user):
    patient = make_patient(branch=branch_a)
    for _ in range(3):
        access_log_record(user=admin_user, record_type="patient", record_id=patient.id, patient_id=patient.id)
    result = access_log_verify_task.apply_async(queue=celery_worker_queue).get(timeout=60)
    assert result == {"ok": True, "rows_checked": 3, "broken_row_id": None}


@needs_redis
def test_live_updates_fan_out_through_the_redis_channel_layer():
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("queue.branch-test", channel)
    async_to_sync(layer.group_send)("queue.branch-test", {"type": "queue.changed", "appointment": "APT-1"})
    assert async_to_sync(layer.receive)(channel) == {"type": "queue.changed", "appointment": "APT-1"}


@pytest.mark.django_db(transaction=True)
def test_the_web_process_refuses_to_start_with_a_wrong_key(branch_a):
    make_patient(branch=branch_a)  # a stored data key wrapped by the real KEK
    wrong = base64.b64encode(os.urandom(32)).decode()
    done = subprocess.run(
        [sys.executable, "-c", "import config.asgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(ENCRYPTION_KEK=wrong, ENCRYPTION_KEK_FILE=""),
    )
    assert done.returncode != 0
    assert "ENCRYPTION_KEK does not match the stored data keys" in done.stderr


@pytest.mark.django_db(transaction=True)
def test_the_web_process_refuses_to_start_without_a_key():
    done = subprocess.run(
        [sys.executable, "-c", "import config.asgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(ENCRYPTION_KEK="", ENCRYPTION_KEK_FILE=""),
    )
    assert done.returncode != 0
    assert "ENCRYPTION_KEK is not set" in done.stderr
    assert settings.ENCRYPTION_KEK or settings.ENCRYPTION_KEK_FILE  # the suite itself still has its key
