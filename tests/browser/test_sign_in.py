"""Signing in to the dashboard in a real browser: refused with the reason shown, then in."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from xiaoqu.integrations.dashboard.const import LOGIN_PATH, SESSION_COOKIE

from .site import MANAGER, PASSWORD, screenshot, sign_in


def session_cookies(page: Page) -> list[str]:
    return [cookie["name"] for cookie in page.context.cookies() if cookie["name"] == SESSION_COOKIE]


def test_a_wrong_password_is_shown_as_an_error_and_lets_nobody_in(page: Page) -> None:
    sign_in(page, MANAGER, "not-the-manager-password")
    expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH)))
    expect(page.get_by_role("alert")).to_be_visible()
    assert session_cookies(page) == []
    screenshot(page, "login-refused")


def test_a_page_asked_for_signed_out_comes_back_after_sign_in(page: Page) -> None:
    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH)))
    screenshot(page, "login")
    page.locator("input[name=username]").fill(MANAGER)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form", has=page.locator("input[name=password]")).locator("button").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    assert session_cookies(page) == [SESSION_COOKIE]
