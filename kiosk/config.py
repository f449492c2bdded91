"""Typed kiosk configuration with documented defaults.

The defaults live in ``config/kiosk.toml`` (shipped with the package data) and in the
dataclasses below; a site file overrides any subset. Every value is validated on load,
and an error names the file, the key and what was expected.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.errors import ConfigError

LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class ShopConfig:
    name: str = "Kanta demo shop"
    #: IANA time zone of the shop; days, promotions and tier windows use it
    timezone: str = "Europe/Helsinki"
    #: ISO 4217 code; amounts are kept in its minor unit (cents)
    currency: str = "EUR"
    language: str = "fi"
    #: the shop's logo on the kiosk's screens (a PNG file; empty: the shop's name alone)
    logo: str = ""
    #: the shop's colour for the top bar and the main buttons, "#RRGGBB" (empty: blue)
    colour: str = ""


@dataclass(frozen=True)
class StoreConfig:
    #: write a snapshot once the journal holds this many bytes per byte of snapshot
    snapshot_ratio: float = 1.0
    #: ...but never before the journal holds this many bytes
    snapshot_min_journal_bytes: int = 1_000_000


@dataclass(frozen=True)
class RulesConfig:
    """The simple built-in rule; the rules engine's program file replaces it."""

    stamps_per_visit: int = 1
    #: points per whole currency unit of a purchase
    points_per_unit: int = 1
    #: the same card again within this many seconds is the same visit
    cooldown_seconds: int = 60
    #: a card must join (with consent) before it earns anything
    require_join: bool = False
    #: a program file (see config/program.toml); empty: the simple rule above.
    #: A relative path is relative to this config file. Environment override: KANTA_PROGRAM
    program: str = ""


@dataclass(frozen=True)
class GpioConfig:
    #: BCM pin of a single status LED, or of the red/green/blue legs of an RGB LED
    status_led_pin: int | None = 17
    rgb_led_pins: tuple[int, int, int] | None = None
    buzzer_pin: int | None = 18


@dataclass(frozen=True)
class HardwareConfig:
    #: pcsc | sim | none  (environment override: KANTA_CARD_READER)
    card_reader: str = "pcsc"
    #: evdev | sim | none  (environment override: KANTA_SCANNER)
    scanner: str = "evdev"
    #: gpio | sim | none  (environment override: KANTA_FEEDBACK)
    feedback: str = "gpio"
    #: glob matched against names in /dev/input/by-id/
    scanner_match: str = "*-event-kbd"
    #: us | nordic: the keyboard layout the scanner is programmed to type in
    keyboard_layout: str = "us"
    #: a pause longer than this between keys discards a half-read code
    scan_timeout_ms: int = 100
    #: what a printed card number looks like (codes that are not EAN-13/UPC-A)
    card_number_pattern: str = r"^[0-9A-Z]{6,24}$"
    gpio: GpioConfig = field(default_factory=GpioConfig)


@dataclass(frozen=True)
class UiConfig:
    """The touchscreen app (``kanta kiosk`` / ``kanta demo``)."""

    #: a customer screen goes back to the welcome screen after this many idle seconds
    idle_timeout_seconds: float = 20.0
    #: a staff session ends after this many seconds without a touch
    staff_timeout_seconds: float = 90.0
    #: landscape (800x480) | portrait (720x1280) | auto (from the display's shape)
    layout: str = "auto"
    #: fill the display (the appliance); the demo always opens a window
    fullscreen: bool = True
    #: how often, at most, the idle kiosk tidies its store (snapshot when due)
    maintenance_interval_seconds: float = 30.0


@dataclass(frozen=True)
class SyncConfig:
    """The sync worker and backups (`kanta sync ...`, `kanta backup ...`)."""

    #: PEM file of extra CAs to trust for the shop's server ("" = the system's CAs only)
    ca_bundle: str = ""
    #: events per push request (the server takes at most 1000)
    batch_size: int = 500
    #: seconds between sync cycles of `kanta sync run`
    interval_seconds: int = 30
    #: redemptions worth more than this many cents need the server reached recently
    redeem_online_above_cents: int | None = None
    #: delimiter of the CSV files in backups: ";" (Finnish/European Excel), "," or "tab"
    csv_delimiter: str = ";"


