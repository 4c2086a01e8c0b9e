"""Settings for SCI Events, all read from the environment.

Every variable is listed with its meaning in `.env.example`. Defaults are safe
for development; production sets `DEBUG=false` and real values.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


DEBUG = env_bool("DEBUG", default=False)


def _secret_key() -> str:
    """The key from the environment; in DEBUG a random one kept in a local file.

    Production must set SECRET_KEY: a missing key outside DEBUG stops start-up
    rather than running with a guessable default.
    """
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a "
            "random value of at least 50 characters (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), "
            "or set DEBUG=true for local development."
        )
    key_file = BASE_DIR / "var" / "dev-secret-key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "registration",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "cms",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_countries",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    # Before django.contrib.admin, as django-modeltranslation asks.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "conference.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "conference.security.NoNulMiddleware",  # after Locale: its 400 page is translated
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "conference.two_factor.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "conference.errors.RedirectMiddleware",  # Wagtail's, keeping the 404 without a database
    "conference.ratelimits.RateLimitMiddleware",
]

ROOT_URLCONF = "conference.urls"
WSGI_APPLICATION = "conference.wsgi.application"
ASGI_APPLICATION = "conference.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
            # {% error_static %}: error pages' static addresses without the manifest.
            "libraries": {"error_pages": "conference.error_pages"},
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite is the embedded default: WAL lets readers work during a write and
# IMMEDIATE transactions take the write lock at BEGIN, so two placements never
# both read availability and then write. DATABASE_URL=postgres://... switches
# to PostgreSQL, where row locks do the same job; DATABASE_URL=sqlite:///path
# (the dj-database-url convention) is the same SQLite set-up as SQLITE_PATH.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
LOCK_TIMEOUT_SECONDS = 3
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


def sqlite_database(name: str) -> dict:
    """SQLite with WAL, IMMEDIATE transactions and the lock wait of every database."""
    if name != ":memory:":
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": LOCK_TIMEOUT_SECONDS,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
            ),
        },
    }


def postgres_database(url: str) -> dict:
    database = dj_database_url.parse(
        url, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
    )
    # Every lock wait on PostgreSQL gives up after LOCK_TIMEOUT_SECONDS (DESIGN
    # invariant 1: a clean `busy`, never a hung request). Set per connection so
    # the hottest path, the door scan, needs no extra round trip; a migration
    # run on a live site also gives up instead of queueing every request.
    database.setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={LOCK_TIMEOUT_SECONDS * 1000}"
    )
    return database


def database_from_url(url: str) -> dict:
    """The database DATABASE_URL names: PostgreSQL or SQLite, nothing else.

    The message names the scheme only: the rest of the address may hold a password.
    """
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme in POSTGRES_SCHEMES:
        return postgres_database(url)
    if scheme == "sqlite":
        return sqlite_database(dj_database_url.parse(url)["NAME"])
    raise ImproperlyConfigured(
        "DATABASE_URL must be postgres://user:password@host:5432/name or "
        "sqlite:///path/to/file.sqlite3, not "
        + (f"a {scheme}:// address." if scheme else "an address without a scheme.")
    )


if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": sqlite_database(
            os.environ.get("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3"))
        )
    }

if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Wagtail's search backend uses PostgreSQL full-text search there.
    INSTALLED_APPS.append("django.contrib.postgres")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks ---------------------------------------------------------------
# "db": django-tasks-db, run by `manage.py db_worker` (the embedded default);
# "rq": Redis queues, run by `manage.py rqworker` to scale out;
# "immediate": run inside the request (tests).
TASK_BACKEND = os.environ.get("TASK_BACKEND", "db")
_TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASK_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {TASK_BACKEND!r}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASK_BACKEND]}}
# A task of ours RUNNING longer than this is taken for one whose worker died
# and is run again by the periodic loop (registration/jobs/recovery.py).
STALLED_TASK_SECONDS = env_int("STALLED_TASK_SECONDS", 15 * 60)
if TASK_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASK_BACKEND=rq needs REDIS_URL.")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}

# --- Passwords, sessions, security --------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions live in the database; with Redis, "cached_db" serves them from the
# shared cache and keeps the database copy (SESSION_STORE=db|cached_db|cache).
SESSION_STORE = os.environ.get("SESSION_STORE") or ("cached_db" if REDIS_URL else "db")
if SESSION_STORE not in {"db", "cached_db", "cache"}:
    raise ImproperlyConfigured(
        f"SESSION_STORE must be db, cached_db or cache, not {SESSION_STORE!r}."
    )
SESSION_ENGINE = f"django.contrib.sessions.backends.{SESSION_STORE}"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "conference.errors.csrf_failure"
# Behind a TLS-terminating proxy, trust its X-Forwarded-Proto header.
BEHIND_PROXY = env_bool("BEHIND_PROXY", default=not DEBUG)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Languages and time ---------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# What staff write for an event (names, questions, e-mail texts) has a column per
# language (django-modeltranslation); an empty Spanish or French one reads English.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "es", "fr")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
MODELTRANSLATION_TRANSLATION_FILES = ("registration.catalogue.translation",)

# --- Static and media ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Hashed, compressed file names need `collectstatic` first; development and
# tests serve the files as they are.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# WhiteNoise serves from STATIC_ROOT, and from the source folders until
# collectstatic has run (it warns about a missing folder, so make it).
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# The file backend (django.core.mail.backends.filebased.EmailBackend) writes here.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "SCI Events <events@sister-cities.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The mail service reports bounces of staff mailings to /mailings/bounces/ with
# this secret (registration/mailings/views.py); empty turns the hook off.
MAILINGS_BOUNCE_SECRET = os.environ.get("MAILINGS_BOUNCE_SECRET", "")

# --- Stripe -----------------------------------------------------------------------------
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")

# Passport details (VisaDetails) are deleted this many days after their event
# ends, by the retention job in the periodic loop (DESIGN invariant 7).
VISA_RETENTION_DAYS = env_int("VISA_RETENTION_DAYS", 30)

# --- Wagtail ----------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Sister Cities International Events"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "xlsx", "csv", "txt", "png", "jpg"]
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ALLOW_UNICODE_SLUGS = False
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Integrations send a staff user's API token (stored hashed, see
    # registration.staff.models.access); staff tools in the browser use the session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registration.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "registration.api.authentication.TokenScope",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # One error shape: {"code", "detail", "errors": {"dotted.field": [...]}}.
    "EXCEPTION_HANDLER": "registration.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's own three, refusing text the database cannot store (a NUL, a lone
    # surrogate) with a 400 that names the field.
    "DEFAULT_PARSER_CLASSES": [
        "registration.api.parsers.JSONParser",
        "registration.api.parsers.FormParser",
        "registration.api.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SCI Events API",
    "DESCRIPTION": "Events, orders and check-in for Sister Cities International.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["conference.schema.only_public_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "conference.schema.common_error_responses",
    ],
    # `<id:…>` in API addresses (registration/api/converters.py).
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999}
    },
    # /api/docs/ loads Swagger UI from static/vendor/swagger-ui/ (no CDN): it
    # works offline and under a strict CSP.
    "SWAGGER_UI_DIST": STATIC_URL + "vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": STATIC_URL + "vendor/swagger-ui/favicon-32x32.png",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": [code for code, _name in LANGUAGES],
        # "KindEnum" stays the events' name it had before other kinds joined.
        "KindEnum": "registration.catalogue.models.EventKind",
        "CountryEnum": "django_countries.countries",
        "PartnershipKindEnum": "registration.network.models.PartnershipKind",
        "ExchangeKindEnum": "registration.network.models.ExchangeKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # WeasyPrint and fontTools are chatty at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Rate limits (conference/ratelimits.py) ---------------------------------------------
# name: (requests, seconds) per client address (per device token for check-in).
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", default=True)
RATE_LIMITS = {
    "orders": (env_int("RATE_LIMIT_ORDERS", 30), 600),
    "codes": (env_int("RATE_LIMIT_CODES", 20), 600),
    "links": (env_int("RATE_LIMIT_LINKS", 300), 60),
    "link_misses": (env_int("RATE_LIMIT_LINK_MISSES", 20), 600),
    "checkin": (env_int("RATE_LIMIT_CHECKIN", 30), 1),
    "login_failures": (env_int("RATE_LIMIT_LOGIN_FAILURES", 5), 900),
    "login_failures_address": (env_int("RATE_LIMIT_LOGIN_FAILURES_ADDRESS", 20), 900),
}

# --- Two-factor sign-in (conference/two_factor.py) ----------------------------------------
# Members of these groups must use an authenticator app; for others it is optional.
TWO_FACTOR_REQUIRED_GROUPS = env_list(
    "TWO_FACTOR_REQUIRED_GROUPS", "Finance,Youth protection"
)
OTP_TOTP_ISSUER = "SCI Events"

# --- Retention (registration/privacy/services.py, run by run_periodic) ---------------------
# Youth details (dates of birth, guardians, medical data) are deleted this many
# days after their event ends.
YOUTH_RETENTION_DAYS = env_int("YOUTH_RETENTION_DAYS", 30)
