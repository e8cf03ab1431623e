"""Handovers through the real stack: a migrant asks for a person, the referral waits in the right
team's queue, an operator claims it and answers through Twilio, the bot stays silent while the
person has the conversation, and answers again once it is closed. Read as transcripts: what the
phone sends and receives, and what the operators see.

The tests' routing (tests/support/routing.yml): protection → `protection` (organisation
`partner`), Hausa → `hotline-ha`, anything else → `hotline` (organisation `remi`)."""

from __future__ import annotations

import re
import threading
import time

import httpx
import redis

from tests.support.operators import PASSWORD, claimed_handover, console_client, operator
from tests.support.system import ACCOUNT_SID, new_number


def wait_until(check, timeout: float = 20, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"not true after {timeout:.0f}s")


def audit_actions(system, handover_id: str) -> list[tuple[str, str]]:
    r = redis.Redis.from_url(system.redis_url)
    rows = r.xrange("remi:audit")
    return [(f[b"actor"].decode(), f[b"action"].decode()) for _, f in rows if f[b"target"].decode() == handover_id]


def test_hausa_request_for_a_person_is_answered_by_the_hausa_team_then_the_bot_takes_back(system):
    hausa = operator(system, "hotline-ha")
    french = operator(system, "hotline")
    number = new_number()
    before = hausa.ids()

    system.converse("Sannu", number)
    notice = "\n".join(system.converse("ina son magana da mutum", number))
    assert "ku rubuta BOT" in notice  # in Hausa: a person will answer, and how to go back to the bot

    handover = hausa.new_handover(before)
    assert (handover["language"], handover["team"], handover["status"]) == ("ha", "hotline-ha", "waiting")
    assert handover["category"] == "general" and handover["assigned_to"] is None
    assert handover["id"] not in french.ids()  # another team's queue does not show it
    hid = handover["id"]
    detail = hausa.detail(hid)
    assert any(e["from"] == "migrant" and e["text"] == "ina son magana da mutum" for e in detail["recent"])

    claimed = hausa.post(f"/api/v1/handovers/{hid}/claim")
    assert claimed.status_code == 200 and claimed.json()["assigned_to"] == hausa.username

    sent_before = len(system.twilio.sent_to(number))
    reply = hausa.post(f"/api/v1/handovers/{hid}/messages", json={"text": "Sannu, ina aiki da Re.Mi. Me ya faru?"})
    assert reply.status_code == 201, reply.text
    received = system.twilio.wait_for(number, sent_before + 1)
    assert received[-1].body == "Sannu, ina aiki da Re.Mi. Me ya faru?"

    # The migrant's next message goes to the person: in the transcript, and no answer from the bot.
    silent_from = len(system.twilio.sent_to(number))
    system.send("An kama dan'uwana a Agadez", number)
    wait_until(
        lambda: any(
            e["from"] == "migrant" and e["text"] == "An kama dan'uwana a Agadez"
            for e in hausa.detail(hid)["transcript"]
        )
    )
    time.sleep(2)
    assert len(system.twilio.sent_to(number)) == silent_from

    closed = hausa.post(f"/api/v1/handovers/{hid}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    told = system.twilio.wait_for(number, silent_from + 1)[-1].body
    assert "ku rubuta MENU" in told  # in Hausa: the person ended it, the bot answers again

    menu = "\n".join(system.converse("menu", number))
    assert "1 Hakkoki" in menu
    actions = {action for _, action in audit_actions(system, hid)}
    assert {"handover.opened", "handover.read", "handover.claimed", "handover.message", "handover.closed"} <= actions


def test_of_operators_claiming_at_once_exactly_one_wins(system):
    team = [operator(system, "hotline") for _ in range(4)]
    number = new_number()
    before = team[0].ids()
    system.converse("Bonjour", number)
    system.converse("4", number)  # 4 Parler à quelqu'un
    hid = team[0].new_handover(before)["id"]

    start = threading.Barrier(len(team))
    statuses: dict[str, int] = {}

    def claim(client):
        start.wait()
        statuses[client.username] = client.post(f"/api/v1/handovers/{hid}/claim").status_code

    threads = [threading.Thread(target=claim, args=(c,)) for c in team]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses.values()) == [200, 409, 409, 409]
    winner = next(name for name, status in statuses.items() if status == 200)
    assert team[0].detail(hid)["assigned_to"] == winner


