"""The operators' web console: plain server-rendered pages (Jinja2), one small stylesheet and a
few lines of optional script served from here, so it works on a cheap laptop over a slow
connection and with scripts off. Same rules as the API (api/routes/handovers.py): 404 for what
the operator may not see, every transcript read and action audited. Forms carry a per-session
CSRF token; the session cookie is HttpOnly and SameSite=Strict."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Protocol, cast, runtime_checkable

from babel.dates import format_datetime
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates

from api.deps import (
    CONSOLE_COOKIE,
    AuditDep,
    ConsoleSession,
    HandoverDeskDep,
    OperatorsDep,
    SettingsDep,
    SignInDep,
    client_address,
)
from api.routes.handovers import media_response
from engine import operator_language
from engine.handover.canned_replies import CannedReplies
from engine.handover.desk import Conflict, Gone, NotFound, Refused, WindowClosed
from engine.handover.records import Handover
from engine.operators import Session
from engine.signin import SignInRefused
from engine.window import Window
from remi import sms
from remi.i18n import LANGUAGES, N_, locale, translator

router = APIRouter(prefix="/console", include_in_schema=False)


@runtime_checkable
class GettextEnvironment(Protocol):
    """What jinja2.ext.i18n adds to an environment when it is loaded (Jinja's types cannot say it)."""

    def install_null_translations(self, newstyle: bool | None = None) -> None: ...

    def install_gettext_translations(self, translations: object, newstyle: bool | None = None) -> None: ...


templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")
# Every string of the console is marked for gettext ({{ _("...") }} or {% trans %}); the
# operators' languages come with the console's catalogs (issue 14).
templates.env.add_extension("jinja2.ext.i18n")
if not isinstance(templates.env, GettextEnvironment):
    raise RuntimeError("jinja2.ext.i18n did not install its gettext methods")
templates.env.install_null_translations(newstyle=True)
canned = CannedReplies()

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    # Transcripts must not stay in the cache of a shared laptop.
    "Cache-Control": "no-store",
}
DONE = {
    "claimed": N_("You have the conversation: the person sees your replies."),
    "sent": N_("Sent."),
    "sending": N_("Twilio is slow: your reply is being sent, its status shows below."),
    "not-sent": N_("Not sent: see the reply's status below."),
    "held": N_(
        "WhatsApp's window was closed: the invitation was sent, your message goes out when the person writes back."
    ),
    "noted": N_("Note added."),
    "transferred": N_("Transferred: it waits in the other team's queue."),
    "closed": N_("Closed: the person was told, and the bot answers them again."),
}
# What the engine stores in English and operators read (states, needs, transcript events, why a
# handover was opened or closed): marked here for the catalogs, shown by the `word` filter in the
# operator's language. A value not listed (a topic's name, a username) is shown as it is.
WORDS = {
    "waiting": N_("waiting"),
    "active": N_("active"),
    "closed": N_("closed"),
    "gone": N_("gone"),
    "medical": N_("medical"),
    "psychosocial": N_("psychosocial"),
    "legal": N_("legal"),
    "protection": N_("protection"),
    "general": N_("general"),
    "opened": N_("opened"),
    "prioritised": N_("made urgent"),
    "claimed": N_("claimed"),
    "invited": N_("invitation sent"),
    "transferred": N_("transferred"),
    "escalated": N_("escalated"),
    "requested": N_("asked for a person"),
    "human_operator": N_("asked for a person"),
    "emergency": N_("emergency"),
    "other_language": N_("wrote in a language the service does not read"),
    "requested while the bot was down": N_("asked for a person while the bot was down"),
    "words of danger in a failed message": N_("words of danger in a message the bot could not read"),
    "words of immediate danger": N_("words of immediate danger"),
    "opted_out": N_("the person opted out (STOP)"),
    "migrant_left": N_("the person went back to the bot"),
    "held": N_("waiting for the person to write back"),
    "failed": N_("failed"),
    "undelivered": N_("undelivered"),
    "unknown": N_("unknown"),
    "sending": N_("sending"),
    "pending": N_("waiting for approval"),
    "approved": N_("approved"),
    "sent": N_("sent"),
    "paused": N_("paused"),
    "cancelled": N_("cancelled"),
    "operator": N_("operator"),
    "supervisor": N_("supervisor"),
    "editor": N_("editor"),
    "admin": N_("administrator"),
}