@dataclass(frozen=True)
class ConsentWording:
    #: recorded with the consent, so what the customer agreed to can be shown later
    version: str
    text: str


@dataclass(frozen=True)
class ConsentConfig:
    """What a customer agrees to when joining: a version (recorded in the consent event)
    and the text shown, per language. Change the version whenever the text changes."""

    terms_version: str = "kanta-terms-v1"
    terms_fi: str = "Hyväksyn kanta-ohjelman ehdot ja tietojeni käsittelyn."
    terms_sv: str = "Jag godkänner programmets villkor och behandlingen av mina uppgifter."
    terms_en: str = "I accept the program terms and the processing of my data."
    marketing_version: str = "kanta-marketing-v1"
    marketing_fi: str = "Minulle saa lähettää tarjouksia."
    marketing_sv: str = "Jag vill få erbjudanden."
    marketing_en: str = "You may send me offers."

    def wording(self, scope: str, language: str) -> ConsentWording:
        """``scope`` is "terms" or "marketing"; an unknown language falls back to English."""
        if scope not in ("terms", "marketing"):
            raise ValueError(f"no consent {scope!r}")
        language = language if language in LANGUAGES else "en"
        return ConsentWording(
            getattr(self, f"{scope}_version"), getattr(self, f"{scope}_{language}")
        )


@dataclass(frozen=True)
class KioskConfig:
    shop: ShopConfig = field(default_factory=ShopConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    hardware: HardwareConfig = field(default_factory=HardwareConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    consent: ConsentConfig = field(default_factory=ConsentConfig)
    #: where the file came from, for messages
    source: str = "<defaults>"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.shop.timezone)

    @property
    def program_path(self) -> Path | None:
        """The configured program file, resolved against the config file's folder."""
        if not self.rules.program:
            return None
        path = Path(self.rules.program).expanduser()
        if not path.is_absolute() and not self.source.startswith("<"):
            path = Path(self.source.split(" (")[0]).parent / path
        return path


T = TypeVar("T")

_ENV_OVERRIDES = {
    "KANTA_CARD_READER": ("hardware", "card_reader"),
    "KANTA_SCANNER": ("hardware", "scanner"),
    "KANTA_FEEDBACK": ("hardware", "feedback"),
    "KANTA_PROGRAM": ("rules", "program"),
}

_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("hardware", "card_reader"): ("pcsc", "sim", "none"),
    ("hardware", "scanner"): ("evdev", "sim", "none"),
    ("hardware", "feedback"): ("gpio", "sim", "none"),
    ("hardware", "keyboard_layout"): ("us", "nordic"),
    ("shop", "language"): LANGUAGES,
    ("ui", "layout"): ("landscape", "portrait", "auto"),
    ("sync", "csv_delimiter"): (";", ",", "tab"),
}


#: no setting needs a number beyond this (the tighter ranges are in _RANGES)
_MAX_WHOLE = 2**53

_DAY = 86_400
#: (section, key) -> the smallest and largest value that makes sense
_RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("store", "snapshot_ratio"): (0.01, 1000.0),
    ("store", "snapshot_min_journal_bytes"): (0, 2**40),
    ("rules", "stamps_per_visit"): (0, 1000),
    ("rules", "points_per_unit"): (0, 1_000_000),
    ("rules", "cooldown_seconds"): (0, 366 * _DAY),
    ("hardware", "scan_timeout_ms"): (1, 60_000),
    ("ui", "idle_timeout_seconds"): (1, _DAY),
    ("ui", "staff_timeout_seconds"): (1, _DAY),
    ("ui", "maintenance_interval_seconds"): (1, _DAY),
    ("sync", "batch_size"): (1, 1000),
    ("sync", "interval_seconds"): (1, _DAY),
    ("sync", "redeem_online_above_cents"): (0, 10**12),
}
#: the Raspberry Pi's BCM GPIO pins
_PINS = (0, 27)


def default_config_path() -> Path:
    return Path(__file__).resolve().parent.parent / "config" / "kiosk.toml"


