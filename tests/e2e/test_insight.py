"""Insight events through the real stack: a Hausa request for a person (a handover claimed,
closed and scored 4 by the person), a question the bot does not understand (a fallback), all
read back from the SQLite file the worker writes (DATA_DIR/insight.sqlite3)."""

from __future__ import annotations

import time
from pathlib import Path

from engine.identity import sender_id
from engine.insight import figures
from engine.insight.events import day_of
from engine.insight.store import Filters, Insight
from tests.e2e.test_handovers import wait_until
from tests.support.operators import claimed_handover
from tests.support.system import new_number


def insight_of(system) -> Insight:
    return Insight(Path(system.env["DATA_DIR"]) / "insight.sqlite3")


def test_a_handover_its_feedback_score_and_a_fallback_are_recorded(system):
    hausa, number, hid = claimed_handover(system, "hotline-ha")
    assert hausa.post(f"/api/v1/handovers/{hid}/close").status_code == 200
    asked = system.twilio.wait_for(number, 4)[-1].body
    assert "Ku amsa daga 1 (ko kadan) zuwa 5 (sosai)." in asked  # an SMS: folded to GSM-7
    assert system.converse("4", number) == ["Mun gode da amsarku."]

    insight = insight_of(system)
    scored = "SELECT team, claimed_at, closed_at, outcome, score FROM handovers WHERE id = ? AND score IS NOT NULL"
    team, claimed_at, closed_at, outcome, score = wait_until(lambda: insight.db.execute(scored, (hid,)).fetchone())
    assert (team, outcome, score) == ("hotline-ha", "closed", 4)
    assert claimed_at and closed_at and closed_at >= claimed_at

    # A question the bot cannot place: the fallback, with its text kept for the editors.
    other = new_number()
    system.converse("Bonjour", other)
    assert "pas sur d'avoir compris" in system.converse("pourquoi le ciel", other)[0]
    fell = "SELECT language, fallback, intent, text FROM turns WHERE text LIKE 'pourquoi%'"
    language, fallback, guessed, text = wait_until(lambda: insight.db.execute(fell).fetchone())
    assert (language, fallback, text) == ("fr", 1, "pourquoi le ciel") and guessed  # the NLU's best guess is kept
    # Understood as out of scope (confidently): no fallback, but a missed question too, digits masked.
    system.converse("la girafe mange des bananes bleues le mardi 96123456", other)
    found = "SELECT fallback, text FROM turns WHERE text LIKE 'la girafe%'"
    assert wait_until(lambda: insight.db.execute(found).fetchone()) == (
        0,
        "la girafe mange des bananes bleues le mardi #",
    )

    # Pseudonymous: the file holds neither number nor sender hash, in any form.
    insight.flush()
    stored = b"".join(p.read_bytes() for p in insight.path.parent.glob("insight.sqlite3*"))
    for phone in (number, other):
        assert phone.encode() not in stored and phone[1:].encode() not in stored
        assert sender_id(phone, system.env["SENDER_HASH_KEY"]).encode() not in stored

    # The turns and the sends are there too, and roll up into today's figures.
    time.sleep(0.5)
    insight.rollup()
    today = day_of(time.time())
    table = figures.per_day(insight, Filters(today, today, language="ha"))
    assert sum(row[4] for row in table.rows) >= 3
    sent = insight.db.execute("SELECT COUNT(*), SUM(segments) FROM sends WHERE channel = 'sms'").fetchone()
    assert sent[0] >= 5 and sent[1] >= 5
