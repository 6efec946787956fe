"""Settings for Nexus Core Clinic, read from the environment (see .env.example).

One module for every environment: development defaults are safe and local (SQLite under var/,
console email, console SMS); production is the same module with DEBUG off and the variables set.
"""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)


def _checkout_secret_key() -> str:
    """Development: a random key made on first run and kept in var/ (never committed), so no two
    checkouts share one and nothing derived from it (the SMS callback token) can be forged from
    the source. Production sets SECRET_KEY and refuses to start without it (below)."""
    import secrets

    path = VAR_DIR / "secret_key"
    if not path.exists():
        try:
            with open(path, "x", opener=lambda p, f: os.open(p, f, 0o600)) as fh:
                fh.write(secrets.token_urlsafe(50))
        except FileExistsError:
            pass  # another process of this checkout wrote it first
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or (_checkout_secret_key() if DEBUG else "")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ncc",
    "accounts",
    "clinics",
    "patients",
    "scheduling",
    "audit",
    "xero",
    "messaging",
    "billing",
    "reports",
    "clinical",
    "setup",
]

MIDDLEWARE = [
    "ncc.health.ProbeMiddleware",  # answers /healthz and /readyz before host checks and redirects
    "ncc.middleware.DatabaseUnavailableMiddleware",  # a 500 from a lost database becomes 503
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",  # idle timeout and absolute lifetime
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "clinics.middleware.CurrentClinicMiddleware",
    "ncc.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: answers a locked-out login
]

ROOT_URLCONF = "ncc.urls"
WSGI_APPLICATION = "ncc.wsgi.application"

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
                "django.template.context_processors.csp",
                "ncc.context_processors.navigation",
            ],
            # One way to write a time on every page ("9:15 am"): the |clock and |stamp filters.
            "builtins": ["ncc.templatetags.ncc_time"],
        },
    },
]

# SQLite under var/ unless DATABASE_URL says otherwise (postgres://user@host:5432/name).
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ncc.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE makes every transaction take the
    # write lock at BEGIN, which is what serialises concurrent bookings on SQLite.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("NCC_TEST_DB", default=str(VAR_DIR / "test.sqlite3"))
    }
else:
    # Cloud SQL's Unix socket written as a URL host: postgres://ncc:PW@%2Fcloudsql%2FPROJECT%3AREGION%3AINSTANCE/ncc
    if DATABASES["default"].get("HOST", "").startswith("%2F"):
        from urllib.parse import unquote

        DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
    # SSD storage (local disks, Cloud SQL): random reads cost about as much as sequential ones.
    # With PostgreSQL's spinning-disk default of 4 the planner skips the trigram index of the
    # patient search for a sequential scan ten times slower.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c random_page_cost={env.float('PG_RANDOM_PAGE_COST', default=1.1)}"
    )
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out account or address before a password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.RoleBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=12)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login protection (accounts app; see .env.example). django-axes counts failed logins per
# account and per address, separately: LOGIN_FAILURE_LIMIT failures lock that account (whatever
# the address) or that address (whatever the account) for LOGIN_LOCKOUT_MINUTES; an admin
# unlocks in Django admin (Access attempts: delete) or with `manage.py axes_reset_username`.
from datetime import timedelta  # noqa: E402

AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_CALLABLE = "accounts.lockout.username_from_request"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0 if DEBUG else 1)
AXES_VERBOSE = False
# Sessions: signed out after SESSION_IDLE_MINUTES without a request, and after
# SESSION_MAX_HOURS whatever happens (accounts.middleware.SessionLimitsMiddleware).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
# Password-reset emails: at most this many per address and per hour (accounts.views).
PASSWORD_RESET_PER_HOUR = env.int("PASSWORD_RESET_PER_HOUR", default=3)
# Two-factor login (django-otp: TOTP apps and recovery codes). Admins always need it; everyone
# when MFA_REQUIRED_FOR_ALL is on. MFA_ENFORCED=false only for local demos (scripts/run).
MFA_REQUIRED_FOR_ALL = env.bool("MFA_REQUIRED_FOR_ALL", default=False)
MFA_ENFORCED = env.bool("MFA_ENFORCED", default=True)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Nexus Core Clinic")

