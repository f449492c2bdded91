"""A loyalty program as data: the validated form of a program TOML file.

``parse_spec(document, source)`` is pure: it takes the parsed TOML (a dict) and returns a
``ProgramSpec`` or raises ``ConfigError`` naming the file, the key and what was expected.
Money is written as a decimal string ("3.50") or a whole number of currency units and
kept as integer cents; percentages and rates are decimals, never floats.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.domain.money import parse_amount
from kiosk.domain.programs.names import LANGUAGES, Names, parse_names
from kiosk.errors import ConfigError, InvalidInput

ROUNDINGS = ("down", "up", "half_up", "half_even")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_REQUIRED: Any = object()


@dataclass(frozen=True)
class VisitRules:
    #: the same card again within this many seconds is the same visit (0: no cooldown)
    cooldown_seconds: int = 60
    #: most visits counted per card per shop day (None: no cap)
    daily_cap: int | None = None


@dataclass(frozen=True)
class StampCard:
    id: str
    name: str
    reward: str
    reward_at: int
    #: what earns stamps: "visit" (a tap) or "purchase" (of at least min_purchase)
    earn_on: str = "visit"
    stamps: int = 1
    min_purchase: int = 0
    #: money value of the reward, for the owner's liability and cost figures (cents)
    reward_value: int = 0
    expire_days: int | None = None
    #: redemptions of this reward per card per shop day (None: no limit)
    per_day: int | None = None
    local_names: Names | None = None
    reward_local_names: Names | None = None
    #: purchase stamps only for purchases in these categories (empty: any purchase)
    categories: tuple[str, ...] = ()

    @property
    def names(self) -> Names:
        return self.local_names or Names(self.name)

    @property
    def reward_names(self) -> Names:
        return self.reward_local_names or Names(self.reward)


@dataclass(frozen=True)
class VisitCard:
    """Pay for ``uses`` visits, get ``bonus_uses`` more free."""

    id: str
    name: str
    price: int
    uses: int
    bonus_uses: int = 0
    valid_days: int | None = None
    local_names: Names | None = None

    @property
    def names(self) -> Names:
        return self.local_names or Names(self.name)


@dataclass(frozen=True)
class TimePass:
    """A pass valid for ``months`` (plus ``bonus_months`` free) from the day it is bought."""

    id: str
    name: str
    price: int
    months: int
    bonus_months: int = 0
    local_names: Names | None = None

    @property
    def names(self) -> Names:
        return self.local_names or Names(self.name)


@dataclass(frozen=True)
class CreditBonus:
    min_topup: int
    bonus: int


@dataclass(frozen=True)
class CreditSpec:
    bonuses: tuple[CreditBonus, ...] = ()
    min_topup: int = 1


@dataclass(frozen=True)
class Reward:
    id: str
    name: str
    points: int
    #: money value (cents): what the reward costs the shop
    value: int = 0
    per_day: int | None = None
    local_names: Names | None = None

    @property
    def names(self) -> Names:
        return self.local_names or Names(self.name)


@dataclass(frozen=True)
class Threshold:
    min_purchase: int
    bonus: int


@dataclass(frozen=True)
class PointsSpec:
    per_unit: Decimal = Decimal(1)
    rounding: str = "down"
    expire_months: int | None = None
    #: money value of one point in cents (for the liability figure)
    point_value: Decimal = Decimal(1)
    thresholds: tuple[Threshold, ...] = ()
    rewards: tuple[Reward, ...] = ()


@dataclass(frozen=True)
class Tier:
    name: str
    #: qualifying amount to reach it: cents of spend or a number of visits
    at: int
    earn_percent: int = 100
    discount_percent: Decimal = Decimal(0)
    perks: tuple[str, ...] = ()


@dataclass(frozen=True)
class TiersSpec:
    levels: tuple[Tier, ...]
    #: "spend" or "visits"
    measure: str = "spend"
    #: "calendar_year" or "rolling"
    window: str = "calendar_year"
    months: int = 12


@dataclass(frozen=True)
class Subscription:
    id: str
    name: str
    price: int
    period_months: int = 1
    discount_percent: Decimal = Decimal(0)
    free_item: str | None = None
    free_per_week: int = 0
    free_item_value: int = 0
    local_names: Names | None = None
    free_item_local_names: Names | None = None

    @property
    def names(self) -> Names:
        return self.local_names or Names(self.name)

    @property
    def free_item_names(self) -> Names:
        return self.free_item_local_names or Names(self.free_item or "")


@dataclass(frozen=True)
class ReferralSpec:
    referrer_points: int = 0
    referred_points: int = 0
    referrer_discount_percent: Decimal = Decimal(0)
    referred_discount_percent: Decimal = Decimal(0)
    max_per_member: int | None = None


@dataclass(frozen=True)
class CashbackSpec:
    percent: Decimal
    rounding: str = "down"


@dataclass(frozen=True)
class DiscountStep:
    from_spend: int
    percent: Decimal


@dataclass(frozen=True)
class DiscountSpec:
    #: a fixed member discount
    percent: Decimal = Decimal(0)
    #: cumulative: the percent grows with the member's total spend
    steps: tuple[DiscountStep, ...] = ()


@dataclass(frozen=True)
class Coupon:
    """Printed, depersonalised codes; each code redeems once in the whole shop."""

    id: str
    name: str
    codes: frozenset[str] = frozenset()
    prefix: str | None = None
    points: int = 0
    credit: int = 0
    stamps: int = 0
    stamp_card: str | None = None
    discount_percent: Decimal = Decimal(0)
    valid_from: date | None = None
    valid_until: date | None = None
    #: refused by a kiosk that has not reached the server lately: no use twice offline
    online_only: bool = False

    def matches(self, code: str) -> bool:
        return code in self.codes or (self.prefix is not None and code.startswith(self.prefix))


@dataclass(frozen=True)
class BonusAction:
    """Bonus points for a chosen action staff confirm (a social post, a birthday)."""

    id: str
    name: str
    points: int
    #: how often one card may get it: ever (once), year, month or day
    once_per: str = "ever"
    local_names: Names | None = None

    @property
    def names(self) -> Names:
        return self.local_names or Names(self.name)


@dataclass(frozen=True)
class WelcomeSpec:
    points: int = 0
    stamps: int = 0
    stamp_card: str | None = None
    credit: int = 0
    #: "enroll" (when the card joins) or "first_visit" (first visit or purchase)
    on: str = "enroll"


@dataclass(frozen=True)
class Promotion:
    name: str
    #: earning multiplier in percent: 200 is double points
    percent: int = 100
    extra_points: int = 0
    #: days of the week (0 = Monday) the promotion starts on; empty: every day
    days: frozenset[int] = frozenset()
    start: time = time(0)
    #: end time; an end at or before the start runs past midnight into the next day
    end: time = time(0)
    from_date: date | None = None
    until_date: date | None = None
    applies_to: frozenset[str] = frozenset({"points"})


@dataclass(frozen=True)
class Category:
    """A kind of purchase staff choose at the counter (coffee, beans, lunch)."""

    id: str
    names: Names


@dataclass(frozen=True)
class CodesSpec:
    """Which scanned codes are the shop's: coupons are known by their own codes/prefixes."""

    #: beginnings of EAN-13 / UPC-A numbers printed on the shop's own member cards
    card_prefixes: tuple[str, ...] = ()
    #: beginnings of prepaid gift codes
    gift_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProgramSpec:
    id: str
    version: str
    name: str = ""
    timezone: str = "Europe/Helsinki"
    currency: str = "EUR"
    #: the language of names given as one string, and the fallback of name tables
    language: str = "fi"
    require_join: bool = False
    starts: date | None = None
    ends: date | None = None
    visits: VisitRules = VisitRules()
    stamp_cards: tuple[StampCard, ...] = ()
    visit_cards: tuple[VisitCard, ...] = ()
    time_passes: tuple[TimePass, ...] = ()
    credit: CreditSpec | None = None
    points: PointsSpec | None = None
    tiers: TiersSpec | None = None
    subscriptions: tuple[Subscription, ...] = ()
    referral: ReferralSpec | None = None
    cashback: CashbackSpec | None = None
    discount: DiscountSpec | None = None
    coupons: tuple[Coupon, ...] = ()
    bonus_actions: tuple[BonusAction, ...] = ()
    welcome: WelcomeSpec | None = None
    promotions: tuple[Promotion, ...] = ()
    codes: CodesSpec = CodesSpec()
    categories: tuple[Category, ...] = ()
    #: (earlier account, the account it moves into, or None: let it go) for a program change
    carry_over: tuple[tuple[str, str | None], ...] = ()
    source: str = "<program>"

    @property
    def label(self) -> str:
        """The program version recorded on every event: ``<id>@<version>``."""
        return f"{self.id}@{self.version}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# ---- reading a parsed TOML document -------------------------------------------------


