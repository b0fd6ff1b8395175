"""Report subscriptions and runs; a preview of any day's report for operators."""

import base64
from datetime import date

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos.models import ReportRun, ReportSubscription
from aktau_tos.reports.daily import report_day_default, report_render


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(SimpleHistoryAdmin):
    list_display = ["email", "name", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["email", "name"]

    def get_urls(self):
        preview = path("preview/", self.admin_site.admin_view(self.preview_view), name="daily_report_preview")
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The HTML report as it would be sent (?date=YYYY-MM-DD), charts inlined as data URLs."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            day = date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            day = None
        _, html, _, images, _ = report_render(day or report_day_default())
        for content_id, png in images.items():
            html = html.replace(f"cid:{content_id}", "data:image/png;base64," + base64.b64encode(png).decode())
        return HttpResponse(html)


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "status", "attempts", "recipients", "claimed_at", "finished_at", "error"]
    list_filter = ["status", "kind"]
    readonly_fields = [field.name for field in ReportRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
