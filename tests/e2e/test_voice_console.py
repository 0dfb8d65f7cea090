"""The doctor records a visit with the voice console (decision 0046), on a tablet, end to end:
Chromium's fake microphone plays a WAV made here; the page streams PCM frames over the real
websocket (Daphne child process, Channels) to the real Deepgram SDK pointed at the loopback stub;
the transcript appears live; "Generate notes" runs the real anthropic SDK against its stub in a
real Celery worker (Redis; without REDIS_URL the task runs inside the Daphne process, as the
settings say); the doctor reviews the evidence, accepts the draft into the note and verifies it.
The audio is checked on the server (stored encrypted, decrypts to the bytes streamed), and axe and
the 48 px target rule are checked with each dialog open. Screens: docs/screens/voice-console-*.png."""

import math
import os
import re
import socket
import struct
import subprocess
import sys
import time
import wave
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from consultations.models import ConsultationNote, PrescriptionItem
from consultations.services.workflow import consultation_start
from tests.consultations.conftest import checked_in_appointment
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, INSTALL_HINT, TABLET, assert_accessible, screenshot
from tests.fakes.anthropic import anthropic_stub  # noqa: F401 (fixture)
from tests.fakes.deepgram import deepgram_stub  # noqa: F401 (fixture)
from tests.live_services import ROOT, child_env
from voice.models import ConsultationRecording, ConsultationTranscript, RecordingChunk
from voice.services.recordings import recording_audio_bytes

pytestmark = pytest.mark.browser
PORTRAIT = {"width": 800, "height": 1280}
# axe runs over the console and its dialogs; the whole visit page is tests/e2e/test_doctor_tablet.py's.
CONSOLE = "#voice"
SCRIPT = [
    (0, "Good morning, what brings you here today?"),
    (1, "I have had an itchy rash on my neck for a week."),
    (0, "Start cetirizine 10 mg at night for 5 days."),
    (1, "Thank you doctor, I will come back after 14 days."),
]
# Controls of the console (and of whichever of its dialogs is open) smaller than 48 x 48 px.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    '#voice button, #voice a, #voice input, #voice textarea, #voice [role=switch]'))
  .filter((el) => el.offsetParent !== null && !el.closest('dialog:not([open])'))
  .map((el) => ({what: el.outerHTML.slice(0, 90), box: el.getBoundingClientRect()}))
  .filter((t) => t.box.height < 48 || t.box.width < 48)
  .map((t) => `${Math.round(t.box.width)}x${Math.round(t.box.height)} ${t.what}`)"""
# The Daphne child: route the app's Celery tasks to the test worker's private queue, then serve.
DAPHNE = """
import os, sys
import django
django.setup()
queue = os.environ.get("TEST_CELERY_QUEUE")
if queue:
    from config.celery import app
    app.conf.task_default_queue = queue
