"""bench/dashboard.py's browsers: a process of their own, so the hub's event loop does only the
server's half of every request and the bench's timings are what a browser on another core sees.

    python bench/_dashboard_browsers.py pages PORT USER PASSWORD CASES_JSON SAMPLES
        Signs in once, fetches each case's path a few times to warm up, then ``SAMPLES`` rounds of
        every case in turn (the order rotating each round, so drift lands on every case alike);
        prints ``{"case": {"ms": [...], "status": 200, "bytes": n, "rows": n}}`` as JSON.
    python bench/_dashboard_browsers.py streams PORT USER PASSWORD N PATH
        N event streams at PATH, each a browser of its own (its own cookie jar, signed in through
        the form; with USER ``-`` none is); prints ``ready`` once every stream has its headers,
        then reads until a line arrives on stdin; prints each stream's lines as JSON:
        ``[[[monotonic_ns, door], ...], ...]``, the door read from the line's third cell (the
        dashboard's row) or from the whole ``data:`` (the bare baseline's).
    python bench/_dashboard_browsers.py chromium PORT USER PASSWORD
        One real browser: Debian's Chromium through Playwright (tests/browser/site.py's launch),
        signed in through the form, on the live events page; prints ``ready`` once the page's
        event stream is open, then reads until a line arrives on stdin; prints each row the
        page added as ``[dom_ms, frame_ms, door]``: the epoch time (ms) the row entered the
        DOM (a MutationObserver) and of the next animation frame after it (the screen).

Times are ``time.monotonic_ns()`` (Chromium's: the epoch's, in ms, as only the wall clock is
shared with a browser): CLOCK_MONOTONIC, the same clock in every process of the
machine, so the bench compares them with the hub's fire times directly.
"""
from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.integrations.dashboard.conftest import Browser

WARM_UP = 5
#: The dashboard's row: time, label, door, detail (integrations/dashboard/templates/event_row.html).
ROW_DOOR = re.compile(r"<td>[^<]*</td><td>([^<]*)</td><td>[^<]*</td></tr>")


async def signed_in(session: aiohttp.ClientSession, port: int, user: str, password: str) -> None:
    """Sign ``session`` in through the form, as tests/integrations/dashboard's browsers do."""
    browser = Browser(SimpleNamespace(data={"http": SimpleNamespace(port=port)}), session)  # type: ignore[arg-type]
    status, _text, _response = await browser.sign_in(user, password)
    if status != 303:
        raise SystemExit(f"signing in as {user} answered {status}")


def jar() -> aiohttp.CookieJar:
    return aiohttp.CookieJar(unsafe=True)  # 127.0.0.1 is an address: keep its cookies anyway


async def pages(port: int, user: str, password: str, cases: list[list[str]], samples: int) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    found: dict[str, Any] = {name: {"ms": []} for name, _ in cases}
    async with aiohttp.ClientSession(cookie_jar=jar()) as session:
        await signed_in(session, port, user, password)

        async def fetch(path: str) -> tuple[float, int, bytes]:
            started = time.perf_counter()
            async with session.get(base + path, allow_redirects=False) as response:
                body = await response.read()
            return (time.perf_counter() - started) * 1000, response.status, body

        for name, path in cases:
            for _ in range(WARM_UP):
                _ms, status, body = await fetch(path)
            found[name].update(status=status, bytes=len(body), rows=body.count(b"<tr") - body.count(b"<thead"))
        for index in range(samples):
            shift = index % len(cases)
            for name, path in cases[shift:] + cases[:shift]:
                ms, status, _body = await fetch(path)
                found[name]["ms"].append(ms)
                if status != found[name]["status"]:
                    raise SystemExit(f"{path} answered {status}, earlier {found[name]['status']}")
    return found


async def read_stream(response: aiohttp.ClientResponse, lines: list[tuple[int, str]]) -> None:
    """Split the stream into SSE frames; each ``line`` event is timed as its last byte lands."""
    buffer = b""
    async for chunk in response.content.iter_any():
        now = time.monotonic_ns()
        buffer += chunk
        *frames, buffer = buffer.split(b"\n\n")
        for frame in frames:
            data = "\n".join(part[6:] for part in frame.decode().split("\n") if part.startswith("data: "))
            if not data:
                continue  # a keep-alive comment
            row = ROW_DOOR.search(data)
            lines.append((now, row.group(1) if row else data))


async def streams(port: int, user: str, password: str, count: int, path: str) -> list[list[tuple[int, str]]]:
    sessions = [aiohttp.ClientSession(cookie_jar=jar(), timeout=aiohttp.ClientTimeout(total=None)) for _ in range(count)]
    found: list[list[tuple[int, str]]] = [[] for _ in range(count)]
    readers = []
    try:
        if user != "-":
            for session in sessions:  # one at a time: the hub refuses a crowd of sign-ins from one address
                await signed_in(session, port, user, password)
        responses = await asyncio.gather(*(session.get(f"http://127.0.0.1:{port}{path}", allow_redirects=False)
                                           for session in sessions))
        for response in responses:
            if response.status != 200 or response.content_type != "text/event-stream":
                raise SystemExit(f"{path} answered {response.status} {response.content_type}")
        readers = [asyncio.create_task(read_stream(response, lines)) for response, lines in zip(responses, found, strict=True)]
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(session.close() for session in sessions))
    return found


#: Runs before the page's scripts: note when htmx opens the stream, and time every row added.
WATCH_ROWS = """
window.__rows = [];
document.addEventListener("htmx:sseOpen", () => { window.__sseOpen = true; });
document.addEventListener("DOMContentLoaded", () => {
  const body = document.querySelector("tbody[sse-swap]");
  new MutationObserver((changes) => {
    const now = performance.timeOrigin + performance.now();
    for (const change of changes) for (const node of change.addedNodes) {
      if (node.nodeName !== "TR") continue;
      const row = [now, 0, node.cells[2] ? node.cells[2].textContent : ""];
      window.__rows.push(row);
      requestAnimationFrame(() => { row[1] = performance.timeOrigin + performance.now(); });
    }
  }).observe(body, {childList: true});
});
"""


async def chromium(port: int, user: str, password: str) -> list[list[Any]]:
    from playwright.async_api import async_playwright

    from tests.browser.site import CHROMIUM, CHROMIUM_ARGS

    base = f"http://127.0.0.1:{port}"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(base_url=base)
            await page.goto("/dashboard/login?next=/dashboard/events")
            await page.locator("input[name=username]").fill(user)
            await page.locator("input[name=password]").fill(password)
            await page.add_init_script(WATCH_ROWS)
            await page.locator("form", has=page.locator("input[name=password]")).locator("button").click()
            await page.wait_for_url("**/dashboard/events")
            await page.wait_for_function("() => window.__sseOpen === true")  # a function: the CSP refuses eval
            print("ready", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            await asyncio.sleep(0.1)  # the last animation frame
            rows: list[list[Any]] = await page.evaluate("() => window.__rows")
        finally:
            await browser.close()
    return rows


def main(argv: list[str]) -> None:
    mode, port, user, password = argv[0], int(argv[1]), argv[2], argv[3]
    if mode == "pages":
        result: Any = asyncio.run(pages(port, user, password, json.loads(argv[4]), int(argv[5])))
    elif mode == "streams":
        result = asyncio.run(streams(port, user, password, int(argv[4]), argv[5]))
    elif mode == "chromium":
        result = asyncio.run(chromium(port, user, password))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
