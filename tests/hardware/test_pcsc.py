"""The PC/SC card reader against a real stack: pcscd, the vpcd reader driver, pyscard.

Nothing of ours is mocked: the virtual card (``tests/hardware/vpcd.py``) speaks vpcd's
TCP protocol, pcscd runs as a real process (killed and restarted by the tests), and
``PcscCardReader`` uses pyscard as in production. Without pcscd or vpcd the tests skip
and say why.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hardware.events import (
    CardTapped,
    CardUnreadable,
    HardwareEvent,
    ReaderConnected,
    ReaderDisconnected,
)
from hardware.pcsc import PcscCardReader
from tests.hardware.conftest import Events
from tests.hardware.vpcd import (
    READER_NAME,
    Pcscd,
    VirtualCard,
    wait_reader_state,
)

pytestmark = pytest.mark.timeout(90)

UIDS = {
    4: bytes.fromhex("04A1B2C3"),
    7: bytes.fromhex("04A1B2C3D4E5F6"),
    10: bytes.fromhex("04A1B2C3D4E5F6071829"),
}
PHONE_UID = bytes.fromhex("08C0FFEE")


@pytest.fixture
def reader(events: Events) -> Iterator[PcscCardReader]:
    watcher = PcscCardReader(events, wait_timeout_s=1.0, reconnect_delay_s=0.2)
    watcher.start()
    yield watcher
    watcher.stop()
    assert not watcher.running


def is_tap(event: HardwareEvent) -> bool:
    return isinstance(event, CardTapped)


def connected(name: str = READER_NAME) -> object:
    return lambda e: e == ReaderConnected(name)


def tap(card: VirtualCard, events: Events) -> CardTapped:
    """Put the card on, wait for its tap, take it off, wait until pcscd saw it go."""
    card.put_on()
    event = events.wait_for(is_tap)
    card.take_off()
    wait_reader_state(present=False)
    assert isinstance(event, CardTapped)
    return event


def taps(events: list[HardwareEvent]) -> list[CardTapped]:
    return [e for e in events if isinstance(e, CardTapped)]


@pytest.mark.parametrize("length", sorted(UIDS))
def test_uids_of_every_length(pcscd: Pcscd, reader: PcscCardReader, events: Events,
                              length: int) -> None:
    events.wait_for(connected())  # type: ignore[arg-type]
    event = tap(VirtualCard(UIDS[length]), events)
    assert event == CardTapped(UIDS[length].hex().upper(), READER_NAME, random_uid=False)
    assert taps(events.settle(0.5)) == []


def test_a_phone_with_a_random_uid_is_flagged(pcscd: Pcscd, reader: PcscCardReader,
                                              events: Events) -> None:
    event = tap(VirtualCard(PHONE_UID), events)
    assert event.random_uid and event.uid == "08C0FFEE"


def test_a_card_held_on_the_reader_counts_once(pcscd: Pcscd, reader: PcscCardReader,
                                               events: Events) -> None:
    card = VirtualCard(UIDS[7]).put_on()
    events.wait_for(is_tap)
    assert taps(events.settle(2.5)) == []  # several pcscd polls, still one tap
    card.take_off()
    wait_reader_state(present=False)
    tap(card, events)  # taken off and put back: a new tap


def test_a_card_taken_away_mid_read_is_reported_and_the_next_tap_works(
    pcscd: Pcscd, reader: PcscCardReader, events: Events
) -> None:
    vanishing = VirtualCard(UIDS[4], vanish_on_read=True).put_on()
    unreadable = events.wait_type(CardUnreadable)
    assert isinstance(unreadable, CardUnreadable) and unreadable.reader == READER_NAME
    assert vanishing.uid_reads == 1
    vanishing.take_off()
    wait_reader_state(present=False)
    assert tap(VirtualCard(UIDS[7]), events).uid == UIDS[7].hex().upper()


def test_a_card_without_a_uid_is_unreadable_not_a_crash(
    pcscd: Pcscd, reader: PcscCardReader, events: Events
) -> None:
    card = VirtualCard(UIDS[4], answer_uid=False).put_on()
    unreadable = events.wait_type(CardUnreadable)
    assert isinstance(unreadable, CardUnreadable) and "6A81" in unreadable.reason
    card.take_off()


@pytest.mark.slow
def test_twenty_quick_taps_none_lost_none_doubled(pcscd: Pcscd, reader: PcscCardReader,
                                                  events: Events) -> None:
    events.wait_for(connected())  # type: ignore[arg-type]
    expected = []
    for n in range(20):
        uid = bytes([0x04, n, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6])
        expected.append(uid.hex().upper())
        tap(VirtualCard(uid), events)  # as fast as the stack notices the card come and go
    events.settle(1.0)
    assert [t.uid for t in taps(events.seen)] == expected


@pytest.mark.slow
def test_pcscd_killed_and_restarted_mid_run(pcscd: Pcscd, reader: PcscCardReader,
                                            events: Events) -> None:
    events.wait_for(connected())  # type: ignore[arg-type]
    tap(VirtualCard(UIDS[4]), events)
    pcscd.stop(kill=True)
    events.wait_for(lambda e: e == ReaderDisconnected(READER_NAME, "PC/SC service stopped"))
    pcscd.start()
    events.wait_for(connected(), timeout=10)  # type: ignore[arg-type]
    assert tap(VirtualCard(UIDS[10]), events).uid == UIDS[10].hex().upper()
    pcscd.stop()  # and a clean stop too
    events.wait_type(ReaderDisconnected)
    pcscd.start()
    events.wait_for(connected(), timeout=10)  # type: ignore[arg-type]
    assert tap(VirtualCard(UIDS[7]), events).uid == UIDS[7].hex().upper()


@pytest.mark.slow
def test_no_pcscd_at_start_then_it_comes(pcsc_daemon: Pcscd, events: Events) -> None:
    watcher = PcscCardReader(events, reconnect_delay_s=0.2)
    with watcher:
        assert events.settle(0.8) == []
        assert watcher.running
        pcsc_daemon.start()
        events.wait_for(connected(), timeout=10)  # type: ignore[arg-type]
        assert tap(VirtualCard(UIDS[4]), events).uid == UIDS[4].hex().upper()


@pytest.mark.slow
def test_the_reader_goes_away_and_comes_back(pcscd: Pcscd, reader: PcscCardReader,
                                             events: Events) -> None:
    # pcscd 1.9 only reads reader.conf.d at start (a vpcd reader cannot be hot-unplugged),
    # so "unplugged" is pcscd running without the reader, and "plugged back" with it.
    events.wait_for(connected())  # type: ignore[arg-type]
    pcscd.stop()
    events.wait_for(lambda e: e == ReaderDisconnected(READER_NAME, "PC/SC service stopped"))
    pcscd.start(with_reader=False)
    assert not [e for e in events.settle(1.5) if isinstance(e, ReaderConnected)]
    assert reader.running
    pcscd.stop()
    pcscd.start(with_reader=True)
    events.wait_for(connected(), timeout=10)  # type: ignore[arg-type]
    assert tap(VirtualCard(UIDS[7]), events).uid == UIDS[7].hex().upper()


@pytest.mark.slow
def test_a_card_lying_on_the_reader_through_a_pcscd_restart_counts_once(
    pcscd: Pcscd, reader: PcscCardReader, events: Events
) -> None:
    card = VirtualCard(UIDS[7]).put_on()
    events.wait_for(is_tap)
    pcscd.stop(kill=True)
    card.take_off()  # the card's link was to the old pcscd; the card itself stays
    pcscd.start()
    card.put_on()
    wait_reader_state(present=True)
    events.wait_for(connected(), timeout=10)  # type: ignore[arg-type]
    assert taps(events.settle(1.5)) == []
    card.take_off()


def test_a_surprise_from_the_binding_does_not_kill_the_reader(
    pcscd: Pcscd, events: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    # fault injection into pyscard (not ours): its first call raises something unexpected
    from hardware import pcsc

    real_list = pcsc.scard.SCardListReaders
    calls = []

    def flaky_list(context: int, groups: list[str]) -> object:
        calls.append(context)
        if len(calls) == 1:
            raise SystemError("binding surprise")
        return real_list(context, groups)

    monkeypatch.setattr(pcsc.scard, "SCardListReaders", flaky_list)
    watcher = PcscCardReader(events, reconnect_delay_s=0.2)
    with watcher:
        events.wait_for(connected())  # type: ignore[arg-type]
        assert tap(VirtualCard(UIDS[4]), events).uid == UIDS[4].hex().upper()
    assert len(calls) > 1
