"""Project-level endpoints (authentication) and the answer to a locked-out log-in (errors Django answers
itself under /api/ become problem+json in aktau_tos.middleware)."""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from aktau_tos import services
from aktau_tos.api import PROBLEM_CONTENT_TYPE, ApiView, RoleMapMixin, problem
from aktau_tos.languages import SESSION_LANGUAGE
from aktau_tos.models import ApiToken
from aktau_tos.roles import ROLES, user_roles


class TokenObtainInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    device = serializers.CharField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text="The handheld's name (e.g. its asset tag). A new log-in from a named device revokes its old token.",
    )


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()
    device = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenView(RoleMapMixin, APIView):
    """Log in: exchange user name and password for a device token that expires (throttled; repeated failures
    lock the user name out from that address). DELETE logs this token out.

    Safe to retry without an Idempotency-Key: a repeated log-in from a named device leaves one live token. (So it
    is the one POST that does not take a key: nobody is logged in yet to own one.)
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    roles = {"post": AllowAny, "delete": IsAuthenticated}  # log-in is open to anyone; any token may log out

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(request=TokenObtainInput, responses=TokenOutput)
    def post(self, request: Request) -> Response:
        data = TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = services.token_obtain(request=request._request, **data.validated_data)
        return Response({"token": key, "device": token.device, "expires_at": token.expires_at})

    @extend_schema(responses={204: None})
    def delete(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):  # a session (the browsable docs) has no token to revoke
            services.token_revoke(token=request.auth, actor=request.user)
        return Response(status=204)


class MeView(ApiView):
    """Who the token belongs to, and its roles: scanners show only what the user may do."""

    roles = {"get": ROLES}

    @extend_schema(
        responses=inline_serializer(
            "MeOutput",
            {"username": serializers.CharField(), "roles": serializers.ListField(child=serializers.CharField())},
        )
    )
    def get(self, request: Request) -> Response:
        return Response({"username": request.user.get_username(), "roles": sorted(user_roles(request.user))})


def _api_problem(request: HttpRequest, status_code: int, code: str, title: str, detail: str) -> JsonResponse:
    body = problem(status_code=status_code, code=code, title=title, detail=detail)
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def login_locked_out(request: HttpRequest, original_response, credentials) -> HttpResponse:
    """Too many failed log-ins for this user name from this address (django-axes): API and admin alike."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        detail = ngettext(
            "Too many failed log-ins for this user name from this address; try again in %(minutes)d minute.",
            "Too many failed log-ins for this user name from this address; try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        response = _api_problem(request, 429, "login_locked", gettext("Log-in locked"), detail)
        response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
        return response
    return render(request, "admin/login_locked.html", {"minutes": minutes}, status=429)


def favicon(request: HttpRequest) -> HttpResponse:
    """The terminal's icon, for browsers that ask /favicon.ico (static() is read per request: it needs the
    static files' manifest, which exists only after collectstatic)."""
    return HttpResponsePermanentRedirect(static("aktau_tos/favicon.svg"))


@require_POST
@staff_member_required
def language_set(request: HttpRequest) -> HttpResponse:
    """The language chooser in the admin's header: kept as the user's preference, which wins over the browser."""
    language = request.POST.get("language", "")
    try:
        services.user_language_set(user=request.user, language=language)
    except ValueError:  # not a language of this installation
        return HttpResponse(status=400)
    if language:
        request.session[SESSION_LANGUAGE] = language
    else:
        request.session.pop(SESSION_LANGUAGE, None)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/admin/"
    response = HttpResponseRedirect(target)
    if language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", secure=request.is_secure())
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response
