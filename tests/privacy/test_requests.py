"""A customer's data requests through `kanta member join|export|consent|requests`, and
the member keys that keep contact details erasable (kiosk.store.personal)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.errors import StoreCorrupt
from kiosk.store.ledger import PROFILES, Ledger
from kiosk.store.personal import KEYS_FILE

CARD = "04B0B0B0B0B0"
PHONE = "040 111 2233"
EMAIL = "veikko@example.fi"


def kanta(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def joined(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    data = str(tmp_path / "kiosk")
    assert kanta(capsys, "--data", data, "tap", CARD)[0] == 0
    status, _, err = kanta(
        capsys, "--data", data, "member", "join", CARD, "--phone", PHONE, "--email", EMAIL,
        "--consent", "terms,marketing", "--language", "sv",
    )
    assert status == 0, err
    return data


def test_export_holds_every_field_entered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = joined(tmp_path, capsys)
    status, out, _ = kanta(capsys, "--data", data, "member", "export", CARD)
    assert status == 0
    export = json.loads(out)
    assert export["contact"] == {"phone": PHONE, "email": EMAIL}
    assert export["cards"] == [CARD] and export["status"] == "enrolled"
    assert export["balances"] == {"stamps": 1, "visits": 1}
    consents = {c["scope"]: c for c in export["consents"]}
    assert consents["program"]["wording"] == "kanta-terms-v1"
    assert consents["program"]["text"].startswith("Jag godkänner")  # the Swedish text shown
    assert consents["marketing"]["wording"] == "kanta-marketing-v1" and consents["marketing"]["given_at"]
    kinds = [e["kind"] for e in export["events"]]
    assert kinds == ["member_created", "visit_stamped", "consent_given", "consent_given", "member_enrolled"]
    # the same by phone number (any spelling), and as CSV a spreadsheet opens
    by_phone = ("member", "export", "--phone", "+358401112233", "--format", "csv")
    status, out, _ = kanta(capsys, "--data", data, *by_phone)
    assert out.startswith("\ufeff")  # Finnish-locale Excel reads it as UTF-8 only with the mark
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff")), delimiter=";"))
    member = export["member"]
    assert rows[0] == ["member", "section", "field", "value", "time (UTC)"]
    # a phone number and a card stay text (not a formula, not 4,00638E+12)
    assert status == 0 and [member, "contact", "phone", f'="{PHONE}"', ""] in rows
    assert [member, "contact", "email", f'="{EMAIL}"', ""] in rows
    assert [member, "card", "current", f'="{CARD}"', ""] in rows
    events = [r for r in rows if r[1] == "event"]
    assert len(events) == 5
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r[4]) for r in events)  # times Excel reads
    status, out, _ = kanta(capsys, "--data", data, "member", "requests", "--json")
    assert [r["request"] for r in json.loads(out)] == ["join", "export", "export"]
    assert PHONE not in out and EMAIL not in out and CARD not in out


def test_withdrawing_consents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = joined(tmp_path, capsys)
    assert kanta(capsys, "--data", data, "member", "consent", CARD, "--withdraw", "marketing")[0] == 0
    status, _, err = kanta(capsys, "--data", data, "member", "consent", CARD, "--withdraw", "marketing")
    assert status != 0 and "no marketing consent" in err
    export = json.loads(kanta(capsys, "--data", data, "member", "export", CARD)[1])
    assert [w["scope"] for w in export["consents_withdrawn"]] == ["marketing"]
    assert export["contact"] == {"phone": PHONE, "email": EMAIL}
    # without the program terms nothing personal may be kept
    assert kanta(capsys, "--data", data, "member", "consent", CARD, "--withdraw", "terms")[0] == 0
    export = json.loads(kanta(capsys, "--data", data, "member", "export", CARD)[1])
    assert export["contact"] == {}
    with Ledger.open(data) as ledger:
        assert ledger.keys.members() == set()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--phone", "call me"), "is not a phone number"),
        (("--email", "nobody-at-example"), "is not an e-mail address"),
        (("--consent", "marketing"), "needs --consent terms"),
        (("--consent", "terms,spam"), "unknown consent spam"),
    ],
)
def test_join_refuses_bad_input_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], message: str
) -> None:
    data = str(tmp_path / "kiosk")
    assert kanta(capsys, "--data", data, "tap", CARD)[0] == 0
    before = {p.name: p.read_bytes() for p in Path(data).iterdir() if p.is_file() and p.name != "lock"}
    args = ["--consent", "terms", *extra] if "--consent" not in extra else list(extra)
    status, _, err = kanta(capsys, "--data", data, "member", "join", CARD, *args)
    assert status != 0 and message in err
    after = {p.name: p.read_bytes() for p in Path(data).iterdir() if p.is_file() and p.name != "lock"}
    assert after == before


def test_keys_left_over_by_a_crash_are_forgotten_and_clear_details_sealed(tmp_path: Path) -> None:
    folder = tmp_path / "kiosk"
    with Ledger.open(folder) as ledger:
        ledger.keys.ensure(["a-member-whose-record-never-landed"])
    with Ledger.open(folder) as ledger:
        assert ledger.keys.members() == set()
    # contact details an older version kept in the clear are sealed at the next start
    from datetime import UTC, datetime

    from kiosk.config import RulesConfig
    from kiosk.domain.rules import SimpleRules
    from kiosk.services.loyalty import LoyaltyService

    with Ledger.open(folder) as ledger:
        service = LoyaltyService(ledger, SimpleRules(RulesConfig()), lambda: datetime.now(UTC))
        member = service.tap(CARD).after
        assert member is not None
        doc_id = next(d for d, doc in ledger.storage.table("members").items() if doc["m"] == member.member_id)
        ledger.storage.put(PROFILES, doc_id, {"phone": PHONE})
    with Ledger.open(folder) as ledger:
        assert ledger.profile(member.member_id) == {"phone": PHONE}
        assert "sealed" in ledger.storage.table(PROFILES)[doc_id]


def test_a_damaged_key_file_stops_the_store_with_a_message(tmp_path: Path) -> None:
    folder = tmp_path / "kiosk"
    Ledger.open(folder).close()
    (folder / KEYS_FILE).write_text("{not json")
    with pytest.raises(StoreCorrupt, match=r"member-keys\.json is damaged"):
        Ledger.open(folder)


def test_the_consent_wording_comes_from_the_shops_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[consent]\nterms_version = "cafe-terms-2027"\nterms_en = "Our terms, in short."\n')
    monkeypatch.setenv("KANTA_CONFIG", str(config))
    data = str(tmp_path / "kiosk")
    join = ("member", "join", CARD, "--consent", "terms", "--language", "en")
    assert kanta(capsys, "--data", data, *join)[0] == 0
    export = json.loads(kanta(capsys, "--data", data, "member", "export", CARD)[1])
    consents = [(c["wording"], c["text"]) for c in export["consents"]]
    assert consents == [("cafe-terms-2027", "Our terms, in short.")]
    # a broken wording setting names itself and nothing is recorded
    config.write_text('[consent]\nterms_version = ""\n')
    status, _, err = kanta(capsys, "--data", data, "member", "consent", CARD, "--withdraw", "terms")
    assert status == 78 and "consent.terms_version must be 1 to 64 characters" in err
    requests = json.loads(kanta(capsys, "--data", data, "member", "requests", "--json")[1])
    assert requests[-1]["request"] == "export"
