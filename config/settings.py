"""Settings for tiaojie, read from the environment.

Production differs from a laptop by environment variables only. With nothing set, the
project runs on an SQLite file in the project folder and runs tasks in-process, so
`make run` works on a machine with only python3. A malformed value, or the placeholder
secret with DEBUG off, stops start-up with ImproperlyConfigured.
"""

import os
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as corsheaders_default_headers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

PLACEHOLDER_SECRET_KEY = "insecure-development-key-do-not-use-in-production"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false).")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/K8s secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE={file_name!r} cannot be read: {error}"
            ) from None
    return os.environ.get(name, default)


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY or SECRET_KEY == PLACEHOLDER_SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) to a long random "
            "value, or set DEBUG=1 for a development machine. "
            "未设置 SECRET_KEY：生产环境必须设置随机密钥；开发环境请设置 DEBUG=1。"
        )
    SECRET_KEY = PLACEHOLDER_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "committees",
    "mediation",
    "api",
    "django_htmx",
    "web",
    # Operations commands that may import every layer (manage.py serve).
    "config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (the API docs' Swagger UI and ReDoc, the admin's) from the app itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # No LocaleMiddleware: the API answers in Chinese (LANGUAGE_CODE) whatever language the
    # client's Accept-Language asks for; with it, an English browser got English errors.
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Database: DATABASE_URL, or an SQLite file beside manage.py.
DEFAULT_SQLITE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL") or DEFAULT_SQLITE_URL,
            conn_max_age=env_int("CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {error}") from None

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the busy
    # timeout instead of failing with "database is locked" half-way through a transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    statement_timeout_ms = env_int("DB_STATEMENT_TIMEOUT_MS", 30000)
    DATABASES["default"].setdefault("OPTIONS", {})
    # random_page_cost 1.1 (SSD): without it the planner may walk the primary key backwards
    # for a committee's newest cases instead of using case_committee_recent (bench/load.py).
    random_page_cost = os.environ.get("DB_RANDOM_PAGE_COST", "1.1")
    # jit off: on the raw statistics queries over millions of rows, compiling cost up to
    # 2.9 s per query and saved less (bench/stats_bench.py); short queries never gain.
    DATABASES["default"]["OPTIONS"]["options"] = (
        f"-c statement_timeout={statement_timeout_ms} -c random_page_cost={random_page_cost} "
        "-c jit=off"
    )
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves the installed apps' static files as they are (no collectstatic step).
WHITENOISE_USE_FINDERS = True
# ... so STATIC_ROOT may not exist, which WhiteNoise would warn about at every start.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

# REST framework: JWT for clients, session for the admin and the browsable API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "api.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "UNICODE_JSON": True,
    "DEFAULT_THROTTLE_RATES": {
        "ratings": os.environ.get("TIAOJIE_RATINGS_THROTTLE", "30/minute"),
        "statistics_export": os.environ.get("TIAOJIE_EXPORT_THROTTLE", "10/minute"),
        "ledger_export": os.environ.get("TIAOJIE_LEDGER_EXPORT_THROTTLE", "10/minute"),
        # One document or a whole 卷宗 (a PDF starts LibreOffice): per user.
        "documents": os.environ.get("TIAOJIE_DOCUMENTS_THROTTLE", "60/minute"),
    },
    "DATETIME_FORMAT": "iso-8601",
    # Proxies in front of the app whose X-Forwarded-For is trusted for the client address
    # (throttles, login lock-out). 0: the peer address (REMOTE_ADDR) is the client.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}

# A JSON body nested deeper than this is refused (400 `nesting_too_deep`, api/parsers.py); the
# deepest request of the API nests only a few levels.
TIAOJIE_JSON_MAX_DEPTH = env_int("TIAOJIE_JSON_MAX_DEPTH", 32)

