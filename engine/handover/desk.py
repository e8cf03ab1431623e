"""Everything that happens around a handover: opening one when a person is asked for (routed to
a team), the migrant's messages going to it while the bot is silent, the operators' actions
(claim, reply, note, transfer, close), escalation of a request nobody claimed, and what the
migrant and the partner organisations are told at each step. Every read of a transcript and
every action is written to the audit log; nothing here logs a number or a text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from urllib.parse import urlparse

import httpx
from redis.asyncio import Redis

from engine import keys
from engine.audit import Audit
from engine.config import Settings
from engine.handover.notices import Notices
from engine.handover.partners import Partners
from engine.handover.records import Handover, Handovers
from engine.handover.routing import LiveRouting
from engine.identity import Contact
from engine.inbox import InboundMessage, Inbox, is_twilio_media, media_redirect_allowed
from engine.insight.events import FEEDBACK, Recorder, record_handover
from engine.lock import SenderLock
from engine.operators import Operator
from engine.outbox import Outbox
from engine.profile import Profile, Profiles
from engine.recent import RecentTurns
from engine.storage import as_text
from engine.window import Window, failure_reason
from remi import cities
from remi.content.library import HANDOVER_CATEGORIES
from remi.i18n import N_
from remi.language.danger import in_danger

log = logging.getLogger("remi.handover")

MEDIA_MAX_BYTES = 16 * 1024 * 1024  # WhatsApp's own limit for media
MEDIA_TYPES = ("image/", "audio/", "video/", "application/pdf")


class NotFound(LookupError):
    """Absent, expired, or not the caller's to see: the routes answer 404 to all three alike."""


class Refused(ValueError):
    """Why the desk said no. `str()` is the English text (the API's answer, logs); the console
    shows `template` in the operator's language, with `params` put in (api/routes/console.py)."""

    def __init__(self, template: str, **params: str):
        super().__init__(template.format(**params))
        self.template, self.params = template, params


class Conflict(Refused):
    """The handover is not in a state that allows this (409)."""


class WindowClosed(Conflict):
    """WhatsApp's 24-hour window is closed: free text would be refused (error 63016)."""

    def __init__(self, message: str, can_invite: bool):
        super().__init__(message)
        self.can_invite = can_invite


class Gone(Refused):
    """The person can no longer be reached (410)."""


def town_of(message: InboundMessage) -> str | None:
    """The town a message tells: a shared location, or a short message that is a town's name."""
    if message.latitude is not None and message.longitude is not None:
        return cities.nearest_city((message.latitude, message.longitude))
    text = message.body.strip()
    return cities.canonical(text) if text and len(text.split()) <= 3 else None


