"""The data exchange screens: the inbox and the outbox, each message and interchange with its raw text, its segments
and its problems, and the partners' profiles.

What was exchanged is never edited nor deleted here: the pages read it, and the actions (process a rejected message
again, upload an interchange, re-send an outbound one) go through the same services as the API, as POSTs answered
with a redirect (post/redirect/get). A refusal shows as an error message with its code.
"""

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from pydifact.exceptions import EDISyntaxError
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos import roles
from aktau_tos.errors import DomainError
from edi import delivery, services
from edi.edifact import segment_messages
from edi.errors import EdiInvalid, EdiTooLarge
from edi.models import MESSAGE_TYPES, InboxMessage, Interchange, Message, OutboxInterchange, Partner

IN, OUT = Interchange.Direction.IN, Interchange.Direction.OUT
SHOWN_PROBLEMS = 50  # problems listed per message after an action; the page lists them all
SHOWN_HISTORY = 30  # the newest history entries on a page; the History link has them all


def _refusal(error: DomainError) -> str:
    return _("%(detail)s (code: %(code)s)") % {"detail": error.detail, "code": error.code}


def _problem_text(problem: dict) -> str:
    return _("%(segment)s: %(detail)s (code: %(code)s)") % {
        "segment": problem.get("segment") or "-",
        "detail": problem.get("detail", ""),
        "code": problem.get("code", ""),
    }


def _problems_reported(modeladmin: admin.ModelAdmin, request: HttpRequest, problems: list[dict], level: int) -> None:
    for problem in problems[:SHOWN_PROBLEMS]:
        modeladmin.message_user(request, _problem_text(problem), level)
    if len(problems) > SHOWN_PROBLEMS:
        more = len(problems) - SHOWN_PROBLEMS
        text = ngettext("... and %(count)s more problem.", "... and %(count)s more problems.", more)
        modeladmin.message_user(request, text % {"count": more}, level)


def _exchange_links() -> dict:
    """The links every EDI list shows: the inbox, the outbox and its dead letters (counted: they need someone)."""
    outbox = reverse("admin:edi_outboxinterchange_changelist")
    return {
        "inbox": reverse("admin:edi_inboxmessage_changelist"),
        "outbox": outbox,
        "dead": f"{outbox}?status__exact={Interchange.Status.DEAD}",
        "dead_count": Interchange.objects.filter(direction=OUT, status=Interchange.Status.DEAD).count(),
    }


def _history(record) -> list:
    return list(record.history.select_related("history_user").order_by("-history_date", "-history_id")[:SHOWN_HISTORY])


def _segment_rows(message: Message) -> tuple[list[dict], str]:
    """The message's segments as rows (position, tag, elements as lists of components), its UNH and UNT included;
    or, when its text cannot be read as segments, why."""
    try:
        read = segment_messages(message.raw)
    except (EDISyntaxError, ValueError, IndexError) as error:
        return [], str(error)
    if not read:
        return [], _("No message (UNH ... UNT) in this text.")
    read = read[0]
    # A stored message is kept as UNH, its segments, UNT: the envelope's segments are rebuilt from what was read.
    segments = [
        ("UNH", [read.reference, read.version.split(":") if read.version else [read.type]]),
        *((segment.tag, segment.elements) for segment in read.segments),
        ("UNT", [str(len(read.segments) + 2), read.reference]),
    ]
    rows = [
        {
            "position": position,
            "tag": tag,
            "elements": [element if isinstance(element, list) else [element] for element in elements],
        }
        for position, (tag, elements) in enumerate(segments, start=1)
    ]
    return rows, ""


def _effect_rows(effects) -> list[tuple[str, str]]:
    if not isinstance(effects, dict):
        return [("", json.dumps(effects, ensure_ascii=False))] if effects else []
    return [
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in effects.items()
    ]