def test_an_operator_of_another_team_gets_404_on_every_endpoint(system):
    protection = operator(system, "protection")
    outsider = operator(system, "hotline")
    outsider_supervisor = operator(system, "hotline", role="supervisor")  # organisation remi, not partner
    partner_supervisor = operator(system, "legal-niamey", role="supervisor")  # organisation partner
    number = new_number()
    before = protection.ids()
    system.converse("Bonjour", number)
    system.converse("au secours on me frappe", number)  # words of danger: emergency, protection, priority
    handover = protection.new_handover(before)
    assert handover["priority"] and handover["category"] == "protection"
    hid = handover["id"]

    same_organisation = operator(system, "legal-niamey")  # partner's too, but another team
    for client in (outsider, outsider_supervisor, same_organisation):
        assert hid not in client.ids()
        calls = [
            client.get(f"/api/v1/handovers/{hid}"),
            client.post(f"/api/v1/handovers/{hid}/claim"),
            client.post(f"/api/v1/handovers/{hid}/messages", json={"text": "hello"}),
            client.post(f"/api/v1/handovers/{hid}/notes", json={"text": "a note"}),
            client.post(f"/api/v1/handovers/{hid}/transfer", json={"team": "hotline"}),
            client.post(f"/api/v1/handovers/{hid}/close"),
            client.get(f"/api/v1/handovers/{hid}/media/0/0"),
        ]
        assert [c.status_code for c in calls] == [404] * len(calls)
        assert calls[0].json() == client.get("/api/v1/handovers/0123456789abcdef").json()  # as if absent
        # The console's routes too, signed in with a real session and its CSRF token.
        console = httpx.Client(base_url=system.api_url, timeout=30)
        assert (
            console.post("/console/sign-in", data={"username": client.username, "password": PASSWORD}).status_code
            == 303
        )
        csrf = re.search(r'name="csrf" value="([^"]+)"', console.get("/console/queue").text).group(1)
        pages = [
            console.get(f"/console/handovers/{hid}"),
            console.get(f"/console/handovers/{hid}/media/0/0"),
            *(console.post(f"/console/handovers/{hid}/{a}", data={"csrf": csrf, "text": "x", "team": "hotline"})
              for a in ("claim", "reply", "note", "transfer", "close")),
        ]  # fmt: skip
        assert [p.status_code for p in pages] == [404] * len(pages)

    # Nothing happened to it; its own organisation's supervisor sees it.
    assert hid in partner_supervisor.ids()
    seen = protection.detail(hid)
    assert seen["status"] == "waiting" and seen["notes"] == [] and seen["assigned_to"] is None
    assert not [e for e in seen["transcript"] if e["from"] == "operator"]


def test_unclaimed_handover_is_escalated_and_the_migrant_told_it_still_waits(system):
    hotline = operator(system, "hotline")
    supervisor = operator(system, "hotline", role="supervisor")
    number = new_number()
    before = hotline.ids()
    system.converse("Hello", number)
    system.converse("4", number)
    hid = hotline.new_handover(before)["id"]
    assert not hotline.detail(hid)["escalated"]
    count = len(system.twilio.sent_to(number))

    # As if it had waited longer than HANDOVER_ESCALATE_MINUTES (30): the worker's sweep does the rest.
    redis.Redis.from_url(system.redis_url).zadd("remi:handovers:waiting", {hid: time.time() - 31 * 60})
    told = system.twilio.wait_for(number, count + 1)[-1].body
    assert "still waiting" in told and "BOT" in told
    flagged = wait_until(lambda: [h for h in supervisor.get("/api/v1/handovers").json() if h["id"] == hid])
    assert flagged[0]["escalated"]
    time.sleep(1.5)  # escalated once, not at every sweep
    assert len(system.twilio.sent_to(number)) == count + 1


def test_bot_keyword_gives_the_conversation_back_to_the_bot(system):
    hotline = operator(system, "hotline")
    number = new_number()
    before = hotline.ids()
    system.converse("Bonjour", number)
    system.converse("4", number)
    hid = hotline.new_handover(before)["id"]
    back = "\n".join(system.converse("ROBOT", number))
    assert "service automatique" in back and "MENU" in back
    detail = hotline.detail(hid)
    assert detail["status"] == "closed"
    assert any(e["event"] == "closed" and e["details"].get("reason") == "migrant_left" for e in detail["transcript"])
    assert "1 Droits" in "\n".join(system.converse("menu", number))


def test_voice_note_in_the_transcript_is_played_through_the_api_from_twilio(system):
    hotline = operator(system, "hotline")
    number = new_number()
    before = hotline.ids()
    system.converse("Bonjour", number)
    system.converse("4", number)
    hid = hotline.new_handover(before)["id"]
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{'a' * 32}/Media/ME{'b' * 32}"
    system.twilio.media[path] = ("audio/ogg", b"OggS-voice-note")
    system.send("", number, NumMedia="1", MediaUrl0="https://api.twilio.com" + path, MediaContentType0="audio/ogg")
    entry = wait_until(lambda: [e for e in hotline.detail(hid)["transcript"] if e["media"]])[0]
    assert entry["media"][0]["type"] == "audio/ogg" and "twilio" not in entry["media"][0]["url"]
    played = hotline.get(entry["media"][0]["url"])
    assert played.status_code == 200 and played.content == b"OggS-voice-note"
    assert played.headers["content-type"] == "audio/ogg"
    assert hotline.get(entry["media"][0]["url"].rsplit("/", 1)[0] + "/5").status_code == 404


