"""Every operation of the API's own OpenAPI (/openapi.json), over HTTP, with real ids and hostile
values, as each kind of caller: nobody, an operator of each of two teams of one organisation,
an operator and a supervisor of the other organisation, a supervisor and an administrator.

The world is real and of its own: an API process with its worker on a Redis database of its own
(3), so that its operator limit can be set out of the way (OPERATOR_API_PER_MINUTE) and the
sign-in limits the fuzzing spends reach no other test; three people who asked for a person (a
handover in each of `hotline` and `hotline-ha`, organisation `remi`, and in `protection`,
organisation `partner`), each of whom wrote a word of their own into their transcript; alerts;
the partner's webhook; accounts that the account operations may disable, reset and remove.

For each operation Hypothesis draws bodies and query strings (schemathesis's, a valid one, a
valid one with one string made hostile) and a hostile value, and each is sent by every caller to
every real id and to the hostile one. Whatever is sent:
- never a 5xx, and no 429 (the limit is out of the way: the fuzzing reaches the code);
- no phone number of the world's people in any body;
- nothing of a handover the caller may not see (its id or its person's word), nor the partner's
  webhook address, in any body; an id they may not see answers 404, like one that does not exist;
- a hostile id never answers 2xx;
- every 4xx says what is wrong: JSON {"detail": a text, or a list of {loc, msg}}.
And each operation answered 2xx at least once (so it was reached, not just refused).

(schemathesis.pytest.from_fixture does not run under pytest 9, so the operations are walked
here, each with its own Hypothesis run.)"""

from __future__ import annotations

import dataclasses
import random
import string
import time
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
import redis
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import keys
from tests.support import parts
from tests.support.operators import PASSWORD, OperatorClient, add_operator, sign_in
from tests.support.system import System, new_number
from tests.support.traces import number_forms

DB = 3
EXAMPLES = 5  # per operation; each example is sent by every caller to every id

HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "null",
    "../../../etc/passwd",
    "..%2F..%2Fadmin",
    "%00",
    "\x00",
    "a\u202eb\u200d",
    "*",
    "remi:*",
    "[a-z]*?",
    "' OR '1'='1' --",
    "\") redis.call('FLUSHALL') --",
    "<script>alert(1)</script>",
    "{{7*7}}${7*7}",
    "\r\nX-Injected: 1",
    "é" * 3000,
    "🙂" * 300,
    "x" * 9000,
]
# A number nobody in this world has: the erasure may be asked for it (0 records).
UNKNOWN_PHONE = "+22799999999"
NEW_PASSWORD = "another long test passphrase"

VALID_BODIES: dict[str, dict] = {
    "POST /api/v1/handovers/{handover_id}/messages": {"text": "Bonjour, je suis là pour vous aider."},
    "POST /api/v1/handovers/{handover_id}/notes": {"text": "à rappeler demain"},
    "POST /api/v1/handovers/{handover_id}/transfer": {"team": "hotline"},
    "PUT /api/v1/organisations/{organisation}/webhook": {"url": "https://partner.example.org/hook"},
    "POST /api/v1/admin/erasures": {"phone": UNKNOWN_PHONE},
    "POST /api/v1/admin/operators/{username}/password": {"password": NEW_PASSWORD},
    "POST /api/v1/alerts/preview": {"towns": ["Agadez"], "texts": {"fr": "Route fermée", "en": "Road closed"}},
    "POST /api/v1/alerts": {"towns": ["Agadez"], "texts": {"fr": "Route fermée", "en": "Road closed"}},
}
# Never 2xx from here: unsigned webhooks are refused, no transcript holds a photo, and signing out
# is tried with forged tokens only (a real one would end the callers' sessions; see the end).
NEVER_OK = {
    "POST /webhooks/twilio/messages",
    "POST /webhooks/twilio/status",
    "GET /api/v1/handovers/{handover_id}/media/{entry}/{n}",
    "POST /api/v1/auth/revoke",
}


def letters() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=12))


@dataclass
class Caller:
    name: str
    client: OperatorClient | None  # None: nobody signed in
    role: str = ""
    team: str = ""
    organisation: str = ""

    def can_see(self, team: str, organisation: str) -> bool:  # the rule the API promises
        if self.role == "admin":
            return True
        if self.role == "supervisor":
            return organisation == self.organisation
        return bool(self.team) and team == self.team

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.client.token}"} if self.client else {}


