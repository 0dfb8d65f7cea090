"""Real processes for tests: a Celery worker on Redis, pointed at the test database."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs REDIS_URL: Redis and a real Celery worker"
)


def test_database_url() -> str:
    """DATABASE_URL of the database the tests run in (TCP or the embedded server's socket)."""
    sd = connection.settings_dict
    auth = quote(sd["USER"] or "postgres")
    if sd.get("PASSWORD"):
        auth += ":" + quote(sd["PASSWORD"])
    if sd.get("HOST"):
        return f"postgres://{auth}@{sd['HOST']}:{sd.get('PORT') or 5432}/{sd['NAME']}"
    return f"postgres://{auth}@/{sd['NAME']}?host={quote(sd['OPTIONS']['host'])}"


def child_env(**overrides: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **overrides,
    }
    return env


@pytest.fixture
def celery_worker_queue(transactional_db):
    """Start a real worker consuming a private queue; yield the queue name; stop it."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "-n",
            f"{queue}@%h",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
