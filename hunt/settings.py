"""Cluster Hunt settings, all from environment variables (django-environ).

The embedded defaults make `make demo` work with nothing configured: SQLite in `var/`, Celery over kombu's
`filesystem://` transport (a real broker that needs no server, shared by the web and worker processes of one
machine), a local-memory cache. `hunt.core.checks` refuses these defaults when `DJANGO_DEBUG=False`, so they
cannot leak into production. The README has the table of every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("CLUSTER_HUNT_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# The demo secret is public by construction; `hunt.core.checks` rejects it unless DEBUG is on.
DEMO_SECRET_KEY = "demo-only-insecure-key-cluster-hunt-do-not-use-in-production"
DEMO_BROKER_URL = "filesystem://"

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEMO_SECRET_KEY)
ALLOWED_HOSTS: list[str] = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "hunt.core",
    "hunt.accounts",
    "hunt.subjects",
    "hunt.catalogues",
    "hunt.classify",
    "hunt.learning",
    "hunt.evaluation",
    "hunt.exports",
    "hunt.talk",
    "hunt.collect",
    "hunt.similarity",
    "hunt.morphology",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # POST /api/classifications/ (JSON, PostgreSQL) answered here, with its own session, CSRF and throttle
    # steps taken from the middleware below; every other request passes through (hunt.classify.fast_post).
    "hunt.classify.fast_post.ClassificationPostMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "hunt.core.middleware.RejectNulMiddleware",
    "hunt.core.middleware.ApiBodyLimitMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hunt.urls"
WSGI_APPLICATION = "hunt.wsgi.application"
ASGI_APPLICATION = "hunt.asgi.application"

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
                "hunt.accounts.context_processors.roles",
                "hunt.talk.context_processors.mentions",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DEMO_DATABASE_URL = f"sqlite:///{VAR_DIR / 'demo.sqlite3'}"
# Executions before psycopg prepares a statement on its own; only server-binding cursors count, and the only
# one is `hunt.core.db.prepared_cursor`, which prepares at once (so the figure never comes into play there).
PREPARE_THRESHOLD = 1_000_000
DATABASES = {"default": env.db("DATABASE_URL", default=DEMO_DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # The demo's web server and worker write to the same file: WAL plus IMMEDIATE transactions avoid
    # "database is locked" errors when both write at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # A new connection per request capped a 2-core box at ~160 requests/s (CONN_MAX_AGE=0, gunicorn 3 workers).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The classification write path's few statements are prepared on the server (`hunt.core.db`): planning
    # them anew each time cost PostgreSQL more CPU than running them. psycopg prepares nothing while the
    # threshold is None (Django's default); Django's own cursors bind on the client and never prepare, so
    # setting it prepares only what `prepared_cursor` runs. Behind a transaction-mode pooler that does not
    # track prepared statements (PgBouncer before 1.21, or max_prepared_statements = 0), set
    # DATABASE_PREPARED_STATEMENTS=False: the same statements then run unprepared.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = PREPARE_THRESHOLD
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttling, cached statistics) -----------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://cluster-hunt")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = (
        "hunt.core.cache.RedisCache"  # the same, without a client per call
    )
# Sessions are read on every browser request (an anonymous volunteer's identity is their session). With a
# shared cache they are read from it and written through to the database (cached_db), which takes the
# session SELECT off the classification path. A per-process cache cannot hold them: a log-out handled by one
# web process would stay unseen by another, so with locmem they stay in the database alone.
_SHARED_CACHE = not CACHES["default"]["BACKEND"].endswith("LocMemCache")
SESSION_ENGINE = env.str(
    "DJANGO_SESSION_ENGINE",
    default="django.contrib.sessions.backends." + ("cached_db" if _SHARED_CACHE else "db"),
)
# How long a web process keeps the active workflow before rereading it (hunt.classify.workflow_cache).
WORKFLOW_CACHE_SECONDS = env.float("WORKFLOW_CACHE_SECONDS", default=5.0)

# --- Auth -------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: a locked-out client is refused before any password is hashed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("DJANGO_MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Rendered cutouts go through the storage API: set DJANGO_STORAGE_BACKEND to
# "storages.backends.s3.S3Storage" (django-storages) to keep them in object storage.
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "DJANGO_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Export files hold user names and hashed addresses: they live in a private storage that no URL serves
# directly; downloads go through the export views, which check who asks. In production point it at a
# private bucket (DJANGO_EXPORTS_STORAGE_BACKEND) or a folder the front-end server does not expose.
EXPORTS_ROOT = env.path("DJANGO_EXPORTS_ROOT", default=str(VAR_DIR / "private" / "exports"))
_EXPORTS_BACKEND = env.str(
    "DJANGO_EXPORTS_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
)
STORAGES["exports"] = {"BACKEND": _EXPORTS_BACKEND}
if _EXPORTS_BACKEND.endswith("FileSystemStorage"):
    STORAGES["exports"]["OPTIONS"] = {"location": str(EXPORTS_ROOT), "base_url": None}
# Trained model files (weights, hyper-parameters) are private too: no media URL serves them; admins download
# them through a permission-checked view (`learning:model_file`).
MODELS_ROOT = env.path("DJANGO_MODELS_ROOT", default=str(VAR_DIR / "private" / "models"))
_MODELS_BACKEND = env.str(
    "DJANGO_MODELS_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
)
STORAGES["models"] = {"BACKEND": _MODELS_BACKEND}
if _MODELS_BACKEND.endswith("FileSystemStorage"):
    STORAGES["models"]["OPTIONS"] = {"location": str(MODELS_ROOT), "base_url": None}
# Folders on the server that admins may ingest from through the web (the command line may read anywhere).
# Never VAR_DIR itself: it holds the demo's logins, database and private files. Only the demo's generated
# survey and an ingest/ folder under it are offered.
INGEST_ROOTS = [
    Path(p)
    for p in env.list(
        "INGEST_ROOTS",
        default=[str(BASE_DIR / "data"), str(VAR_DIR / "demo-survey"), str(VAR_DIR / "ingest")],
    )
]
# Django serves MEDIA_ROOT itself unless a front-end server or object storage does it.
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=True)

# --- Security (production values whenever DEBUG is off; `check --deploy` is clean) -----------------
# Proxies are trusted only when configured. NUM_PROXIES: how many reverse proxies in front of the app
# append to X-Forwarded-For (0: the header is ignored, the client is REMOTE_ADDR). Throttles, login
# lockouts and the stored address hash all read the client through `hunt.core.client.client_ip`.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# Set DJANGO_SECURE_PROXY_SSL_HEADER=true only behind a proxy that sets (and overwrites) X-Forwarded-Proto.
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_AGE = 60 * 60 * 24 * 365  # anonymous volunteers keep their identity for a year
# Staff (admins) get a short session instead, set at log-in (hunt.accounts.signals).
STAFF_SESSION_AGE = env.int("STAFF_SESSION_AGE", default=60 * 60 * 8)
# Content-Security-Policy (django-csp): the templates carry no inline script or style, so 'self' is enough.
# Enforced by default; CSP_REPORT_ONLY=true sends it as report-only instead (for trying a change).
_CSP_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP_POLICY
else:
    CONTENT_SECURITY_POLICY = _CSP_POLICY

# --- Login brute force (django-axes) -----------------------------------------------------------------
# Both log-in forms (/accounts/log-in/ and /admin/login/) go through Django's authenticate(), which axes
# guards: after AXES_FAILURE_LIMIT wrong passwords for one user name from one address, that pair gets 429
# for AXES_COOLOFF_MINUTES, without the password even being checked.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "hunt.core.client.client_ip"
AXES_VERBOSE = False
X_FRAME_OPTIONS = "DENY"
# JSON under /api/, Django's page elsewhere (hunt.core.errors).
CSRF_FAILURE_VIEW = "hunt.core.errors.csrf_failure"
SECURE_REFERRER_POLICY = "same-origin"

# --- Django REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an unauthenticated script then gets 401 with a WWW-Authenticate header, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hunt.accounts.authentication.VolunteerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bounded nesting, no NUL or lone surrogates (a 400, never a 500): hunt.core.parsers.
    "DEFAULT_PARSER_CLASSES": [
        "hunt.core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # LimitOffsetPagination with max_limit: every API list, including those paginated by hand.
    "DEFAULT_PAGINATION_CLASS": "hunt.core.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "hunt.core.schema.ApiAutoSchema",
    # {"detail", "code"} for every error, 503 + Retry-After when the broker or the database is away.
    "EXCEPTION_HANDLER": "hunt.core.errors.api_exception_handler",
    # Throttles count in the cache: point CACHE_URL at Redis in production so every web process
    # shares the counts. Write endpoints add a ScopedRateThrottle with their own scope.
    "DEFAULT_THROTTLE_CLASSES": [
        "hunt.core.throttling.AnonThrottle",
        "hunt.core.throttling.UserThrottle",
    ],
    # DRF's own reading of X-Forwarded-For, for any throttle that is not ours: the same trust.
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="600/min"),
        "user": env.str("THROTTLE_USER", default="1200/min"),
        "worker_ping": env.str("THROTTLE_WORKER_PING", default="20/min"),
        "ingest": env.str("THROTTLE_INGEST", default="30/min"),
        # Per volunteer (per address when anonymous); a careful human needs a few seconds per subject.
        "classify": env.str("THROTTLE_CLASSIFY", default="120/min"),
        # Against runaway scripts only: there is no daily cap on exports or evaluations.
        "export": env.str("THROTTLE_EXPORT", default="60/min"),
        "evaluate": env.str("THROTTLE_EVALUATE", default="30/min"),
        # Talk and Collect: a person writes a comment in well over a few seconds.
        "comment": env.str("THROTTLE_COMMENT", default="10/min"),
        "collect": env.str("THROTTLE_COLLECT", default="120/min"),
        # Sign-up attempts (valid or not) per address: accounts are cheap to make and costly to moderate.
        "signup": env.str("THROTTLE_SIGNUP", default="10/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cluster Hunt API",
    "DESCRIPTION": (
        "Classify galaxy-cluster candidates, retrain the cluster CNN and export labels. "
        "Browser clients use the session cookie (with CSRF); scripts use "
        "`Authorization: Token <key>`."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's assets are served from our own static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two apps have a `kind` with different choices: ingestion's keeps the name KindEnum it always had.
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "hunt.subjects.models.SubjectSet.Kind",
        "ExportKindEnum": "hunt.exports.models.ExportJob.Kind",
    },
}

# --- Celery ------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=DEMO_BROKER_URL)
CELERY_BROKER_FOLDER = VAR_DIR / "celery-broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
    # kombu's filesystem transport expects its folders to exist.
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_FOLDER / _folder).mkdir(parents=True, exist_ok=True)
# Results live on our own rows (TrainingRun, WorkerPing...), which survive a broker flush.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"hunt.learning.tasks.training_run_task": {"queue": "training"}}
# Scheduled retraining (celery beat): every RETRAIN_CHECK_MINUTES, start a run if at least
# RETRAIN_MIN_NEW_LABELS classifications arrived since the last run froze its labels. 0 minutes: off.
RETRAIN_CHECK_MINUTES = env.int("RETRAIN_CHECK_MINUTES", default=60)
RETRAIN_MIN_NEW_LABELS = env.int("RETRAIN_MIN_NEW_LABELS", default=500)
# Hyper-parameters for scheduled runs, over hunt.learning.services.DEFAULT_PARAMS.
RETRAIN_SCHEDULE_PARAMS: dict[str, object] = {}
# Background jobs (hunt.core.jobs): a running job beats every JOBS_HEARTBEAT_SECONDS; one silent for
# JOBS_STALE_AFTER_SECONDS is failed by the sweeper, which celery beat runs every JOBS_SWEEP_SECONDS whether
# or not anything new is triggered. A dead job is thus resolved within stale + sweep seconds (90 by default).
JOBS_HEARTBEAT_SECONDS = env.float("JOBS_HEARTBEAT_SECONDS", default=10.0)
JOBS_STALE_AFTER_SECONDS = env.float("JOBS_STALE_AFTER_SECONDS", default=60.0)
JOBS_SWEEP_SECONDS = env.float("JOBS_SWEEP_SECONDS", default=30.0)
# What a 503 (broker or database away) asks API clients to wait before trying again.
API_RETRY_AFTER_SECONDS = env.int("API_RETRY_AFTER_SECONDS", default=30)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "sweep-dead-jobs": {
        "task": "hunt.core.tasks.jobs_sweep_task",
        "schedule": JOBS_SWEEP_SECONDS,
        # A sweep nobody ran before the next one is due is worthless: never let them pile up.
        "options": {"expires": JOBS_SWEEP_SECONDS},
    }
}
if RETRAIN_CHECK_MINUTES > 0:
    CELERY_BEAT_SCHEDULE["retrain-when-labels-arrive"] = {
        "task": "hunt.learning.tasks.training_schedule_check_task",
        "schedule": RETRAIN_CHECK_MINUTES * 60.0,
    }
# The crowd model (volunteer skill, posteriors, retirement by posterior) every CROWD_AGGREGATE_MINUTES,
# off the classification write path (docs/crowd.md). 0: off (run `manage.py aggregate_crowd` instead).
CROWD_AGGREGATE_MINUTES = env.float("CROWD_AGGREGATE_MINUTES", default=5)
if CROWD_AGGREGATE_MINUTES > 0:
    CELERY_BEAT_SCHEDULE["crowd-aggregate"] = {
        "task": "hunt.classify.tasks.crowd_aggregate_task",
        "schedule": CROWD_AGGREGATE_MINUTES * 60.0,
    }
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=28 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Torch uses every core by default and would starve the web server on a small box.
TORCH_NUM_THREADS = env.int("TORCH_NUM_THREADS", default=1)
# The simulation-pretrained network every Retrain starts from (ml.learning.pretrain; params "init": "simulation").
# Shipped in the repository; rebuilt with `python -m ml.learning.pretrain --out <this path>`.
BASE_MODEL_PATH = env.path(
    "BASE_MODEL_PATH", default=str(BASE_DIR / "data" / "models" / "simulation-base.zip")
)

# --- Logging -----------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
