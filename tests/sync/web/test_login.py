"""Logging in to the owner's console in a real browser; sessions, CSRF, the API beside it."""

from __future__ import annotations

import re

import httpx

from tests.sync.web.browser import OWNER, PASSWORD, Browser, LiveShop, csrf_of


def test_login_in_a_browser_then_logout(live: LiveShop, browser: Browser) -> None:
    browser.login(live.base_url, password="wrong password")
    assert "Wrong email or password." in browser.find("#error").text
    assert browser.find("#email").get_attribute("value") == OWNER
    browser.login(live.base_url)
    assert browser.driver.current_url.endswith("/overview")
    assert OWNER in browser.text()
    cookie = browser.driver.get_cookie("kanta_session")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    browser.screenshot("overview-after-login")
    # the language is the login's own, kept for its next visit
    browser.find("select[name=lang] option[value=fi]").click()
    browser.submit("header form[action='/language'] button")
    assert "Kirjaudu ulos" in browser.text()
    browser.submit("#logout")
    assert browser.find("#login").text == "Kirjaudu"  # the login page, in the browser's language or fi
    browser.go("/overview")
    assert browser.all("#login"), "after logout the overview sends the visitor to the login page"


def test_forms_without_their_token_are_refused(live: LiveShop) -> None:
    with httpx.Client(base_url=live.base_url, follow_redirects=False) as http:
        login_page = http.get("/")
        token = re.search(r'name="csrf" value="([^"]+)"', login_page.text)
        assert token is not None
        # no token, and a token that is not this browser's cookie: both refused
        r = http.post("/login", data={"email": OWNER, "password": PASSWORD})
        assert r.status_code == 403 and "expired" in r.text
        other = httpx.post(
            f"{live.base_url}/login", data={"email": OWNER, "password": PASSWORD, "csrf": token[1]}
        )
        assert other.status_code == 403
        # every login page sets a new token: the refusal's page carries the one that works now
        token = re.search(r'name="csrf" value="([^"]+)"', r.text)
        assert token is not None
        r = http.post("/login", data={"email": OWNER, "password": PASSWORD, "csrf": token[1]})
        assert r.status_code == 303 and r.headers["location"] == "/overview"
        assert "kanta_session" in http.cookies
        # a logged-in session's forms need the session's token too
        r = http.post("/logout", data={"csrf": "not-the-token"})
        assert r.status_code == 403
        assert http.get("/overview").status_code == 200, "the refused logout changed nothing"


def test_behind_a_tls_proxy_the_cookie_is_secure(live: LiveShop) -> None:
    # kanta server trusts X-Forwarded-Proto from 127.0.0.1, where a local reverse proxy runs
    with httpx.Client(base_url=live.base_url, headers={"X-Forwarded-Proto": "https"}) as http:
        page = http.get("/")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None and "secure" in page.headers["set-cookie"].lower()
        # (an http:// client keeps a Secure cookie to itself: the proxy's browser would send it)
        form_cookie = page.cookies["kanta_login_csrf"]
        r = http.post(
            "/login",
            data={"email": OWNER, "password": PASSWORD, "csrf": token[1]},
            headers={"Cookie": f"kanta_login_csrf={form_cookie}"},
            follow_redirects=False,
        )
        cookie = r.headers["set-cookie"].lower()
        assert r.status_code == 303 and "kanta_session=" in cookie
        assert "secure" in cookie and "httponly" in cookie


def test_pages_load_nothing_from_the_internet_and_the_api_still_works(live: LiveShop) -> None:
    with httpx.Client(base_url=live.base_url) as http:
        page = http.get("/")
        assert page.status_code == 200
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert not re.search(r'(src|href)="(https?:)?//', page.text)
        assert http.get("/static/style.css").status_code == 200
        assert http.get("/docs").status_code == 404  # its page loaded scripts from a CDN
        assert http.get("/openapi.json").json()["info"]["title"] == "Kanta sync server"
        r = http.get("/api/v1/kiosks", auth=(OWNER, PASSWORD))
        assert r.status_code == 200 and [k["name"] for k in r.json()["kiosks"]] == ["k1"]
        assert http.get("/api/v1/kiosks").status_code == 401


def test_wrong_passwords_are_throttled(live: LiveShop) -> None:
    """The web login shares the API's throttle: past five failures the account waits."""
    with httpx.Client(base_url=live.base_url) as http:
        statuses = []
        for _ in range(20):  # the lock doubles with each failure: one lands in it however slow
            token = csrf_of(http.get("/").text)
            r = http.post("/login", data={"email": OWNER, "password": "not it", "csrf": token})
            statuses.append(r.status_code)
            if r.status_code == 429:
                break
        assert statuses[:5] == [401] * 5 and statuses[-1] == 429, statuses
        assert "Too many attempts" in r.text and int(r.headers["retry-after"]) >= 1