@dataclass
class Person:
    number: str
    word: str  # written by the person only: in their handover's transcript
    handover: str
    team: str
    organisation: str


@dataclass
class World:
    system: System
    callers: list[Caller]
    people: list[Person]
    alerts: list[str]
    victims: list[str]
    webhook_marker: str
    redis: redis.Redis
    leaver: OperatorClient  # for the test of signing out
    signer: str  # an account the sign-in operation may sign in

    def where(self, person: Person) -> tuple[str, str]:
        """The handover's team and organisation now (a transfer moves it)."""
        team, organisation = self.redis.hmget(keys.HANDOVER.key(person.handover), "team", "organisation")
        return (team or b"").decode(), (organisation or b"").decode()


@pytest.fixture(scope="module")
def world(system) -> World:
    child, url = parts.start_api(
        system,
        "api-fuzz",
        REDIS_URL=f"redis://127.0.0.1:{system.redis_port}/{DB}",
        OPERATOR_API_PER_MINUTE="1000000",
        API_WORKER="true",
    )
    own = dataclasses.replace(
        system, env=system.env | {"REDIS_URL": f"redis://127.0.0.1:{system.redis_port}/{DB}"}, api_url=url
    )

    def caller(name: str, team: str, role: str) -> Caller:
        client = sign_in(own, add_operator(own, team, role))
        organisation = "partner" if team in ("protection", "legal-niamey") else "remi"
        return Caller(name, client, role, team, organisation)

    callers = [
        Caller("nobody", None),
        caller("operator-hotline", "hotline", "operator"),
        caller("operator-hotline-ha", "hotline-ha", "operator"),
        caller("operator-partner", "protection", "operator"),
        caller("supervisor-remi", "hotline", "supervisor"),
        caller("supervisor-partner", "protection", "supervisor"),
        caller("admin", "hotline", "admin"),
    ]
    by_name = {c.name: c for c in callers}

    people = []
    for opening, request, watcher in (
        ("Bonjour", "je veux parler à quelqu'un", "operator-hotline"),
        ("Sannu", "ina son magana da mutum", "operator-hotline-ha"),
        ("Bonjour", "au secours on me frappe", "operator-partner"),
    ):
        number, word, client = new_number(), letters(), by_name[watcher].client
        before = client.ids()
        own.converse(opening, number)
        own.converse(request, number)
        handover = client.new_handover(before)
        own.send(f"{word} {word}", number)  # into the transcript, for no one but its team to read
        people.append(Person(number, word, handover["id"], handover["team"], handover["organisation"]))
    assert [p.organisation for p in people] == ["remi", "remi", "partner"]

    marker = letters()
    partner_sup, remi_sup = by_name["supervisor-partner"].client, by_name["supervisor-remi"].client
    registered = partner_sup.request(
        "PUT", "/api/v1/organisations/partner/webhook", json={"url": f"https://{marker}.example.org/referrals"}
    )
    assert registered.status_code == 200, registered.text
    alerts = []  # one to approve, one cancelled, one to cancel
    for author in (remi_sup, partner_sup, remi_sup):
        made = author.post("/api/v1/alerts", json=VALID_BODIES["POST /api/v1/alerts"])
        assert made.status_code == 201, made.text
        alerts.append(made.json()["id"])
    assert partner_sup.post(f"/api/v1/alerts/{alerts[1]}/cancel").status_code == 200

    victims = [add_operator(own, "hotline"), add_operator(own, "protection")]
    r = redis.Redis(host="127.0.0.1", port=system.redis_port, db=DB, socket_timeout=5)
    # Wait until every transcript holds its person's word.
    deadline = time.monotonic() + 30
    for person, watcher in zip(people, ("operator-hotline", "operator-hotline-ha", "operator-partner"), strict=True):
        while person.word not in str(by_name[watcher].client.detail(person.handover)["transcript"]):
            assert time.monotonic() < deadline, "a person's message never reached their handover's transcript"
            time.sleep(0.2)
    leaver = sign_in(own, add_operator(own, "hotline"))
    yield World(own, callers, people, alerts, victims, marker, r, leaver, add_operator(own, "hotline"))
    child.stop()


