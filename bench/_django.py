"""Bench set-up: Django against a throw-away database on the configured server (never your data)."""

import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.template import PartialTemplate, Template  # noqa: E402
from django.test.utils import _TestState, setup_test_environment  # noqa: E402


@contextmanager
def scratch_database():
    """A fresh migrated database (test_<name>), dropped afterwards."""
    setup_test_environment()
    # Render templates as a server does. The test environment instruments every template render
    # to send a signal with a copy of its context (for assertions on response.context); that is
    # test-only work, which grows with a page's includes and would be counted as the page's cost.
    Template._render = _TestState.saved_data.template_render
    PartialTemplate._render = _TestState.saved_data.partial_template_render
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def median_ms(fn, *, repeat: int, args_list: list) -> float:
    """Median wall time of fn(arg) over the given arguments, after one warm-up call."""
    fn(args_list[0])
    times = []
    for i in range(repeat):
        arg = args_list[i % len(args_list)]
        start = time.perf_counter()
        fn(arg)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
