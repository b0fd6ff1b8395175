"""The operators' vessel screens: the berth schedule, each call's page (progress, bay plan, list uploads and the
call's actions), vessels, stowage profiles, berths, and what is on board or booked.

Every state change goes through the same services as the API; a refusal shows as an error message with its code.
Actions and uploads are POSTs answered with a redirect back to the call's page (post/redirect/get).
"""

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import DataError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos.errors import DomainError, ValueNotStorable
from vessels import drawings, listfiles, selectors, services
from vessels.geometry import cell_parse
from vessels.identity import imo_normalise
from vessels.kpis import call_kpis
from vessels.models import Berth, Booking, OnBoard, StowageProfile, Tally, Vessel, VesselCall
from vessels.profiles import profile_of
from yard import selectors as yard_selectors
from yard.capacity import capacity_warning_text

ACTIONS = ("arrive", "plan", "depart", "cancel")
SHOWN_PROBLEMS = 200  # messages per upload; the rest are counted (a bad file is usually bad the same way)


def _refusal(error: DomainError) -> str:
    return _("%(detail)s (code: %(code)s)") % {"detail": error.detail, "code": error.code}


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Rows written only by the services (lists, quay work, the stowage plan): looked at, never edited here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class StowageProfileForm(forms.ModelForm):
    class Meta:
        model = StowageProfile
        fields = ["name", "bays_20", "rows", "hold_tiers", "deck_tiers", "stack_max_kg", "reefer_plugs", "is_default"]

    def _get_validation_exclusions(self):
        # One default at a time holds, but by moving the flag on save (below), not by refusing the form.
        return {*super()._get_validation_exclusions(), "is_default"}

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        profile = StowageProfile(**{key: data[key] for key in ("bays_20", "rows", "hold_tiers", "deck_tiers")})
        plugs = [str(label).strip() for label in data.get("reefer_plugs") or []]
        geometry = profile.geometry()
        wrong = [label for label in plugs if (cell := cell_parse(label)) is None or cell.long or not geometry.has(cell)]
        if wrong:
            raise forms.ValidationError(
                _("Plugs must be 20' cells (BBRRTT, odd bay) of this profile: %(cells)s is not.")
                % {"cells": ", ".join(wrong)},
                code="plug_outside_profile",
            )
        data["reefer_plugs"] = sorted(set(plugs))
        return data


