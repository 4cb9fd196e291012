"""The browser suite's fixtures: one demo hub and one Chromium for the whole folder (it is a
package so that both stop when its last test ends: Playwright's sync API holds the thread's
event loop while it runs, which the asyncio tests after this folder need), a fresh context
per test."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from xiaoqu.integrations.dashboard.const import LOGIN_PATH

from .site import LIVE_TIMEOUT_MS, MANAGER, PASSWORD, DemoSite, chromium_missing_reason, launch, screenshot, sign_in


@pytest.fixture(scope="package")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """One demo hub for the whole browser suite (its start, the estate's import, takes seconds)."""
    if reason := chromium_missing_reason():
        pytest.skip(reason)
    site = DemoSite(tmp_path_factory.mktemp("demo"))
    site.start()
    yield site
    site.stop()


@pytest.fixture(scope="package")
def browser(demo_site: DemoSite) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        yield launch(playwright)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test, so the page fixture knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Browser, demo_site: DemoSite, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context per test: no cookie or session carried from another test. A
    failed test leaves a screenshot of where the browser was, for whoever reads CI's artifacts."""
    context = browser.new_context(base_url=demo_site.base_url, locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(LIVE_TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        screenshot(page, f"failed-{request.node.name}")
    context.close()


@pytest.fixture
def signed_in(page: Page) -> Page:
    """A page signed in as the demo's manager, on the overview."""
    sign_in(page, MANAGER, PASSWORD)
    expect(page).not_to_have_url(re.compile(re.escape(LOGIN_PATH)))
    return page
