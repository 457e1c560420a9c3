"""What the browser tests do in a page: open it and wait for Streamlit, catch dialogs, download a file."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Dialog, Page, expect

TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)  # the machine may be busy: wait generously, the test stays correct
#: Screenshot folders of this run and lines the tests add (projector screenshots, a page's height), printed in
#: pytest's summary by the conftest (a fixture's print is captured). Kept here, in a module every test and the
#: conftest import by one name, so that they all share these lists.
SCREENSHOT_FOLDERS: list[Path] = []
SUMMARY_LINES: list[str] = []


def watch_dialogs(page: Page) -> list[str]:
    """Every alert/confirm the page opens (a script that ran); dismissed at once."""
    opened: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return opened


def open_page(page: Page, url: str) -> None:
    """Go to a page and wait until Streamlit has finished running its script."""
    page.goto(url)
    page.locator("h1").first.wait_for(timeout=TIMEOUT_MS)  # every page has a title; the first load starts the app
    wait_idle(page)


def wait_idle(page: Page) -> None:
    """Wait until the script is no longer running (the status widget disappears)."""
    page.wait_for_timeout(300)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=TIMEOUT_MS)


def download(page: Page, key: str, folder: Path) -> str:
    """Click a download button and return the text of the file it saved."""
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        page.locator(f".st-key-{key} button").first.click()  # a button with help text has a hidden twin
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_text()
