"""The language switch: every string of the frame changes, and the choice sticks to the user."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from .site import screenshot

#: The navigation's first two links in each language, from the catalogues.
NAVIGATION = {"zh_CN": ["概览", "实时事件"], "en": ["Overview", "Live events"]}


def navigation(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("header nav > a").all_inner_texts()][:2]  # not inside a group


def switch_to(page: Page, language: str) -> None:
    page.get_by_role("combobox").select_option(language)
    expect(page.locator("html")).to_have_attribute("lang", language.replace("_", "-"))


def test_switching_chinese_to_english_and_back_changes_the_strings(signed_in: Page) -> None:
    assert navigation(signed_in) == NAVIGATION["zh_CN"]
    switch_to(signed_in, "en")
    assert navigation(signed_in) == NAVIGATION["en"]
    screenshot(signed_in, "overview-en")
    signed_in.reload()  # the choice is the user's, kept by the hub, not the page's
    assert navigation(signed_in) == NAVIGATION["en"]
    switch_to(signed_in, "zh_CN")
    assert navigation(signed_in) == NAVIGATION["zh_CN"]
