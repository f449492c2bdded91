"""Phone numbers and e-mails brought in with the console's member import: refused by line
without consent or when the kiosks would not take them; otherwise sealed, in the import's
request, to the kiosk the owner chose, queued as boxes only that kiosk opens, and kept
there at its next sync as if the member had joined there. The owner then finds the member
by phone on the Members page, `kanta member export` on that kiosk shows the details, and
an erasure crypto-shreds them. The server's database files, read raw, never hold a phone
number or e-mail. An erasure before the hand-over drops the box; a box the kiosk cannot
open is reported on the Import page. Both databases."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from sync import contact_handover as kiosk_side
from sync.server import db
from sync.server.handover_schema import contact_handover
from tests.privacy.test_contact_search import kanta
from tests.privacy.test_erasure import files_under
from tests.sync.client.live import PASSWORD, LiveServer
from tests.sync.web.browser import Browser, csrf_of, http_login
from tests.sync.web.conftest import browser as browser  # Debian's chromium, by Selenium

CARD_A, CARD_B, CARD_C = "0400C0000001", "0400C0000002", "0400C0000003"
PHONE_A, EMAIL_A = "040 765 3344", "Aino.Import@Example.FI"
EMAIL_B = "bertta.import@example.fi"
NEEDLES = [PHONE_A, "407653344", "0407653344", EMAIL_A, EMAIL_A.lower(), EMAIL_B]
GOOD = (
    "kortti;leimat;puhelin;sähköposti;suostumus\r\n"
    f"{CARD_A};3;{PHONE_A};{EMAIL_A};kyllä\r\n"
    f"{CARD_B};1;;{EMAIL_B};2024-03-01\r\n"
    f"{CARD_C};2;;;\r\n"
)
BAD = (
    "card;stamps;phone;email;consent\r\n"
    f"{CARD_A};3;{PHONE_A};;yes\r\n"
    "0400C0000011;1;040 111 2222;;\r\n"  # no consent
    "0400C0000012;1;;someone@example.fi;no\r\n"  # consent says no
    "0400C0000013;1;call me;;yes\r\n"  # not a phone number
    "0400C0000014;1;;not-an-address;yes\r\n"
    "0400C0000015;1;040 111 2223;;maybe\r\n"
)


def raw_holders(*places: Path) -> list[str]:
    """The files that hold any of the phone numbers or e-mails, in any spelling, read raw."""
    return [f"{p}: {n!r}" for p in files_under(*places) for n in NEEDLES if n.encode() in p.read_bytes()]


def post_csv(http: httpx.Client, text: str, action: str, keeper: str | None = "k1") -> httpx.Response:
    form = {"csrf": csrf_of(http.get("/import").text), "action": action}
    if keeper is not None:
        form["keeper"] = keeper
    files = {"file": ("members.csv", text.encode("utf-8-sig"), "text/csv")}
    return http.post("/import", data=form, files=files)


def boxes(url: str) -> list[Any]:
    engine = db.make_engine(url, pool_size=1)
    try:
        with db.read_tx(engine) as conn:
            c = contact_handover.c
            return list(conn.execute(sa.select(c.member, c.state, c.sealed, c.reason).order_by(c.id)).all())
    finally:
        engine.dispose()


def paired_kiosk(server: LiveServer, data: Path, token: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A kiosk paired with the shop and synced once (so its hand-over key is published)."""
    assert kanta(capsys, "--data", str(data), "tap", "0400C00000FF")[0] == 0  # the store made
    pair = ("sync", "pair", "--server", server.base_url, "--token", token)
    assert kanta(capsys, "--data", str(data), *pair)[0] == 0
    assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0


def member_of(http: httpx.Client, card: str) -> str:
    page = http.get("/members", params={"q": card}).text
    found = re.search(r'href="/members/([0-9a-f-]{36})/erase"', page)
    assert found is not None, f"no member page for {card}"
    return found[1]


def erase_on_console(http: httpx.Client, member: str) -> None:
    plan = http.get(f"/members/{member}/erase").text
    members = re.search(r'name="members" value="([^"]*)"', plan)
    assert members is not None
    r = http.post(f"/members/{member}/erase", data={"csrf": csrf_of(plan), "members": members[1]})
    assert r.status_code == 303, r.text