def targets(world: World, label: str) -> list[dict[str, str]]:
    """The real ids an operation is sent to."""
    if "{handover_id}" in label:
        found = [{"handover_id": p.handover} for p in world.people]
        if "{entry}" in label:
            found = [t | {"entry": "0", "n": "0"} for t in found]
        return found
    if "{alert_id}" in label:
        chosen = {"approve": world.alerts[:2], "cancel": world.alerts[1:]}.get(label.rsplit("/", 1)[1], world.alerts)
        return [{"alert_id": a} for a in chosen]
    if "{username}" in label:
        return [{"username": v} for v in world.victims]
    if "{organisation}" in label:
        return [{"organisation": "remi"}, {"organisation": "partner"}]
    return [{}]


def hostile_target(label: str, value: str) -> dict[str, str]:
    names = [n for n in ("handover_id", "alert_id", "username", "organisation", "entry", "n") if "{" + n + "}" in label]
    return {name: value for name in names}


def with_hostile_string(body, value: str, rnd: random.Random):
    """The body with one of its strings (anywhere in it) replaced by `value`."""
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + [i])
        elif isinstance(node, str):
            paths.append(path)

    walk(body, [])
    if not paths:
        return body
    import copy

    body = copy.deepcopy(body)
    path = rnd.choice(paths)
    node = body
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return body


def clear_error(response: httpx.Response) -> str | None:
    """None if a 4xx says what is wrong, else what is unclear about it."""
    try:
        detail = response.json()["detail"]
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code} without a JSON detail: {response.text[:200]!r}"
    if isinstance(detail, str) and detail.strip():
        return None
    if isinstance(detail, list) and detail and all(isinstance(d, dict) and d.get("msg") and "loc" in d for d in detail):
        return None
    return f"{response.status_code} with an empty or shapeless detail: {detail!r:.200}"


class Checker:
    def __init__(self, world: World):
        self.world = world
        self.numbers = [form for p in world.people for form in number_forms(p.number)]
        self.statuses: dict[str, set[int]] = defaultdict(set)
        self.denied: set[tuple[str, str]] = (
            set()
        )  # (operation, person's handover) a caller who may not see it got 404 on
        self.problems: list[str] = []

    def send(self, label: str, caller: Caller, path: dict[str, str], kwargs: dict, hostile: bool) -> None:
        method, template = label.split(" ", 1)
        url = self.world.system.api_url + template.format(**{k: quote(v, safe="") for k, v in path.items()})
        before = {p.handover: self.world.where(p) for p in self.world.people}
        # Raw bytes on the wire, as an attacker's client sends them (httpx takes only ASCII text).
        # Control characters are left out: the HTTP parser refuses them before the API sees them.
        headers = {
            k: "".join(c for c in v if c >= " " and c != "\x7f").strip().encode("utf-8")
            for k, v in {**kwargs.pop("headers", {}), **caller.headers}.items()
        }
        try:
            response = httpx.request(method, url, headers=headers, timeout=30, **kwargs)
        except httpx.HTTPError as exc:
            self.problems.append(f"{label} as {caller.name}: no answer ({type(exc).__name__})")
            return
        after = {p.handover: self.world.where(p) for p in self.world.people}
        self.judge(label, caller, path, hostile, response, before, after)

    def judge(self, label, caller, path, hostile, response, before, after) -> None:
        status, body, where = response.status_code, response.text, f"{label} as {caller.name} to {path!r:.80}"
        self.statuses[label].add(status)
        if status >= 500:
            self.problems.append(f"{where}: {status}")
        if status == 429 and label != "POST /api/v1/auth/token":  # sign-in keeps its own limits
            self.problems.append(f"{where}: 429 with the operator limit out of the way")
        if any(form in body for form in self.numbers):
            self.problems.append(f"{where}: a phone number in the body")
        for person in self.world.people:
            if (
                caller.role == "admin"
                or caller.can_see(*before[person.handover])
                or caller.can_see(*after[person.handover])
            ):
                continue
            if person.handover in body or person.word in body:
                self.problems.append(f"{where}: {status} shows a handover of {before[person.handover]} it may not see")
            if path.get("handover_id") == person.handover and caller.client is not None:
                if status != 404:
                    self.problems.append(f"{where}: {status} for a handover it may not see (404 expected)")
                else:
                    self.denied.add((label, person.handover))
        sees_webhook = caller.role == "admin" or (caller.role == "supervisor" and caller.organisation == "partner")
        if not sees_webhook and self.world.webhook_marker in body:
            self.problems.append(f"{where}: the partner's webhook address shown")
        if hostile and 200 <= status < 300 and path:
            self.problems.append(f"{where}: {status} for a hostile id")
        if 400 <= status < 500:
            unclear = clear_error(response)
            if unclear:
                self.problems.append(f"{where}: {unclear}")