@admin.register(StowageProfile)
class StowageProfileAdmin(SimpleHistoryAdmin):
    form = StowageProfileForm
    list_display = ["name", "bays_20", "rows", "hold_tiers", "deck_tiers", "teu", "stack_max_kg", "plugs", "is_default"]
    list_filter = ["is_default"]
    actions = ["make_default"]

    @admin.display(description=gettext_lazy("cells (TEU)"))
    def teu(self, profile: StowageProfile) -> int:
        return profile.geometry().teu

    @admin.display(description=gettext_lazy("reefer plugs"))
    def plugs(self, profile: StowageProfile) -> int:
        return len(profile.reefer_plugs)

    @transaction.atomic
    def save_model(self, request, obj: StowageProfile, form, change: bool) -> None:
        if obj.is_default:  # one default at a time: ticking it here moves it from the previous one
            self._unset_other_defaults(request, obj)
        super().save_model(request, obj, form, change)

    def _unset_other_defaults(self, request, keep: StowageProfile) -> None:
        for other in StowageProfile.objects.select_for_update().filter(is_default=True).exclude(pk=keep.pk):
            other.is_default = False
            other._history_user = request.user
            other._change_reason = _("another profile became the default")
            other.save(update_fields=["is_default"])

    @admin.action(description=gettext_lazy("Make the selected profile the default"), permissions=["change"])
    def make_default(self, request: HttpRequest, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one profile to make it the default."), messages.ERROR)
            return
        profile = queryset.get()
        with transaction.atomic():
            self._unset_other_defaults(request, profile)
            profile.is_default = True
            profile._history_user = request.user
            profile.save(update_fields=["is_default"])
        self.message_user(request, _("%(profile)s is now the default profile.") % {"profile": profile})


class VesselForm(forms.ModelForm):
    class Meta:
        model = Vessel
        fields = ["name", "imo", "call_sign", "flag", "line", "capacity_teu", "profile"]

    def clean_imo(self) -> str:
        try:
            return imo_normalise(self.cleaned_data["imo"])
        except DomainError as error:
            raise forms.ValidationError(error.detail, code=error.code) from None


@admin.register(Vessel)
class VesselAdmin(SimpleHistoryAdmin):
    form = VesselForm
    list_display = ["name", "imo", "call_sign", "flag", "line", "capacity_teu", "profile"]
    list_filter = ["line", "profile"]
    list_select_related = ["profile"]
    search_fields = ["name", "imo", "call_sign"]


@admin.register(Berth)
class BerthAdmin(ReadOnlyAdmin):
    """Berths and their machines come from the layout file (vessels.layout.berths_apply), which would overwrite
    an edit made here: they are read here, changed there."""

    list_display = ["code", "name", "length_m", "machines"]
    fields = ["code", "name", "length_m", "machines"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("equipment")

    @admin.display(description=gettext_lazy("machines"))
    def machines(self, berth: Berth) -> str:
        return ", ".join(f"{m.code} ({m.get_kind_display()})" for m in berth.equipment.all()) or "-"


@admin.register(OnBoard)
class OnBoardAdmin(ReadOnlyAdmin):
    list_display = ["container", "call", "cell", "kind", "iso_type", "gross_kg", "pol", "pod", "restow"]
    list_filter = ["kind", "restow"]
    list_select_related = ["call__carrier"]
    search_fields = ["container", "call__carrier__reference"]
    show_full_result_count = False


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ["container", "call", "pod", "vgm_kg", "status", "cell", "sequence", "left_out_code"]
    list_filter = ["status", "left_out_code"]
    list_select_related = ["call__carrier"]
    search_fields = ["container", "call__carrier__reference"]
    show_full_result_count = False


@admin.register(Tally)
class TallyAdmin(ReadOnlyAdmin):
    list_display = ["container", "call", "kind", "cell", "seal_declared", "seal_scanned", "seal_ok", "damage",
                    "tallied_by", "tallied_at"]  # fmt: skip
    list_filter = ["kind", "seal_ok"]
    list_select_related = ["call__carrier", "tallied_by"]
    search_fields = ["container", "call__carrier__reference"]
    show_full_result_count = False


class ReadOnlyInline(admin.TabularInline):
    """Rows the services write (boxes on board, bookings): shown on the call's page, never edited there."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return list(self.fields)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OnBoardInline(ReadOnlyInline):
    model = OnBoard
    fields = ["cell", "container", "kind", "iso_type", "gross_kg", "pod", "restowed"]

    @admin.display(description=gettext_lazy("restow"))
    def restowed(self, box: OnBoard) -> str:
        # A word, not Django's red ✗ for False, which reads like an error on every box that needs no restow.
        return gettext_lazy("restowed") if box.restow else ""


class BookingInline(ReadOnlyInline):
    model = Booking
    fields = ["container", "pod", "vgm_kg", "status", "cell", "sequence", "left_out_code", "left_out_reason"]


class TallyInline(ReadOnlyInline):
    """What the tally clerk saw at the quay: a seal that does not match the list or damage is for the operator."""

    model = Tally
    fields = ["container", "kind", "cell", "seal_declared", "seal_scanned", "seal_ok", "damage", "tallied_by",
              "tallied_at"]  # fmt: skip


class ListUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("file"),
        help_text=gettext_lazy(
            "CSV (UTF-8, comma or semicolon) or XLSX, the first row naming the columns; 2 MB at most."
        ),
    )


@admin.register(VesselCall)
class VesselCallAdmin(SimpleHistoryAdmin):
    list_display = ["call", "vessel", "line", "berth", "eta", "etb", "etd", "status"]
    list_filter = ["carrier__status", "berth", "line"]
    list_select_related = ["carrier", "vessel", "berth"]
    search_fields = ["carrier__reference", "vessel__name", "vessel__imo", "voyage_in", "voyage_out"]
    date_hierarchy = "eta"
    # Berth and times change only through the services, which keep two calls off one berth at once.
    readonly_fields = ["carrier", "vessel", "voyage_in", "berth", "eta", "etb", "etd", "created_by", "created_at",
                       "departure_bay_plan"]  # fmt: skip
    fields = ["carrier", "vessel", "line", "voyage_in", "voyage_out", "berth", "eta", "etb", "etd", "rotation",
              "created_by", "created_at", "departure_bay_plan"]  # fmt: skip
    inlines = [OnBoardInline, BookingInline, TallyInline]
    change_form_template = "admin/vessels/vesselcall/change_form.html"
    change_list_template = "admin/vessels/vesselcall/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False  # calls are announced through the service (API, EDI), which checks the berth window

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a call that will not happen is cancelled, with a reason, and stays in the record

    @admin.display(description=gettext_lazy("vessel call"), ordering="carrier__reference")
    def call(self, call: VesselCall) -> str:
        return str(call)

    @admin.display(description=gettext_lazy("status"), ordering="carrier__status")
    def status(self, call: VesselCall) -> str:
        return call.carrier.get_status_display()

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("schedule/", view(self.schedule_view), name="vessels_call_schedule"),
            path("sample/<str:kind>.csv", view(self.sample_view), name="vessels_list_sample"),
            path("<int:call_id>/action/<str:action>/", view(self.action_view), name="vessels_call_action"),
            path("<int:call_id>/upload/<str:kind>/", view(self.upload_view), name="vessels_call_upload"),
            *super().get_urls(),
        ]

    # The berth schedule

    def schedule_view(self, request: HttpRequest) -> HttpResponse:
        """A week per berth: each call a bar from ETB (or ETA) to ETD, and below, each call's times and moves done of
        planned; ?start=YYYY-MM-DD chooses the week. The page reloads the week by itself (live.js): asked with
        X-Live-Refresh, it answers the week alone."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        live = request.headers.get("X-Live-Refresh") == "fragment"
        context = {"title": _("Berth schedule"), "opts": self.model._meta}
        if not live:
            context.update(self.admin_site.each_context(request))
        raw = request.GET.get("start", "").strip()
        try:
            start = date.fromisoformat(raw) if raw else timezone.localdate()
            if not 1900 <= start.year <= 9000:  # the week's arithmetic stays inside the calendar
                raise ValueError(raw)
        except ValueError:
            # Another week shown in its place would look like an answer: say what was wrong instead.
            context["date_error"] = _("%(value)s is not a date: write it as YYYY-MM-DD, e.g. %(example)s.") % {
                "value": repr(raw[:40]),
                "example": timezone.localdate().isoformat(),
            }
            context["today"] = timezone.localdate()
            return TemplateResponse(request, "admin/vessels/vesselcall/schedule.html", context, status=400)
        begin = timezone.make_aware(datetime.combine(start, time.min))
        calls = selectors.calls_alongside(begin, begin + timedelta(days=drawings.DAYS))
        progress = yard_selectors.carriers_moves_progress([call.carrier_id for call in calls])
        for call in calls:
            call.moves_progress = progress[call.carrier_id]
        context["week"] = drawings.berth_week(start, list(Berth.objects.order_by("code")), calls)
        context["today"] = timezone.localdate()
        if live:
            return TemplateResponse(request, "admin/vessels/vesselcall/schedule_fragment.html", context)
        return TemplateResponse(request, "admin/vessels/vesselcall/schedule.html", context)

    # The call's page

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        call = self.get_object(request, unquote(object_id))
        if call is not None and self.has_view_or_change_permission(request, call):
            extra_context = {**(extra_context or {}), **self._call_context(request, call)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _call_context(self, request: HttpRequest, call: VesselCall) -> dict:
        profile = profile_of(call.vessel)
        geometry = profile.geometry() if profile else None
        can_act = self.has_change_permission(request, call)
        return {
            "call": call,
            "profile": profile,
            "progress": selectors.call_progress(call),
            "kpis": call_kpis(call),
            "machines": selectors.call_moves_by_machine(call),
            "bay_plan": drawings.bay_plan(call, geometry) if geometry else None,
            "left_out": call.bookings.filter(status=Booking.Status.LEFT_OUT).order_by("container"),
            "capacity_warnings": [capacity_warning_text(w, subject=_("this call")) for w in call.capacity_warnings],
            "can_act": can_act,
            "actions": {name: reverse("admin:vessels_call_action", args=[call.pk, name]) for name in ACTIONS},
            "uploads": [
                {
                    "kind": kind,
                    "title": spec.title,
                    "columns": spec.columns,
                    "required": spec.required,
                    "url": reverse("admin:vessels_call_upload", args=[call.pk, kind]),
                    "sample": reverse("admin:vessels_list_sample", args=[kind]),
                    "form": ListUploadForm(auto_id=f"id_{kind}_%s"),
                }
                for kind, spec in listfiles.KINDS.items()
            ]
            if can_act
            else [],
            "schedule_url": reverse("admin:vessels_call_schedule")
            + f"?start={timezone.localtime(call.alongside_from).date().isoformat()}",
        }

    # Actions and uploads (operators only), post/redirect/get

    def _call_for_work(self, request: HttpRequest, call_id: int) -> VesselCall:
        call = self.get_object(request, str(call_id))
        if call is None:
            raise Http404(_("No vessel call %(id)s.") % {"id": call_id})
        if not self.has_change_permission(request, call):
            raise PermissionDenied
        return call

    def _back(self, call: VesselCall) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:vessels_vesselcall_change", args=[call.pk]))

    def action_view(self, request: HttpRequest, call_id: int, action: str) -> HttpResponse:
        return require_POST(self._action)(request, call_id, action)

    def _action(self, request: HttpRequest, call_id: int, action: str) -> HttpResponse:
        if action not in ACTIONS:
            raise Http404(_("No such action."))
        call = self._call_for_work(request, call_id)
        try:
            if action == "arrive":
                services.call_arrive(call_id=call.pk, actor=request.user)
                self.message_user(request, _("%(call)s is alongside.") % {"call": call}, messages.SUCCESS)
            elif action == "depart":
                services.call_depart(call_id=call.pk, actor=request.user)
                self.message_user(request, _("%(call)s has departed.") % {"call": call}, messages.SUCCESS)
            elif action == "cancel":
                services.call_cancel(call_id=call.pk, actor=request.user, reason=request.POST.get("reason", "")[:500])
                self.message_user(request, _("%(call)s is cancelled.") % {"call": call}, messages.SUCCESS)
            else:
                self._plan_report(request, services.stowage_plan_build(call_id=call.pk, actor=request.user))
        except DomainError as error:
            self.message_user(request, _refusal(error), messages.ERROR)
        return self._back(call)

    def _plan_report(self, request: HttpRequest, plan: dict) -> None:
        summary = _(
            "Stowage plan: %(assigned)s box(es) assigned, %(left)s left out; at most %(bound)s could be on board "
            "(gap %(gap)s, %(proof)s), %(rehandles)s yard rehandle(s), %(seconds)s s."
        ) % {
            "assigned": len(plan["assigned"]),
            "left": len(plan["left_out"]),
            "bound": plan["bound"],
            "gap": f"{plan['gap']:.1%}",
            "proof": _("proven optimal") if plan["optimal"] else _("not proven optimal"),
            "rehandles": plan["rehandles"],
            "seconds": plan["seconds"],
        }
        self.message_user(request, summary, messages.SUCCESS)
        for row in plan["left_out"][:SHOWN_PROBLEMS]:
            self.message_user(
                request,
                _("Left out: %(container)s (code: %(code)s): %(reason)s.") % row,
                messages.WARNING,
            )
        if len(plan["left_out"]) > SHOWN_PROBLEMS:
            more = len(plan["left_out"]) - SHOWN_PROBLEMS
            text = ngettext("... and %(count)s more left out.", "... and %(count)s more left out.", more)
            self.message_user(request, text % {"count": more}, messages.WARNING)
        self.message_user(request, plan["stability"], messages.INFO)

    def upload_view(self, request: HttpRequest, call_id: int, kind: str) -> HttpResponse:
        return require_POST(self._upload)(request, call_id, kind)

    def _upload(self, request: HttpRequest, call_id: int, kind: str) -> HttpResponse:
        if kind not in listfiles.KINDS:
            raise Http404(_("No such list."))
        call = self._call_for_work(request, call_id)
        spec = listfiles.KINDS[kind]
        form = ListUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            self.message_user(request, _("Choose a file to upload."), messages.ERROR)
            return self._back(call)
        upload = form.cleaned_data["file"]
        try:
            if upload.size > listfiles.MAX_BYTES:  # refused before a byte of it is read into memory
                raise listfiles.ListFileUnreadable(
                    _("The file is %(size)s KB; the limit is %(limit)s KB.")
                    % {"size": upload.size // 1024, "limit": listfiles.MAX_BYTES // 1024}
                )
            parsed = listfiles.list_file_read(kind, upload.name, upload.read())
        except listfiles.ListFileUnreadable as error:
            message = _("%(file)s was not applied: %(reason)s") % {"file": upload.name, "reason": error}
            self.message_user(request, message, messages.ERROR)
            return self._back(call)
        problems = list(parsed.problems)
        applied = 0
        if parsed.rows:
            apply = services.discharge_list_apply if kind == listfiles.DISCHARGE else services.load_list_apply
            try:
                try:
                    result = apply(call_id=call.pk, containers=parsed.rows, actor=request.user)
                except DataError:  # a value beyond a column (a temperature of 12345): the service saved nothing
                    raise ValueNotStorable() from None
            except DomainError as error:
                message = _("%(file)s was not applied: %(reason)s") % {"file": upload.name, "reason": _refusal(error)}
                self.message_user(request, message, messages.ERROR)
                return self._back(call)
            applied = len(parsed.rows) - len(result.problems)
            problems += [{**problem, "line": parsed.lines[problem["index"]]} for problem in result.problems]
        self._upload_report(request, spec, upload.name, applied, problems, parsed.ignored_columns)
        if parsed.rows:
            for warning in result.capacity_warnings:  # a warning: the list is applied all the same
                self.message_user(request, capacity_warning_text(warning, subject=_("this call")), messages.WARNING)
        return self._back(call)

    def _upload_report(self, request, spec, name: str, applied: int, problems: list[dict], ignored: list[str]):
        level = messages.SUCCESS if not problems else messages.WARNING
        summary = ngettext(
            "%(file)s (%(list)s): %(applied)s row applied, %(problems)s with a problem.",
            "%(file)s (%(list)s): %(applied)s rows applied, %(problems)s with a problem.",
            applied,
        ) % {"file": name, "list": spec.title, "applied": applied, "problems": len(problems)}
        self.message_user(request, summary, level)
        if ignored:
            self.message_user(
                request,
                _("Columns not read: %(columns)s.") % {"columns": ", ".join(ignored)},
                messages.WARNING,
            )
        for problem in sorted(problems, key=lambda row: row["line"])[:SHOWN_PROBLEMS]:
            self.message_user(
                request,
                _("Row %(line)s, %(container)s: %(detail)s (code: %(code)s)")
                % {**problem, "container": problem["container"] or "-"},
                messages.ERROR,
            )
        if len(problems) > SHOWN_PROBLEMS:
            more = len(problems) - SHOWN_PROBLEMS
            text = ngettext("... and %(count)s more problem.", "... and %(count)s more problems.", more)
            self.message_user(request, text % {"count": more}, messages.ERROR)

    def sample_view(self, request: HttpRequest, kind: str) -> HttpResponse:
        if kind not in listfiles.KINDS:
            raise Http404(_("No such list."))
        if not self.has_view_permission(request):
            raise PermissionDenied
        response = HttpResponse(listfiles.sample_csv(kind), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}-list-sample.csv"'
        return response
