"""The dashboard's languages: one jinja2 environment per language, with every registered
package's catalogue merged into it.

Catalogues are gettext ``.mo`` files compiled from the ``.po`` sources beside them and
committed with them (``docs/dashboard.md`` says how to extract and compile), so a fresh
checkout runs without a build step; a test checks that each ``.mo`` matches its ``.po``.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path

import jinja2
from babel.support import NullTranslations, Translations

from .const import GETTEXT_DOMAIN
from .registry import MessageId

TEMPLATES = "templates"
TRANSLATIONS = "translations"


def catalogue(packages: Iterable[Path], language: str) -> NullTranslations:
    """Every package's strings in ``language``, merged (a later package wins a clash)."""
    merged: NullTranslations = NullTranslations()
    for package in packages:
        found = Translations.load(package / TRANSLATIONS, [language], GETTEXT_DOMAIN)
        if isinstance(found, Translations):
            merged = found if not isinstance(merged, Translations) else merged.merge(found)
    return merged


def when(moment: float | str, tz: tzinfo) -> str:
    """A moment (epoch seconds, or an ISO time as the access log answers) as staff read it: the
    site's local time to the second, ``2026-03-02 08:47:05``."""
    at = datetime.fromisoformat(moment) if isinstance(moment, str) else datetime.fromtimestamp(moment, tz)
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def is_message_id(value: object) -> bool:
    """The templates' ``message_id`` test: text to translate, not data to show as it is."""
    return isinstance(value, MessageId)


def environments(packages: list[Path], catalogues: dict[str, NullTranslations], tz: tzinfo
                 ) -> dict[str, jinja2.Environment]:
    """``{language: environment}``: templates from each package, autoescaped, translated."""
    loader = jinja2.FileSystemLoader([package / TEMPLATES for package in packages])
    built = {}
    for language, translations in catalogues.items():
        env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                                 extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        env.filters["when"] = partial(when, tz=tz)
        env.tests["message_id"] = is_message_id
        built[language] = env
    return built