def _coerce(value: Any, annotation: str, where: str) -> Any:
    """Check one TOML value against a dataclass field's annotation (as a string)."""
    optional = annotation.endswith("| None")
    base = annotation.removesuffix("| None").strip()
    if value is None and optional:
        return None
    if base == "bool":
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if base == "int":
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _MAX_WHOLE:
            return value
        raise ConfigError(f"{where}: expected a whole number (at most {_MAX_WHOLE}), got {value!r}")
    if base == "float":
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and math.isfinite(value) and abs(value) <= _MAX_WHOLE:
            return float(value)
        raise ConfigError(f"{where}: expected a number (at most {_MAX_WHOLE}), got {value!r}")
    if base == "str":
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where}: expected a text string, got {value!r}")
    if base.startswith("tuple[int"):
        if isinstance(value, list) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            return tuple(value)
        raise ConfigError(f"{where}: expected a list of whole numbers, got {value!r}")
    raise ConfigError(f"{where}: unsupported setting type {annotation}")  # pragma: no cover


def _build(cls: type[T], data: Mapping[str, Any], source: str, prefix: str) -> T:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: [{prefix}] must be a table, got {data!r}")
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{source}: {prefix}.{key}" if prefix else f"{source}: {key}"
        if key not in known or key == "source":
            raise ConfigError(
                f"{where}: unknown setting (known: {', '.join(sorted(k for k in known if k != 'source'))})"
            )
        f = known[key]
        annotation = str(f.type)
        nested = _NESTED.get(annotation)
        if nested is not None:
            values[key] = _build(nested, value, source, f"{prefix}.{key}" if prefix else key)
        else:
            values[key] = _coerce(value, annotation, where)
    return cls(**values)


_NESTED: dict[str, type[Any]] = {
    "ShopConfig": ShopConfig,
    "StoreConfig": StoreConfig,
    "RulesConfig": RulesConfig,
    "HardwareConfig": HardwareConfig,
    "GpioConfig": GpioConfig,
    "UiConfig": UiConfig,
    "SyncConfig": SyncConfig,
    "ConsentConfig": ConsentConfig,
}


def _validate(cfg: KioskConfig) -> None:
    src = cfg.source
    for (section, key), choices in _CHOICES.items():
        value = getattr(getattr(cfg, section), key)
        if value not in choices:
            raise ConfigError(
                f"{src}: {section}.{key} = {value!r} is not one of {', '.join(choices)}"
            )
    try:
        ZoneInfo(cfg.shop.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{src}: shop.timezone = {cfg.shop.timezone!r} is not a known IANA time zone"
            " (for example Europe/Helsinki)"
        ) from None
    if len(cfg.shop.currency) != 3 or not cfg.shop.currency.isalpha():
        raise ConfigError(f"{src}: shop.currency must be a three-letter ISO 4217 code")
    _validate_bounds(cfg)
    _validate_consent(cfg.consent, src)


def _validate_bounds(cfg: KioskConfig) -> None:
    """Numbers within their ranges, pins on the Pi's header, the card number pattern a
    regular expression: a setting that would fail later (at the first tap, scan or sync)
    fails here, naming the file and the setting."""
    src = cfg.source
    for (section, key), (low, high) in _RANGES.items():
        value = getattr(getattr(cfg, section), key)
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            raise ConfigError(f"{src}: {section}.{key} = {value!r} must be between {low:g} and {high:g}")
    gpio = cfg.hardware.gpio
    pins = [gpio.status_led_pin, gpio.buzzer_pin, *(gpio.rgb_led_pins or ())]
    for pin in pins:
        if pin is not None and not _PINS[0] <= pin <= _PINS[1]:
            raise ConfigError(f"{src}: hardware.gpio: pin {pin} is not a GPIO pin (BCM 0-27)")
    if gpio.rgb_led_pins is not None and len(gpio.rgb_led_pins) != 3:
        raise ConfigError(f"{src}: hardware.gpio.rgb_led_pins: expected three pins (red, green, blue)")
    pattern = cfg.hardware.card_number_pattern
    if len(pattern) > 200:
        raise ConfigError(f"{src}: hardware.card_number_pattern: at most 200 characters")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{src}: hardware.card_number_pattern: not a regular expression ({exc})") from None
    sections: tuple[Any, ...] = (cfg.shop, cfg.rules, cfg.hardware, cfg.sync)
    for section in sections:
        for f in fields(section):
            value = getattr(section, f.name)
            if isinstance(value, str) and (len(value) > 4096 or "\x00" in value):
                raise ConfigError(f"{src}: {f.name}: at most 4096 characters, no NUL")


