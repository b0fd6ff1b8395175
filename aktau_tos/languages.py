"""A user's own language in their session: copied there at an admin log-in, read by aktau_tos.middleware on every
page, so that a page costs no query for it."""

from django.http import HttpRequest

SESSION_LANGUAGE = "aktau_language"


def user_language_to_session(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Connected to user_logged_in. A handheld's token log-in (under /api/) has no session to keep it in."""
    from aktau_tos.middleware import API_PREFIX
    from aktau_tos.models import UserPreference

    if request is None or not hasattr(request, "session") or request.path.startswith(API_PREFIX):
        return
    language = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if language:
        request.session[SESSION_LANGUAGE] = language
