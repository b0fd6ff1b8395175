"""Settings for Aktau TOS, read from the environment (and a `.env` file if present).

Every variable is documented in `.env.example`. With nothing set, the system runs on SQLite with a
file-system Celery broker and prints e-mail to the console, so a fresh checkout needs no servers.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local state of the embedded default: SQLite file, broker folders, beat schedule

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")


def env_flag(name: str, default: bool) -> bool:
    """A boolean variable; a typo such as DJANGO_DEBUG=ture stops the start instead of meaning false."""
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


def env_per_area(name: str, default: dict[str, float], *, low: float, high: float) -> dict[str, float]:
    """`dg=4,reefer=4,inspection=1`: a number for each special area of the yard, each within [low, high]."""
    raw = env.str(name, default="").strip()
    if not raw:
        return default
    values = {}
    for part in raw.split(","):
        area, _, value = part.partition("=")
        try:
            values[area.strip()] = float(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {part.strip()!r} is not area=number.") from None
    if set(values) != set(default) or not all(low <= value <= high for value in values.values()):
        raise ImproperlyConfigured(
            f"{name}={raw!r}: give each of {', '.join(default)} once, as a number from {low} to {high}."
        )
    return values


DEBUG = env_flag("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure" if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY.startswith("dev-only")):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a real secret when DJANGO_DEBUG is false.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "django_filters",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "aktau_tos",
    "yard",
    "rail",
    "customs",
    "dangerous_goods",
    "vessels",
    "edi",
    "handheld",  # the scanners' web client: a page over the scanner API
    "simulation",  # the top floor: a planners' tool over every app's services; nothing imports it
]

MIDDLEWARE = [
    "aktau_tos.middleware.ApiProblemMiddleware",  # outermost: every error under /api/ is problem+json
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the language cookie, then Accept-Language, then LANGUAGE_CODE
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aktau_tos.middleware.UserLanguageMiddleware",  # a signed-in user's own language, outside the API
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # records who made each change via admin or API
    "axes.middleware.AxesMiddleware",  # turns a locked-out log-in into a 429 (admin page or problem+json)
    "csp.middleware.CSPMiddleware",
]

# Content security policy on every page: scripts and styles only from our own static files (no inline
# code), so an injected string in a container remark or a reason cannot run in an operator's browser.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

ROOT_URLCONF = "aktau_tos.urls"
WSGI_APPLICATION = "aktau_tos.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "aktau_tos" / "templates"],
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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # Web, worker and beat share one file: WAL and IMMEDIATE transactions avoid "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=600))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Prepared statements: with server-side binding psycopg prepares a statement on a connection's fifth run of
    # it (psycopg's default), and PostgreSQL then plans it once, not per request (the completion's locked read
    # joins twelve tables and took 7-8 ms to plan, 0.3 ms to run). Django leaves them off for the sake of poolers:
    # set DATABASE_PREPARED_STATEMENTS=false behind a pooler in transaction mode.
    _prepared = env_flag("DATABASE_PREPARED_STATEMENTS", default=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=_prepared, prepare_threshold=5 if _prepared else None
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache backs API throttling; with several web hosts point it at the shared Redis.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Log-in throttling for the admin and the API token endpoint (django-axes): after LOGIN_FAILURE_LIMIT failures
# a user name is locked out from that client address for LOGIN_LOCKOUT_MINUTES; a success resets the count.
# Behind a reverse proxy the address is the proxy's, so the lock-out then applies to the user name.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "aktau_tos.views.login_locked_out"
AXES_VERBOSE = False  # no banner from every process that starts; lock-outs are still logged

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Russian is the hub's default (contracts and documents are kept in Russian and Kazakh); Kazakh is the state
# language, Chinese for Lianyungang Port's staff, English for the lines. A user's own choice (aktau_tos.models.
# UserPreference) wins over the browser's in the admin; the API answers in the request's Accept-Language.
LANGUAGE_CODE = env("DJANGO_LANGUAGE_CODE", default="ru")
LANGUAGES = [("ru", "Русский"), ("kk", "Қазақша"), ("zh-hans", "简体中文"), ("en", "English")]
# The project's catalogues (makemessages writes here), then its additions to Django's and the libraries' own
# (Django's Kazakh admin is about half done; django-simple-history ships Russian only as ru_RU).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
FORMAT_MODULE_PATH = ["aktau_tos.formats"]  # Kazakh dates and numbers, which Django does not define
# Embedded in the PDFs (aktau_tos.documents): Cyrillic with the Kazakh letters, and Chinese. Debian's packages.
PDF_FONTS = {
    "default": (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    "zh-hans": ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
}
TIME_ZONE = "Asia/Aqtau"
USE_I18N = True
USE_TZ = True

MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")  # inspection photos
STATIC_URL = "static/"
# Where collectstatic puts the files WhiteNoise serves; a deployment (or the bench) may keep them elsewhere.
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # HTTPS only: redirect plain HTTP and tell browsers to stay on HTTPS (HSTS); 0 turns HSTS off.
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
    SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)

# E-mail: managers get nightly reports. EMAIL_URL such as smtp+tls://user:password@mail.example.kz:587
vars().update(env.email("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Aktau TOS <tos@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# REST API (docs/api/scanner.md): token auth, problem+json errors, pagination, token endpoint throttled.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aktau_tos.authentication.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the browsable docs, for logged-in operators
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "aktau_tos.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "aktau_tos.schema.AutoSchema",
    "EXCEPTION_HANDLER": "aktau_tos.api.problem_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth_token": env("API_TOKEN_THROTTLE_RATE", default="10/minute")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# The API docs group operations by the app whose view answers them: app -> tag, in the order the docs list them.
API_TAGS = {
    "aktau_tos": "Log-in",
    "yard": "Yard",
    "rail": "Rail",
    "vessels": "Vessels",
    "customs": "Customs",
    "dangerous_goods": "Dangerous goods",
    "edi": "EDI",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Aktau TOS API",
    "DESCRIPTION": "Scanner and partner API of the Aktau container hub. Errors are application/problem+json "
    "with a stable `code`; every POST accepts an `Idempotency-Key` header.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our own static files: nothing is downloaded at run time
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "TAGS": [{"name": name} for name in API_TAGS.values()],
    "ENUM_NAME_OVERRIDES": {
        "MoveKindEnum": "yard.models.YardMove.Kind",
        "MoveStatusEnum": "yard.models.YardMove.Status",
        "InspectionKindEnum": "customs.models.InspectionOrder.Kind",
        "InspectionStatusEnum": "customs.models.InspectionOrder.Status",
        "CustomsDeclarationStatusEnum": "customs.models.CustomsDeclaration.Status",
        "VisitStateEnum": "yard.models.ContainerVisit.State",
        "BookingStatusEnum": "vessels.models.Booking.Status",
        "EdiMessageStatusEnum": "edi.models.Message.Status",
        "TrainAdviceStatusEnum": "edi.models.TrainAdvice.Status",
        # What an arriving train's boxes may be (rail's train list, a pre-advice's arrival): one enum for both.
        "TrainArrivalCategoryEnum": ["transit", "import", "empty"],
    },
}

# Handheld tokens expire after a shift or so; expired and revoked ones are deleted after the retention.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24)
API_TOKEN_RETENTION_DAYS = env.int("API_TOKEN_RETENTION_DAYS", default=30)

# Idempotency keys are kept this long; a retry after that is treated as a new request.
IDEMPOTENCY_KEY_RETENTION_HOURS = env.int("IDEMPOTENCY_KEY_RETENTION_HOURS", default=72)

# Celery: the embedded default is kombu's file-system transport, which needs no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("out", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control in the working directory
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://", "redis+socket://", "sentinel://")):
    # Tasks are acknowledged late: a message a worker took but never acknowledged (the worker died) goes
    # back to the queue after this many seconds. It must exceed the longest task and retry countdown.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3600),
    }
CELERY_TASK_ALWAYS_EAGER = env_flag("CELERY_TASK_ALWAYS_EAGER", default=False)
# After a commit that frees a place while moves await a slot, queue the look for places at once (the beat's run
# every YARD_AWAITING_SLOT_INTERVAL_SECONDS is the fallback). The simulator, which plays the worker, turns it off.
YARD_AWAITING_SLOT_WAKE = env_flag("YARD_AWAITING_SLOT_WAKE", default=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "purge-idempotency-records": {"task": "aktau_tos.tasks.purge_idempotency_records", "schedule": 3600.0},
    "purge-api-tokens": {"task": "aktau_tos.tasks.purge_api_tokens", "schedule": 86400.0},
    "dispatch-planned-moves": {
        "task": "yard.tasks.dispatch_planned_moves",
        "schedule": env.float("YARD_DISPATCH_INTERVAL_SECONDS", default=15.0),
    },
    "deliver-edi-outbox": {
        "task": "edi.tasks.deliver_outbox",
        "schedule": env.float("EDI_DELIVERY_INTERVAL_SECONDS", default=30.0),
    },
    "read-edi-partner-folders": {
        "task": "edi.tasks.read_partner_folders",
        "schedule": env.float("EDI_DELIVERY_INTERVAL_SECONDS", default=30.0),
    },
    "allocate-awaiting-slots": {
        "task": "yard.tasks.allocate_awaiting_slots",
        "schedule": env.float("YARD_AWAITING_SLOT_INTERVAL_SECONDS", default=300.0),
    },
    "plan-housekeeping": {"task": "yard.tasks.plan_housekeeping", "schedule": crontab(hour=22, minute=0)},
    "check-capacity-ahead-calls": {
        "task": "vessels.tasks.check_capacity_ahead",
        "schedule": env.float("CAPACITY_CHECK_INTERVAL_SECONDS", default=3600.0),
    },
    "check-capacity-ahead-trains": {
        "task": "edi.tasks.check_capacity_ahead",
        "schedule": env.float("CAPACITY_CHECK_INTERVAL_SECONDS", default=3600.0),
    },
    "send-daily-report": {
        "task": "aktau_tos.tasks.send_daily_report",
        "schedule": crontab(
            hour=env.int("REPORT_DAILY_HOUR", default=6), minute=env.int("REPORT_DAILY_MINUTE", default=0)
        ),
    },
}
# Dangerous goods in the yard (dangerous_goods/reference/README.md): the distance each IMDG segregation
# level needs, in ground slots between the nearest slots of the two containers (1 = side by side), or
# "block" for another block; and which classes the port admits for storage.
DG_SEGREGATION_SLOTS = env.dict(
    "DG_SEGREGATION_SLOTS", default={"1": "2", "2": "2", "3": "3", "4": "block", "*": "block"}
)
DG_DIRECT_DELIVERY_CLASSES = env.list("DG_DIRECT_DELIVERY_CLASSES", default=["1", "7"])
DG_DIRECT_DELIVERY_EXCEPT = env.list("DG_DIRECT_DELIVERY_EXCEPT", default=["1.4S"])
DG_REFUSED_CLASSES = env.list("DG_REFUSED_CLASSES", default=["6.2"])

# Vessels (docs/vessels.md). TERMINAL_LOCODE decides which boxes of a bay plan are for this port: KZAAU as the
# hub was specified; it could not be checked against the UN/LOCODE list here (see the docs), so set it to the
# code the lines write in their bay plans. VESSEL_DG_SEPARATION: cells apart on board per IMDG segregation code
# ("none": never on the same ship). The balance rule: port and starboard within a share of the mass on board,
# but never tighter than a floor. VESSEL_PLAN_SECONDS bounds the stowage solver.
TERMINAL_LOCODE = env.str("TERMINAL_LOCODE", default="KZAAU").strip().upper()
VESSEL_DG_SEPARATION = env.dict(
    "VESSEL_DG_SEPARATION", default={"1": "1", "2": "2", "3": "4", "4": "none", "*": "none"}
)
VESSEL_BALANCE_SHARE = env.float("VESSEL_BALANCE_SHARE", default=0.05)
VESSEL_BALANCE_MIN_KG = env.int("VESSEL_BALANCE_MIN_KG", default=40_000)
VESSEL_PLAN_SECONDS = env.float("VESSEL_PLAN_SECONDS", default=20.0)

# EDI (docs/edi.md): this terminal's UNB identification (partners address their interchanges to it), the
# largest interchange accepted, and how often and how patiently the outbox retries a partner that is down.
EDI_TERMINAL_ID = env.str("EDI_TERMINAL_ID", default="AKTAUTOS").strip()
EDI_MAX_BYTES = env.int("EDI_MAX_BYTES", default=5_000_000)
EDI_MAX_ATTEMPTS = env.int("EDI_MAX_ATTEMPTS", default=8)
EDI_RETRY_BASE_SECONDS = env.int("EDI_RETRY_BASE_SECONDS", default=60)
# The partners' event feed: the most events one page of it holds.
EDI_FEED_PAGE_SIZE = env.int("EDI_FEED_PAGE_SIZE", default=200)
# The outbox's delivery run (docs/edi.md, "Outbound"; every EDI_DELIVERY_INTERVAL_SECONDS, in the beat schedule):
# how long a claimed interchange is left to its sender before another run may take it again (longer than a task
# may live: CELERY_TASK_TIME_LIMIT), and how long a partner's HTTPS endpoint gets to answer.
EDI_SEND_LEASE_SECONDS = env.int("EDI_SEND_LEASE_SECONDS", default=600)
EDI_HTTP_TIMEOUT_SECONDS = env.float("EDI_HTTP_TIMEOUT_SECONDS", default=20.0)

# Customs: which arriving containers are held until their declaration is released, and the temporary-storage
# clock (days under customs control allowed, and how many days before the end operators are warned).
CUSTOMS_CONTROL_CATEGORIES = env.list("CUSTOMS_CONTROL_CATEGORIES", default=["import", "transit"])
CUSTOMS_STORAGE_LIMIT_DAYS = env.int("CUSTOMS_STORAGE_LIMIT_DAYS", default=120)
CUSTOMS_STORAGE_WARNING_DAYS = env.int("CUSTOMS_STORAGE_WARNING_DAYS", default=10)

# The nightly report's "needs action" list (README, "Nightly management report"): holds open longer than this many
# hours, and boxes without an expected departure in the yard for this many days or more (the dwell report's
# longest bucket starts at 14 days).
REPORT_HOLD_AGE_HOURS = env.int("REPORT_HOLD_AGE_HOURS", default=48)
REPORT_DWELL_LIMIT_DAYS = env.int("REPORT_DWELL_LIMIT_DAYS", default=14)

# Capacity ahead (docs/capacity.md): pre-advice is checked against the DG area, the reefer plugs and the inspection
# area over its arrival plus each area's expected dwell. Dwell, in days: a box for the Caspian or an outbound train
# waits for its next departure (a feeder sails every few days), so DG boxes and reefers are counted for four days;
# a customs inspection is done on the day or the next. Usable share of each area's places: in the DG area boxes of
# different classes neither stack nor stand side by side (DG_SEGREGATION_SLOTS): replaying the traffic model's DG
# boxes on the area (`make bench`, dg_area), it starts refusing them when a third of its places are taken; plugs and
# inspection places are used whole. Inspection share: the part of the full boxes under customs control that customs
# picks for a scan or an examination (risk-based, a few per cent).
# The periodic check looks this many hours ahead at expected trains and calls.
CAPACITY_DWELL_DAYS = env_per_area(
    "CAPACITY_DWELL_DAYS", default={"dg": 4.0, "reefer": 4.0, "inspection": 1.0}, low=0.1, high=60
)
CAPACITY_EFFECTIVE_SHARE = env_per_area(
    "CAPACITY_EFFECTIVE_SHARE", default={"dg": 0.35, "reefer": 1.0, "inspection": 1.0}, low=0.05, high=1
)
CAPACITY_INSPECTION_SHARE = env.float("CAPACITY_INSPECTION_SHARE", default=0.05)
if not 0 <= CAPACITY_INSPECTION_SHARE <= 1:
    raise ImproperlyConfigured(f"CAPACITY_INSPECTION_SHARE={CAPACITY_INSPECTION_SHARE}: a share from 0 to 1.")
CAPACITY_LOOKAHEAD_HOURS = env.int("CAPACITY_LOOKAHEAD_HOURS", default=72)

# Night-shift moves a machine can do besides its queue: housekeeping plans within this spare capacity.
YARD_HOUSEKEEPING_MOVES_PER_MACHINE = env.int("YARD_HOUSEKEEPING_MOVES_PER_MACHINE", default=15)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django's own loggers print through their own handlers in DEBUG and pass the line on to the root: every
    # line twice. They keep no handler of their own here (nor do their children, the server's request lines
    # among them); the root prints each line once, with its time.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}
