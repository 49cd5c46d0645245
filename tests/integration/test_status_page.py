"""The status page in a real headless browser (Debian's chromium + chromedriver, driven by selenium)
against a running gateway with simulated carriers: what a person sees, refreshed live.

Installs nothing: skips with the reason when the browser, its driver or selenium is missing (the
Makefile's test set-up installs them: apt-get install chromium chromium-driver; selenium is in the
test extras).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .routetest_harness import QUIET_GREY, bench, merge, plan

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path(shutil.which("chromedriver") or "/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1500,1100",
)
# Where to leave the screenshot for a person to look at (default: the test's temporary directory).
SCREENSHOT_DIR = os.environ.get("STATUS_PAGE_SCREENSHOT_DIR")

if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
    pytest.skip(
        "headless Chromium not installed (apt-get install chromium chromium-driver)", allow_module_level=True
    )
webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium not installed (pip install -e '.[test]')"
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(
        options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    )
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


GREY = merge(
    QUIET_GREY,
    {
        "grey": {
            "sender": {"rate": 1.0, "mode": "fixed", "fixed": "33700000099"},
            "text": {"strip_accents_rate": 1.0},
        }
    },
)
LIMITS = {"not_delivered_timeout": 6.0, "late_after": 4.0, "duplicate_window": 0.3}


def plans(names: list[str]) -> list[dict[str, Any]]:
    return [
        plan("via-direct", ["Votre code ACME est 481516"], **LIMITS),
        plan("via-grey", ["Réglé : votre colis arrive à l'hôtel vendredi"], **LIMITS),
    ]


async def until(driver: Any, condition: Callable[[Any], Any], timeout: float = 15.0) -> Any:
    """Wait in a thread: the gateway the page talks to runs on this test's event loop."""
    return await asyncio.to_thread(WebDriverWait(driver, timeout, poll_frequency=0.1).until, condition)


def texts(driver: Any, selector: str) -> list[str]:
    return [element.text for element in driver.find_elements(By.CSS_SELECTOR, selector)]


async def test_status_page_shows_routes_probes_and_carriers_and_refreshes(
    tmp_path: Path, browser: Any
) -> None:
    async with bench(tmp_path, {"direct": ("direct", {}), "grey": ("grey", GREY)}, plans) as b:
        direct = await b.settled(await b.run_probes("via-direct", count=2))
        grey = await b.settled(await b.run_probes("via-grey", count=2))
        await asyncio.to_thread(browser.get, b.url + "/")
        await until(
            browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#probes tbody tr[data-probe]")) == 4
        )
        await until(
            browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#routes tr[data-route='via-grey'] .grade")
        )

        # Routes and their scorecards: the honest route is an A, the grey one is not.
        assert browser.title == "smpp-gateway · route testing"
        direct_row = browser.find_element(By.CSS_SELECTOR, "#routes tr[data-route='via-direct']").text
        grey_row = browser.find_element(By.CSS_SELECTOR, "#routes tr[data-route='via-grey']").text
        assert direct_row.startswith("via-direct A 2 100.0% 100.0% 100.0%")
        assert grey_row.startswith("via-grey F 2 100.0% 0.0% 0.0%")
        assert "33700000099 ×2" in grey_row

        # The latest probes, sent against received, the difference highlighted.
        grey_probe = browser.find_element(By.CSS_SELECTOR, f"#probes tr[data-probe='{grey[0]['probe_id']}']")
        assert grey_probe.find_element(By.CSS_SELECTOR, ".changed").text == "33700000099"
        assert set(texts(grey_probe, ".sent del")) >= {"é"}
        assert set(texts(grey_probe, ".received ins")) >= {"e"}
        assert texts(grey_probe, ".verdict") == ["sender_rewritten", "text_modified"]
        assert grey_probe.find_element(By.CSS_SELECTOR, ".received").text == grey[0]["received_text"]
        direct_probe = browser.find_element(
            By.CSS_SELECTOR, f"#probes tr[data-probe='{direct[0]['probe_id']}']"
        )
        assert texts(direct_probe, ".verdict") == ["delivered_intact"]
        assert direct_probe.find_elements(By.CSS_SELECTOR, "del, ins, .changed") == []

        # Carriers and their binds.
        carriers = {
            row.get_attribute("data-carrier"): row.text
            for row in browser.find_elements(By.CSS_SELECTOR, "#carriers tbody tr")
        }
        assert carriers["direct"].startswith("direct 1 / 1")
        assert carriers["grey"].startswith("grey 1 / 1")
        assert "store healthy" in browser.find_element(By.ID, "health").text

        # Live: a probe sent now shows up without reloading the page.
        [new] = await b.run_probes("via-direct", count=1)
        await until(
            browser,
            lambda d: d.find_elements(By.CSS_SELECTOR, f"#probes tr[data-probe='{new}'] [data-verdict]"),
        )
        assert texts(browser, f"#probes tr[data-probe='{new}'] .verdict") == ["delivered_intact"]
        await until(
            browser,
            lambda d: d.find_element(By.CSS_SELECTOR, "#routes tr[data-route='via-direct']").text.startswith(
                "via-direct A 3"
            ),
        )

        shots = Path(SCREENSHOT_DIR) if SCREENSHOT_DIR else tmp_path
        shots.mkdir(parents=True, exist_ok=True)
        assert await asyncio.to_thread(browser.save_screenshot, str(shots / "status-page.png"))