class _Table:
    """One TOML table being read: typed getters, and unknown keys reported at the end."""

    def __init__(self, source: str, path: str, data: Any, language: str = "fi") -> None:
        self.source = source
        self.path = path
        #: the program's default language, for names given per language
        self.language = language
        if not isinstance(data, Mapping):
            raise ConfigError(f"{source}: {path or 'the file'}: expected a table, got {data!r}")
        self.data = data
        self.used: set[str] = set()

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, expected: str, got: Any = _REQUIRED) -> ConfigError:
        tail = "" if got is _REQUIRED else f", got {got!r}"
        return ConfigError(f"{self.source}: {self.where(key)}: expected {expected}{tail}")

    def _get(self, key: str, default: Any, expected: str) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is _REQUIRED:
                raise ConfigError(f"{self.source}: {self.where(key)}: missing; expected {expected}")
            return default
        return self.data[key]

    def text(self, key: str, default: Any = _REQUIRED) -> Any:
        value = self._get(key, default, "a text string")
        if value is not default and (not isinstance(value, str) or not value.strip()):
            raise self.fail(key, "a non-empty text string", value)
        return value

    def names(self, key: str, default: Any = _REQUIRED) -> tuple[Any, Names | None]:
        """A name as a string or a table of languages: (the default language's text, Names)."""
        value = self._get(key, default, "a name: a text string or a table of languages")
        if value is default:
            return value, None
        names = parse_names(value, self.language, f"{self.source}: {self.where(key)}")
        return names.default, names if names.by_language else None

    def ident(self, key: str = "id") -> str:
        value = self._get(key, _REQUIRED, "an id: lowercase letters, digits, '-' or '_'")
        if not isinstance(value, str) or not _ID.match(value):
            raise self.fail(key, "an id of lowercase letters, digits, '-' or '_' (at most 40)", value)
        return value

    def integer(self, key: str, default: Any = _REQUIRED, minimum: int = 0) -> Any:
        value = self._get(key, default, f"a whole number ≥ {minimum}")
        if value is default:
            return value
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(key, f"a whole number ≥ {minimum}", value)
        if value > MAX_WHOLE:
            raise self.fail(key, f"a whole number ≤ {MAX_WHOLE}", value)
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, default, "true or false")
        if not isinstance(value, bool):
            raise self.fail(key, "true or false", value)
        return value

    def money(self, key: str, default: Any = _REQUIRED) -> Any:
        expected = 'an amount of money as text with at most two decimals, like "3.50"'
        value = self._get(key, default, expected)
        if value is default:
            return value
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value * 100
        if isinstance(value, str):
            try:
                cents = parse_amount(value)
            except InvalidInput:
                raise self.fail(key, expected, value) from None
            if cents >= 0:
                return cents
        raise self.fail(key, expected, value)

    def decimal(self, key: str, default: Any = _REQUIRED, maximum: Decimal | None = None) -> Any:
        expected = "a number ≥ 0" + (f" and ≤ {maximum}" if maximum is not None else "")
        value = self._get(key, default, expected)
        if value is default:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(key, expected, value)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(key, expected, value) from None
        if not _bounded_decimal(number, maximum):
            ceiling = maximum if maximum is not None else MAX_DECIMAL
            raise self.fail(key, f"a number ≥ 0 and ≤ {ceiling}", value)
        return number

    def choice(self, key: str, choices: tuple[str, ...], default: Any = _REQUIRED) -> Any:
        expected = "one of " + ", ".join(repr(c) for c in choices)
        value = self._get(key, default, expected)
        if value is not default and value not in choices:
            raise self.fail(key, expected, value)
        return value

    def day(self, key: str) -> date | None:
        value = self._get(key, None, "a date like 2026-03-31")
        if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, "a date like 2026-03-31", value)

    def clock(self, key: str, default: time) -> time:
        value = self._get(key, default, 'a time of day like "22:00"')
        if isinstance(value, time):
            return value
        if isinstance(value, str):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(key, 'a time of day like "22:00"', value)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._get(key, [], "a list of text strings")
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "a list of text strings", value)
        return tuple(value)

    def table(self, key: str) -> _Table | None:
        value = self._get(key, None, "a table")
        return None if value is None else _Table(self.source, self.where(key), value, self.language)

    def tables(self, key: str) -> list[_Table]:
        value = self._get(key, [], "a list of tables ([[...]])")
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(key, f"a list of tables: write each as [[{self.where(key)}]]", value)
        return [_Table(self.source, f"{self.where(key)}[{i}]", v, self.language) for i, v in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            known = ", ".join(sorted(self.used))
            raise ConfigError(
                f"{self.source}: {self.where(unknown[0])}: unknown setting (known here: {known})"
            )


def _unique(source: str, what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ConfigError(f"{source}: {what}: the id {i!r} is used twice; ids must be unique")
        seen.add(i)


def _stamp_card(t: _Table) -> StampCard:
    name, names = t.names("name")
    reward, reward_names = t.names("reward")
    card = StampCard(
        id=t.ident(),
        name=name,
        reward=reward,
        reward_at=t.integer("reward_at", minimum=1),
        earn_on=t.choice("earn_on", ("visit", "purchase"), "visit"),
        stamps=t.integer("stamps", 1, minimum=1),
        min_purchase=t.money("min_purchase", 0),
        categories=t.strings("categories"),
        reward_value=t.money("reward_value", 0),
        expire_days=t.integer("expire_days", None, minimum=1),
        per_day=t.integer("per_day", None, minimum=1),
        local_names=names,
        reward_local_names=reward_names,
    )
    t.done()
    return card


def _visit_card(t: _Table) -> VisitCard:
    name, names = t.names("name")
    card = VisitCard(
        id=t.ident(),
        name=name,
        price=t.money("price"),
        uses=t.integer("uses", minimum=1),
        bonus_uses=t.integer("bonus_uses", 0),
        valid_days=t.integer("valid_days", None, minimum=1),
        local_names=names,
    )
    t.done()
    return card


def _time_pass(t: _Table) -> TimePass:
    name, names = t.names("name")
    p = TimePass(
        id=t.ident(),
        name=name,
        price=t.money("price"),
        months=t.integer("months", minimum=1),
        bonus_months=t.integer("bonus_months", 0),
        local_names=names,
    )
    t.done()
    return p


def _credit(t: _Table) -> CreditSpec:
    bonuses = []
    for b in t.tables("bonus"):
        bonuses.append(CreditBonus(b.money("min_topup"), b.money("bonus")))
        b.done()
    spec = CreditSpec(tuple(sorted(bonuses, key=lambda b: b.min_topup)), min_topup=t.money("min_topup", 1))
    t.done()
    return spec


def _points(t: _Table) -> PointsSpec:
    thresholds = []
    for b in t.tables("threshold"):
        thresholds.append(Threshold(b.money("min_purchase"), b.integer("bonus", minimum=1)))
        b.done()
    rewards = []
    for r in t.tables("reward"):
        name, names = r.names("name")
        rewards.append(
            Reward(
                id=r.ident(),
                name=name,
                points=r.integer("points", minimum=1),
                value=r.money("value", 0),
                per_day=r.integer("per_day", None, minimum=1),
                local_names=names,
            )
        )
        r.done()
    _unique(t.source, t.where("reward"), [r.id for r in rewards])
    spec = PointsSpec(
        per_unit=t.decimal("per_unit", Decimal(1)),
        rounding=t.choice("rounding", ROUNDINGS, "down"),
        expire_months=t.integer("expire_months", None, minimum=1),
        point_value=t.decimal("point_value_cents", Decimal(1)),
        thresholds=tuple(sorted(thresholds, key=lambda x: x.min_purchase)),
        rewards=tuple(rewards),
    )
    t.done()
    return spec


def _tiers(t: _Table) -> TiersSpec:
    measure = t.choice("measure", ("spend", "visits"), "spend")
    levels = []
    for lv in t.tables("level"):
        at = lv.money("at") if measure == "spend" else lv.integer("at")
        levels.append(
            Tier(
                name=lv.text("name"),
                at=at,
                earn_percent=lv.integer("earn_percent", 100),
                discount_percent=lv.decimal("discount_percent", Decimal(0), Decimal(100)),
                perks=lv.strings("perks"),
            )
        )
        lv.done()
    if not levels:
        raise t.fail("level", "at least one [[tiers.level]]")
    if levels[0].at != 0:
        raise ConfigError(f"{t.source}: {t.where('level')}[0].at: expected 0 (the first tier is everyone's)")
    for i in range(1, len(levels)):
        if levels[i].at <= levels[i - 1].at:
            raise ConfigError(
                f"{t.source}: {t.where('level')}[{i}].at: expected more than the tier before it"
            )
    spec = TiersSpec(
        levels=tuple(levels),
        measure=measure,
        window=t.choice("window", ("calendar_year", "rolling"), "calendar_year"),
        months=t.integer("months", 12, minimum=1),
    )
    t.done()
    return spec


def _subscription(t: _Table) -> Subscription:
    name, names = t.names("name")
    free_item, free_names = t.names("free_item", None)
    sub = Subscription(
        id=t.ident(),
        name=name,
        price=t.money("price"),
        period_months=t.integer("period_months", 1, minimum=1),
        discount_percent=t.decimal("discount_percent", Decimal(0), Decimal(100)),
        free_item=free_item,
        free_per_week=t.integer("free_per_week", 0),
        free_item_value=t.money("free_item_value", 0),
        local_names=names,
        free_item_local_names=free_names,
    )
    if sub.free_per_week and not sub.free_item:
        raise t.fail("free_item", "the name of the free item when free_per_week is set")
    t.done()
    return sub


def _referral(t: _Table) -> ReferralSpec:
    spec = ReferralSpec(
        referrer_points=t.integer("referrer_points", 0),
        referred_points=t.integer("referred_points", 0),
        referrer_discount_percent=t.decimal("referrer_discount_percent", Decimal(0), Decimal(100)),
        referred_discount_percent=t.decimal("referred_discount_percent", Decimal(0), Decimal(100)),
        max_per_member=t.integer("max_per_member", None, minimum=1),
    )
    t.done()
    return spec


def _discount(t: _Table) -> DiscountSpec:
    steps = []
    for s in t.tables("step"):
        steps.append(DiscountStep(s.money("from_spend"), s.decimal("percent", maximum=Decimal(100))))
        s.done()
    spec = DiscountSpec(
        percent=t.decimal("percent", Decimal(0), Decimal(100)),
        steps=tuple(sorted(steps, key=lambda s: s.from_spend)),
    )
    t.done()
    return spec


def _coupon(t: _Table) -> Coupon:
    coupon = Coupon(
        id=t.ident(),
        name=t.text("name"),
        codes=frozenset(c.strip().upper() for c in t.strings("codes")),
        prefix=(t.text("prefix", None) or "").upper() or None,
        points=t.integer("points", 0),
        credit=t.money("credit", 0),
        stamps=t.integer("stamps", 0),
        stamp_card=t.text("stamp_card", None),
        discount_percent=t.decimal("discount_percent", Decimal(0), Decimal(100)),
        valid_from=t.day("valid_from"),
        valid_until=t.day("valid_until"),
        online_only=t.boolean("online_only", False),
    )
    if not coupon.codes and coupon.prefix is None:
        raise t.fail("codes", "a list of codes, or a prefix every code starts with")
    if not (coupon.points or coupon.credit or coupon.stamps or coupon.discount_percent):
        raise t.fail("points", "something the coupon gives: points, credit, stamps or discount_percent")
    t.done()
    return coupon


def _bonus_action(t: _Table) -> BonusAction:
    name, names = t.names("name")
    b = BonusAction(
        id=t.ident(),
        name=name,
        points=t.integer("points", minimum=1),
        once_per=t.choice("once_per", ("ever", "year", "month", "day"), "ever"),
        local_names=names,
    )
    t.done()
    return b


def _welcome(t: _Table) -> WelcomeSpec:
    w = WelcomeSpec(
        points=t.integer("points", 0),
        stamps=t.integer("stamps", 0),
        stamp_card=t.text("stamp_card", None),
        credit=t.money("credit", 0),
        on=t.choice("on", ("enroll", "first_visit"), "enroll"),
    )
    t.done()
    return w


def _promotion(t: _Table) -> Promotion:
    days = []
    for d in t.strings("days"):
        if d.lower()[:3] not in DAYS:
            raise t.fail("days", "day names like " + ", ".join(repr(x) for x in DAYS), d)
        days.append(DAYS.index(d.lower()[:3]))
    applies = t.strings("applies_to") or ("points",)
    for a in applies:
        if a not in ("points", "stamps"):
            raise t.fail("applies_to", "a list of 'points' and/or 'stamps'", a)
    promo = Promotion(
        name=t.text("name"),
        percent=t.integer("percent", 100, minimum=100),
        extra_points=t.integer("extra_points", 0),
        days=frozenset(days),
        start=t.clock("from", time(0)),
        end=t.clock("to", time(0)),
        from_date=t.day("from_date"),
        until_date=t.day("until_date"),
        applies_to=frozenset(applies),
    )
    t.done()
    return promo


def _category(t: _Table) -> Category:
    ident = t.ident()
    name, names = t.names("name")
    t.done()
    return Category(ident, names or Names(name))


def _codes(t: _Table) -> CodesSpec:
    def prefixes(key: str) -> tuple[str, ...]:
        values = t.strings(key)
        if len(values) > 50 or any(len(v) > 24 or not v.isprintable() for v in values):
            raise t.fail(key, "at most 50 prefixes of at most 24 printable characters", list(values))
        return tuple(v.strip().upper() for v in values)

    spec = CodesSpec(card_prefixes=prefixes("card_prefixes"), gift_prefixes=prefixes("gift_prefixes"))
    t.done()
    return spec


_ACCOUNT = re.compile(r"^[a-z][a-z0-9_-]*(:[a-z0-9_-]+)*$")


def _carry_over(t: _Table) -> tuple[tuple[str, str | None], ...]:
    """``[carry_over]``: earlier account = the account it moves into, or false."""
    pairs: list[tuple[str, str | None]] = []
    for old in sorted(t.data):
        value = t._get(old, None, "an account name or false")
        if not _ACCOUNT.match(old) or len(old) > 80 or old.startswith("meta:"):
            raise t.fail(old, "an earlier account's name, like stamps or \"stamps:coffee\"", old)
        if value is False:
            pairs.append((old, None))
        elif isinstance(value, str) and _ACCOUNT.match(value) and not value.startswith("meta:"):
            pairs.append((old, value))
        else:
            raise t.fail(old, "the name of an account of this program, or false to let it go", value)
    if len(pairs) > 100:
        raise t.fail("", "at most 100 accounts")
    t.done()
    return tuple(pairs)


# ---- bounds: what a kiosk can compute with --------------------------------------------

#: no program number needs more (amounts are cents, counts are counts); past it a purchase's
#: arithmetic would fail at the counter instead of here
MAX_WHOLE = 10**9
#: a rate (points per unit, a point's value): any more and one purchase overflows an event
MAX_DECIMAL = 10**6
#: a version is a whole number ≥ 1 or a short text of letters, digits, '.', '-' and '_'
_VERSION_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


def _bounded_decimal(number: Decimal, maximum: Decimal | None) -> bool:
    ceiling = Decimal(MAX_DECIMAL) if maximum is None else maximum
    return number.is_finite() and Decimal(0) <= number <= ceiling


def _version(head: _Table) -> int | str:
    expected = "a version: a whole number ≥ 1 or a short text such as 2026.1"
    version = head._get("version", _REQUIRED, expected)
    if isinstance(version, int) and not isinstance(version, bool) and 1 <= version <= MAX_WHOLE:
        return version
    if isinstance(version, str) and _VERSION_TEXT.fullmatch(version):
        return version
    raise head.fail("version", expected, version)


def parse_spec(document: Mapping[str, Any], source: str = "<program>") -> ProgramSpec:
    """Validate a parsed program file. Pure: tests pass dicts straight in."""
    root = _Table(source, "", document)
    head = root.table("program")
    if head is None:
        raise ConfigError(f"{source}: program: missing; expected a [program] table with id and version")
    version = _version(head)
    tz = head.text("timezone", "Europe/Helsinki")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise head.fail("timezone", "an IANA time zone such as Europe/Helsinki", tz) from None
    currency = head.text("currency", "EUR")
    if len(currency) != 3 or not currency.isalpha():
        raise head.fail("currency", "a three-letter ISO 4217 code such as EUR", currency)
    ident = head.ident()
    name = head.text("name", ident)
    language = head.choice("language", LANGUAGES, "fi")
    root.language = language
    require_join = head.boolean("require_join", False)
    starts, ends = head.day("starts"), head.day("ends")
    head.done()
    visits_t = root.table("visits")
    visits = VisitRules()
    if visits_t is not None:
        visits = VisitRules(
            cooldown_seconds=visits_t.integer("cooldown_seconds", 60),
            daily_cap=visits_t.integer("daily_cap", None, minimum=1),
        )
        visits_t.done()

    def opt(key: str, reader: Any) -> Any:
        t = root.table(key)
        return None if t is None else reader(t)

    cashback = None
    cb = root.table("cashback")
    if cb is not None:
        cashback = CashbackSpec(
            cb.decimal("percent", maximum=Decimal(100)), cb.choice("rounding", ROUNDINGS, "down")
        )
        cb.done()
    spec = ProgramSpec(
        id=ident,
        version=str(version),
        name=name,
        timezone=tz,
        currency=currency.upper(),
        language=language,
        require_join=require_join,
        starts=starts,
        ends=ends,
        visits=visits,
        stamp_cards=tuple(_stamp_card(t) for t in root.tables("stamp_card")),
        visit_cards=tuple(_visit_card(t) for t in root.tables("visit_card")),
        time_passes=tuple(_time_pass(t) for t in root.tables("time_pass")),
        credit=opt("credit", _credit),
        points=opt("points", _points),
        tiers=opt("tiers", _tiers),
        subscriptions=tuple(_subscription(t) for t in root.tables("subscription")),
        referral=opt("referral", _referral),
        cashback=cashback,
        discount=opt("discount", _discount),
        coupons=tuple(_coupon(t) for t in root.tables("coupon")),
        bonus_actions=tuple(_bonus_action(t) for t in root.tables("bonus_action")),
        welcome=opt("welcome", _welcome),
        promotions=tuple(_promotion(t) for t in root.tables("promotion")),
        codes=opt("codes", _codes) or CodesSpec(),
        categories=tuple(_category(t) for t in root.tables("category")),
        carry_over=opt("carry_over", _carry_over) or (),
        source=source,
    )
    root.done()
    _cross_check(spec)
    return spec


def _cross_check(spec: ProgramSpec) -> None:
    src = spec.source
    ids = (
        [c.id for c in spec.stamp_cards]
        + [c.id for c in spec.visit_cards]
        + [p.id for p in spec.time_passes]
        + [s.id for s in spec.subscriptions]
        + ([r.id for r in spec.points.rewards] if spec.points else [])
    )
    _unique(src, "stamp_card, visit_card, time_pass, subscription and points.reward", ids)
    _unique(src, "coupon", [c.id for c in spec.coupons])
    _unique(src, "bonus_action", [b.id for b in spec.bonus_actions])
    _unique(src, "category", [c.id for c in spec.categories])
    known = {c.id for c in spec.categories}
    for i, card in enumerate(spec.stamp_cards):
        for category in card.categories:
            if category not in known:
                raise ConfigError(
                    f"{src}: stamp_card[{i}].categories: expected ids of [[category]] tables "
                    f"({', '.join(sorted(known)) or 'none defined'}), got {category!r}"
                )
    cards = {c.id for c in spec.stamp_cards}
    if spec.welcome and spec.welcome.stamps and spec.welcome.stamp_card not in cards:
        raise ConfigError(
            f"{src}: welcome.stamp_card: expected the id of a [[stamp_card]] "
            f"({', '.join(sorted(cards)) or 'none defined'}), got {spec.welcome.stamp_card!r}"
        )
    for i, c in enumerate(spec.coupons):
        if c.stamps and c.stamp_card not in cards:
            raise ConfigError(
                f"{src}: coupon[{i}].stamp_card: expected the id of a [[stamp_card]], got {c.stamp_card!r}"
            )
    if spec.starts and spec.ends and spec.ends < spec.starts:
        raise ConfigError(f"{src}: program.ends: expected a date on or after program.starts")
    for i, p in enumerate(spec.promotions):
        if p.from_date and p.until_date and p.until_date < p.from_date:
            raise ConfigError(f"{src}: promotion[{i}].until_date: expected a date on or after from_date")
        if p.extra_points and spec.points is None:
            raise ConfigError(f"{src}: promotion[{i}].extra_points: there is no [points] table to add to")
    needs_points = (
        (spec.welcome is not None and spec.welcome.points > 0)
        or any(c.points for c in spec.coupons)
        or bool(spec.bonus_actions)
        or (spec.referral is not None and (spec.referral.referrer_points or spec.referral.referred_points))
    )
    if needs_points and spec.points is None:
        raise ConfigError(f"{src}: points: missing; expected a [points] table, since bonuses give points")
    if not any(
        (
            spec.stamp_cards,
            spec.visit_cards,
            spec.time_passes,
            spec.credit,
            spec.points,
            spec.tiers,
            spec.subscriptions,
            spec.referral,
            spec.cashback,
            spec.discount,
            spec.coupons,
        )
    ):
        raise ConfigError(
            f"{src}: expected at least one program: [[stamp_card]], [[visit_card]], [[time_pass]], "
            "[credit], [points], [tiers], [[subscription]], [referral], [cashback], [discount] "
            "or [[coupon]]"
        )