class ListHeadMixin:
    """Every EDI list: titled by what it lists, with the inbox, the outbox and the dead letters linked."""

    def changelist_view(self, request: HttpRequest, extra_context=None):
        head = {"edi_links": _exchange_links(), "title": self.list_title(request)}
        return super().changelist_view(request, {**(extra_context or {}), **head})

    def list_title(self, request: HttpRequest) -> str:
        return capfirst(self.model._meta.verbose_name_plural)


class ExchangedAdmin(ListHeadMixin, SimpleHistoryAdmin):
    """Messages and interchanges as they were exchanged: read here, never added, edited nor deleted. The change
    permission is what lets a user act on them (process again, re-send)."""

    def has_add_permission(self, request) -> bool:
        return False  # they come in through the inbox (the API or the upload form) or are written by the outbox

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # what a partner sent, and what we sent, is never lost

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        if request.method == "POST":  # nothing on the page is edited; its actions post to URLs of their own
            return HttpResponseRedirect(request.path)
        record = self.get_object(request, unquote(object_id))
        if record is not None and self.has_view_or_change_permission(request, record):
            # The page names the record in its own header: the form's "Change ..." title and subtitle would repeat it.
            page = {"title": capfirst(self.model._meta.verbose_name), "subtitle": None}
            extra_context = {**(extra_context or {}), **page, **self.page_context(request, record)}
        return super().change_view(request, object_id, form_url, extra_context)

    def page_context(self, request: HttpRequest, record) -> dict:
        raise NotImplementedError


class ProxyListAdmin(ListHeadMixin, admin.ModelAdmin):
    """The inbox's and the outbox's lists: their rows open on the message's or the interchange's own page."""

    target = ""  # the admin URL name of the page a row opens

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse(self.target, args=[unquote(object_id)]))


# --- Messages ----------------------------------------------------------------------------------------------------


