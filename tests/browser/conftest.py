"""A real browser against a live test server: Debian's Chromium driven by Playwright.

Playwright cannot download its own browser here, so it launches `/usr/bin/chromium`
(`CS_HUB_CHROMIUM` to use another). Without that binary the browser tests are skipped, except
under CI (`CI=true`), where a missing browser is a failure: `.ci/run` installs it.
Screenshots land in `.run/screenshots/<database>/` (git-ignored), one per step, as test
artifacts: CI runs the SQLite and the PostgreSQL suites side by side, each in its own folder.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CS_HUB_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".run" / "screenshots"

# Playwright's sync API runs an event loop in the test's thread; the test's own ORM calls
# (building data, reading numbers to compare) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists() or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason=f"no browser at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


class Shots:
    """Numbered screenshots for one test: `.run/screenshots/<database>/<test>/<n>-<name>.png`."""

    def __init__(self, page: Any, name: str) -> None:
        self.page, self.folder, self.count = page, SCREENSHOTS / name, 0
        self.folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def page(chromium: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    from django.db import connection

    tab.shots = Shots(tab, f"{connection.vendor}/{request.node.name}")
    yield tab
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        tab.shots("failure")
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    click_and_load(page, "input[type=submit]")


def click_and_load(page: Any, selector: str) -> None:
    """Click something that loads a new page and wait until that page has loaded: `click`
    returns once the navigation has committed, when the new page may be half parsed (a message
    list item read then can be empty)."""
    with page.expect_navigation(wait_until="load"):
        page.click(selector)