SIMPLE_JWT = {
    # Short-lived access tokens: logout blacklists the refresh token, but an access token
    # stays valid until it expires, so a stolen one is useful for minutes, not a day.
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": SECRET_KEY,
    # Each refresh returns a new refresh token and blacklists the old one; logout
    # (POST /api/v1/auth/logout/) blacklists the refresh token it is given.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}

# Failed sign-ins (API token and admin login share the counters, kept in the cache; see
# api/auth.py): AUTH_LOGIN_FAILURE_LIMIT failures of one username from one client address
# within AUTH_LOGIN_FAILURE_WINDOW seconds lock that pair only; AUTH_LOGIN_IP_FAILURE_LIMIT
# failures from one address for any usernames (credential stuffing) lock the address. A lock
# answers 429 for AUTH_LOGIN_LOCKOUT_SECONDS, even to the right password. A successful
# sign-in resets its pair's counter.
AUTH_LOGIN_FAILURE_LIMIT = env_int("AUTH_LOGIN_FAILURE_LIMIT", 5)
AUTH_LOGIN_IP_FAILURE_LIMIT = env_int("AUTH_LOGIN_IP_FAILURE_LIMIT", 50)
AUTH_LOGIN_FAILURE_WINDOW = env_int("AUTH_LOGIN_FAILURE_WINDOW", 15 * 60)
AUTH_LOGIN_LOCKOUT_SECONDS = env_int("AUTH_LOGIN_LOCKOUT_SECONDS", 15 * 60)

SPECTACULAR_SETTINGS = {
    "TITLE": "tiaojie 人民调解案件管理 API",
    "DESCRIPTION": (
        "People's mediation case management for the district's committees.\n\n"
        'Every error under /api/ is JSON `{"detail": <Chinese text>, "code": <stable '
        "code>, ...}` (the `Error` schema), an unknown URL's 404 `not_found` included; each "
        "operation lists the error statuses it can answer."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI and ReDoc from this server (drf-spectacular-sidecar), never from a CDN:
    # government intranets have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "mediation.choices.Status",
        "CaseSourceEnum": "mediation.choices.Source",
        "SelfRegisteredSourceEnum": "mediation.choices.SELF_REGISTERED_SOURCE_CHOICES",
        "DeclineReasonEnum": "mediation.choices.DeclineReason",
        "PerformanceEnum": "mediation.choices.Performance",
        "PartyRoleEnum": "mediation.choices.PartyRole",
        "PartyKindEnum": "mediation.choices.PartyKind",
        "TransferStatusEnum": "mediation.models.Transfer.Status",
        "TransferKindEnum": "mediation.models.Transfer.Kind",
        "ReferralStatusEnum": "mediation.models.Referral.Status",
        "FollowUpStatusEnum": "mediation.models.FollowUp.Status",
        "FollowUpKindEnum": "mediation.models.FollowUp.Kind",
        "CommitteeKindEnum": "committees.models.Committee.Kind",
        "InstitutionKindEnum": "committees.models.Institution.Kind",
        "MediatorRoleEnum": "committees.models.Mediator.Role",
        "UserRoleEnum": "api.serializers.USER_ROLE_CHOICES",
        "AttachmentKindEnum": "mediation.models.Attachment.Kind",
        "NoticeMethodEnum": "mediation.choices.NoticeMethod",
    },
}

# Celery: REDIS_URL is the broker; without it, tasks run in-process (eager).
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE = {
    # Every 15 s: each tick starts a scan (≤ 12 s) on a free worker process, so several
    # processes drain a backlog together and a killed scan costs one tick, not a minute.
    "scan-followups": {"task": "mediation.tasks.scan_followups", "schedule": 15.0},
}

# Follow-ups: a claimed row not fired within this many seconds (its worker died) is
# claimed again by the next scan. Embedded mode scans in-process every N seconds.
TIAOJIE_FOLLOWUP_CLAIM_TIMEOUT = env_int("TIAOJIE_FOLLOWUP_CLAIM_TIMEOUT", 30)
TIAOJIE_EMBEDDED_SCAN_SECONDS = env_int("TIAOJIE_EMBEDDED_SCAN_SECONDS", 30)
TIAOJIE_MESSAGE_SENDER = os.environ.get("TIAOJIE_MESSAGE_SENDER", "mediation.notify.LogSender")
TIAOJIE_PUBLIC_URL = os.environ.get("TIAOJIE_PUBLIC_URL", "http://127.0.0.1:8000")
# How long an Idempotency-Key is remembered; the follow-up scan deletes older keys.
TIAOJIE_IDEMPOTENCY_KEY_HOURS = env_int("TIAOJIE_IDEMPOTENCY_KEY_HOURS", 24)

# Documents (mediation/documents): a folder whose <kind>.docx files replace the shipped
# templates (the district's own wording, no code change); the LibreOffice program that
# converts DOCX to PDF (a name on PATH or a path; absent: PDFs answer 503 `pdf_unavailable`)
# and how long one conversion may take (seconds).
TIAOJIE_DOCUMENT_TEMPLATE_DIR = os.environ.get("TIAOJIE_DOCUMENT_TEMPLATE_DIR", "")
TIAOJIE_SOFFICE = os.environ.get("TIAOJIE_SOFFICE", "soffice")
TIAOJIE_SOFFICE_TIMEOUT = env_int("TIAOJIE_SOFFICE_TIMEOUT", 120)

# Personal data at rest (mediation/crypto.py): Fernet keys, first one encrypts.
TIAOJIE_FIELD_KEYS = env_list("TIAOJIE_FIELD_KEYS", []) or [
    key for key in env_secret("TIAOJIE_FIELD_KEYS").split(",") if key.strip()
]
TIAOJIE_BLIND_INDEX_KEY = env_secret("TIAOJIE_BLIND_INDEX_KEY")
# A party with an open case, or one received within this many days, anywhere in the
# district, flags a new registration as a repeat dispute.
TIAOJIE_REPEAT_DISPUTE_DAYS = env_int("TIAOJIE_REPEAT_DISPUTE_DAYS", 365)
# The largest amount (yuan, whole) a case or an agreement may state: a typo of a
# trillion would swamp the district's statistics (mediation.validators.amount_problem).
TIAOJIE_AMOUNT_CAP = env_int("TIAOJIE_AMOUNT_CAP", 10_000_000_000)
if not 0 < TIAOJIE_AMOUNT_CAP < 10**12:
    # The amount columns hold at most 12 digits before the decimal point.
    raise ImproperlyConfigured(
        f"TIAOJIE_AMOUNT_CAP={TIAOJIE_AMOUNT_CAP} should be between 1 and 999999999999."
    )

# Attachments (mediation/files.py, API.md "Attachments"): the scans, photos and recordings
# of a case. Kept through Django's storage API in the "attachments" store below, a private
# folder outside STATIC_ROOT and without any URL (served only by the scoped download view);
# in production an S3-compatible bucket through django-storages (README "Attachments").
# An upload over TIAOJIE_ATTACHMENT_MAX_MB is 413 `file_too_large`.
TIAOJIE_ATTACHMENT_MAX_MB = env_int("TIAOJIE_ATTACHMENT_MAX_MB", 20)
TIAOJIE_ATTACHMENTS_DIR = Path(
    os.environ.get("TIAOJIE_ATTACHMENTS_DIR", BASE_DIR / "private" / "attachments")
)
TIAOJIE_ATTACHMENTS_S3_BUCKET = os.environ.get("TIAOJIE_ATTACHMENTS_S3_BUCKET", "")
if TIAOJIE_ATTACHMENTS_S3_BUCKET:
    # django-storages (`pip install tiaojie[s3]`); credentials, region and endpoint from its
    # own AWS_* environment variables. Private objects, no public URL ever handed out.
    ATTACHMENTS_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": TIAOJIE_ATTACHMENTS_S3_BUCKET,
            "location": os.environ.get("TIAOJIE_ATTACHMENTS_S3_PREFIX", "attachments"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    ATTACHMENTS_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": TIAOJIE_ATTACHMENTS_DIR,
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "attachments": ATTACHMENTS_STORAGE,
}
# A multipart upload is streamed to a temporary file past this size (never held whole in
# memory by Django); the attachment service reads it once to hash, check and encrypt it.
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# The roster (committees/roster.py; 人民调解法 arts 8–9): a member's term in years (law), and
# whether the district is multi-ethnic, so each committee needs a member of a smaller ethnic
# group (law for multi-ethnic areas; Ningxia is one, hence true by default).
TIAOJIE_TERM_YEARS = env_int("TIAOJIE_TERM_YEARS", 3)
TIAOJIE_MULTI_ETHNIC = env_bool("TIAOJIE_MULTI_ETHNIC", True)

# Mediation time rules: their one home, read through mediation.rules.rule (Ministry of
# Justice defaults and the follow-up times; a district may change them by environment).
TIAOJIE = {
    "MEDIATION_DAYS": env_int("TIAOJIE_MEDIATION_DAYS", 30),
    # Extensions of the mediation period: how many (each with the parties' consent) and
    # how long each may be. Local practice (the Ministry's rules fix neither): once, 30 days.
    "EXTENSION_MAX_DAYS": env_int("TIAOJIE_EXTENSION_MAX_DAYS", 30),
    "EXTENSION_MAX_COUNT": env_int("TIAOJIE_EXTENSION_MAX_COUNT", 1),
    # Judicial confirmation: the window after the agreement takes effect (人民调解法 art 33;
    # its last day moves past a holiday), and the court's time to decide (法释〔2011〕5号
    # art 5: 15 days, +10 when the court extends), after which a pending application is
    # chased (follow-up `judicial_pending`).
    "JUDICIAL_CONFIRMATION_DAYS": env_int("TIAOJIE_JUDICIAL_CONFIRMATION_DAYS", 30),
    "JUDICIAL_DECISION_DAYS": env_int("TIAOJIE_JUDICIAL_DECISION_DAYS", 15),
    "JUDICIAL_DECISION_EXTENSION_DAYS": env_int("TIAOJIE_JUDICIAL_DECISION_EXTENSION_DAYS", 10),
    "TRANSFER_RESPONSE_DAYS": env_int("TIAOJIE_TRANSFER_RESPONSE_DAYS", 3),
    # A registered case is accepted or declined within this many working days, else the
    # director is reminded on the day and alerted after it. LOCAL PRACTICE, not law: neither
    # 人民调解法 nor the Ministry's 2002 rules set a period for 受理.
    "ACCEPTANCE_WORKING_DAYS": env_int("TIAOJIE_ACCEPTANCE_WORKING_DAYS", 3),
    # Follow-ups (mediation.schedule, mediation.engine): days before the deadline the
    # warning goes out; the performance check without a deadline (days after the agreement
    # takes effect) and the second one after a partial or no performance; the satisfaction
    # SMS after conclusion and how long its rating link lives; the judicial-confirmation
    # reminder (day of the window); the overdue alert's repeat; the review of a bad rating
    # (working days); the screening-report reminders (day of the month: director, office).
    "DEADLINE_WARNING_DAYS": env_int("TIAOJIE_DEADLINE_WARNING_DAYS", 5),
    "PERFORMANCE_CHECK_DAYS": env_int("TIAOJIE_PERFORMANCE_CHECK_DAYS", 15),
    "SECOND_PERFORMANCE_CHECK_DAYS": env_int("TIAOJIE_SECOND_PERFORMANCE_CHECK_DAYS", 15),
    "SATISFACTION_AFTER_DAYS": env_int("TIAOJIE_SATISFACTION_AFTER_DAYS", 3),
    "RATING_LINK_DAYS": env_int("TIAOJIE_RATING_LINK_DAYS", 30),
    # The judicial-window reminder goes out this many days before the window closes.
    "JUDICIAL_WINDOW_REMINDER_DAYS_BEFORE": env_int(
        "TIAOJIE_JUDICIAL_WINDOW_REMINDER_DAYS_BEFORE", 5
    ),
    "OVERDUE_REPEAT_DAYS": env_int("TIAOJIE_OVERDUE_REPEAT_DAYS", 7),
    "BAD_RATING_REVIEW_WORKING_DAYS": env_int("TIAOJIE_BAD_RATING_REVIEW_WORKING_DAYS", 5),
    "SCREENING_DIRECTOR_DAY": env_int("TIAOJIE_SCREENING_DIRECTOR_DAY", 5),
    "SCREENING_OFFICE_DAY": env_int("TIAOJIE_SCREENING_OFFICE_DAY", 10),
    # The 卷宗's retention (保管期限) from the day it is archived, in years: local practice,
    # not law (county 卷宗 guidance decides it per file): a succeeded case's file, which
    # holds an agreement that may be enforced or contested, longer than the others.
    "RETENTION_YEARS_SUCCEEDED": env_int("TIAOJIE_RETENTION_YEARS_SUCCEEDED", 10),
    "RETENTION_YEARS_OTHER": env_int("TIAOJIE_RETENTION_YEARS_OTHER", 5),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_rating_tokens": {"()": "api.log_filters.RedactRatingTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django logs every 4xx with its path; a rating link's path holds its token.
    "loggers": {"django.request": {"filters": ["redact_rating_tokens"]}},
}

# Cache: login lock-out counters and DRF throttles. With REDIS_URL, shared by every process
# (Redis); without it, per process (enough for one `make run`).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tiaojie",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Statistics answers are cached this long per question and scope (api/stats_cache.py).
STATISTICS_CACHE_SECONDS = env_int("STATISTICS_CACHE_SECONDS", 10)

# CORS: no cross-origin access unless CORS_ALLOWED_ORIGINS lists origins
# (comma-separated, e.g. https://app.example.gov.cn). Only the API answers CORS.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (*corsheaders_default_headers, "idempotency-key")
CORS_EXPOSE_HEADERS = ["Content-Disposition", "Retry-After"]

# Security: production-safe with DEBUG off (`manage.py check --deploy` is clean); a laptop
# with DEBUG=1 serves plain http. Each can be changed by the environment variable of the
# same name. Behind a TLS-terminating proxy, the proxy must set X-Forwarded-Proto
# (SECURE_PROXY_SSL_HEADER=0 when the app terminates TLS itself or no proxy sets it).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT", [r"^api/v1/health/$"])
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", not DEBUG) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# The pages' sign-in is at / (web/views/auth.py); login_required sends people there.
LOGIN_URL = "web:signin"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