def transport(case, body) -> dict:
    """httpx arguments for the case's query, headers and body (JSON or form)."""
    headers = {k: str(v) for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    kwargs: dict = {"params": case.query or None, "headers": headers}
    if body is not None and body is not schemathesis.core.NOT_SET:
        if case.media_type == "application/x-www-form-urlencoded" and isinstance(body, dict):
            kwargs["data"] = {k: str(v) for k, v in body.items()}
        else:
            kwargs["json"] = body
    return kwargs


def fuzz_operation(world: World, checker: Checker, label: str, op, rnd: random.Random) -> None:
    """EXAMPLES Hypothesis examples of one operation, each sent by every caller to every id."""
    valid = VALID_BODIES.get(label)
    if label == "POST /api/v1/auth/token":
        valid = {"username": world.signer, "password": PASSWORD}
    callers = world.callers if label != "POST /api/v1/auth/revoke" else world.callers[:1]

    @given(
        case=op.as_strategy(),
        variant=st.sampled_from(["valid", "hostile", "generated"]),  # valid first: Hypothesis starts there
        value=st.sampled_from(HOSTILE) | st.text(max_size=40),
    )
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case, variant, value):
        body = case.body
        if valid is not None and variant != "generated":
            body = valid if variant == "valid" else with_hostile_string(valid, value, rnd)
        for caller in callers:
            for path in targets(world, label):
                checker.send(label, caller, path, transport(case, body), hostile=False)
            real = {v for t in targets(world, label) for v in t.values()}
            if hostile_target(label, value) and value not in real:  # Hypothesis also draws the test's own constants
                checker.send(label, caller, hostile_target(label, value), transport(case, body), hostile=True)
        if label == "POST /api/v1/auth/revoke":  # a forged token: nothing to sign out
            forged = Caller("forged", OperatorClient(world.system, "forged", value or "x"))
            checker.send(label, forged, {}, transport(case, body), hostile=False)

    fuzz()


def test_every_operation_with_real_ids_and_hostile_values(world):
    schema = schemathesis.openapi.from_url(world.system.api_url + "/openapi.json")
    operations = {result.ok().label: result.ok() for result in schema.get_all_operations()}
    # Handovers are closed last, so that the operations before it find them open.
    order = sorted(operations, key=lambda label: label.endswith("/close"))
    checker = Checker(world)
    rnd = random.Random(12)
    for label in order:
        fuzz_operation(world, checker, label, operations[label], rnd)
        assert not checker.problems, "\n".join(checker.problems[:30])

    assert set(operations) == set(checker.statuses), "operations never tried"
    unreached = [
        label for label in operations if label not in NEVER_OK and not any(s < 300 for s in checker.statuses[label])
    ]
    assert not unreached, f"operations that never answered 2xx: {unreached}"
    # Every operation on a handover refused each caller who may not see one of them.
    for label in operations:
        if "{handover_id}" in label:
            assert {h for lbl, h in checker.denied if lbl == label} == {p.handover for p in world.people}, label


def test_signing_out_ends_the_token(world):
    client = world.leaver  # signed in before the fuzzing spent this address's sign-in attempts
    assert client.get("/api/v1/teams").status_code == 200
    assert client.post("/api/v1/auth/revoke").status_code == 204
    refused = client.get("/api/v1/teams")
    assert refused.status_code == 401 and clear_error(refused) is None
