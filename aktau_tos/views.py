"""Project-level endpoints (authentication) and problem+json pages for errors outside DRF."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from aktau_tos import services
from aktau_tos.api import PROBLEM_CONTENT_TYPE, problem
from aktau_tos.roles import ALL_ROLES, roles_allowed, user_roles


class TokenObtainInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenView(APIView):
    """Log in: exchange user name and password for an API token (throttled). DELETE logs the token out.

    Naturally idempotent: a repeated log-in returns the same token, so no Idempotency-Key is needed.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(
        request=TokenObtainInput, responses=inline_serializer("TokenOutput", {"token": serializers.CharField()})
    )
    def post(self, request: Request) -> Response:
        data = TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        token = services.token_obtain(request=request._request, **data.validated_data)
        return Response({"token": token.key})

    @extend_schema(responses={204: None})
    def delete(self, request: Request) -> Response:
        services.token_revoke(user=request.user)
        return Response(status=204)


class MeView(APIView):
    """Who the token belongs to, and its roles: scanners show only what the user may do."""

    permission_classes = [roles_allowed(*ALL_ROLES)]

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


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _api_problem(request, 404, "not_found", "Not found", f"No endpoint at {request.path}.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _api_problem(
            request,
            500,
            "server_error",
            "Server error",
            "The server failed to handle the request. Retry later; a retry with the same Idempotency-Key is safe.",
        )
    return defaults.server_error(request)