class MessageListMixin:
    """What a list of messages shows, and the action on it."""

    list_select_related = ["interchange", "partner"]
    search_fields = ["reference", "subject", "interchange__sender", "interchange__control_reference", "partner__code"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    actions = ["process_again"]
    change_list_template = "admin/edi/exchange_change_list.html"

    def get_queryset(self, request):
        # A list never shows the raw text (up to EDI_MAX_BYTES each); a page reads it with a query of its own.
        return super().get_queryset(request).defer("raw")

    @admin.display(description=gettext_lazy("direction"), ordering="interchange__direction")
    def direction(self, message: Message) -> str:
        return message.interchange.get_direction_display()

    @admin.display(description=gettext_lazy("problems"))
    def problem_count(self, message: Message) -> int:
        return len(message.problems or [])

    @admin.display(description=gettext_lazy("interchange"), ordering="interchange__control_reference")
    def interchange_reference(self, message: Message) -> str:
        return f"{message.interchange.sender} {message.interchange.control_reference}"

    @admin.action(description=gettext_lazy("Process the selected rejected messages again"), permissions=["change"])
    def process_again(self, request: HttpRequest, queryset) -> None:
        for message in queryset.order_by("created_at", "pk"):
            message_process_again(self, request, message)


def message_process_again(modeladmin: admin.ModelAdmin, request: HttpRequest, message: Message) -> None:
    """Through the service, as the API does; its answer (the new status and problems) as messages."""
    try:
        message = services.message_reprocess(message_id=message.pk, actor=request.user)
    except DomainError as error:
        text = _("%(message)s: %(refusal)s") % {"message": message, "refusal": _refusal(error)}
        modeladmin.message_user(request, text, messages.ERROR)
        return
    accepted = message.status == Message.Status.ACCEPTED
    level = (messages.SUCCESS if not message.problems else messages.WARNING) if accepted else messages.ERROR
    summary = ngettext(
        "%(message)s processed again: %(status)s, %(count)s problem.",
        "%(message)s processed again: %(status)s, %(count)s problems.",
        len(message.problems),
    ) % {"message": message, "status": message.get_status_display(), "count": len(message.problems)}
    modeladmin.message_user(request, summary, level)
    _problems_reported(modeladmin, request, message.problems, messages.WARNING if accepted else messages.ERROR)


@admin.register(Message)
class MessageAdmin(MessageListMixin, ExchangedAdmin):
    """Every message, in and out; its page shows it whole."""

    list_display = ["created_at", "direction", "partner", "type", "reference", "subject", "status", "problem_count",
                    "interchange_reference"]  # fmt: skip
    list_display_links = ["created_at", "reference"]
    list_filter = ["interchange__direction", "type", "partner", "status", ("created_at", admin.DateFieldListFilter)]
    change_form_template = "admin/edi/message/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        reprocess = path("<int:message_id>/reprocess/", view(self.reprocess_view), name="edi_message_reprocess")
        return [reprocess, *super().get_urls()]

    def page_context(self, request: HttpRequest, message: Message) -> dict:
        segments, unreadable = _segment_rows(message)
        interchange = message.interchange
        can_reprocess = (
            self.has_change_permission(request, message)
            and message.status == Message.Status.REJECTED
            and interchange.direction == IN
        )
        return {
            "message": message,
            "interchange": interchange,
            "interchange_url": reverse("admin:edi_interchange_change", args=[interchange.pk]),
            "segments": segments,
            "segments_unreadable": unreadable,
            "effects": _effect_rows(message.effects),
            "history": _history(message),
            "reprocess_url": reverse("admin:edi_message_reprocess", args=[message.pk]) if can_reprocess else "",
        }

    def reprocess_view(self, request: HttpRequest, message_id: int) -> HttpResponse:
        return require_POST(self._reprocess)(request, message_id)

    def _reprocess(self, request: HttpRequest, message_id: int) -> HttpResponse:
        message = self.get_object(request, str(message_id))
        if message is None:
            raise Http404(_("No EDI message %(id)s.") % {"id": message_id})
        if not self.has_change_permission(request, message):
            raise PermissionDenied
        message_process_again(self, request, message)
        return HttpResponseRedirect(reverse("admin:edi_message_change", args=[message.pk]))


class InterchangeUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("file"),
        required=False,
        help_text=gettext_lazy("A UN/EDIFACT interchange (UNB ... UNZ), as a partner sends it."),
    )
    text = forms.CharField(
        label=gettext_lazy("or paste it"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 100, "spellcheck": "false"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        upload, text = data.get("file"), data.get("text") or ""
        if upload and text.strip():
            raise forms.ValidationError(_("Give a file or pasted text, not both."), code="both")
        if not upload and not text.strip():
            raise forms.ValidationError(_("Choose a file or paste an interchange."), code="empty")
        limit = settings.EDI_MAX_BYTES
        if upload:
            if upload.size > limit:  # refused before a byte of it is read into memory
                raise forms.ValidationError(EdiTooLarge(limit=limit).detail, code=EdiTooLarge.code)
            content = upload.read()
            try:  # as the API reads a body: UTF-8 (UNOC/UNOW partners), else Latin-1 (UNOA/UNOB are ASCII)
                data["raw"] = content.decode("utf-8")
            except UnicodeDecodeError:
                data["raw"] = content.decode("latin-1")
        else:
            # The browser sends a textarea's line ends as CRLF; the partner's text had the newlines it was pasted with.
            data["raw"] = text.replace("\r\n", "\n")
            if len(data["raw"].encode()) > limit:
                raise forms.ValidationError(EdiTooLarge(limit=limit).detail, code=EdiTooLarge.code)
        return data


class InboundStatusFilter(admin.SimpleListFilter):
    """Accepted or rejected: an inbound message is never outbound, so the inbox does not offer it."""

    title = gettext_lazy("status")
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return [(status, Message.Status(status).label) for status in (Message.Status.ACCEPTED, Message.Status.REJECTED)]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(InboxMessage)
class InboxAdmin(MessageListMixin, ProxyListAdmin):
    """The messages partners sent, newest first, with the upload form and the action to process one again."""

    target = "admin:edi_message_change"
    list_display = ["created_at", "partner", "type", "reference", "subject", "status", "problem_count",
                    "interchange_reference"]  # fmt: skip
    list_display_links = ["created_at", "reference"]
    list_filter = [InboundStatusFilter, "type", "partner", ("created_at", admin.DateFieldListFilter)]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(interchange__direction=IN)

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="edi_inbox_upload")
        return [upload, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if self.has_change_permission(request):
            upload = {"upload_form": InterchangeUploadForm(), "upload_url": reverse("admin:edi_inbox_upload")}
            extra_context = {**(extra_context or {}), **upload}
        return super().changelist_view(request, extra_context)

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        return require_POST(self._upload)(request)

    def _upload(self, request: HttpRequest) -> HttpResponse:
        """The interchange through the inbox's service, as the operator: the same path as a partner's post."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        inbox = HttpResponseRedirect(reverse("admin:edi_inboxmessage_changelist"))
        form = InterchangeUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
            return inbox
        try:
            interchange, answer, first = services.interchange_receive(raw=form.cleaned_data["raw"], actor=request.user)
        except EdiInvalid as error:
            self.message_user(request, _refusal(error), messages.ERROR)
            _problems_reported(self, request, error.problems, messages.ERROR)
            stored = error.extra.get("id")  # the raw text is kept even so: its page shows it with its problems
            return HttpResponseRedirect(reverse("admin:edi_interchange_change", args=[stored])) if stored else inbox
        except DomainError as error:
            self.message_user(request, _refusal(error), messages.ERROR)
            return inbox
        self._answer_report(request, answer, first)
        return HttpResponseRedirect(reverse("admin:edi_interchange_change", args=[interchange.pk]))

    def _answer_report(self, request: HttpRequest, answer: dict, first: bool) -> None:
        if not first:
            self.message_user(
                request,
                _("This interchange (%(sender)s, %(reference)s) was received before: nothing was applied again; "
                  "its first answer follows.") % {"sender": answer["sender"], "reference": answer["reference"]},
                messages.INFO,
            )  # fmt: skip
        for row in answer["messages"]:
            accepted = row["status"] == Message.Status.ACCEPTED
            level = (messages.SUCCESS if not row["problems"] else messages.WARNING) if accepted else messages.ERROR
            summary = ngettext(
                "%(type)s %(reference)s: %(status)s, %(count)s problem.",
                "%(type)s %(reference)s: %(status)s, %(count)s problems.",
                len(row["problems"]),
            ) % {
                "type": row["type"],
                "reference": row["reference"],
                "status": Message.Status(row["status"]).label,
                "count": len(row["problems"]),
            }
            self.message_user(request, summary, level)
            _problems_reported(self, request, row["problems"], messages.WARNING if accepted else messages.ERROR)


# --- Interchanges ------------------------------------------------------------------------------------------------


def interchange_resend(modeladmin: admin.ModelAdmin, request: HttpRequest, interchange: Interchange) -> None:
    """Through the outbox's delivery service; says what became of the interchange."""
    if interchange.direction != OUT:
        text = _("%(interchange)s was received, not sent: only an outbound interchange is re-sent.")
        modeladmin.message_user(request, text % {"interchange": interchange}, messages.ERROR)
        return
    try:
        delivery.interchange_resend(interchange_id=interchange.pk, actor=request.user)
    except DomainError as error:
        text = _("%(interchange)s: %(refusal)s") % {"interchange": interchange, "refusal": _refusal(error)}
        modeladmin.message_user(request, text, messages.ERROR)
        return
    interchange.refresh_from_db()
    text = _("%(interchange)s: %(status)s.") % {"interchange": interchange, "status": interchange.get_status_display()}
    modeladmin.message_user(request, text, messages.SUCCESS)


class InterchangeListMixin:
    list_select_related = ["partner"]
    search_fields = ["control_reference", "sender", "recipient", "partner__code"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    actions = ["resend"]
    change_list_template = "admin/edi/exchange_change_list.html"

    def get_queryset(self, request):
        # The message types of each row, read with the page (one query, on SQLite as on PostgreSQL).
        types = Prefetch("messages", queryset=Message.objects.only("interchange_id", "type"))
        return super().get_queryset(request).defer("raw").prefetch_related(types)

    @admin.display(description=gettext_lazy("messages"))
    def types(self, interchange: Interchange) -> str:
        return " ".join(sorted({message.type for message in interchange.messages.all()})) or "-"

    @admin.action(description=gettext_lazy("Re-send the selected outbound interchanges"), permissions=["change"])
    def resend(self, request: HttpRequest, queryset) -> None:
        for interchange in queryset.order_by("created_at", "pk"):
            interchange_resend(self, request, interchange)


@admin.register(Interchange)
class InterchangeAdmin(InterchangeListMixin, ExchangedAdmin):
    """Every interchange, in and out; its page shows its raw text, its problems and its messages."""

    list_display = ["created_at", "direction", "partner", "sender", "recipient", "control_reference", "types",
                    "status", "attempts"]  # fmt: skip
    list_display_links = ["created_at", "control_reference"]
    list_filter = ["direction", "status", "partner", ("created_at", admin.DateFieldListFilter)]
    change_form_template = "admin/edi/interchange/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        resend = path("<int:interchange_id>/resend/", view(self.resend_view), name="edi_interchange_resend")
        return [resend, *super().get_urls()]

    def page_context(self, request: HttpRequest, interchange: Interchange) -> dict:
        can_resend = interchange.direction == OUT and self.has_change_permission(request, interchange)
        return {
            "interchange": interchange,
            "exchanged": interchange.messages.defer("raw").order_by("pk"),
            "history": _history(interchange),
            "resend_url": reverse("admin:edi_interchange_resend", args=[interchange.pk]) if can_resend else "",
            "edi_links": _exchange_links(),
        }

    def resend_view(self, request: HttpRequest, interchange_id: int) -> HttpResponse:
        return require_POST(self._resend)(request, interchange_id)

    def _resend(self, request: HttpRequest, interchange_id: int) -> HttpResponse:
        interchange = self.get_object(request, str(interchange_id))
        if interchange is None:
            raise Http404(_("No interchange %(id)s.") % {"id": interchange_id})
        if not self.has_change_permission(request, interchange):
            raise PermissionDenied
        interchange_resend(self, request, interchange)
        return HttpResponseRedirect(reverse("admin:edi_interchange_change", args=[interchange.pk]))


@admin.register(OutboxInterchange)
class OutboxAdmin(InterchangeListMixin, ProxyListAdmin):
    """What we send, newest first: its attempts, its last error, and the dead letters (given up) to re-send."""

    target = "admin:edi_interchange_change"
    list_display = ["created_at", "partner", "recipient", "control_reference", "types", "status", "attempts",
                    "next_attempt_at", "sent_at", "last_error"]  # fmt: skip
    list_display_links = ["created_at", "control_reference"]
    list_filter = ["status", "partner", ("created_at", admin.DateFieldListFilter)]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(direction=OUT)

    def list_title(self, request: HttpRequest) -> str:
        if request.GET.get("status__exact") == Interchange.Status.DEAD:
            return _("Dead letters: outbound interchanges given up after every attempt")
        return super().list_title(request)


# --- Partners ----------------------------------------------------------------------------------------------------

TYPE_CHOICES = [(kind, kind) for kind in MESSAGE_TYPES]


class PartnerForm(forms.ModelForm):
    """The profile, with the credential write-only: typed in to set it, never sent back to the browser."""

    sends = forms.MultipleChoiceField(
        label=gettext_lazy("messages they send"), choices=TYPE_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every type the terminal reads is taken from them."),
    )  # fmt: skip
    receives = forms.MultipleChoiceField(
        label=gettext_lazy("messages they receive"), choices=TYPE_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    new_credential = forms.CharField(
        label=gettext_lazy("new credential"), required=False, strip=False, max_length=300,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Typed in, it replaces the one kept; left empty, the kept one stays. Never shown."),
    )  # fmt: skip
    clear_credential = forms.BooleanField(label=gettext_lazy("remove the credential"), required=False)

    class Meta:
        model = Partner
        fields = ["code", "name", "kind", "active", "unb_id", "unb_qualifier", "directory", "association", "sends",
                  "receives", "channel", "address", "users"]  # fmt: skip

    def clean_sends(self) -> list[str]:
        return [kind for kind in MESSAGE_TYPES if kind in self.cleaned_data["sends"]]

    def clean_receives(self) -> list[str]:
        return [kind for kind in MESSAGE_TYPES if kind in self.cleaned_data["receives"]]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("new_credential") and data.get("clear_credential"):
            raise forms.ValidationError(_("Type a new credential or remove it, not both."), code="credential_both")
        return data

    def save(self, commit: bool = True) -> Partner:
        if self.cleaned_data.get("new_credential"):
            self.instance.credential = self.cleaned_data["new_credential"]
        elif self.cleaned_data.get("clear_credential"):
            self.instance.credential = ""
        return super().save(commit)


@admin.register(Partner)
class PartnerAdmin(SimpleHistoryAdmin):
    form = PartnerForm
    list_display = ["code", "name", "kind", "unb_id", "directory", "channel", "credential_state", "active"]
    list_filter = ["kind", "channel", "active"]
    search_fields = ["code", "name", "unb_id"]
    filter_horizontal = ["users"]
    readonly_fields = ["credential_state", "exchanged"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "active", "exchanged"]}),
        (gettext_lazy("UN/EDIFACT"), {"fields": ["unb_id", "unb_qualifier", "directory", "association", "sends",
                                                  "receives"]}),
        (gettext_lazy("Delivery"), {"fields": ["channel", "address", "credential_state", "new_credential",
                                               "clear_credential"]}),
        (gettext_lazy("Users"), {"fields": ["users"]}),
    ]  # fmt: skip

    # An error report (a 500's e-mail) lists a request's POST data: the credential typed in is masked in it.
    @method_decorator(sensitive_post_parameters("new_credential"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    @method_decorator(sensitive_post_parameters("new_credential"))
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return super().history_form_view(request, object_id, version_id, extra_context)

    @admin.display(description=gettext_lazy("credential"))
    def credential_state(self, partner: Partner) -> str:
        return _("set") if partner.credential else _("not set")

    @admin.display(description=gettext_lazy("exchanged"))
    def exchanged(self, partner: Partner) -> str:
        if partner.pk is None:
            return "-"
        received = reverse("admin:edi_inboxmessage_changelist") + f"?partner__id__exact={partner.pk}"
        sent = reverse("admin:edi_outboxinterchange_changelist") + f"?partner__id__exact={partner.pk}"
        messages_in = partner.messages.filter(interchange__direction=IN).count()
        interchanges_out = partner.interchanges.filter(direction=OUT).count()
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            received,
            ngettext("%(count)s message received", "%(count)s messages received", messages_in) % {"count": messages_in},
            sent,
            ngettext("%(count)s interchange sent", "%(count)s interchanges sent", interchanges_out)
            % {"count": interchanges_out},
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "users":  # only the partners' own users act for a partner, never the terminal's staff
            kwargs["queryset"] = get_user_model().objects.filter(groups__name=roles.EDI_PARTNER).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)
