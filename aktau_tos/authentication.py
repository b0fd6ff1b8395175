"""Token authentication for handhelds: per-device tokens that expire and can be revoked."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from aktau_tos.models import ApiToken
from aktau_tos.services import token_digest, token_touch


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = "The token has expired; log in again."
    default_code = "token_expired"


class TokenRevoked(exceptions.AuthenticationFailed):
    default_detail = "The token was revoked (logged out, or the device was withdrawn); log in again."
    default_code = "token_revoked"


class DeviceTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; one query loads the token with its user."""

    model = ApiToken

    def authenticate_credentials(self, key: str):
        try:
            token = ApiToken.objects.select_related("user").get(digest=token_digest(key))
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if token.revoked_at is not None:
            raise TokenRevoked()
        now = timezone.now()
        if token.expires_at <= now:
            raise TokenExpired()
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        token_touch(token, now=now)
        return token.user, token