def test_operator_api_rejects_wrong_passwords_and_missing_tokens(system):
    bad = system.http.post(system.api_url + "/api/v1/auth/token", data={"username": "nobody", "password": "x" * 12})
    assert bad.status_code == 401
    assert system.http.get(system.api_url + "/api/v1/handovers").status_code == 401
    forged = system.http.get(system.api_url + "/api/v1/handovers", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401


def test_operator_api_is_rate_limited_per_operator(system):
    busy, other = operator(system, "hotline"), operator(system, "hotline")
    limit = 120  # OPERATOR_API_PER_MINUTE's default
    statuses = []
    with httpx.Client(timeout=20) as http:
        for _ in range(2 * limit + 5):  # two windows at most, should a minute turn during the test
            statuses.append(
                http.get(
                    system.api_url + "/api/v1/teams", headers={"Authorization": f"Bearer {busy.token}"}
                ).status_code
            )
            if statuses[-1] == 429:
                break
    assert statuses[-1] == 429 and limit <= statuses.count(200) < 2 * limit
    assert other.get("/api/v1/teams").status_code == 200  # per operator: a colleague is not held up


def test_transfer_sends_the_handover_to_the_other_teams_queue_with_its_notes(system):
    hotline = operator(system, "hotline")
    protection = operator(system, "protection")
    number = new_number()
    before = hotline.ids()
    system.converse("Bonjour", number)
    system.converse("4", number)
    hid = hotline.new_handover(before)["id"]
    assert hotline.post(f"/api/v1/handovers/{hid}/claim").status_code == 200
    note = hotline.post(f"/api/v1/handovers/{hid}/notes", json={"text": "Violence à Agadez: pour l'équipe protection"})
    assert note.status_code == 201
    assert hotline.post(f"/api/v1/handovers/{hid}/transfer", json={"team": "nobody"}).status_code == 422
    moved = hotline.post(f"/api/v1/handovers/{hid}/transfer", json={"team": "protection"})
    assert moved.status_code == 200 and moved.json()["status"] == "waiting" and moved.json()["assigned_to"] is None

    assert hotline.get(f"/api/v1/handovers/{hid}").status_code == 404  # now another organisation's
    assert hid in protection.ids()
    detail = protection.detail(hid)
    assert [n["text"] for n in detail["notes"]] == ["Violence à Agadez: pour l'équipe protection"]
    transfer = [e for e in detail["transcript"] if e["event"] == "transferred"][0]
    assert transfer["by"] == hotline.username and transfer["details"]["to_team"] == "protection"


def test_operators_cli_refuses_an_unknown_team_a_short_password_and_a_taken_name(system):
    import subprocess
    import sys

    from tests.support.operators import add_operator
    from tools.stack import ROOT

    def add(name: str, team: str, password: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "tools.cli", "operators", "add", name, "--team", team],
            input=password + "\n",
            env=system.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )

    unknown = add("someone", "nowhere", PASSWORD)
    assert unknown.returncode == 1 and "no team 'nowhere'" in unknown.stderr and "hotline-ha" in unknown.stderr
    short = add("someone", "hotline", "short")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    taken = add_operator(system, "hotline")
    again = add(taken, "hotline", PASSWORD)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert PASSWORD not in unknown.stdout + unknown.stderr + short.stdout + again.stdout


def test_a_reply_sent_twice_with_one_idempotency_key_reaches_the_phone_once(system):
    """Send pressed twice, or a client retrying after a timeout: the API's Idempotency-Key (and
    the console's form key) send the message once and answer the repeat with the first entry."""
    desk, number, hid = claimed_handover(system)

    sent_before = len(system.twilio.sent_to(number))
    headers = {"Idempotency-Key": "send-1"}
    body = {"text": "Bonjour, je suis conseillère. Où êtes-vous ?"}
    results: list[httpx.Response] = []
    pressers = [
        threading.Thread(
            target=lambda: results.append(desk.post(f"/api/v1/handovers/{hid}/messages", json=body, headers=headers))
        )
        for _ in range(2)
    ]
    for presser in pressers:
        presser.start()
    for presser in pressers:
        presser.join()
    again = desk.post(f"/api/v1/handovers/{hid}/messages", json=body, headers=headers)
    assert again.status_code == 201 and again.json()["text"] == body["text"]
    assert sorted(r.status_code for r in results) in ([201, 201], [201, 409])  # at once: one sends, one waits
    system.twilio.wait_for(number, sent_before + 1)
    time.sleep(1.5)
    assert len(system.twilio.sent_to(number)) == sent_before + 1
    ours = [e for e in desk.detail(hid)["transcript"] if e.get("from") == "operator"]
    assert len(ours) == 1

    other = desk.post(f"/api/v1/handovers/{hid}/messages", json=body, headers={"Idempotency-Key": "send-2"})
    assert other.status_code == 201  # another key is another message
    system.twilio.wait_for(number, sent_before + 2)


