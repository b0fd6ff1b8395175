"""The product speaks Russian, Kazakh, Chinese and English: the catalogues are complete and current, every label
the admin and the API show is marked, and the terminal's words follow docs/glossary.md.

- The project's catalogues (locale/) have no untranslated, fuzzy or obsolete entry, and `makemessages` run
  over the sources now would add nothing: every marked string is in them.
- Every model field's and model's verbose name, every choice label, every refusal's title and detail, every
  admin action and column is a translatable string (the structured places a string can be left unmarked).
- Django's own Kazakh admin and django-simple-history's Russian (shipped only as ru_RU) are completed by the
  catalogues in locale_vendor/.
"""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.test import override_settings
from django.utils.functional import Promise

from aktau_tos.errors import DomainError

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ru", "kk", "zh_Hans")  # as locale folders name them
PRODUCT_APPS = {"aktau_tos", "yard", "rail", "customs", "dangerous_goods", "vessels", "edi", "handheld", "simulation"}
NEEDS_GETTEXT = pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext (make test installs it)")


def catalogue(language: str, root: Path = ROOT / "locale") -> polib.POFile:
    return polib.pofile(str(root / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_projects_catalogue_is_complete(language):
    po = catalogue(language)
    assert len(po) > 500, "the catalogue is nearly empty"
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    obsolete = [entry.msgid for entry in po.obsolete_entries()]
    assert (untranslated[:10], fuzzy[:10], obsolete[:10]) == ([], [], [])


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    """A translation that drops or renames `{container}` or `%(count)s` breaks the message at run time."""
    pattern = re.compile(r"\{\w+(?:![rs])?\}|%\(\w+\)[sdfi]")
    wrong = []
    for entry in catalogue(language).translated_entries():
        if entry.msgid_plural:
            expected = set(pattern.findall(entry.msgid_plural)) | set(pattern.findall(entry.msgid))
            for translation in entry.msgstr_plural.values():
                # a plural form may leave out the count (Chinese has one form; "одну" for one)
                if not set(pattern.findall(translation)) <= expected:
                    wrong.append(entry.msgid)
        elif set(pattern.findall(entry.msgid)) != set(pattern.findall(entry.msgstr)):
            wrong.append(entry.msgid)
    assert wrong == []


@NEEDS_GETTEXT
@pytest.mark.system  # runs xgettext over the sources
def test_makemessages_would_add_nothing(tmp_path, monkeypatch):
    """Every marked string of the sources is in the committed catalogues, and nothing else is: makemessages is
    run over a copy of the product's sources with a copy of the catalogues (it writes beside what it reads)."""
    for app in sorted(PRODUCT_APPS):
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=list(LANGUAGES), no_obsolete=False, verbosity=0, no_location=True)
    for language in LANGUAGES:
        committed = {(e.msgctxt, e.msgid) for e in catalogue(language) if not e.obsolete}
        current = {(e.msgctxt, e.msgid) for e in catalogue(language, tmp_path / "locale") if not e.obsolete}
        assert sorted(current - committed)[:10] == [], f"{language}: marked but not in the catalogue (run makemessages)"
        assert sorted(committed - current)[:10] == [], f"{language}: in the catalogue but no longer in the sources"


def _product_models():
    return [model for model in apps.get_models() if model._meta.app_label in PRODUCT_APPS]


def test_every_model_label_and_choice_is_marked():
    unmarked = []
    for model in _product_models():
        if model.__name__.startswith("Historical"):  # django-simple-history's copies take the labels they copy
            continue
        meta = model._meta
        for label in (meta.verbose_name, meta.verbose_name_plural):
            if not isinstance(label, Promise):
                unmarked.append(f"{meta.label}: {label}")
        for field in meta.get_fields():
            if not getattr(field, "concrete", False) or field.auto_created or not field.editable:
                continue
            if not isinstance(field.verbose_name, Promise):
                unmarked.append(f"{meta.label}.{field.name}")
            if field.help_text and not isinstance(field.help_text, Promise):
                unmarked.append(f"{meta.label}.{field.name} help text")
            if list(field.choices or []) == list(settings.LANGUAGES):
                continue  # each language is named in itself (Русский, Қазақша, 简体中文), the same for every reader
            for _value, choice in field.flatchoices or []:
                if not isinstance(choice, Promise):
                    unmarked.append(f"{meta.label}.{field.name} choice {choice!r}")
    assert unmarked == []


def test_every_apps_name_is_marked():
    """The admin's section headings; "Aktau TOS" is the product's name, the same in every language."""
    unmarked = [
        config.label
        for config in apps.get_app_configs()
        if config.label in PRODUCT_APPS - {"aktau_tos"} and not isinstance(config.verbose_name, Promise)
    ]
    assert unmarked == []


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_refusal_has_a_translatable_title_and_detail():
    unmarked = [
        f"{error.__module__}.{error.__name__}"
        for error in _subclasses(DomainError)
        if error.__module__.split(".")[0] in PRODUCT_APPS
        and not (isinstance(error.title, Promise) and isinstance(error.detail_template, Promise))
    ]
    assert unmarked == []


def test_every_admin_action_and_computed_column_is_marked():
    unmarked = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PRODUCT_APPS:
            continue
        for action in model_admin.actions or []:
            function = getattr(model_admin, action) if isinstance(action, str) else action
            if not isinstance(getattr(function, "short_description", None), Promise):
                unmarked.append(f"{type(model_admin).__name__} action {action}")
        for column in model_admin.list_display:
            function = column if callable(column) else getattr(model_admin, column, None)
            if callable(function) and not isinstance(getattr(function, "short_description", None), Promise):
                unmarked.append(f"{type(model_admin).__name__} column {column}")
    assert unmarked == []


# --- Django's and the libraries' catalogues, completed in locale_vendor ------------------------------------------


def _django_catalogue(package: str, language: str) -> Path:
    import django

    return Path(django.__file__).parent / package / "locale" / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("package", ["contrib/admin", "contrib/auth", "conf"])
def test_the_kazakh_admin_is_complete_with_our_additions(package):
    """Every string of Django's admin that Django's Russian has, Kazakh has: from Django or from locale_vendor."""
    russian = {e.msgid for e in polib.pofile(str(_django_catalogue(package, "ru"))).translated_entries()}
    kazakh = {e.msgid for e in polib.pofile(str(_django_catalogue(package, "kk"))).translated_entries()}
    ours = {e.msgid for e in catalogue("kk", ROOT / "locale_vendor").translated_entries()}
    missing = sorted(russian - kazakh - ours)
    assert missing[:10] == [], f"{len(missing)} of Django's {package} strings have no Kazakh"


def test_simple_historys_russian_is_found_for_ru():
    import simple_history

    shipped = Path(simple_history.__file__).parent / "locale" / "ru_RU" / "LC_MESSAGES" / "django.po"
    needed = {e.msgid for e in polib.pofile(str(shipped)).translated_entries()}
    ours = {e.msgid for e in catalogue("ru", ROOT / "locale_vendor").translated_entries()}
    assert sorted(needed - ours)[:10] == []


# --- The glossary -----------------------------------------------------------------------------------------------


def _glossary_checks() -> list[tuple[str, dict[str, str]]]:
    """The glossary's last table: English term -> the stem each language's translation must contain."""
    text = (ROOT / "docs" / "glossary.md").read_text()
    table = text.split("## Checking a translation against this table", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    checks = []
    for row in rows:
        term, ru, kk, zh = (cell.strip() for cell in row.strip("|").split("|"))
        checks.append((term, {"ru": ru, "kk": kk, "zh_Hans": zh}))
    return checks


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_glossarys_words_are_used(language):
    checks = _glossary_checks()
    assert len(checks) >= 10
    astray = []
    for entry in catalogue(language).translated_entries():
        translations = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for term, stems in checks:
            if re.search(rf"\b{re.escape(term)}\b", entry.msgid, flags=re.IGNORECASE):
                stem = stems[language].lower()
                if not all(stem in translation.lower() for translation in translations if translation):
                    astray.append(f"{term!r} in {entry.msgid!r}: {translations[0]!r} lacks {stem!r}")
    assert astray[:15] == []
