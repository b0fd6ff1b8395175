"""The train pre-advices in the admin: read them with their problems, and turn one into the train list when its
train is on its line (the action takes the line from the field beside the action list)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos.errors import DomainError
from edi import advices
from edi.models import TrainAdvice
from yard.capacity import capacity_warning_text


class ArriveActionForm(ActionForm):
    line = forms.CharField(
        label=gettext_lazy("loading line"), max_length=8, required=False,
        help_text=gettext_lazy("For “Arrive”: the line the train stands on."),
    )  # fmt: skip


@admin.register(TrainAdvice)
class TrainAdviceAdmin(SimpleHistoryAdmin):
    list_display = ["train_number", "partner", "origin", "expected_arrival", "format", "status", "capacity_short",
                    "train", "created_at"]  # fmt: skip
    list_filter = ["status", "partner", "format"]
    search_fields = ["train_number"]
    readonly_fields = ["capacity_ahead", *(field.name for field in TrainAdvice._meta.fields)]
    action_form = ArriveActionForm
    actions = ["arrive"]

    @admin.display(description=gettext_lazy("capacity ahead"))
    def capacity_ahead(self, advice: TrainAdvice) -> str:
        """The special areas this train would find short, in words (the numbers are under capacity warnings)."""
        if not advice.capacity_warnings:
            return _("No special area is short for this train.")
        lines = ((capacity_warning_text(warning, subject=_("this train")),) for warning in advice.capacity_warnings)
        return format_html('<ul class="capacity-warnings">{}</ul>', format_html_join("", "<li>{}</li>", lines))

    @admin.display(description=gettext_lazy("short"))
    def capacity_short(self, advice: TrainAdvice) -> str:
        """The areas short, e.g. "DG 6, reefer 2"; empty when there is room."""
        return ", ".join(f"{warning['area']} {warning['short']}" for warning in advice.capacity_warnings)

    def has_add_permission(self, request) -> bool:
        return False  # advices come from the railway, through the API, stored as sent

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # what a partner sent is never lost

    @admin.action(description=gettext_lazy("Arrive: make the train list on the line given"), permissions=["change"])
    def arrive(self, request: HttpRequest, queryset) -> None:
        line = (request.POST.get("line") or "").strip()
        if not line:
            self.message_user(request, _("Give the loading line the train stands on."), messages.ERROR)
            return
        for advice in queryset:
            try:
                advice, train, moves = advices.train_advice_arrive(advice_id=advice.pk, line=line, actor=request.user)
            except DomainError as error:
                problems = "; ".join(f"{path}: {', '.join(lines)}" for path, lines in (error.errors or {}).items())
                text = _("%(advice)s: %(detail)s %(problems)s") % {
                    "advice": advice,
                    "detail": error.detail,
                    "problems": problems,
                }
                self.message_user(request, text.strip(), messages.ERROR)
                continue
            text = ngettext(
                "%(advice)s became train visit %(train)s: %(count)d discharge move planned.",
                "%(advice)s became train visit %(train)s: %(count)d discharge moves planned.",
                len(moves),
            )
            self.message_user(
                request,
                text % {"advice": advice.train_number, "train": train.pk, "count": len(moves)},
                messages.SUCCESS,
            )
