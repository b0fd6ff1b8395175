"""The train pre-advices in the admin: read them with their problems, and turn one into the train list when its
train is on its line (the action takes the line from the field beside the action list)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos.errors import DomainError
from edi import advices
from edi.models import TrainAdvice


class ArriveActionForm(ActionForm):
    line = forms.CharField(
        label=gettext_lazy("loading line"), max_length=8, required=False,
        help_text=gettext_lazy("For “Arrive”: the line the train stands on."),
    )  # fmt: skip


@admin.register(TrainAdvice)
class TrainAdviceAdmin(SimpleHistoryAdmin):
    list_display = ["train_number", "partner", "origin", "expected_arrival", "format", "status", "train", "created_at"]
    list_filter = ["status", "partner", "format"]
    search_fields = ["train_number"]
    readonly_fields = [field.name for field in TrainAdvice._meta.fields]
    action_form = ArriveActionForm
    actions = ["arrive"]

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
                self.message_user(request, f"{advice}: {error.detail} {problems}".strip(), messages.ERROR)
                continue
            self.message_user(
                request,
                _("%(advice)s became train visit %(train)s: %(count)d discharge moves planned.")
                % {"advice": advice.train_number, "train": train.pk, "count": len(moves)},
                messages.SUCCESS,
            )
