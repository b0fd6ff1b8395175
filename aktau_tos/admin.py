"""Report subscriptions and runs, a preview of any day's report, and handheld tokens for operators to revoke."""

from csp.decorators import csp_update
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos import services
from aktau_tos.models import ApiToken, ReportRun, ReportSubscription, UserPreference
from aktau_tos.reports.daily import report_day_default, report_day_parse, report_html_inline


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(SimpleHistoryAdmin):
    list_display = ["email", "name", "kind", "language", "active"]
    list_filter = ["kind", "language", "active"]
    search_fields = ["email", "name"]

    def get_urls(self):
        # The preview is the e-mail itself, whose styles must be inline for mail clients; it has no scripts.
        view = csp_update({"style-src": ["'unsafe-inline'"]})(self.admin_site.admin_view(self.preview_view))
        preview = path("preview/", view, name="daily_report_preview")
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The HTML report as it would be sent, of ?date=YYYY-MM-DD (yesterday without it), charts inlined.

        A date that is not one is refused, never replaced by another day: the reader would take it for the asked one.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        asked = request.GET.get("date")
        try:
            day = report_day_parse(asked) if asked is not None else report_day_default()
        except ValueError as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
        return HttpResponse(report_html_inline(day))


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "status", "attempts", "recipients", "claimed_at", "finished_at", "error"]
    list_filter = ["status", "kind"]
    readonly_fields = [field.name for field in ReportRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):
    """Handhelds logged in: operators revoke a lost device's token here. Tokens are issued only by log-in."""

    list_display = ["user", "device", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["user__username", "device"]
    readonly_fields = ["user", "device", "created_at", "expires_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens (the devices must log in again)"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        live = list(queryset.filter(revoked_at__isnull=True))
        for token in live:
            services.token_revoke(token=token, actor=request.user)
        words = ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(live)) % {"count": len(live)}
        self.message_user(request, words, messages.SUCCESS)


class UserPreferenceInline(admin.StackedInline):
    """The user's own language, on their page in the admin (each user also chooses it in the header)."""

    model = UserPreference
    can_delete = False
    extra = 0
    fields = ["language"]


admin.site.unregister(User)


@admin.register(User)
class UserWithPreferenceAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, UserPreferenceInline]
