"""Every error under /api/ is application/problem+json, also where Django answers for itself.

DRF's exception handler (aktau_tos.api) answers what goes wrong inside a view. Some failures never reach it: a
path no view matches, a body larger than Django accepts, a crash that Django turns into its 500 page. Django
answers those with HTML pages (in DEBUG, its technical pages), which a scanner cannot read. This middleware,
the outermost, turns any such answer under /api/ into a problem with a stable code; in DEBUG too, so that
`make run` behaves like production. The traceback of a 500 is still logged by Django.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from aktau_tos.api import PROBLEM_CONTENT_TYPE, problem
from aktau_tos.languages import SESSION_LANGUAGE

API_PREFIX = "/api/"

# Status -> (code, title, detail) for the errors Django answers itself; codes as DRF's own where both exist.
DJANGO_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", _("Bad request"), _("The request could not be read.")),
    403: (
        "permission_denied",
        _("Permission denied"),
        _("The request was refused (for a browser session: a missing or wrong CSRF token)."),
    ),
    404: ("not_found", _("Not found"), _("No endpoint at %(path)s.")),
    405: ("method_not_allowed", _("Method not allowed"), _("%(method)s is not allowed at %(path)s.")),
    413: (
        "payload_too_large",
        _("Request too large"),
        _("The body has %(length)s bytes; at most %(limit)s are accepted."),
    ),
    500: (
        "server_error",
        _("Server error"),
        _("The server failed to handle the request. Retry later; a retry with the same Idempotency-Key is safe."),
    ),
}


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large(request: HttpRequest) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is not None and _content_length(request) > limit


def _is_problem(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith((PROBLEM_CONTENT_TYPE, "application/json"))


class ApiProblemMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400 or _is_problem(response):
            return response
        status = response.status_code
        if status == 400 and _too_large(request):  # Django refuses an oversized body as a bad request
            status = 413
        code, title, detail = DJANGO_ERRORS.get(status, DJANGO_ERRORS[500 if status >= 500 else 400])
        values = {
            "path": request.path,
            "method": request.method,
            "length": _content_length(request),
            "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        }
        body = problem(status_code=status, code=code, title=str(title), detail=str(detail) % values)
        answer = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                answer[header] = response[header]
        return answer


class UserLanguageMiddleware:
    """A signed-in user's own language (their preference) wins over the browser's, in the admin and pages.

    Read from the session (copied there at log-in and when they choose it), so a page costs no query for it. Not
    under /api/: there the request's Accept-Language alone chooses the language of a problem's title and detail,
    so that a scanner shows what its user reads whoever is logged in on it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX) and (language := request.session.get(SESSION_LANGUAGE)):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