LANGUAGE_CODE = "en-au"
TIME_ZONE = "Australia/Sydney"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded files (clinical attachments, letters). Never served from a public URL: clinical views
# check permission and audit each read. On Cloud Run set GS_BUCKET_NAME to keep them in Google
# Cloud Storage through django-storages (docs/deploy.md); reads then redirect to a signed URL
# that lasts GS_EXPIRATION seconds.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
GS_BUCKET_NAME = env.str("GS_BUCKET_NAME", default="")
if GS_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.gcloud.GoogleCloudStorage",
        "OPTIONS": {"bucket_name": GS_BUCKET_NAME, "querystring_auth": True,
                    "expiration": env.int("GS_EXPIRATION", default=300), "default_acl": None,
                    "file_overwrite": False,
                    # Cloud Run has no key file: sign URLs through IAM as the service account.
                    "iam_sign_blob": env.bool("GS_IAM_SIGN_BLOB", default=True),
                    "sa_email": env.str("GS_SA_EMAIL", default="") or None},
    }
CLINICAL_ATTACHMENT_MAX_BYTES = env.int("CLINICAL_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)

# Email (Django 6.1 MAILERS): console in development; SMTP or a provider's backend in production.
EMAIL_BACKEND_PATH = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
_mail_options = {}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": env.str("EMAIL_HOST", default="localhost"),
        "port": env.int("EMAIL_PORT", default=587),
        "username": env.str("EMAIL_HOST_USER", default=""),
        "password": env.str("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=True),
        "timeout": 20,
    }
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Walk Easy <bookings@walkeasy.example>")

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # The login password on every request: a development convenience, off in production.
        *(["rest_framework.authentication.BasicAuthentication"]
          if env.bool("API_BASIC_AUTH", default=DEBUG) else []),
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ncc.api_permissions.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ncc.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Nexus Core Clinic API",
    "DESCRIPTION": "Patients, clinics, clinicians, appointment types and appointments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Content Security Policy (Django 6 built-in): our own scripts and styles only, no CDN.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Production hardening: on whenever DEBUG is off (Cloud Run, the CI smoke test). Every value can
# be set from the environment; secrets come from Secret Manager as environment variables.
if not DEBUG:
    from django.core.exceptions import ImproperlyConfigured

    if not SECRET_KEY or SECRET_KEY.startswith("dev-only-insecure"):
        raise ImproperlyConfigured("Set SECRET_KEY (long and random) when DEBUG is off.")
    # Cloud Run's front end terminates TLS and says so in X-Forwarded-Proto; the container is
    # reachable only through it, so the header can be trusted.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    # The site's own origin is trusted for CSRF even when a proxy rewrites the Host header.
    if SITE_URL.startswith("https://") and SITE_URL.rstrip("/") not in CSRF_TRUSTED_ORIGINS:
        CSRF_TRUSTED_ORIGINS = [*CSRF_TRUSTED_ORIGINS, SITE_URL.rstrip("/")]

# Error reporting: errors reach Cloud Error Reporting through the JSON logs (ncc/logging.py);
# Sentry as well when SENTRY_DSN is set. No personal data is sent (patient records).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production" if not DEBUG else "development"),
        release=env.str("K_REVISION", default="") or None,
        send_default_pii=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "ncc.logging.CloudLoggingFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="plain" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Scanners send any Host header; a 400 is answered, not an error worth a report.
        "django.security.DisallowedHost": {"level": "CRITICAL"},
        "axes": {"level": "WARNING"},  # a line per login otherwise; lockouts still show
    },
}

# Encryption key for secrets at rest (OAuth tokens). Derived from SECRET_KEY when unset.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")

# Appointment book
BOOK_SLOT_MINUTES = env.int("BOOK_SLOT_MINUTES", default=15)

# Billing (invoices and payments; see .env.example)
BILLING_DUE_DAYS = env.int("BILLING_DUE_DAYS", default=14)
BILLING_DEFAULT_STATUS = env.str("BILLING_DEFAULT_STATUS", default="awaiting_payment")
BILLING_DEFAULT_ACCOUNT_CODE = env.str("BILLING_DEFAULT_ACCOUNT_CODE", default="200")
BILLING_DEFAULT_TAX_TYPE = env.str("BILLING_DEFAULT_TAX_TYPE", default="OUTPUT")
BILLING_LINE_AMOUNTS = env.str("BILLING_LINE_AMOUNTS", default="inclusive")
BILLING_TRACKING_CATEGORY = env.str("BILLING_TRACKING_CATEGORY", default="Clinic")
BILLING_INVOICE_PREFIX = env.str("BILLING_INVOICE_PREFIX", default="INV-")
# Invoices pushed to Xero per call (Xero suggests about 50).
BILLING_XERO_BATCH_SIZE = env.int("BILLING_XERO_BATCH_SIZE", default=50)
# The signing key of the Xero webhook (developer portal); unset: every delivery gets 401.
XERO_WEBHOOK_KEY = env.str("XERO_WEBHOOK_KEY", default="")

