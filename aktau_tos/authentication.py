"""Token authentication for handhelds: per-device tokens that expire and can be revoked."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from aktau_tos.models import ApiToken
from aktau_tos.services import token_digest, token_touch


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = _("The token has expired; log in again.")
    default_code = "token_expired"


class TokenRevoked(exceptions.AuthenticationFailed):
    default_detail = _("The token was revoked (logged out, or the device was withdrawn); log in again.")
    default_code = "token_revoked"


# The words a client may put before the key: DRF's own, and the OAuth-style one most HTTP libraries send.
KEYWORDS = (b"token", b"bearer")


class DeviceTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`); one query loads the token with its user."""

    model = ApiToken

    def authenticate(self, request):
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].lower() not in KEYWORDS:
            return None  # another scheme (a session, Basic): not ours to judge
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header: send the word Token and the key, separated by one space.")
            )
        try:
            key = words[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header: the key has characters a key never has.")
            ) from None
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str):
        try:
            token = ApiToken.objects.select_related("user").get(digest=token_digest(key))
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if token.revoked_at is not None:
            raise TokenRevoked()
        now = timezone.now()
        if token.expires_at <= now:
            raise TokenExpired()
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token_touch(token, now=now)
        return token.user, token
