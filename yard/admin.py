from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from aktau_tos.errors import DomainError
from yard.identity import container_number_normalise
from yard.models import Container, IsoSizeType, IsoTypeAlias


class IsoTypeAliasInline(admin.TabularInline):
    model = IsoTypeAlias
    extra = 0


@admin.register(IsoSizeType)
class IsoSizeTypeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "length_ft", "height_mm", "group", "type_code", "description", "teu"]
    list_filter = ["length_ft", "group"]
    search_fields = ["code", "description", "aliases__alias"]
    inlines = [IsoTypeAliasInline]


class ContainerForm(forms.ModelForm):
    number = forms.CharField(max_length=20, help_text="As printed on the box; case and spaces do not matter.")

    class Meta:
        model = Container
        fields = ["number", "iso_type", "tare_kg", "max_gross_kg"]

    def clean_number(self) -> str:
        try:
            return container_number_normalise(self.cleaned_data["number"])
        except DomainError as error:
            raise forms.ValidationError(error.detail, code=error.code) from None


@admin.register(Container)
class ContainerAdmin(SimpleHistoryAdmin):
    form = ContainerForm
    list_display = ["number", "iso_type", "length_ft", "iso_group", "tare_kg", "max_gross_kg", "created_at"]
    list_filter = ["iso_type__length_ft", "iso_type__group", "iso_type"]
    list_select_related = ["iso_type"]
    search_fields = ["number"]
    autocomplete_fields = ["iso_type"]
    readonly_fields = ["created_at"]
    show_full_result_count = False

    @admin.display(description="Length (ft)", ordering="iso_type__length_ft")
    def length_ft(self, container: Container) -> int:
        return container.iso_type.length_ft

    @admin.display(description="Type group", ordering="iso_type__group")
    def iso_group(self, container: Container) -> str:
        return container.iso_type.get_group_display()

    def get_search_results(self, request, queryset, search_term):
        # Operators type numbers as printed on the box ("CSQU 305438 3"): search the compact form.
        compact = "".join(search_term.split()).upper()
        return super().get_search_results(request, queryset, compact)