def test_imported_contacts_are_kept_on_the_chosen_kiosk_only(
    server_and_files: tuple[LiveServer, list[Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server, server_files = server_and_files
    shop = server.new_shop()
    data = tmp_path / "kiosk"
    paired_kiosk(server, data, shop.tokens["k1"], capsys)
    with http_login(server.base_url, shop.owner, PASSWORD) as http:
        assert '<option value="k1"' in http.get("/import").text, "the kiosk that synced can keep them"
        # refused by line, nothing imported
        r = post_csv(http, BAD, "import")
        assert r.status_code == 422
        said = r.text.replace("&#39;", "'")
        assert "line 3: phone or e-mail without consent" in said
        assert "line 4: phone or e-mail without consent" in said
        assert "line 5: phone 'call me' is not a phone number" in said
        assert "line 6: e-mail 'not-an-address' is not an e-mail address" in said
        assert "line 7: consent 'maybe' is not yes or a date" in said
        assert "line 2:" not in said
        assert 'id="not-found"' in http.get("/members", params={"q": CARD_A}).text
        assert boxes(server.url) == []
        # a dry run says where the details go and keeps nothing
        r = post_csv(http, GOOD, "dry")
        assert r.status_code == 200 and "every row is good (3 members)" in r.text, r.text
        assert "Contact details of 2 members go to kiosk k1 at its next sync." in r.text
        assert boxes(server.url) == []
        r = post_csv(http, GOOD, "import")
        assert r.status_code == 200 and "Imported: 3 members" in r.text, r.text
        queued = boxes(server.url)
        assert [(b.state, b.sealed is not None) for b in queued] == [("queued", True)] * 2
        assert raw_holders(*server_files) == [], "the server keeps no contact detail in the clear"
        # B asks to be erased before the kiosk has synced: the box goes with the erasure
        erase_on_console(http, member_of(http, CARD_B))
        assert [b.member for b in boxes(server.url)] == [queued[0].member]
        assert "queued: waiting for the kiosk" in http.get("/import").text

        # the kiosk syncs: takes the box, imports the members, keeps A's details, reports
        assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
        [kept] = boxes(server.url)
        assert (kept.state, kept.sealed, kept.reason) == ("handed_over", None, None)
        assert kiosk_side.pending(data) == []
        assert "handed over: kept on the kiosk" in http.get("/import").text
        # the next sync sends the join's events and the search digests
        assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
        found = http.get("/members", params={"q": "+358 40 765 3344"}).text
        assert CARD_A in found and 'id="not-found"' not in found, "found by phone, another spelling"
        assert CARD_A in http.get("/members", params={"q": EMAIL_A.lower()}).text
    status, out = kanta(capsys, "--data", str(data), "member", "export", CARD_A)
    assert status == 0, out
    export = json.loads(out)
    assert export["contact"] == {"phone": PHONE_A, "email": EMAIL_A}
    [consent] = export["consents"]
    assert consent["scope"] == "program" and consent["wording"] == "kanta-terms-v1"
    assert raw_holders(*server_files) == []
    # A is erased at the kiosk: the member's key destroyed, no copy left anywhere
    assert kanta(capsys, "--data", str(data), "member", "erase", CARD_A, "--yes")[0] == 0
    assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
    assert raw_holders(*server_files, data) == []
    with http_login(server.base_url, shop.owner, PASSWORD) as http:
        assert 'id="not-found"' in http.get("/members", params={"q": PHONE_A}).text


def test_no_kiosk_to_keep_them_refuses_the_rows_and_a_box_that_does_not_open_is_reported(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = server.new_shop()
    with http_login(server.base_url, shop.owner, PASSWORD) as http:
        page = http.get("/import").text
        assert 'id="no-keeper"' in page, "no kiosk has published its key yet"
        r = post_csv(http, GOOD, "import", keeper="k1")
        assert r.status_code == 422
        assert "kiosk &#39;k1&#39; cannot keep contact details" in r.text
        r = post_csv(http, GOOD, "import", keeper=None)
        assert r.status_code == 422 and "choose the kiosk that keeps" in r.text
        # without contact details no kiosk is needed
        r = post_csv(http, f"card;stamps\r\n{CARD_C};1\r\n", "import", keeper=None)
        assert r.status_code == 200 and "Imported: 1 member" in r.text
        data = tmp_path / "kiosk"
        paired_kiosk(server, data, shop.tokens["k1"], capsys)
        r = post_csv(http, GOOD.replace(f"{CARD_C};2;;;\r\n", ""), "import")
        assert r.status_code == 200 and "Imported: 2 members" in r.text, r.text
        # the kiosk's data folder loses its hand-over key (replaced, say): the boxes
        # sealed to the old one cannot open there; they are reported, not dropped quietly
        (data / kiosk_side.KEY_FILE).unlink()
        assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
        assert [(b.state, b.sealed) for b in boxes(server.url)] == [("failed", None)] * 2
        page = http.get("/import").text
        assert "failed: not kept" in page
        assert "do not open with this kiosk&#39;s key" in page
        # the kiosk's reason is one of its fixed texts, so the owner reads it in Finnish too
        r = http.post("/language", data={"csrf": csrf_of(page), "lang": "fi"}, headers={"referer": "/import"})
        assert r.status_code == 303
        page = http.get("/import").text
        assert "epäonnistui: ei säilytetty" in page
        assert "eivät aukea tämän kioskin avaimella" in page
    assert raw_holders(data) == []


@contextmanager
def spooled_to_disk() -> Iterator[list[int]]:
    """Counts each time an upload would have been written to a temp file."""
    rolled: list[int] = []
    original = tempfile.SpooledTemporaryFile.rollover

    def rollover(self: Any) -> None:
        rolled.append(1)
        original(self)

    tempfile.SpooledTemporaryFile.rollover = rollover  # type: ignore[method-assign]
    try:
        yield rolled
    finally:
        tempfile.SpooledTemporaryFile.rollover = original  # type: ignore[method-assign]


def test_a_large_member_list_never_reaches_a_temp_file(server: LiveServer) -> None:
    """Starlette writes an upload over 1 MiB to a temp file; the import reads it in memory
    (a list of phone numbers must not be left on the server's disk)."""
    shop = server.new_shop()
    rows = "".join(f"0400D{i:020d};1;;;\r\n" for i in range(49_000))
    text = "card;stamps;phone;email;consent\r\n" + rows
    assert len(text) > 1024 * 1024
    with http_login(server.base_url, shop.owner, PASSWORD) as http, spooled_to_disk() as rolled:
        r = post_csv(http, text, "dry", keeper=None)
        assert r.status_code == 200 and "every row is good (49,000 members)" in r.text, r.text[:2000]
    assert rolled == []


def test_the_owner_imports_contacts_on_the_page_in_a_browser(
    server: LiveServer, browser: Browser, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same door as the owner's: the page in chromium, the kiosk chosen in its list."""
    shop = server.new_shop()
    data = tmp_path / "kiosk"
    paired_kiosk(server, data, shop.tokens["k2"], capsys)
    browser.login(server.base_url, shop.owner, PASSWORD)
    browser.go("/import")
    assert [o.text for o in browser.all("#keeper option")] == ["k2"]
    path = tmp_path / "members.csv"
    path.write_bytes(GOOD.encode("utf-8-sig"))
    browser.find("#members-file").send_keys(str(path))
    browser.submit("#import")
    assert browser.find("#imported").text == "Imported: 3 members"
    said = "Contact details of 2 members go to kiosk k2 at its next sync."
    assert browser.find("#contacts-to").text == said
    assert "queued: waiting for the kiosk's next sync" in browser.find("#handover").text
    browser.screenshot("import-contacts")
    assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
    browser.go("/import")
    assert "handed over: kept on the kiosk" in browser.find("#handover").text
    browser.screenshot("import-contacts-handed-over")


def test_an_erasure_on_another_kiosk_before_the_hand_over_drops_the_box(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = server.new_shop()
    keeper, other = tmp_path / "k1", tmp_path / "k2"
    paired_kiosk(server, keeper, shop.tokens["k1"], capsys)
    paired_kiosk(server, other, shop.tokens["k2"], capsys)
    with http_login(server.base_url, shop.owner, PASSWORD) as http:
        r = post_csv(http, GOOD, "import")
        assert r.status_code == 200 and "Imported: 3 members" in r.text, r.text
    # the customer asks at the other kiosk, which has the imported members after a sync
    assert kanta(capsys, "--data", str(other), "sync", "once")[0] == 0
    assert kanta(capsys, "--data", str(other), "member", "erase", CARD_A, "--yes")[0] == 0
    assert kanta(capsys, "--data", str(other), "sync", "once")[0] == 0
    assert [b.state for b in boxes(server.url)] == ["queued", "queued"]
    # the keeper asks for its boxes: A's is dropped there and then, B's is kept
    assert kanta(capsys, "--data", str(keeper), "sync", "once")[0] == 0
    assert [b.state for b in boxes(server.url)] == ["handed_over"]
    status, out = kanta(capsys, "--data", str(keeper), "member", "export", CARD_B)
    assert status == 0 and json.loads(out)["contact"] == {"email": EMAIL_B}
    assert raw_holders(keeper, other) == [], "kept sealed, never in the clear"


def test_a_running_kiosk_keeps_them_at_its_next_idle_moments(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the kiosk app holds the store, the sync worker only takes the boxes (still
    sealed); the app's idle work (the inbox import) keeps them, a few at each idle moment
    (one here) so that a customer's tap never waits long; the next sync reports."""
    from kiosk.app.wiring import _import_sync_inbox
    from kiosk.config import load_config
    from kiosk.services.factory import open_service

    shop = server.new_shop()
    data = tmp_path / "kiosk"
    paired_kiosk(server, data, shop.tokens["k1"], capsys)
    with http_login(server.base_url, shop.owner, PASSWORD) as http:
        assert post_csv(http, GOOD, "import").status_code == 200
    config = load_config()
    service = open_service(data, config)  # the kiosk app, holding the store's lock
    try:
        assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
        assert len(kiosk_side.pending(data)) == 2, "taken, waiting for the store's writer"
        assert [b.state for b in boxes(server.url)] == ["queued", "queued"]
        assert service.ledger.profile(queued_member(server.url)) is None
        monkeypatch.setattr(kiosk_side, "IDLE_BATCH", 1)
        _import_sync_inbox(service, data, None, config)  # an idle moment
        assert len(kiosk_side.pending(data)) == 1
        assert service.ledger.profile(queued_member(server.url)) == {"phone": PHONE_A, "email": EMAIL_A}
        _import_sync_inbox(service, data, None, config)  # the next one
        assert kiosk_side.pending(data) == []
        assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
        assert [b.state for b in boxes(server.url)] == ["handed_over", "handed_over"]
    finally:
        service.ledger.close()
    assert raw_holders(data) == []


def queued_member(url: str) -> str:
    """The member of the first box queued (A's)."""
    return str(boxes(url)[0].member)


class _Recording:
    """A server that takes every report (what a real one does with them is tested above)."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []

    def request(self, method: str, path: str, *, body: Any = None, **_: Any) -> Any:
        self.bodies.append(body)
        return {"handed_over": len(body["handed_over"]), "failed": len(body["failed"])}


def test_many_outcomes_are_reported_within_the_servers_bound(tmp_path: Path) -> None:
    """A kiosk that kept 1,200 boxes at once tells the server in reports of at most 500."""
    noted = {"handed_over": list(range(1, 1201)), "failed": [{"id": 5000, "reason": "r"}]}
    folder = tmp_path / "sync"
    folder.mkdir()
    (folder / kiosk_side.RESULTS_FILE).write_text(json.dumps(noted))
    server = _Recording()
    assert kiosk_side.report(server, tmp_path) == 1201  # type: ignore[arg-type]
    assert [len(b["handed_over"]) for b in server.bodies] == [500, 500, 200]
    assert [b["failed"] for b in server.bodies] == [[{"id": 5000, "reason": "r"}], [], []]
    assert not (folder / kiosk_side.RESULTS_FILE).exists()


def test_a_kiosk_takes_more_boxes_than_one_answer_holds(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """1,200 boxes queued: one sync takes them all, page by page (500 an answer); those of
    members whose events have not arrived wait here, sealed, and stay queued there."""
    from sync.server import contact_handover as server_side

    shop = server.new_shop()
    data = tmp_path / "kiosk"
    paired_kiosk(server, data, shop.tokens["k1"], capsys)
    engine = db.make_engine(server.url, pool_size=1)
    try:
        with db.read_tx(engine) as conn:
            named = conn.execute(sa.text("SELECT id FROM shops WHERE name = :n"), {"n": shop.name})
            shop_id = int(named.scalar_one())
        [keeper] = server_side.keepers(engine, shop_id)
        members = [f"0190a000-0000-7000-8000-{i:012d}" for i in range(1200)]
        plain = b'{"card": "0400C0000001", "phone": "040 765 3344", "consent": "yes"}'
        server_side.queue(engine, shop_id, keeper, [(m, server_side.seal(keeper, m, plain)) for m in members])
    finally:
        engine.dispose()
    assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
    assert sorted(b["member"] for b in kiosk_side.pending(data)) == members
    assert {b.state for b in boxes(server.url)} == {"queued"}
    assert raw_holders(data) == []


def test_every_reason_a_kiosk_gives_is_one_the_console_translates() -> None:
    """The reasons reach the owner's Import page; each is a fixed text (no value in it) with
    its Finnish and Swedish, found in the sources, so a new one cannot be left out."""
    import ast

    from sync.server.web.words_messages import MESSAGES

    root = Path(__file__).resolve().parents[2]
    reasons: set[str] = set()
    for name in ("sync/handover_box.py", "sync/contact_handover.py", "kiosk/services/contact_handover.py"):
        for node in ast.walk(ast.parse((root / name).read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "InvalidInput":
                reasons.update(a.value for a in node.args if isinstance(a, ast.Constant))
            elif isinstance(node, ast.FunctionDef) and node.name == "_refusal":
                reasons.update(
                    r.value.value
                    for r in ast.walk(node)
                    if isinstance(r, ast.Return) and isinstance(r.value, ast.Constant) and r.value.value
                )
            elif (
                isinstance(node, ast.Assign)
                and getattr(node.targets[0], "id", "") == "refused"
                and isinstance(node.value, ast.Constant)
            ):
                reasons.add(node.value.value)
    assert len(reasons) >= 9, sorted(reasons)
    assert sorted(r for r in reasons if r not in MESSAGES) == []


def test_a_box_the_server_dropped_leaves_the_kiosk_before_it_is_opened(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Taken by the sync worker while the kiosk app held the store; then B is erased on the
    console: the worker's next sync drops B's box here too, unopened."""
    from kiosk.config import load_config
    from kiosk.services.factory import open_service

    shop = server.new_shop()
    data = tmp_path / "kiosk"
    paired_kiosk(server, data, shop.tokens["k1"], capsys)
    with http_login(server.base_url, shop.owner, PASSWORD) as http:
        assert post_csv(http, GOOD, "import").status_code == 200
        service = open_service(data, load_config())  # the kiosk app, holding the store's lock
        try:
            assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
            assert len(kiosk_side.pending(data)) == 2
            erase_on_console(http, member_of(http, CARD_B))
            assert kanta(capsys, "--data", str(data), "sync", "once")[0] == 0
            assert [b["member"] for b in kiosk_side.pending(data)] == [queued_member(server.url)]
        finally:
            service.ledger.close()


def test_a_box_id_beyond_the_databases_integer_is_refused_not_a_server_error(
    server_and_files: tuple[LiveServer, list[Path]],
) -> None:
    """Box ids live in a 32-bit column on PostgreSQL: a kiosk (or anyone holding its token)
    naming 2**31 gets a 422 that says which field is out of range, on both databases, and
    nothing is marked. Schemathesis found the 500 this was before."""
    server = server_and_files[0]
    shop = server.new_shop()
    headers = {"Authorization": f"Bearer {shop.tokens['k1']}"}
    failed = {"failed": [{"id": 2**31, "reason": "the kiosk's words"}]}
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        assert http.get("/api/v1/contact-handover", params={"after": 2**31 - 1}).status_code == 200
        for request in (
            http.build_request("GET", "/api/v1/contact-handover", params={"after": 2**31}),
            http.build_request("POST", "/api/v1/contact-handover", json={"handed_over": [2**31]}),
            http.build_request("POST", "/api/v1/contact-handover", json=failed),
        ):
            answer = http.send(request)
            assert answer.status_code == 422, (request.url, answer.status_code, answer.text)
            assert "2147483647" in answer.text, answer.text
    assert boxes(server.url) == []