def _validate_consent(consent: ConsentConfig, src: str) -> None:
    for f in fields(consent):
        value = getattr(consent, f.name)
        limit = 64 if f.name.endswith("_version") else 2000
        if not value.strip() or len(value) > limit:
            raise ConfigError(f"{src}: consent.{f.name} must be 1 to {limit} characters")


def parse_config(data: Mapping[str, Any], source: str) -> KioskConfig:
    cfg = _build(KioskConfig, data, source, "")
    cfg = replace(cfg, source=source)
    _validate(cfg)
    return cfg


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> KioskConfig:
    """Load the kiosk config from ``path`` (or $KANTA_CONFIG, or the shipped default)."""
    env = os.environ if env is None else env
    if path is None and env.get("KANTA_CONFIG"):
        path = Path(env["KANTA_CONFIG"])
    if path is None:
        path = default_config_path()
        if not path.exists():  # installed without the repository's config/ folder
            return apply_env_overrides(KioskConfig(), env)
    cfg = parse_config(read_toml(path, "config file"), str(path))
    return apply_env_overrides(cfg, env)


#: the largest config or program file Kanta reads (the shipped ones are a few kB)
MAX_TOML_BYTES = 1024 * 1024
#: the deepest nesting of tables and lists a config or program file may have
MAX_TOML_DEPTH = 16


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """Read a TOML file; every failure is a ConfigError naming the file and what is wrong."""
    return parse_toml_text(read_bounded(path, what, MAX_TOML_BYTES), str(path), what)


def read_bounded(path: Path, what: str, limit: int) -> bytes:
    """A regular file's bytes, refused before reading when it is larger than ``limit``
    (a device such as /dev/zero, a FIFO or a folder is refused as not a file)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path}: the {what} is not a regular file")
        if info.st_size > limit:
            raise ConfigError(f"{path}: the {what} is {info.st_size} bytes; at most {limit} are read")
        with os.fdopen(os.dup(fd), "rb") as stream:
            raw = stream.read(limit + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(raw) > limit:  # it grew while we looked
        raise ConfigError(f"{path}: the {what} is larger than {limit} bytes")
    return raw


def parse_toml_text(raw: bytes | str, source: str, what: str) -> dict[str, Any]:
    """A TOML document from text, bounded in size and nesting; a UTF-8 byte order mark (what
    Notepad writes) is allowed. Every failure is a ConfigError naming ``source``."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_TOML_BYTES:
            raise ConfigError(f"{source}: the {what} is larger than {MAX_TOML_BYTES} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{source}: the {what} is not UTF-8 text") from None
    else:
        text = raw
        if len(text) > MAX_TOML_BYTES:
            raise ConfigError(f"{source}: the {what} is larger than {MAX_TOML_BYTES} characters")
    text = text.removeprefix("\ufeff")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{source}: the {what} is nested more than {MAX_TOML_DEPTH} levels deep") from None
    _check_depth(document, source, what)
    return document


def _check_depth(document: Mapping[str, Any], source: str, what: str) -> None:
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_TOML_DEPTH:
            raise ConfigError(f"{source}: the {what} is nested more than {MAX_TOML_DEPTH} levels deep")
        if isinstance(value, Mapping):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def apply_env_overrides(cfg: KioskConfig, env: Mapping[str, str]) -> KioskConfig:
    for var, (section, key) in _ENV_OVERRIDES.items():
        if env.get(var):
            cfg = replace(cfg, **{section: replace(getattr(cfg, section), **{key: env[var]})})
    try:
        _validate(replace(cfg, source=f"{cfg.source} (with environment overrides)"))
    except ConfigError as exc:
        raise ConfigError(f"{exc} — check the KANTA_* environment variables") from None
    return cfg