class HandoverDesk:
    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        store: Handovers,
        routing: LiveRouting,
        partners: Partners,
        audit: Audit,
        notices: Notices,
        inbox: Inbox,
        outbox: Outbox,
        profiles: Profiles,
        recent: RecentTurns,
    ):
        self.settings, self.redis, self.store, self.routing = settings, redis, store, routing
        self.partners, self.audit, self.notices = partners, audit, notices
        self.inbox, self.outbox, self.profiles, self.recent = inbox, outbox, profiles, recent
        self.insight: Recorder | None = None  # engine/insight/: set by engine/assembly.py
        self._finishing: set[asyncio.Task] = set()  # replies whose send goes on after the page

    @classmethod
    def build(cls, settings: Settings, redis: Redis, inbox: Inbox, outbox: Outbox, profiles: Profiles) -> HandoverDesk:
        retention = settings.retention_days * 86400
        partners = Partners(
            redis,
            settings.contact_encryption_key,
            retention,
            settings.webhook_max_attempts,
            settings.webhook_backoff_seconds,
            settings.webhook_timeout_seconds,
            production=settings.environment == "production",
        )
        routing, notices = LiveRouting(settings.routing_file), Notices()
        # A broken routing or hours file stops the start with its line, not the first referral.
        routing.get()
        notices.hours()
        return cls(
            settings,
            redis,
            Handovers(redis, retention),
            routing,
            partners,
            Audit(redis, settings.retention_days),
            notices,
            inbox,
            outbox,
            profiles,
            RecentTurns(redis, retention),
        )

    # -- the worker's side: after each conversation turn -------------------------------------
    async def on_turn(self, message: InboundMessage, profile: Profile, outcome) -> None:
        town = town_of(message)
        if town:
            profile.city = town
        lang = profile.reply_language
        if outcome.handover and not profile.handover:
            opened = await self.open(message, profile, outcome.handover)
            profile.handover = opened.id
            outcome.texts.append(self.notices.opened(lang, message.channel))
            return
        if not profile.handover:
            return
        found = await self.store.get(profile.handover)
        handover = found if found is not None and found.status != "closed" else None  # None: over
        if profile.opted_out:
            # STOP while a person had the conversation: nothing more may be sent, so it ends here.
            if handover is not None:
                await self._end(handover, "migrant", "opted_out")
            profile.handover = None
        elif outcome.leave_handover:
            if handover is not None:
                await self._end(handover, "migrant", "migrant_left")
            profile.handover = None
            outcome.texts.append(self.notices.back_to_bot(lang, message.channel))
        elif outcome.to_person:
            if handover is None:
                # Closed while this message waited in the queue: the bot has the conversation again.
                profile.handover = None
                outcome.texts.append(self.notices.back_to_bot(lang, message.channel))
                return
            if not await self.store.has_message(handover.id, message.sid):
                await self.store.append(
                    handover.id,
                    "transcript",
                    {
                        "from": "migrant",
                        "text": message.body,
                        "media": message.media,
                        "media_refused": message.media_refused,
                        "sid": message.sid,
                        "at": message.received_at,
                    },
                )
            contact = await self.inbox.contact(handover.sender)
            if contact is not None:  # the window is open again: replies held by it go out now
                await self.release_held(handover, contact)
            if handover.status == "waiting" and not handover.priority and in_danger(message.body):
                await self.store.raise_priority(handover.id)
                await self._event(handover, "prioritised", "system", note="words of immediate danger")

    async def open(self, message: InboundMessage, profile: Profile, request: dict) -> Handover:
        asked = request.get("category")
        category = asked if isinstance(asked, str) and asked in HANDOVER_CATEGORIES else "general"
        lang = profile.reply_language
        team = self.routing.get().route(category, profile.city, lang)
        handover, new = await self.store.create(
            message.sender,
            message.sid,
            category=category,
            city=profile.city,
            language=lang,
            channel=message.channel,
            priority=bool(request.get("priority")),
            reason=str(request.get("reason") or "requested"),
            team=team.id,
            organisation=team.organisation,
            recent=await self.recent.get(message.sender),
        )
        if new:
            log.info(
                "handover %s opened: %s, team %s%s",
                handover.id,
                category,
                team.id,
                ", priority" if handover.priority else "",
            )
            await self._event(handover, "opened", "system", webhook="referral.created")
        return handover

    # -- operators' side ---------------------------------------------------------------------
    async def visible(self, handover_id: str, operator: Operator) -> Handover:
        handover = await self.store.get(handover_id)
        if handover is None or not operator.can_see(handover.team, handover.organisation):
            raise NotFound(handover_id)
        return handover

    async def queue(self, operator: Operator, status: str | None = None) -> list[Handover]:
        """The caller's visible handovers: waiting ones priority first, then escalated, then oldest."""
        found = []
        for one in [status] if status else ["waiting", "active"]:
            listed = [h for h in await self.store.listed(one) if operator.can_see(h.team, h.organisation)]
            if one == "waiting":
                listed.sort(key=lambda h: (not h.priority, h.escalated_at is None, h.created_at))
            elif one == "active":
                listed.sort(key=lambda h: (not h.priority, h.claimed_at or 0))
            found += listed
        return found

    async def read(self, handover: Handover, operator: Operator) -> dict:
        """The handover with its transcript and notes; every read is audited."""
        await self.audit.record(operator.username, "handover.read", handover.id)
        return {
            "transcript": await self.delivery(await self.store.entries(handover.id, "transcript")),
            "notes": await self.store.entries(handover.id, "notes"),
        }

    async def delivery(self, transcript: list[dict]) -> list[dict]:
        """Each reply's status as Twilio last reported it (status callbacks update the outbox's
        record, not the transcript), with the reason when it was refused: a 63016 shows in the
        transcript as "failed: outside WhatsApp's 24-hour window"."""
        for entry in transcript:
            ref = entry.get("ref")
            if not ref or entry.get("status") == "held":
                continue
            fields = {as_text(k): as_text(v) for k, v in (await self.redis.hgetall(keys.OUT.key(ref))).items()}
            if fields.get("status"):
                entry["status"] = fields["status"]
            error = fields.get("error", "")
            if error and entry["status"] in ("failed", "undelivered", "unknown"):
                entry["reason"] = failure_reason(error.rsplit(" ", 1)[-1]) or error
        return transcript

    async def claim(self, handover: Handover, operator: Operator) -> Handover:
        moved, before = await self.store.move(
            handover.id, "active", ("waiting",), {"assigned_to": operator.username, "claimed_at": f"{time.time():.3f}"}
        )
        current = await self.store.get(handover.id)
        if current is None:
            raise NotFound(handover.id)  # erased meanwhile
        if not moved:
            if current.status == "active" and current.assigned_to == operator.username:
                return current  # claimed twice by the same person: already theirs
            if current.assigned_to:
                raise Conflict(N_("the handover is {state} ({holder})"), state=before, holder=current.assigned_to)
            raise Conflict(N_("the handover is {state}"), state=before)
        await self._event(current, "claimed", operator.username, webhook="referral.claimed")
        return current

    def _must_hold(self, handover: Handover, operator: Operator) -> None:
        if handover.status != "active" or handover.assigned_to != operator.username:
            raise Conflict(N_("claim the handover before you reply"))

    async def reply(
        self, handover: Handover, operator: Operator, text: str, idempotency_key: str = "", invite: bool = False
    ) -> dict:
        """Send the operator's message to the person, on the channel they last wrote from.

        With an idempotency key (the console's form, the API's Idempotency-Key header) a reply
        sent again with the same key — Send pressed twice, a browser or client retrying — is not
        sent again: the first one's entry is returned. The key is kept in the handover's record,
        so it goes with it (closing, erasure).

        Outside WhatsApp's 24-hour window (engine/window.py) free text would be refused:
        WindowClosed says so, and with `invite` the approved invitation template is sent instead
        and the message is held, to go out when the person writes back (`release_held`)."""
        self._must_hold(handover, operator)
        profile = await self.profiles.load(handover.sender)
        if profile.opted_out:
            raise Conflict(N_("the person has opted out (STOP): nothing more may be sent"))
        contact = await self.inbox.contact(handover.sender)
        if contact is None:
            raise Gone(N_("the person can no longer be reached (their data was erased or has expired)"))
        record, field = self.store.key(handover.id), f"reply-key:{idempotency_key[:80]}"
        if idempotency_key and not await self.redis.hsetnx(record, field, "sending"):
            earlier = as_text(await self.redis.hget(record, field) or b"")
            if earlier.startswith("{"):
                return json.loads(earlier)
            raise Conflict(N_("this reply is being sent already"))
        remembered = (record, field) if idempotency_key else None
        try:
            window = await Window(self.redis).state(handover.sender, contact.channel)
            if not window.open:
                entry = await self._hold_reply(handover, operator, text, contact, invite)
                if remembered:
                    await self.redis.hset(*remembered, json.dumps(entry, ensure_ascii=False))
                return entry
            return await self._send_reply(handover, operator, text, contact, remembered)
        except BaseException:
            # Not started (the key still says "sending", not the entry): the same key may try again.
            if idempotency_key and as_text(await self.redis.hget(record, field) or b"") == "sending":
                await self.redis.hdel(record, field)
            raise

    def invitation_sid(self, language: str) -> str:
        return self.settings.whatsapp_invitation_content_sids.get(language, "")

    async def _hold_reply(self, handover: Handover, operator: Operator, text: str, contact, invite: bool) -> dict:
        sid = self.invitation_sid(handover.language)
        if not invite:
            raise WindowClosed(
                N_(
                    "more than 24 hours have passed since the person last wrote: WhatsApp refuses free text until"
                    " they write again"
                ),
                can_invite=bool(sid),
            )
        if not sid:
            raise WindowClosed(N_("no approved invitation template is set for this language"), can_invite=False)
        n = await self.store.next_reply_number(handover.id)
        team = self.routing.get().team(handover.team)
        status = await self.outbox.send(
            handover.sender,
            contact,
            "",
            ref=f"handover:{handover.id}:{n}",
            urgent=True,
            template=(sid, {"1": team.name if team else handover.organisation}),
        )
        await self._event(handover, "invited", operator.username, status=status)
        ref = f"handover:{handover.id}:{n}h"
        entry = {
            "from": "operator",
            "by": operator.username,
            "text": text,
            "channel": contact.channel,
            "status": "held",
            "ref": ref,
            "at": time.time(),
        }
        index = await self.store.append(handover.id, "transcript", entry)
        await self.redis.hset(self.store.key(handover.id), f"held:{ref}", str(index))
        await self.audit.record(operator.username, "handover.message", handover.id, status="held")
        return entry

    async def release_held(self, handover: Handover, contact) -> int:
        """The person wrote back: the replies held by the closed window go out now, in order."""
        record = self.store.key(handover.id)
        held = sorted(
            ((as_text(k).removeprefix("held:"), int(v)) for k, v in (await self.redis.hgetall(record)).items()
             if as_text(k).startswith("held:")),
            key=lambda pair: pair[1],
        )  # fmt: skip
        sent = 0
        for ref, index in held:
            if not await self.redis.hdel(record, f"held:{ref}"):
                continue  # another worker released it
            entries = await self.store.entries(handover.id, "transcript")
            if index >= len(entries):
                continue
            entry = entries[index]
            status = await self.outbox.send(handover.sender, contact, entry["text"], ref=ref, urgent=True)
            entry |= {"status": status, "released_at": time.time()}
            await self.store.replace(handover.id, "transcript", index, entry)
            sent += 1
        return sent

    async def _send_reply(
        self,
        handover: Handover,
        operator: Operator,
        text: str,
        contact: Contact,
        remembered: tuple[str, str] | None,
    ) -> dict:
        """The reply goes into the transcript as "sending" before Twilio is called, and the page
        is answered within REPLY_ANSWER_WITHIN_SECONDS: a slow Twilio (up to SEND_MAX_ATTEMPTS
        tries) never keeps the operator's request past the proxy's timeout, where a 504 would
        invite Send again. The send goes on; its status replaces "sending" when it ends."""
        n = await self.store.next_reply_number(handover.id)
        ref = f"handover:{handover.id}:{n}"
        entry: dict = {
            "from": "operator",
            "by": operator.username,
            "text": text,
            "ref": ref,
            "channel": contact.channel,
            "status": "sending",
            "at": time.time(),
        }
        index = await self.store.append(handover.id, "transcript", entry)
        if remembered:  # from here a repeat with the same key gets this entry, never a second send
            await self.redis.hset(*remembered, json.dumps(entry, ensure_ascii=False))
        # urgent: a person answering is never cut off by the daily cap on the bot's replies.
        sending = self.outbox.send(handover.sender, contact, text, ref=ref, urgent=True)
        finishing = asyncio.create_task(
            self._record_status(handover.id, index, entry, sending, operator.username, remembered)
        )
        self._finishing.add(finishing)
        finishing.add_done_callback(self._finishing.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(finishing), self.settings.reply_answer_within_seconds)
        except TimeoutError:
            return dict(entry)  # still "sending": the transcript will say how it ended

    async def _record_status(
        self, handover_id: str, index: int, entry: dict, sending, username: str, remembered: tuple[str, str] | None
    ) -> dict:
        try:
            status = await sending
        except Exception:
            log.exception("an operator's reply could not be sent")
            status = "failed"
        entry = entry | {"status": status}
        if await self.store.replace(handover_id, "transcript", index, entry) and remembered:
            await self.redis.hset(*remembered, json.dumps(entry, ensure_ascii=False))
        await self.audit.record(username, "handover.message", handover_id, status=status)
        return entry

    async def drain(self, timeout: float = 20) -> None:
        """Let replies still being sent end (at shutdown), at most `timeout` seconds."""
        if self._finishing:
            await asyncio.wait(set(self._finishing), timeout=timeout)

    async def note(self, handover: Handover, operator: Operator, text: str) -> dict:
        entry = {"by": operator.username, "text": text, "at": time.time()}
        await self.store.append(handover.id, "notes", entry)
        await self.audit.record(operator.username, "handover.note", handover.id)
        return entry

    async def transfer(self, handover: Handover, operator: Operator, team_id: str) -> Handover:
        team = self.routing.get().team(team_id)
        if team is None:
            raise Refused(N_("no team {team}"), team=team_id)
        if team.id == handover.team:
            raise Conflict(N_("the handover is already with {team}"), team=team.id)
        if handover.status == "closed":
            raise Conflict(N_("the handover is {state}"), state="closed")
        if handover.status == "active" and handover.assigned_to != operator.username and not operator.oversees:
            raise Conflict(N_("the handover is held by {holder}"), holder=handover.assigned_to or "")
        moved, before = await self.store.move(
            handover.id,
            "waiting",
            (handover.status,),
            {
                "team": team.id,
                "organisation": team.organisation,
                "assigned_to": "",
                "claimed_at": "",
                "escalated_at": "",
                "waiting_since": f"{time.time():.3f}",
            },
            held_by=handover.assigned_to or "",
        )
        if not moved:
            raise Conflict(N_("the handover changed meanwhile (now {state}): reload it"), state=before or "gone")
        current = await self.store.get(handover.id) or handover
        await self._event(
            current,
            "transferred",
            operator.username,
            webhook="referral.transferred",
            webhook_org=handover.organisation,
            from_team=handover.team,
            to_team=team.id,
        )
        if team.organisation != handover.organisation:
            await self.partners.notify(
                team.organisation, "referral.created", current.summary(), transferred_from=handover.team
            )
        return current

    async def close(self, handover: Handover, operator: Operator) -> Handover:
        if handover.status == "closed":
            raise Conflict(N_("the handover is {state}"), state="closed")
        if handover.status == "active" and handover.assigned_to != operator.username and not operator.oversees:
            raise Conflict(N_("the handover is held by {holder}"), holder=handover.assigned_to or "")
        current = await self._end(handover, operator.username, "closed")
        # The bot answers again: clear the person's profile under their lock (a turn in progress
        # must not save the old handover back), then tell them.
        if not (await self._release_profile(handover.sender, handover.id)).opted_out:
            # With one short question; the answer is a conversation step (engine/conversation.py, feedback).
            await self._tell(handover, self.notices.closed_with_question, "closed")
        return current

    async def _end(self, handover: Handover, actor: str, reason: str) -> Handover:
        moved, before = await self.store.move(
            handover.id,
            "closed",
            ("waiting", "active"),
            {"closed_at": f"{time.time():.3f}", "closed_by": actor, "close_reason": reason},
        )
        if not moved:
            raise Conflict(N_("the handover is {state}"), state=before or "gone")
        current = await self.store.get(handover.id) or handover
        await self._event(current, "closed", actor, webhook="referral.closed", reason=reason)
        return current

    async def _release_profile(self, sender: str, handover_id: str) -> Profile:
        """Clear the handover from the person's profile, under the worker's per-sender lock;
        returns the profile. If their conversation stays busy, the next turn sees the handover
        closed and clears it itself (on_turn)."""
        lock = SenderLock(self.redis, sender)
        locked = await lock.acquire_within(10.0)
        try:
            profile = await self.profiles.load(sender)
            if locked and profile.handover == handover_id:
                profile.handover = None
                profile.awaiting = f"{FEEDBACK}{handover_id}"  # a digit 1-5 next scores this handover
                await self.profiles.save(profile)
            return profile
        finally:
            if locked:
                await lock.release()

    async def _reachable(self, sender: str, contact: Contact) -> Contact:
        """Where a notice the person did not just ask for can go (still waiting, closed with the
        question): by WhatsApp inside its 24-hour window (engine/window.py), else by SMS to the
        same number, which has no window."""
        if contact.channel == "whatsapp" and not (await Window(self.redis).state(sender, "whatsapp")).open:
            return Contact(contact.address.removeprefix("whatsapp:"), "sms")
        return contact

    async def _tell(self, handover: Handover, notice, what: str) -> None:
        contact = await self.inbox.contact(handover.sender)
        if contact is None:
            return
        contact = await self._reachable(handover.sender, contact)
        suffix = f"{what}:{int(handover.waiting_since)}" if what == "escalated" else what
        await self.outbox.send(
            handover.sender,
            contact,
            notice(handover.language, contact.channel),
            ref=f"handover:{handover.id}:{suffix}",
            urgent=True,
        )

    async def _event(
        self,
        handover: Handover,
        event: str,
        actor: str,
        webhook: str | None = None,
        webhook_org: str | None = None,
        **details: str,
    ) -> None:
        """One step in the handover's life: in its transcript, the audit log, and the webhook."""
        by = None if actor in ("system", "migrant") else actor  # operators only: the person is never named
        await self.store.append(handover.id, "transcript", {"from": "system", "event": event, "by": by} | details)
        await self.audit.record(actor, f"handover.{event}", handover.id, **details)
        if self.insight is not None:
            record_handover(self.insight, event, handover)
        if webhook:
            await self.partners.notify(webhook_org or handover.organisation, webhook, handover.summary(), **details)

    # -- media -------------------------------------------------------------------------------
    async def media(self, handover: Handover, operator: Operator, entry: int, n: int) -> tuple[bytes, str]:
        """A photo or voice note of the transcript, fetched from Twilio with the account's
        credentials, only from Twilio's hosts."""
        entries = await self.store.entries(handover.id, "transcript")
        try:
            item = entries[entry]["media"][n] if entry >= 0 and n >= 0 else None
        except (IndexError, KeyError, TypeError):
            item = None
        if not item or not is_twilio_media(item.get("url", "")):
            raise NotFound("no such media")
        url = item["url"]
        if urlparse(url).hostname == "api.twilio.com":
            # Through TWILIO_API_BASE_URL, as replies are: the same Twilio in production, the
            # stand-in in tests.
            url = self.settings.twilio_api_base_url.rstrip("/") + urlparse(url).path
        auth = (self.settings.twilio_account_sid, self.settings.twilio_auth_token)
        chunks, size = [], 0
        first = httpx.URL(url).netloc

        async def only_twilio(request: httpx.Request) -> None:
            # Twilio hands media over to its CDN by a redirect: followed there and nowhere else
            # (httpx drops the credentials on another host; this keeps the request itself in).
            if request.url.netloc != first and not media_redirect_allowed(str(request.url)):
                raise Gone(N_("the media was redirected outside Twilio's hosts"))

        async with httpx.AsyncClient(
            timeout=30, follow_redirects=True, max_redirects=3, event_hooks={"request": [only_twilio]}
        ) as http:
            async with http.stream("GET", url, auth=auth) as response:
                if response.status_code != 200:
                    raise Gone(N_("Twilio answered {code} for this media"), code=str(response.status_code))
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MEDIA_MAX_BYTES:
                        raise Gone(N_("the media is larger than 16 MB"))
                    chunks.append(chunk)
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        await self.audit.record(operator.username, "handover.media", handover.id, entry=str(entry))
        return b"".join(chunks), kind if kind.startswith(MEDIA_TYPES) else "application/octet-stream"

    # -- in the background of the worker process ---------------------------------------------
    async def escalate_due(self) -> int:
        """Raise to supervisors the waiting handovers nobody claimed in time, and tell each
        person they are still waiting; each waiting period is escalated once."""
        cutoff = time.time() - self.settings.handover_escalate_minutes * 60
        count = 0
        for handover_id in await self.store.waiting_since_before(cutoff):
            if not await self.store.mark_escalated(handover_id):
                continue
            handover = await self.store.get(handover_id)
            if handover is None:
                continue
            count += 1
            log.warning(
                "handover %s unclaimed for over %d minutes: escalated to supervisors",
                handover.id,
                self.settings.handover_escalate_minutes,
            )
            await self._event(handover, "escalated", "system", webhook="referral.escalated")
            if not (await self.profiles.load(handover.sender)).opted_out:
                await self._tell(handover, self.notices.still_waiting, "escalated")
        return count

    async def run(self, stopping: asyncio.Event) -> None:
        await asyncio.gather(self._escalations(stopping), self.partners.run(stopping))

    async def _escalations(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await self.escalate_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis away: try again at the next sweep
                log.warning("escalation sweep: %s", type(exc).__name__)
            await asyncio.sleep(self.settings.handover_sweep_seconds)

    async def erase_sender(self, sender: str) -> int:
        """Delete every handover record of one person (called by the erasure feature)."""
        return await self.store.erase_sender(sender)