# SMS (messaging app; see .env.example). "console" prints messages; "smsbroadcast" sends them.
SMS_PROVIDER = env.str("SMS_PROVIDER", default="console")
SMSB_API_URL = env.str("SMSB_API_URL", default="https://api.smsbroadcast.com.au/api-adv.php")
SMSB_USERNAME = env.str("SMSB_USERNAME", default="")
SMSB_PASSWORD = env.str("SMSB_PASSWORD", default="")
SMSB_TIMEOUT_SECONDS = env.float("SMSB_TIMEOUT_SECONDS", default=15.0)
SMSB_CONNECT_TIMEOUT_SECONDS = env.float("SMSB_CONNECT_TIMEOUT_SECONDS", default=5.0)
# Secret path segment of the delivery-receipt and inbound-reply URLs given to SMS Broadcast.
from hashlib import sha256  # noqa: E402

SMS_CALLBACK_TOKEN = env.str("SMS_CALLBACK_TOKEN", default="") or sha256(
    f"sms-callback:{SECRET_KEY}".encode()).hexdigest()[:40]

# Xero (see .env.example). Base URLs point at Xero; tests and demos point them at the fake.
XERO_CLIENT_ID = env.str("XERO_CLIENT_ID", default="")
XERO_CLIENT_SECRET = env.str("XERO_CLIENT_SECRET", default="")
XERO_REDIRECT_URI = env.str("XERO_REDIRECT_URI", default=f"{SITE_URL}/xero/callback/")
# Granular scopes (apps created since 2 March 2026); a pre-2026 app may use accounting.transactions.
XERO_SCOPES = env.str("XERO_SCOPES", default="openid profile email offline_access "
                      "accounting.contacts accounting.invoices accounting.payments "
                      "accounting.settings.read")
XERO_LOGIN_URL = env.str("XERO_LOGIN_URL", default="https://login.xero.com")
XERO_IDENTITY_URL = env.str("XERO_IDENTITY_URL", default="https://identity.xero.com")
XERO_API_URL = env.str("XERO_API_URL", default="https://api.xero.com")
XERO_TIMEOUT_SECONDS = env.float("XERO_TIMEOUT_SECONDS", default=30.0)
XERO_BACKOFF_SECONDS = env.float("XERO_BACKOFF_SECONDS", default=1.0)
XERO_MAX_ATTEMPTS = env.int("XERO_MAX_ATTEMPTS", default=5)
XERO_MAX_RATE_WAITS = env.int("XERO_MAX_RATE_WAITS", default=20)
XERO_MAX_IN_FLIGHT = env.int("XERO_MAX_IN_FLIGHT", default=5)
# Exactly-once writes (xero/claims.py): a pushing worker's lease on its rows; Xero's visibility
# delay after which a lookup that finds nothing means "not applied"; how long one push waits
# for that before leaving the row "outcome unknown" to the sweep; how long a call waits for one
# of the organisation's slots held by other processes (PostgreSQL).
XERO_CLAIM_SECONDS = env.float("XERO_CLAIM_SECONDS", default=300)
XERO_SETTLE_SECONDS = env.float("XERO_SETTLE_SECONDS", default=120)
XERO_SETTLE_WAIT_SECONDS = env.float("XERO_SETTLE_WAIT_SECONDS", default=30)
XERO_SLOT_WAIT_SECONDS = env.float("XERO_SLOT_WAIT_SECONDS", default=120)
XERO_MINUTE_LIMIT = env.int("XERO_MINUTE_LIMIT", default=60)
XERO_PACING_MARGIN_SECONDS = env.float("XERO_PACING_MARGIN_SECONDS", default=0.5)
XERO_CLOCK_SPEED = env.float("XERO_CLOCK_SPEED", default=1.0)  # >1 only against the fake
XERO_CONTACT_NUMBER_PREFIX = env.str("XERO_CONTACT_NUMBER_PREFIX", default="P-")
