"""Driving the console in a real browser: Debian's chromium under Selenium, and a shop on a
live ``kanta server`` made through the ``kanta`` command itself."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from kiosk.cli.main import main as kanta
from sync.server import db, store

OWNER = "owner@cafe.example"
PASSWORD = "owner password 1"
SHOP = "Cafe"

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1200,900",
)


@dataclass
class LiveShop:
    db_url: str
    kiosk_tokens: dict[str, str] = field(default_factory=dict)
    base_url: str = ""

    def engine(self) -> db.Engine:
        return db.make_engine(self.db_url, pool_size=1)

    def add_kiosk(self, name: str) -> str:
        engine = self.engine()
        try:
            return store.add_kiosk(engine, SHOP, name)
        finally:
            engine.dispose()

    def shop_id(self) -> int:
        engine = self.engine()
        try:
            with db.read_tx(engine) as conn:
                return int(db.q(conn, "SELECT id FROM shops WHERE name = ?", (SHOP,)).scalar_one())
        finally:
            engine.dispose()


def make_live_shop(db_url: str, monkeypatch: pytest.MonkeyPatch) -> LiveShop:
    """``kanta server init`` and ``add-kiosk``, as the owner would run them."""
    monkeypatch.setenv("KANTA_PASSWORD", PASSWORD)
    assert kanta(["server", "init", "--db", db_url, "--shop", SHOP, "--owner", OWNER]) == 0
    engine = db.make_engine(db_url, pool_size=1)
    try:
        token = store.add_kiosk(engine, SHOP, "k1")
    finally:
        engine.dispose()
    return LiveShop(db_url, {"k1": token})


class Browser:
    def __init__(self, driver: webdriver.Chrome, downloads: Path, shots: Path) -> None:
        self.driver = driver
        self.downloads = downloads
        self.shots = shots
        self.base_url = ""

    @classmethod
    def start(cls, profile: Path, downloads: Path, shots: Path) -> Browser:
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        downloads.mkdir(parents=True, exist_ok=True)
        shots.mkdir(parents=True, exist_ok=True)
        options.add_experimental_option(
            "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
        )
        driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        driver.set_page_load_timeout(120)
        return cls(driver, downloads, shots)

    def quit(self) -> None:
        self.driver.quit()

    def go(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self) -> str:
        return str(self.find("body").text)

    def wait_for(self, css: str, timeout: float = 60) -> WebElement:
        WebDriverWait(self.driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))
        return self.find(css)

    def fill(self, css: str, value: str) -> None:
        element = self.find(css)
        element.clear()
        element.send_keys(value)

    def submit(self, css: str) -> None:
        """Click a submit button and wait for the next page to replace this one."""
        old = self.find("html")
        self.find(css).click()
        WebDriverWait(self.driver, 60).until(lambda d: _stale(old))

    def login(self, base_url: str, email: str = OWNER, password: str = PASSWORD) -> None:
        self.base_url = base_url
        self.go("/")
        self.fill("#email", email)
        self.fill("#password", password)
        self.submit("#login")

    def screenshot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def wait_download(self, suffix: str, timeout: float = 60) -> Path:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [p for p in self.downloads.iterdir() if p.name.endswith(suffix)]
            if done:
                return done[0]
            time.sleep(0.05)
        raise AssertionError(f"no {suffix} file was downloaded")


def started_browser(tmp_path: Path) -> Iterator[Browser]:
    """A headless chromium for one test (the body of every ``browser`` fixture), or a skip
    that says what is missing."""
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        pytest.skip("Debian's chromium and chromium-driver are missing (tests/bootstrap.sh installs them)")
    b = Browser.start(tmp_path / "chromium-profile", tmp_path / "downloads", tmp_path / "shots")
    yield b
    b.quit()


def _stale(element: WebElement) -> bool:
    try:
        element.tag_name  # noqa: B018 (touching it raises once the page is gone)
    except Exception:
        return True
    return False


def csrf_of(page_html: str) -> str:
    import re

    found = re.search(r'name="csrf" value="([^"]+)"', page_html)
    assert found is not None, "the page has no form token"
    return found[1]


@contextmanager
def http_login(base_url: str, email: str = OWNER, password: str = PASSWORD) -> Iterator[httpx.Client]:
    """A logged-in HTTP client (for figures and refusals a browser need not be watched for)."""
    with httpx.Client(base_url=base_url, timeout=60) as http:
        token = csrf_of(http.get("/").text)
        r = http.post("/login", data={"email": email, "password": password, "csrf": token})
        assert r.status_code == 303, r.text
        yield http
