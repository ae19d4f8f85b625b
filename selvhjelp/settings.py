"""Settings, read from the environment (see .env.example and the README).

With no environment at all this gives the zero-set-up product: SQLite, tasks in-process,
console e-mail, local-memory cache, DEBUG on.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from selvhjelp import env

BASE_DIR = Path(__file__).resolve().parent.parent

INSECURE_DEFAULT_SECRET_KEY = "insecure-selvhjelp-development-key-do-not-use-in-production"

DEBUG = env.flag("DEBUG", True)
SECRET_KEY = env.text("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env.items("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
SITE_URL = env.text("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
TRUSTED_PROXY_COUNT = env.integer("TRUSTED_PROXY_COUNT", 0, minimum=0)
APPLY_RATE_LIMIT = env.integer("APPLY_RATE_LIMIT", 10, minimum=1)
STAFF_REQUIRE_2FA = env.flag("STAFF_REQUIRE_2FA", not DEBUG)
# Two-factor sign-in (selvhjelp/two_factor.py): the name authenticator apps show, and no
# secret keys on the admin pages.
OTP_TOTP_ISSUER = "Selvhjelp"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

if not DEBUG:
    if SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "DEBUG is off: set SECRET_KEY (or SECRET_KEY_FILE) to a random value of at least 32 "
            "characters, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DEBUG is off: set ALLOWED_HOSTS to the host names the site is served on, "
            "comma-separated (e.g. ALLOWED_HOSTS=selvhjelp.example.no)."
        )

CSRF_TRUSTED_ORIGINS = env.items("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    # The admin site that asks for the second factor (selvhjelp/admin_site.py).
    "selvhjelp.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "phonenumber_field",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "selvhjelp.apps.CoreConfig",
    "intake",
    "groups",
    "starters",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "selvhjelp.middleware.PrivatePagesNotCachedMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "selvhjelp.middleware.SessionLifetimeMiddleware",
    "selvhjelp.middleware.SecondFactorMiddleware",
    "selvhjelp.middleware.RefusedAccessAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "selvhjelp.urls"
WSGI_APPLICATION = "selvhjelp.wsgi.application"

# Our own templates (project and app folders) get their own engine so tests can make
# undefined variables fail there without touching admin or crispy templates.
OWN_TEMPLATE_DIRS = [
    BASE_DIR / "templates",
    BASE_DIR / "selvhjelp" / "templates",
    BASE_DIR / "intake" / "templates",
    BASE_DIR / "groups" / "templates",
    BASE_DIR / "starters" / "templates",
]
_CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.template.context_processors.i18n",
    "django.template.context_processors.csp",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "selvhjelp.context_processors.site",
]
TEMPLATES = [
    {
        "NAME": "selvhjelp",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": OWN_TEMPLATE_DIRS,
        "APP_DIRS": False,
        "OPTIONS": {"context_processors": _CONTEXT_PROCESSORS},
    },
    {
        "NAME": "third_party",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": _CONTEXT_PROCESSORS},
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: SQLite file unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env.text("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env.integer("DB_CONN_MAX_AGE", 0, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Writers queue for the lock instead of failing halfway through a transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_cache_url = env.text("CACHE_URL")
CACHES = {"default": env.cache_config(_cache_url or "locmem://")}

# E-mail: EMAIL_URL, or EMAIL_HOST and friends, else the console.
_email_url = env.text("EMAIL_URL")
if _email_url:
    _mailer = env.mailer_config(_email_url)
elif env.text("EMAIL_HOST"):
    _mailer = env.smtp_mailer(
        host=env.text("EMAIL_HOST"),
        port=env.integer("EMAIL_PORT", 25, minimum=1),
        username=env.text("EMAIL_HOST_USER"),
        password=env.text("EMAIL_HOST_PASSWORD"),
        use_tls=env.flag("EMAIL_USE_TLS", False),
        use_ssl=env.flag("EMAIL_USE_SSL", False),
    )
else:
    _mailer = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "Selvhjelp <noreply@selvhjelp.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "staff-login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Oslo"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
PHONENUMBER_DEFAULT_REGION = "NO"

# Security headers. Everything is served from our own origin: no CDN, no inline code.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
# A signed-in session lasts at most a working day, and ends after 30 idle minutes.
SESSION_COOKIE_AGE = int(timedelta(hours=8).total_seconds())
SESSION_IDLE_SECONDS = env.integer("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^helse/$"]
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.flag("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# The notification outbox (selvhjelp/outbox.py).
OUTBOX_LEASE_SECONDS = env.integer("OUTBOX_LEASE_SECONDS", 300, minimum=5)
OUTBOX_OVERDUE_MINUTES = env.integer("OUTBOX_OVERDUE_MINUTES", 10, minimum=1)
# Without a broker, a daemon thread in the web process sends messages that fall due later.
OUTBOX_IN_PROCESS_TIMER = True
SMS_BACKENDS = {
    "console": "selvhjelp.channels.ConsoleSMSBackend",
    "http": "selvhjelp.channels.HTTPGatewaySMSBackend",
    "memory": "selvhjelp.channels.MemorySMSBackend",
}
_sms = env.text("SMS_BACKEND", "console")
if _sms not in SMS_BACKENDS:
    raise ImproperlyConfigured(
        f"SMS_BACKEND must be one of {', '.join(SMS_BACKENDS)}, not {_sms!r}."
    )
SMS_BACKEND = SMS_BACKENDS[_sms]
SMS_GATEWAY_URL = env.text("SMS_GATEWAY_URL")
SMS_GATEWAY_TOKEN = env.text("SMS_GATEWAY_TOKEN")
SMS_SENDER = env.text("SMS_SENDER", "Selvhjelp")
if _sms == "http" and not SMS_GATEWAY_URL:
    raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_GATEWAY_URL (and SMS_GATEWAY_TOKEN).")

# Retention (selvhjelp/retention.py): months personal data is kept after it is no longer
# needed; a centre can set its own in admin. The privacy notice shows these.
RETENTION_ENDED_APPLICATION_MONTHS = env.integer("RETENTION_ENDED_APPLICATION_MONTHS", 6, minimum=1)
RETENTION_PAST_PARTICIPANT_MONTHS = env.integer("RETENTION_PAST_PARTICIPANT_MONTHS", 12, minimum=1)
RETENTION_FINISHED_MESSAGE_MONTHS = env.integer("RETENTION_FINISHED_MESSAGE_MONTHS", 3, minimum=1)

# Celery. Without a broker, tasks run in-process (the zero-set-up default).
CELERY_BROKER_URL = env.text("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Periodic work: a fixed schedule, read by `celery -A selvhjelp beat`.
CELERY_BEAT_SCHEDULE = {
    "dispatch-notifications": {
        "task": "selvhjelp.dispatch_notifications",
        "schedule": timedelta(minutes=1),
        # A run that waited longer than its interval is superseded by the next one.
        "options": {"expires": 55},
    },
    "heartbeat": {
        "task": "selvhjelp.heartbeat",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    "groups-lapse-offers": {
        "task": "groups.lapse_offers",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3300},
    },
    "intake-waiting-list-care": {
        "task": "intake.waiting_list_care",
        "schedule": crontab(hour=10, minute=0),  # a working-hours question, once a day
        "options": {"expires": 3600},
    },
    "groups-alert-short-groups": {
        "task": "groups.alert_short_groups",
        "schedule": crontab(hour=9, minute=0),
        "options": {"expires": 3600},
    },
    "groups-weekly-digest": {
        "task": "groups.weekly_digest",
        "schedule": crontab(hour=7, minute=30, day_of_week=1),  # Monday morning
        "options": {"expires": 3600},
    },
    "groups-start-groups": {
        "task": "groups.start_groups",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 840},
    },
    "starters-check-coverage": {
        "task": "starters.check_coverage",
        "schedule": crontab(hour=8, minute=0),  # staff read it at the start of the day
        "options": {"expires": 3600},
    },
    # Nightly, Oslo time (CELERY_TIMEZONE); 03:30 exists once on both daylight-saving nights.
    "purge-personal-data": {
        "task": "selvhjelp.purge_personal_data",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 3 * 3600},
    },
    "clear-sessions": {
        "task": "selvhjelp.clear_sessions",
        "schedule": crontab(hour=4, minute=0),
        "options": {"expires": 3 * 3600},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