LANG_COOKIE = "remi_console_lang"
LANGUAGE_SELF_NAMES = {"fr": "Français", "ha": "Hausa", "en": "English"}  # each in its own language
_localised: dict[str, Jinja2Templates] = {}


def say(lang: str, text: str | Refused | None) -> str | None:
    """A message for the page in the operator's language: a marked text, or the engine's refusal
    with its values put in (states among them translated)."""
    if text is None:
        return None
    gettext = translator(lang).gettext
    if isinstance(text, Refused):
        params = {name: gettext(WORDS[v]) if v in WORDS else v for name, v in text.params.items()}
        return sentence(gettext(text.template).format(**params))
    return gettext(text)


def sentence(text: str) -> str:
    """The engine's texts are clauses ("the handover is closed"); a page shows them as sentences."""
    return text[:1].upper() + text[1:].rstrip(".") + "."


def console_language(request: Request) -> str:
    """The operator's console language: saved with the account, carried by a cookie (French by default)."""
    return operator_language.valid(request.cookies.get(LANG_COOKIE))


def templates_for(lang: str) -> Jinja2Templates:
    """The console's templates speaking `lang`: an overlay of the one environment, with that
    language's catalog (the same gettext catalogs as the system strings, `remi i18n`)."""
    if lang not in _localised:
        # jinja2.ext.i18n installs into the environment it was loaded in (an overlay's installer
        # is its parent's): install there, copy the globals into the overlay, and put the parent
        # back. The overlay has its own cache, as templates bind their globals when loaded.
        env = templates.env.overlay(cache_size=400)
        i18n = cast(GettextEnvironment, templates.env)  # checked when the module loads
        i18n.install_gettext_translations(translator(lang), newstyle=True)
        env.globals = dict(templates.env.globals)
        i18n.install_null_translations(newstyle=True)
        # Names, dates and the engine's words in the operator's language (Babel's CLDR data).
        names = locale(lang).languages
        env.globals["LANGUAGE_NAMES"] = {code: names.get(code, code) for code in LANGUAGES}
        gettext = translator(lang).gettext
        env.filters = dict(templates.env.filters) | {
            "clock": lambda timestamp, zone: clock(timestamp, zone, lang),
            "word": lambda value: gettext(WORDS[value]) if value in WORDS else value,
            # A text marked N_ where it was written (a figure's title, Twilio's reason): translated
            # as it is, where `_()` would also %-format it.
            "tr": gettext,
        }
        _localised[lang] = Jinja2Templates(env=env)
    return _localised[lang]


def _set_language_cookie(response: Response, lang: str, request: Request, settings) -> None:
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 86400,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=settings.environment == "production" or request.url.scheme == "https",
    )


def _page(request: Request, name: str, code: int = 200, **context) -> HTMLResponse:
    lang = console_language(request)
    for message in ("title", "done", "error"):  # marked texts, or the engine's refusals
        context[message] = say(lang, context.get(message))
    context = {
        "console_lang": lang,
        "LANGUAGE_SELF_NAMES": LANGUAGE_SELF_NAMES,
        "CONSOLE_LANGUAGES": LANGUAGES,
    } | context
    response = templates_for(lang).TemplateResponse(request, name, context, status_code=code)
    response.headers.update(HEADERS)
    return response


def error_page(request: Request, code: int, detail: str | Refused) -> HTMLResponse:
    """An error on a console page, as a page in the operator's language with a way back (the
    API's routes answer JSON; api/main.py sends only /console/ here)."""
    message = sentence(say(console_language(request), detail) or "")
    return _page(request, "console/error.html", code, title=ERROR_TITLES.get(code, N_("Error")), message=message)