from daphne.cli import CommandLineInterface
CommandLineInterface().run(sys.argv[1:])
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _speech_like_wav(path, seconds: float = 6.0, rate: int = 16000) -> None:
    """A tone that swells and fades like syllables: the level meter moves, the stub counts bytes."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        t = n / rate
        envelope = 0.5 + 0.5 * math.sin(2 * math.pi * 3 * t)
        sample = 0.4 * envelope * math.sin(2 * math.pi * 220 * t)
        frames += struct.pack("<h", int(sample * 32767))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


@pytest.fixture
def providers_env(monkeypatch, deepgram_stub, anthropic_stub):  # noqa: F811
    """What the child processes read from their environment: the real SDKs, pointed at the stubs."""
    deepgram_stub.script = list(SCRIPT)
    deepgram_stub.seconds_per_line = 0.8
    values = {
        "VOICE_STT_PROVIDER": "deepgram",
        "DEEPGRAM_API_KEY": deepgram_stub.api_key,
        "DEEPGRAM_BASE_URL": deepgram_stub.base_url,
        "DEEPGRAM_WEBSOCKET_URL": deepgram_stub.websocket_url,
        "DEEPGRAM_TIMEOUT_SECONDS": "10",
        "VOICE_STT_KEEPALIVE_SECONDS": "0.5",
        "VOICE_NOTES_PROVIDER": "anthropic",
        "ANTHROPIC_API_KEY": anthropic_stub.api_key,
        "ANTHROPIC_BASE_URL": anthropic_stub.base_url,
        "VOICE_NOTES_TIMEOUT_SECONDS": "10",
        "VOICE_NOTES_RETRY_BACKOFF_SECONDS": "0.2",
        "VOICE_NOTES_MAX_ATTEMPTS": "3",
        "DJANGO_DEBUG": "true",  # plain HTTP cookies, static files from the finders, loopback hosts
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return deepgram_stub, anthropic_stub


class DaphneSite:
    """The ASGI app (HTTP and websockets) in a Daphne child process against the test database. It
    can be restarted on the same port: a server going away under a recording tablet."""

    def __init__(self, env: dict, log_path):
        self.env = env
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process = None

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 (the child holds it; closed in stop)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                DAPHNE,
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "config.asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.process.log = log
        deadline = time.monotonic() + 40
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"Daphne did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.log.close()

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def voice_site(request, providers_env, transactional_db, tmp_path):
    """The Daphne site, and a real Celery worker on Redis when REDIS_URL is set (CI sets it)."""
    overrides = {}
    if settings.REDIS_URL:
        overrides["TEST_CELERY_QUEUE"] = request.getfixturevalue("celery_worker_queue")
    site = DaphneSite(child_env(**overrides), tmp_path / "daphne.log")
    site.start()
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture
def microphone_browser(tmp_path):
    """Chromium whose microphone is a WAV file, granted without a prompt."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}. " + INSTALL_HINT, pytrace=False)
    from playwright.sync_api import sync_playwright

    wav = tmp_path / "visit.wav"
    _speech_like_wav(wav)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop on this thread (conftest.py)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=[
                    *CHROMIUM_ARGS,
                    "--use-fake-ui-for-media-stream",
                    "--use-fake-device-for-media-stream",
                    f"--use-file-for-fake-audio-capture={wav}",
                    "--autoplay-policy=no-user-gesture-required",
                ],
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def doctor_page(microphone_browser, voice_site, doctor_a):
    """The doctor's tablet, signed in, that may reach only the site; JavaScript errors and failed
    requests fail the test."""
    origin = urlsplit(voice_site.url)
    problems = {"external": [], "js": [], "failed": []}

    def route(route_, req):
        url = urlsplit(req.url)
        if url.scheme in ("data", "blob") or (url.hostname, url.port) == (origin.hostname, origin.port):
            route_.continue_()
        else:
            problems["external"].append(req.url)
            route_.abort()

    context = microphone_browser.new_context(
        viewport=TABLET, base_url=voice_site.url, locale="en-IN", timezone_id="Asia/Kolkata", has_touch=True
    )
    context.set_default_timeout(15_000)
    context.route("**/*", route)
    context.grant_permissions(["microphone"], origin=voice_site.url)
    client = Client()
    client.force_login(doctor_a)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": voice_site.url,
            }
        ]
    )
    page = context.new_page()
    page.on("pageerror", lambda error: problems["js"].append(str(error)))
    page.on(
        "console",
        lambda m: (
            problems["js"].append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response", lambda r: problems["failed"].append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.expected_js_errors = []  # parts of console errors a test provokes on purpose
    yield page
    context.close()
    problems["js"] = [e for e in problems["js"] if not any(part in e for part in page.expected_js_errors)]
    assert problems == {"external": [], "js": [], "failed": []}


@pytest.fixture
def visit(doctor_a, patient_a, branch_a):
    appointment = checked_in_appointment(patient=patient_a, doctor_user=doctor_a, branch=branch_a)
    return consultation_start(acting_user=doctor_a, appointment=appointment)


def _watch_interims(page) -> None:
    page.evaluate(
        """() => { window.__interims = [];
        const el = document.getElementById('vc-interim');
        new MutationObserver(() => { if (el.textContent) window.__interims.push(el.textContent); })
          .observe(el, {childList: true, characterData: true, subtree: true}); }"""
    )


def test_the_doctor_records_reviews_and_accepts_the_drafted_notes(doctor_page, visit, providers_env):
    deepgram, anthropic = providers_env
    page = doctor_page
    page.goto(f"/doctor/visit/{visit.pk}/")
    expect(page.locator("#visit")).to_have_attribute("data-ready", "true")
    console = page.locator("#voice")
    expect(console.locator("#vc-state")).to_have_text("Ready to record")
    expect(page.locator("#vc-demo")).to_have_count(0)  # real providers: no demo notice

    # Consent before any audio.
    page.get_by_role("button", name="Record the visit").click()
    consent = page.get_by_role("dialog", name="Ask the patient before recording")
    expect(consent).to_be_visible()
    assert not ConsultationRecording.objects.get(consultation_id=visit.pk).consent_given
    assert page.evaluate(SMALL_TARGETS) == []
    assert_accessible(page, context=CONSOLE)
    screenshot(page, "voice-console-consent")
    consent.get_by_role("button", name="Patient agrees: start").click()

    # Recording: the level meter, the clock, the live transcript with speakers.
    _watch_interims(page)
    expect(console.locator("#vc-state")).to_have_text("Recording", timeout=20_000)
    expect(console.locator("#vc-transcript li").first).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Pause").click()
    expect(console.locator("#vc-state")).to_have_text("Paused")
    page.get_by_role("button", name="Resume").click()
    expect(console.locator("#vc-state")).to_have_text("Recording")
    expect(console.locator("#vc-transcript li")).to_have_count(4, timeout=20_000)
    expect(console.locator("#vc-transcript li").nth(1)).to_contain_text("Speaker 2: I have had an itchy rash")
    assert page.evaluate("window.__interims.length") > 0, "interim results were shown"
    assert console.locator("#vc-time").inner_text() != "0:00"
    assert page.evaluate(SMALL_TARGETS) == []
    assert_accessible(page, context=CONSOLE)
    console.scroll_into_view_if_needed()
    screenshot(page, "voice-console-recording")

    page.get_by_role("button", name="Stop").click()
    expect(console.locator("#vc-state")).to_contain_text("Recorded", timeout=30_000)

    # The server stored the audio, encrypted per chunk, and it decrypts to what was streamed.
    recording = ConsultationRecording.objects.get(consultation_id=visit.pk)
    assert recording.status == "finalized" and recording.consent_method == "verbal_recorded"
    chunks = RecordingChunk.objects.filter(recording=recording).count()
    audio = recording_audio_bytes(recording)
    assert chunks > 4 and len(audio) == recording.audio_size_bytes > 16000
    assert len(audio) % 2 == 0 and any(audio[:64000])  # PCM16 with sound in it, not silence
    assert deepgram.streams and bytes(deepgram.streams[0].audio[:2000]) == audio[:2000]

    # Notes: progress, then the review with its evidence.
    page.get_by_role("button", name="Generate notes").click()
    review = page.get_by_role("dialog", name="Review the drafted notes")
    expect(review).to_be_visible(timeout=60_000)
    expect(review.locator(".vc-group h3").first).to_have_text("Chief complaint")
    expect(review).to_contain_text("Medicines drafted")
    expect(review).to_contain_text("cetirizine")
    quote = review.locator(".vc-evidence").first
    quote.click()
    expect(quote).to_have_attribute("aria-expanded", "true")
    expect(review.locator("#vc-said .is-evidence mark")).to_have_count(1)
    expect(review.locator(".vc-line__said mark").first).to_be_visible()
    assert b"Ramesh" not in anthropic.received_bytes()
    assert page.evaluate(SMALL_TARGETS) == []
    assert_accessible(page, context=CONSOLE)
    screenshot(page, "voice-console-review")

    # Accept into the note: the SOAP boxes show the draft; then verify.
    review.get_by_role("button", name="Put into the note").click()
    expect(page.locator("#n-chief_complaint")).to_have_value(re.compile("itchy rash"))
    assert page.locator("#n-chief_complaint").input_value() == (
        ConsultationNote.objects.get(consultation=visit).chief_complaint
    )
    review.get_by_role("button", name="Verify the notes").click()
    expect(review).to_be_hidden()
    expect(page.locator("#note-state")).to_contain_text("Verified by")
    expect(console.locator("#vc-progress")).to_have_text("Notes verified and in the note.")
    note = ConsultationNote.objects.get(consultation=visit)
    assert note.source == "ai_draft" and note.verified_at is not None and "cetirizine" in note.plan.lower()
    assert ConsultationTranscript.objects.get(recording=recording).doctor_verified
    page.locator("#notes").scroll_into_view_if_needed()
    screenshot(page, "voice-console-accepted")

    # A drafted medicine starts the prescription composer from what was said ("at night" -> HS,
    # "5 days", "10 mg"); the doctor picks it (here: bought outside) and adds it, checks and all.
    console.get_by_role("button", name="Review the draft").click()
    review.get_by_role("button", name="Use cetirizine").click()
    expect(review).to_be_hidden()
    expect(page.locator("#med-q")).to_have_value("cetirizine")
    page.locator("#med-results button", has_text="Prescribe “cetirizine”").click()
    expect(page.locator("#chosen-name")).to_contain_text("cetirizine")
    expect(page.locator("#dose-other")).to_have_value("10 mg")
    expect(page.locator('#freq-chips [data-frequency="HS"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator('#dur-chips [data-duration="5"]')).to_have_attribute("aria-pressed", "true")
    assert not PrescriptionItem.objects.filter(prescription__consultation=visit).exists()  # not until Add
    page.get_by_role("button", name="Add to prescription").click()
    expect(page.locator("#rx-list")).to_contain_text("cetirizine", timeout=10_000)
    expect(page.locator("#saved-mark")).to_have_attribute("data-state", "saved", timeout=10_000)
    item = PrescriptionItem.objects.get(prescription__consultation=visit)
    assert (item.medicine_name, item.dosage, item.frequency, item.duration_value) == (
        "cetirizine",
        "10 mg",
        "HS",
        5,
    )

    # Portrait: the console still fits and every control is still big enough.
    page.set_viewport_size(PORTRAIT)
    console.scroll_into_view_if_needed()
    assert page.evaluate(SMALL_TARGETS) == []
    screenshot(page, "voice-console-portrait")


def _record_with_consent(page, *, method: str = "", reference: str = "") -> None:
    page.goto(f"/doctor/visit/{page.visit_id}/")
    expect(page.locator("#visit")).to_have_attribute("data-ready", "true")
    page.get_by_role("button", name="Record the visit").click()
    consent = page.get_by_role("dialog", name="Ask the patient before recording")
    if method:
        consent.get_by_role("button", name=method).click()
        consent.get_by_label("Reference of the OTP check or the signed form").fill(reference)
    consent.get_by_role("button", name="Patient agrees: start").click()
    expect(page.locator("#vc-state")).to_have_text("Recording", timeout=20_000)


def test_a_server_restart_loses_no_audio_and_a_failed_draft_leaves_the_page_usable(
    doctor_page, visit, voice_site, providers_env
):
    deepgram, anthropic = providers_env
    page = doctor_page
    page.visit_id = visit.pk
    _record_with_consent(page, method="Signed the consent form", reference="CF-BLR-0042")
    expect(page.locator("#vc-transcript li").first).to_be_visible(timeout=20_000)
    recording = ConsultationRecording.objects.get(consultation_id=visit.pk)
    assert recording.consent_method == "signature" and recording.consent_reference == "CF-BLR-0042"

    page.expected_js_errors.append("ERR_CONNECTION_REFUSED")  # Chromium logs each refused reconnect
    voice_site.restart()  # the server goes away under the tablet and comes back
    expect(page.locator("#vc-state")).to_have_text("Recording", timeout=30_000)
    stored_before = RecordingChunk.objects.filter(recording=recording).count()
    expect(page.locator("#vc-transcript li")).to_have_count(4, timeout=30_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#vc-state")).to_contain_text("Recorded", timeout=30_000)

    recording.refresh_from_db()
    indexes = list(RecordingChunk.objects.filter(recording=recording).values_list("index", flat=True))
    assert len(indexes) > stored_before > 0 and sorted(indexes) == list(range(len(indexes)))
    assert (
        recording.status == "finalized"
        and len(recording_audio_bytes(recording)) == recording.audio_size_bytes
    )
    assert len(deepgram.streams) >= 2  # a new live stream after the reconnect

    # The notes writer refuses (a bad key): the console says so and the boxes still save by hand.
    anthropic.fail_next(401)
    page.get_by_role("button", name="Generate notes").click()
    expect(page.locator("#vc-progress")).to_contain_text("could not be drafted", timeout=60_000)
    expect(page.locator("#vc-progress")).to_contain_text(re.compile("write the notes by hand", re.IGNORECASE))
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    page.locator("#n-chief_complaint").fill("Itchy rash on the neck for a week.")
    expect(page.locator("#saved-mark")).to_have_attribute("data-state", "saved", timeout=15_000)
    assert (
        ConsultationNote.objects.get(consultation=visit).chief_complaint
        == "Itchy rash on the neck for a week."
    )
    page.locator("#voice").scroll_into_view_if_needed()
    screenshot(page, "voice-console-draft-failed")


def test_withdrawing_consent_stops_the_recording_and_deletes_the_audio(doctor_page, visit):
    page = doctor_page
    page.visit_id = visit.pk
    _record_with_consent(page)
    expect(page.locator("#vc-transcript li").first).to_be_visible(timeout=20_000)
    recording = ConsultationRecording.objects.get(consultation_id=visit.pk)
    assert RecordingChunk.objects.filter(recording=recording).exists()

    page.get_by_role("button", name="Patient withdraws consent").click()
    dialog = page.get_by_role("dialog", name="Stop recording: consent withdrawn")
    expect(dialog.get_by_role("switch", name="Also delete the audio recorded so far")).to_have_attribute(
        "aria-checked", "true"
    )
    assert page.evaluate(SMALL_TARGETS) == []
    assert_accessible(page, context=CONSOLE)
    dialog.get_by_role("button", name="Stop and withdraw").click()
    expect(page.locator("#vc-state")).to_have_text("Consent withdrawn: recording stopped, audio deleted.")
    expect(page.get_by_role("button", name="Record again (asks consent)")).to_be_visible()
    recording.refresh_from_db()
    assert recording.status == "deleted" and recording.consent_withdrawn_at and not recording.consent_given
    assert not RecordingChunk.objects.filter(recording=recording).exists()
    expect(page.locator("#vc-meter-row")).to_be_hidden()  # no clock or meter: nothing is captured


@pytest.fixture
def demo_env(monkeypatch, providers_env):
    """The demo providers `make run` uses with DEBUG: nothing leaves the machine."""
    monkeypatch.setenv("VOICE_STT_PROVIDER", "fake")
    monkeypatch.setenv("VOICE_NOTES_PROVIDER", "fake")
    return providers_env


def test_the_demo_providers_say_so_and_still_walk_the_whole_flow(demo_env, doctor_page, visit):
    deepgram, anthropic = demo_env
    page = doctor_page
    page.visit_id = visit.pk
    page.goto(f"/doctor/visit/{visit.pk}/")
    expect(page.locator("#vc-demo")).to_contain_text("Demo: nothing is sent to any service")
    _record_with_consent(page)
    expect(page.locator("#vc-transcript li").first).to_be_visible(timeout=20_000)
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#vc-state")).to_contain_text("Recorded", timeout=30_000)
    page.get_by_role("button", name="Generate notes").click()
    review = page.get_by_role("dialog", name="Review the drafted notes")
    expect(review).to_be_visible(timeout=60_000)
    expect(page.locator("#vc-review-meta")).to_contain_text("Demo draft")
    review.get_by_role("button", name="Put into the note").click()
    expect(page.locator("#visit-status")).to_have_attribute("data-status", "in_examination", timeout=15_000)
    assert ConsultationNote.objects.get(consultation=visit).source == "ai_draft"
    assert not deepgram.streams and not deepgram.rest_requests and not anthropic.requests
