"""The checks across a program's tables, once each table has been read on its own: an id
used twice, and a reference to what the program does not have (a category, a stamp card,
a [points] table for the bonuses that give points). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.domain.programs.problems import expected
from kiosk.domain.programs.spec import ProgramSpec
from kiosk.errors import SettingError
from kiosk.texts import Msg, Verbatim

#: what a program needs at least one of
KINDS = (
    "[[stamp_card]], [[visit_card]], [[time_pass]], [credit], [points], [tiers], [[subscription]], "
    "[referral], [cashback], [discount], [[coupon]]"
)


def unique(source: str, ids: Iterable[tuple[str, str]]) -> None:
    """``ids`` as (the setting that gives it, the id): refused at the second use of an id,
    naming where it was first given."""
    first: dict[str, str] = {}
    for setting, ident in ids:
        if ident in first:
            said = Msg(
                "the id {ident} is used twice (also at {other}); ids must be unique",
                ident=Verbatim(repr(ident)),
                other=Verbatim(first[ident]),
            )
            raise SettingError(source, setting, said)
        first[ident] = setting


def _ids(table: str, ids: Iterable[str]) -> list[tuple[str, str]]:
    return [(f"{table}[{i}].id", ident) for i, ident in enumerate(ids)]


def check_references(spec: ProgramSpec) -> None:
    src = spec.source
    unique(
        src,
        _ids("stamp_card", [x.id for x in spec.stamp_cards])
        + _ids("visit_card", [x.id for x in spec.visit_cards])
        + _ids("time_pass", [x.id for x in spec.time_passes])
        + _ids("subscription", [x.id for x in spec.subscriptions])
        + (_ids("points.reward", [r.id for r in spec.points.rewards]) if spec.points else []),
    )
    unique(src, _ids("coupon", [x.id for x in spec.coupons]))
    unique(src, _ids("bonus_action", [x.id for x in spec.bonus_actions]))
    unique(src, _ids("category", [x.id for x in spec.categories]))
    known = {c.id for c in spec.categories}
    for i, card in enumerate(spec.stamp_cards):
        for category in card.categories:
            if category not in known:
                wanted = Msg("ids of [[category]] tables ({known})", known=_listed(known))
                raise SettingError(src, f"stamp_card[{i}].categories", expected(wanted, category))
    cards = {c.id for c in spec.stamp_cards}
    if spec.welcome and spec.welcome.stamps and spec.welcome.stamp_card not in cards:
        wanted = Msg("the id of a [[stamp_card]] ({known})", known=_listed(cards))
        raise SettingError(src, "welcome.stamp_card", expected(wanted, spec.welcome.stamp_card))
    for i, c in enumerate(spec.coupons):
        if c.stamps and c.stamp_card not in cards:
            wanted = Msg("the id of a [[stamp_card]] ({known})", known=_listed(cards))
            raise SettingError(src, f"coupon[{i}].stamp_card", expected(wanted, c.stamp_card))
    if spec.starts and spec.ends and spec.ends < spec.starts:
        raise SettingError(src, "program.ends", Msg("expected a date on or after program.starts"))
    for i, p in enumerate(spec.promotions):
        if p.from_date and p.until_date and p.until_date < p.from_date:
            raise SettingError(
                src, f"promotion[{i}].until_date", Msg("expected a date on or after from_date")
            )
        if p.extra_points and spec.points is None:
            raise SettingError(
                src, f"promotion[{i}].extra_points", Msg("there is no [points] table to add to")
            )
    needs_points = (
        (spec.welcome is not None and spec.welcome.points > 0)
        or any(c.points for c in spec.coupons)
        or bool(spec.bonus_actions)
        or (spec.referral is not None and (spec.referral.referrer_points or spec.referral.referred_points))
    )
    if needs_points and spec.points is None:
        raise SettingError(
            src, "points", Msg("missing; expected a [points] table, since bonuses give points")
        )
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
        raise SettingError(
            src, "", Msg("expected at least one program of these: {kinds}", kinds=Verbatim(KINDS))
        )


def _listed(ids: set[str]) -> Msg | Verbatim:
    return Verbatim(", ".join(sorted(ids))) if ids else Msg("none defined")
