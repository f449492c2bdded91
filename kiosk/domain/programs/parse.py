"""A parsed program file (TOML as a dict) checked and turned into a ``spec.ProgramSpec``.

``parse_spec(document, source)`` is pure: tests pass dicts straight in. Each program kind
has its reader here; ``table.Table`` does the typed, bounded reading of one table, and
``checks.check_references`` then finds ids used twice and references to what the program
does not have. Every refusal is a ``SettingError`` naming the setting (``problems``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.domain.programs.checks import check_references
from kiosk.domain.programs.names import LANGUAGES, Names
from kiosk.domain.programs.problems import REQUIRED
from kiosk.domain.programs.spec import (
    DAYS,
    ROUNDINGS,
    BonusAction,
    CashbackSpec,
    Category,
    CodesSpec,
    Coupon,
    CreditBonus,
    CreditSpec,
    DiscountSpec,
    DiscountStep,
    PointsSpec,
    ProgramSpec,
    Promotion,
    ReferralSpec,
    Reward,
    StampCard,
    Subscription,
    Threshold,
    Tier,
    TiersSpec,
    TimePass,
    VisitCard,
    VisitRules,
    WelcomeSpec,
)
from kiosk.domain.programs.table import MAX_WHOLE, Table
from kiosk.errors import SettingError
from kiosk.texts import Msg, Verbatim


def _stamp_card(t: Table) -> StampCard:
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


def _visit_card(t: Table) -> VisitCard:
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


def _time_pass(t: Table) -> TimePass:
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


def _credit(t: Table) -> CreditSpec:
    bonuses = []
    for b in t.tables("bonus"):
        bonuses.append(CreditBonus(b.money("min_topup"), b.money("bonus")))
        b.done()
    spec = CreditSpec(tuple(sorted(bonuses, key=lambda b: b.min_topup)), min_topup=t.money("min_topup", 1))
    t.done()
    return spec


def _points(t: Table) -> PointsSpec:
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


def _tiers(t: Table) -> TiersSpec:
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
        raise t.fail("level", Msg("at least one [[tiers.level]]"))
    if levels[0].at != 0:
        raise SettingError(
            t.source, f"{t.where('level')}[0].at", Msg("expected 0 (the first tier is everyone's)")
        )
    for i in range(1, len(levels)):
        if levels[i].at <= levels[i - 1].at:
            raise SettingError(
                t.source, f"{t.where('level')}[{i}].at", Msg("expected more than the tier before it")
            )
    spec = TiersSpec(
        levels=tuple(levels),
        measure=measure,
        window=t.choice("window", ("calendar_year", "rolling"), "calendar_year"),
        months=t.integer("months", 12, minimum=1),
    )
    t.done()
    return spec


def _subscription(t: Table) -> Subscription:
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
        raise t.fail("free_item", Msg("the name of the free item when free_per_week is set"))
    t.done()
    return sub


def _referral(t: Table) -> ReferralSpec:
    spec = ReferralSpec(
        referrer_points=t.integer("referrer_points", 0),
        referred_points=t.integer("referred_points", 0),
        referrer_discount_percent=t.decimal("referrer_discount_percent", Decimal(0), Decimal(100)),
        referred_discount_percent=t.decimal("referred_discount_percent", Decimal(0), Decimal(100)),
        max_per_member=t.integer("max_per_member", None, minimum=1),
    )
    t.done()
    return spec


def _discount(t: Table) -> DiscountSpec:
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


def _coupon(t: Table) -> Coupon:
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
        raise t.fail("codes", Msg("a list of codes, or a prefix every code starts with"))
    if not (coupon.points or coupon.credit or coupon.stamps or coupon.discount_percent):
        raise t.fail("points", Msg("something the coupon gives: points, credit, stamps or discount_percent"))
    t.done()
    return coupon


def _bonus_action(t: Table) -> BonusAction:
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


def _welcome(t: Table) -> WelcomeSpec:
    w = WelcomeSpec(
        points=t.integer("points", 0),
        stamps=t.integer("stamps", 0),
        stamp_card=t.text("stamp_card", None),
        credit=t.money("credit", 0),
        on=t.choice("on", ("enroll", "first_visit"), "enroll"),
    )
    t.done()
    return w


def _promotion(t: Table) -> Promotion:
    days = []
    for d in t.strings("days"):
        if d.lower()[:3] not in DAYS:
            like = Verbatim(", ".join(repr(x) for x in DAYS))
            raise t.fail("days", Msg("day names like {days}", days=like), d)
        days.append(DAYS.index(d.lower()[:3]))
    applies = t.strings("applies_to") or ("points",)
    for a in applies:
        if a not in ("points", "stamps"):
            raise t.fail("applies_to", Msg("a list of 'points' and/or 'stamps'"), a)
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


def _category(t: Table) -> Category:
    ident = t.ident()
    name, names = t.names("name")
    t.done()
    return Category(ident, names or Names(name))


def _codes(t: Table) -> CodesSpec:
    def prefixes(key: str) -> tuple[str, ...]:
        values = t.strings(key)
        if len(values) > 50 or any(len(v) > 24 or not v.isprintable() for v in values):
            wanted = Msg("at most {most} prefixes of at most {chars} printable characters", most=50, chars=24)
            raise t.fail(key, wanted, list(values))
        return tuple(v.strip().upper() for v in values)

    spec = CodesSpec(card_prefixes=prefixes("card_prefixes"), gift_prefixes=prefixes("gift_prefixes"))
    t.done()
    return spec


_ACCOUNT = re.compile(r"^[a-z][a-z0-9_-]*(:[a-z0-9_-]+)*$")


def _carry_over(t: Table) -> tuple[tuple[str, str | None], ...]:
    """``[carry_over]``: earlier account = the account it moves into, or false."""
    pairs: list[tuple[str, str | None]] = []
    for old in sorted(t.data):
        value = t.get(old, None, Msg("an account name or false"))
        if not _ACCOUNT.match(old) or len(old) > 80 or old.startswith("meta:"):
            raise t.fail(old, Msg('an earlier account\'s name, like stamps or "stamps:coffee"'), old)
        if value is False:
            pairs.append((old, None))
        elif isinstance(value, str) and _ACCOUNT.match(value) and not value.startswith("meta:"):
            pairs.append((old, value))
        else:
            raise t.fail(old, Msg("the name of an account of this program, or false to let it go"), value)
    if len(pairs) > 100:
        raise t.fail("", Msg("at most {most} accounts", most=100))
    t.done()
    return tuple(pairs)


#: a version is a whole number ≥ 1 or a short text of letters, digits, '.', '-' and '_'
_VERSION_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


def _version(head: Table) -> int | str:
    wanted = Msg("a version: a whole number ≥ 1 or a short text such as 2026.1")
    version = head.get("version", REQUIRED, wanted)
    if isinstance(version, int) and not isinstance(version, bool) and 1 <= version <= MAX_WHOLE:
        return version
    if isinstance(version, str) and _VERSION_TEXT.fullmatch(version):
        return version
    raise head.fail("version", wanted, version)


def parse_spec(document: Mapping[str, Any], source: str = "<program>") -> ProgramSpec:
    """Validate a parsed program file. Pure: tests pass dicts straight in."""
    root = Table(source, "", document)
    head = root.table("program")
    if head is None:
        raise SettingError(source, "program", Msg("missing; expected a [program] table with id and version"))
    version = _version(head)
    tz = head.text("timezone", "Europe/Helsinki")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise head.fail("timezone", Msg("an IANA time zone such as Europe/Helsinki"), tz) from None
    currency = head.text("currency", "EUR")
    if len(currency) != 3 or not currency.isalpha():
        raise head.fail("currency", Msg("a three-letter ISO 4217 code such as EUR"), currency)
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
    check_references(spec)
    return spec
