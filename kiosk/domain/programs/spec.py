"""A loyalty program as data: the validated form of a program TOML file (frozen
dataclasses, one per program kind and the ``ProgramSpec`` that holds them).

``parse.parse_spec(document, source)`` builds one from a parsed TOML document, with errors
that name the file, the key and what was expected (``table.Table`` reads each table).
Money is kept as integer cents; percentages and rates are decimals, never floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from kiosk.domain.programs.names import Names

ROUNDINGS = ("down", "up", "half_up", "half_even")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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
