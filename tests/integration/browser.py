"""Headless Chromium (Debian's package) for the tests that look at pages as a user does."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# CI installs Debian's chromium and sets BOOKS_REQUIRE_BROWSER, so there it cannot skip.
needs_browser = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("BOOKS_REQUIRE_BROWSER"),
    reason="Debian chromium is not installed (apt-get install chromium)",
)


def rendered(url: str, profile: Path, budget_ms: int = 10000) -> tuple[str, str]:
    """The page's DOM once its scripts ran (and fetched what they fetch), and the
    browser's log, where an uncaught error in the page shows."""
    assert CHROMIUM, "BOOKS_REQUIRE_BROWSER is set but chromium is not on PATH"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         f"--virtual-time-budget={budget_ms}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return done.stdout, done.stderr


def screenshot(url: str, png: Path, profile: Path, budget_ms: int = 15000) -> bytes:
    """A picture of the page once its scripts ran, as a 1600x1000 window shows it."""
    assert CHROMIUM, "BOOKS_REQUIRE_BROWSER is set but chromium is not on PATH"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--hide-scrollbars", "--window-size=1600,1000",
         f"--virtual-time-budget={budget_ms}", f"--screenshot={png}", url],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return png.read_bytes()


def page_errors(log: str) -> list[str]:
    """Errors the page's own scripts raised (not the sandbox's dbus noise)."""
    return [line for line in log.splitlines() if "Uncaught" in line or "SyntaxError" in line]


def _open(picker, first_item, patience_s: float = 90.0) -> None:
    """Clicks the partition picker until its list shows: a click that lands before the
    page has wired the picker up is lost (a loaded CI machine, 2026-12-07), where a person
    would simply click again."""
    from playwright.sync_api import TimeoutError as Timeout

    deadline = time.monotonic() + patience_s
    while True:
        picker.click()
        try:
            first_item.wait_for(timeout=10_000)
            return
        except Timeout:
            if time.monotonic() > deadline:
                raise


def launch_from_launchpad(url: str, partition: str, config_yaml: str, shots: Path) -> str:
    """RevOps in the review job's launchpad: types the start of an item id in the partition
    picker and takes the item it lists, reads the form filled for it (and that the launchpad
    asks who decides), writes the decision, and clicks Launch Run. The run id."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "BOOKS_REQUIRE_BROWSER is set but chromium is not on PATH"
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(90_000)  # a loaded CI machine renders slowly
            page.goto(url)
            item = partition.split(" ")[0]
            picker = page.get_by_placeholder("Partition")
            _open(picker, page.get_by_role("menuitem").first)
            picker.press_sequentially(item)
            page.get_by_role("menuitem").filter(has_text=item).first.click()
            page.get_by_text(partition, exact=True).first.wait_for()
            editor = page.locator(".CodeMirror").first
            editor.get_by_text("decision:").wait_for()
            page.get_by_text("decided_by").first.wait_for()  # asked for in the errors panel
            page.screenshot(path=str(shots / "launchpad_filled.png"))
            page.evaluate(
                "text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)",
                config_yaml,
            )
            page.get_by_text("No errors").wait_for()
            page.get_by_role("button", name="Launch Run").click()
            page.wait_for_url("**/runs/*")
            page.screenshot(path=str(shots / "launched.png"))
            return page.url.rstrip("/").split("/")[-1]
        finally:
            browser.close()