def test_the_console_reply_form_sent_twice_sends_once(system):
    """The console's reply form carries a key made for that page: sending the same form again
    (a double click, a browser resubmitting) shows the page and sends nothing more."""

    desk, number, hid = claimed_handover(system)

    browser = console_client(system, desk.username)
    page = browser.get(f"/console/handovers/{hid}").text
    form = {
        "csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1),
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1),
        "text": "Bonjour, je suis là. Dans quelle ville êtes-vous ?",
    }
    sent_before = len(system.twilio.sent_to(number))
    for _ in range(2):
        assert browser.post(f"/console/handovers/{hid}/reply", data=form).status_code in (200, 303)
    system.twilio.wait_for(number, sent_before + 1)
    time.sleep(1.5)
    assert len(system.twilio.sent_to(number)) == sent_before + 1


def test_a_slow_twilio_does_not_hold_the_reply_page_and_the_page_shows_the_status(system):
    """Twilio answering after 10 s (longer than REPLY_ANSWER_WITHIN_SECONDS, 8 s): the reply is
    answered "sending" instead of waiting into the proxy's timeout, a repeat with the same key
    sends nothing more, and the transcript (API and console page) gets Twilio's answer when it ends."""

    desk, number, hid = claimed_handover(system)
    browser = console_client(system, desk.username)

    sent_before = len(system.twilio.sent_to(number))
    body, headers = {"text": "Bonjour, je vous lis. Où êtes-vous ?"}, {"Idempotency-Key": "slow-1"}
    system.twilio.delay = 10.0
    try:
        first = desk.post(f"/api/v1/handovers/{hid}/messages", json=body, headers=headers)
        assert first.status_code == 201 and first.json()["status"] == "sending", first.text
        again = desk.post(f"/api/v1/handovers/{hid}/messages", json=body, headers=headers)
        assert again.status_code == 201 and again.json()["status"] == "sending"
        assert 'class="badge">en cours d&#39;envoi<' in browser.get(f"/console/handovers/{hid}").text
        form = browser.get(f"/console/handovers/{hid}").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        resent = browser.post(  # the console's own form, sent again with the API's key: no new send
            f"/console/handovers/{hid}/reply",
            data={"csrf": csrf, "idempotency_key": "slow-1", "text": body["text"]},
            follow_redirects=True,
        )
        assert "votre réponse est en cours d&#39;envoi" in resent.text, resent.text  # the console speaks French
        system.twilio.wait_for(number, sent_before + 1)
    finally:
        system.twilio.delay = 0.0

    def reply_status() -> str:
        ours = [e for e in desk.detail(hid)["transcript"] if e.get("from") == "operator"]
        assert len(ours) == 1
        return ours[0]["status"]

    deadline = time.monotonic() + 10
    while reply_status() == "sending" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert reply_status() in ("queued", "sent", "delivered")  # Twilio took it
    assert 'class="badge">en cours d&#39;envoi<' not in browser.get(f"/console/handovers/{hid}").text
    time.sleep(1)
    assert len(system.twilio.sent_to(number)) == sent_before + 1


def test_media_redirected_outside_twilio_is_not_followed(system):
    """Twilio answers a media request with a redirect to its CDN; a redirect anywhere else (here
    a server on this machine, as an internal service would be) is refused before any request."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits = []

    class Internal(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"secret")

        def log_message(self, *args):
            pass

    internal = ThreadingHTTPServer(("127.0.0.1", 0), Internal)
    threading.Thread(target=internal.serve_forever, daemon=True).start()
    hotline = operator(system, "hotline")
    number, before = new_number(), hotline.ids()
    system.converse("Bonjour", number)
    system.converse("4", number)
    hid = hotline.new_handover(before)["id"]
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{'c' * 32}/Media/ME{'d' * 32}"
    system.twilio.media_redirects[path] = f"http://127.0.0.1:{internal.server_address[1]}/latest/meta-data"
    system.send("", number, NumMedia="1", MediaUrl0="https://api.twilio.com" + path, MediaContentType0="image/jpeg")
    entry = wait_until(lambda: [e for e in hotline.detail(hid)["transcript"] if e["media"]])[0]
    played = hotline.get(entry["media"][0]["url"])
    internal.shutdown()
    assert played.status_code == 410 and hits == []