ERROR_TITLES = {403: N_("Not allowed"), 404: N_("Not found"), 410: N_("No longer available")}


def _check_csrf(session: Session, csrf: str) -> None:
    if not secrets.compare_digest(session.csrf, csrf or ""):
        raise HTTPException(403, N_("this form is out of date: reload the page"))


def _zone(desk):
    return desk.notices.hours().zone


def waited(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d}"


def clock(timestamp: float | None, zone, lang: str = "en") -> str:
    """Niger time (the zone of content/handover.yml): operators and migrants share it. "4 déc. 09:05"."""
    if not timestamp:
        return ""
    return format_datetime(dt.datetime.fromtimestamp(timestamp, zone), "d MMM HH:mm", locale=locale(lang))


templates.env.filters["waited"] = waited
templates.env.filters["clock"] = clock
templates.env.globals["LANGUAGE_NAMES"] = {"fr": "French", "ha": "Hausa", "en": "English"}
templates.env.globals["sms_rules"] = sms.rules()  # the reply cost meter (api/static/sms.js)


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
async def home() -> RedirectResponse:
    return RedirectResponse("/console/queue", status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request) -> HTMLResponse:
    return _page(request, "console/sign_in.html", title=N_("Sign in"))


@router.post("/sign-in")
async def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    operators: OperatorsDep,
    signin: SignInDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> Response:
    username = username.strip().lower()
    try:
        operator = await signin.attempt(username, password, client_address(request))
    except SignInRefused as refused:
        page = _page(request, "console/sign_in.html", 429, title=N_("Sign in"), error=Refused(refused.reason))
        page.headers["Retry-After"] = str(refused.retry_after)
        return page
    if operator is None:
        return _page(request, "console/sign_in.html", 401, title=N_("Sign in"), error=N_("Wrong username or password."))
    token, _ = await operators.open_session(operator, "console")
    await audit.record(operator.username, "operator.sign_in", operator.username, via="console")
    response = RedirectResponse("/console/queue", status_code=303)
    _set_language_cookie(response, await operator_language.get(operators.redis, operator.username), request, settings)
    response.set_cookie(
        CONSOLE_COOKIE,
        token,
        max_age=settings.operator_session_hours * 3600,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=settings.environment == "production" or request.url.scheme == "https",
    )
    return response


