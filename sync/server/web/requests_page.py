"""Data requests on the member page (owner only): export everything the server holds
about a member as JSON or CSV, and erase a member, a plan first and then confirmed
(:mod:`sync.server.web.data_requests`)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from sync.server.texts import Msg
from sync.server.web import data_requests, i18n
from sync.server.web.console import Console, PageRefused, redirect
from sync.server.web.data_requests import Held
from sync.server.web.spreadsheet import csv_response


def _now() -> datetime:
    return datetime.now(UTC)


def routes(console: Console, router: APIRouter) -> None:
    def member_held(shop_id: int, member: str) -> Held:
        try:
            found = data_requests.held(console.engine, shop_id, member[:200])
        except data_requests.TooManyEvents as exc:
            raise PageRefused(413, str(exc)) from None
        if not found.events:
            raise PageRefused(404, Msg("no such member in this shop"))
        if found.erased:
            raise PageRefused(
                409, Msg("this member was erased at their request: nothing of the person is held")
            )
        return found

    @router.get("/members/{member}/export.json")
    def export_json(request: Request, member: str) -> Response:
        session = console.session(request, owner_only=True)
        asked = _now()
        found = member_held(session.shop_id, member)
        body = orjson.dumps(data_requests.export(found, asked), option=orjson.OPT_INDENT_2)
        member_id = found.state.member_id
        data_requests.log(console.engine, session.shop_id, "export-json", member_id, asked, _now())
        return Response(
            body,
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="member-{member_id}.json"',
                "Cache-Control": "no-store",
            },
        )

    @router.get("/members/{member}/export.csv")
    def export_csv(request: Request, member: str) -> Response:
        session = console.session(request, owner_only=True)
        asked = _now()
        found = member_held(session.shop_id, member)
        rows = data_requests.export_rows(found)
        data_requests.log(console.engine, session.shop_id, "export-csv", found.state.member_id, asked, _now())
        name = f"member-{found.state.member_id}.csv"
        # the columns named in the owner's language; the rows are the same in every language
        header = [i18n.translate(session.lang, column) for column in data_requests.CSV_HEADER]
        return csv_response(name, header, rows)

    def plan_page(request: Request, member: str, status: int = 200, changed: bool = False) -> Response:
        session = console.session(request, owner_only=True)
        found = member_held(session.shop_id, member)
        people = data_requests.same_person(console.engine, session.shop_id, found)
        return console.render(
            request,
            "erase.html",
            session,
            status=status,
            title="Erase member",
            member=found.state.member_id,
            plan=data_requests.plan(console.engine, session.shop_id, people),
            changed=changed,
            note=data_requests.CONTACT_NOTE,
        )

    @router.get("/members/{member}/erase")
    def erase_plan(request: Request, member: str) -> Response:
        return plan_page(request, member)

    @router.post("/members/{member}/erase")
    async def erase(request: Request, member: str) -> Response:
        session, form = await console.form(request, owner_only=True)
        asked = _now()
        found = await run_in_threadpool(member_held, session.shop_id, member)
        people = await run_in_threadpool(data_requests.same_person, console.engine, session.shop_id, found)
        planned = str(form.get("members") or "")[:5000]
        if planned != ",".join(p.state.member_id for p in people):
            # something changed since the plan was shown (a kiosk synced a member for the
            # card, say): erase only what the owner has seen
            return await run_in_threadpool(plan_page, request, member, 409, True)
        await run_in_threadpool(data_requests.erase, console.engine, session.shop_id, people, session.email)
        done = _now()
        for person in people:
            data_requests.log(console.engine, session.shop_id, "erase", person.state.member_id, asked, done)
        return redirect(f"/members/{found.state.member_id}")