@router.post("/language")
async def switch_language(
    request: Request,
    settings: SettingsDep,
    operators: OperatorsDep,
    lang: Annotated[str, Form(max_length=8)],
    back: Annotated[str, Form(max_length=300)] = "/console/queue",
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Switch the console's language; signed in, it is saved with the account. Before sign-in
    (no session yet) it is only remembered by this browser."""
    lang = operator_language.valid(lang)
    token = request.cookies.get(CONSOLE_COOKIE, "")
    session = await operators.session(token, "console") if token else None
    if session is not None:
        _check_csrf(session, csrf)
        lang = await operator_language.save(operators.redis, session.operator.username, lang)
    target = back if back.startswith("/console/") and "//" not in back else "/console/queue"
    response = RedirectResponse(target, status_code=303)
    _set_language_cookie(response, lang, request, settings)
    return response


@router.post("/sign-out")
async def sign_out(
    request: Request, session: ConsoleSession, operators: OperatorsDep, csrf: Annotated[str, Form()] = ""
) -> RedirectResponse:
    _check_csrf(session, csrf)
    await operators.close_session(request.cookies.get(CONSOLE_COOKIE, ""))
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(CONSOLE_COOKIE, path="/console")
    return response


@router.get("/queue")
async def queue(
    request: Request, session: ConsoleSession, desk: HandoverDeskDep, status: str = "waiting"
) -> HTMLResponse:
    status = status if status in ("waiting", "active", "closed") else "waiting"
    lists = {s: await desk.queue(session.operator, s) for s in ("waiting", "active")}
    handovers = lists.get(status) or (await desk.queue(session.operator, status) if status == "closed" else [])
    return _page(
        request,
        "console/queue.html",
        title=N_("Queue"),
        session=session,
        status=status,
        handovers=handovers,
        counts={s: len(found) for s, found in lists.items()},
        live_queue=queue_state(lists["waiting"] + lists["active"]),
        now=time.time(),
        zone=_zone(desk),
        done=DONE.get(request.query_params.get("done", "")),
    )


async def _handover_page(
    request: Request,
    session: ConsoleSession,
    desk,
    handover: Handover,
    code: int = 200,
    error: str | Refused | None = None,
    draft: str = "",
    can_invite: bool = False,
) -> HTMLResponse:
    read = await desk.read(handover, session.operator)
    window = await Window(desk.redis).state(handover.sender, handover.channel)
    chosen = canned.find(request.query_params.get("canned", ""))
    return _page(
        request,
        "console/handover.html",
        code,
        title=N_("Handover"),
        session=session,
        h=handover,
        transcript=read["transcript"],
        live_handover=handover_state(handover, read["transcript"]),
        notes=read["notes"],
        zone=_zone(desk),
        teams=[t for t in desk.routing.get().teams.values() if t.id != handover.team],
        canned=canned.all(handover.language),
        draft=chosen.text if chosen else draft,
        reply_key=secrets.token_urlsafe(16),  # one per page shown: the same form sent twice sends once
        mine=handover.status == "active" and handover.assigned_to == session.operator.username,
        done=DONE.get(request.query_params.get("done", "")),
        error=error,
        now=time.time(),
        window=window,
        can_invite=can_invite or (not window.open and bool(desk.invitation_sid(handover.language))),
    )


async def _visible(handover_id: str, session: Session, desk) -> Handover:
    try:
        return await desk.visible(handover_id, session.operator)
    except NotFound:
        raise HTTPException(404, N_("no such handover")) from None


@router.get("/handovers/{handover_id}")
async def handover_page(
    request: Request, handover_id: str, session: ConsoleSession, desk: HandoverDeskDep
) -> HTMLResponse:
    return await _handover_page(request, session, desk, await _visible(handover_id, session, desk))


@router.post("/handovers/{handover_id}/{action}")
async def act(
    request: Request,
    handover_id: str,
    action: str,
    session: ConsoleSession,
    desk: HandoverDeskDep,
    csrf: Annotated[str, Form()] = "",
    text: Annotated[str, Form(max_length=1600)] = "",
    team: Annotated[str, Form(max_length=40)] = "",
    idempotency_key: Annotated[str, Form(max_length=80)] = "",
    invite: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    handover = await _visible(handover_id, session, desk)
    _check_csrf(session, csrf)
    operator, text = session.operator, text.strip()
    try:
        if action == "claim":
            await desk.claim(handover, operator)
            done = "claimed"
        elif action == "reply" and text:
            # Send pressed twice: sent once (the form's key); outside WhatsApp's window, held.
            entry = await desk.reply(handover, operator, text, idempotency_key, invite=invite == "1")
            status = entry.get("status")
            done = (
                "held"
                if status == "held"
                else "sending"
                if status == "sending"
                else "sent"
                if status in ("queued", "sent", "delivered")
                else "not-sent"
            )
        elif action == "note" and text:
            await desk.note(handover, operator, text)
            done = "noted"
        elif action == "transfer":
            await desk.transfer(handover, operator, team)
            done = "transferred"
        elif action == "close":
            await desk.close(handover, operator)
            done = "closed"
        elif action in ("reply", "note"):
            raise Refused(N_("write something first"))
        else:
            raise HTTPException(404, N_("no such action"))
    except NotFound:  # erased meanwhile
        raise HTTPException(404, N_("no such handover")) from None
    except (Conflict, Gone, Refused) as exc:
        current = await desk.store.get(handover.id) or handover
        code = 410 if isinstance(exc, Gone) else 409 if isinstance(exc, Conflict) else 422
        return await _handover_page(
            request,
            session,
            desk,
            current,
            code,
            error=exc,
            draft=text if action == "reply" else "",
            can_invite=isinstance(exc, WindowClosed) and exc.can_invite,
        )
    try:
        await desk.visible(handover.id, operator)
    except NotFound:  # transferred out of the operator's sight: back to the queue
        return RedirectResponse(f"/console/queue?done={done}", status_code=303)
    return RedirectResponse(f"/console/handovers/{handover.id}?done={done}", status_code=303)


@router.get("/handovers/{handover_id}/media/{entry}/{n}")
async def media(
    request: Request, handover_id: str, entry: int, n: int, session: ConsoleSession, desk: HandoverDeskDep
) -> Response:
    handover = await _visible(handover_id, session, desk)
    try:
        content, kind = await desk.media(handover, session.operator, entry, n)
    except NotFound:
        raise HTTPException(404, N_("no such media")) from None
    except Gone as exc:
        return error_page(request, 410, exc)
    return media_response(content, kind)


# -- real time ------------------------------------------------------------------------------
EVENTS_EVERY_SECONDS = 1.0  # how often the stream looks for a change (one Redis read per look)
EVENTS_STREAM_SECONDS = 300  # then the stream ends and the browser reconnects: the session is checked again


async def _queue_state(desk, operator) -> dict:
    return queue_state([h for s in ("waiting", "active") for h in await desk.queue(operator, s)])


def queue_state(rows: list[Handover]) -> dict:
    """What the queue pages show, reduced to what changes them: which handovers, in which state.
    A page carries the state it was drawn from, so that a change between drawing it and the
    stream's first event is not missed (api/static/live.js)."""
    return {
        "handovers": sorted([h.id, h.status, h.assigned_to or "", bool(h.priority)] for h in rows),
        "urgent": sorted(h.id for h in rows if h.priority and h.status == "waiting"),
        "counts": {s: sum(1 for h in rows if h.status == s) for s in ("waiting", "active")},
    }


async def _handover_state(desk, handover_id: str, operator) -> dict | None:
    try:
        h = await desk.visible(handover_id, operator)
    except NotFound:
        return None
    return handover_state(h, await desk.delivery(await desk.store.entries(h.id, "transcript")))


def handover_state(h: Handover, entries: list[dict]) -> dict:
    """What an open conversation's page shows, reduced to what changes it."""
    return {
        "id": h.id,
        "status": h.status,
        "assigned_to": h.assigned_to or "",
        "entries": len(entries),
        "statuses": [e.get("status", "") for e in entries],
    }


@router.get("/events")
async def events(request: Request, session: ConsoleSession, desk: HandoverDeskDep, handover: str = "") -> Response:
    """Server-sent events: `queue` when the operator's queues change (with the urgent waiting
    ones, which the page announces), `handover` when the open conversation does (a message, a
    claim by a colleague, a delivery failure). The pages fetch themselves again on an event;
    without scripts they refresh as before."""
    if handover:
        await _visible(handover, session, desk)

    async def stream() -> AsyncIterator[str]:
        last: dict[str, object] = {}
        deadline = time.monotonic() + EVENTS_STREAM_SECONDS
        yield "retry: 2000\n\n"
        while time.monotonic() < deadline and not await request.is_disconnected():
            now: dict[str, object] = {"queue": await _queue_state(desk, session.operator)}
            if handover:
                now["handover"] = await _handover_state(desk, handover, session.operator)
            for name, state in now.items():
                if last.get(name) != state:
                    yield f"event: {name}\ndata: {json.dumps(state, sort_keys=True)}\n\n"
            last = now
            await asyncio.sleep(EVENTS_EVERY_SECONDS)

    return StreamingResponse(stream(), media_type="text/event-stream", headers=HEADERS | {"X-Accel-Buffering": "no"})
