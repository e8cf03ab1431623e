"""The needs of a story, most urgent first (remi/language/needs.py): the classifier reads the
whole message and each clause, and the person is answered on the most urgent need."""

from __future__ import annotations

from remi.language.needs import needs_of, urgency


def reading(name: str, confidence: float) -> dict:
    return {"name": name, "confidence": confidence}


def names(found: list[dict]) -> list[str]:
    return [n["name"] for n in found]


def test_a_danger_read_surely_in_any_clause_comes_first():
    whole = reading("service_training_jobs", 0.9)
    clauses = [reading("risk_libya", 0.99), reading("emergency", 0.97), reading("service_training_jobs", 0.99)]
    assert names(needs_of(whole, clauses)) == ["emergency", "service_training_jobs", "risk_libya"]


def test_a_service_asked_for_in_the_last_clause_is_the_need_though_read_less_surely():
    # "my cousin was kidnapped in Libya two years ago, never seen again, how do we look for him":
    # the whole message reads as the risks of Libya; the request is the last clause.
    whole = reading("risk_libya", 0.55)
    clauses = [reading("risk_libya", 0.99), reading("deny", 0.88), reading("service_family_tracing", 0.63)]
    assert names(needs_of(whole, clauses)) == ["service_family_tracing", "risk_libya"]


def test_the_lower_floor_is_for_the_last_clause_only():
    whole = reading("risk_libya", 0.8)
    clauses = [reading("service_medical", 0.7), reading("risk_libya", 0.99)]
    assert names(needs_of(whole, clauses)) == ["risk_libya"]


def test_the_lower_floor_is_for_services_only():
    whole = reading("risk_desert", 0.8)
    clauses = [reading("risk_desert", 0.95), reading("affirm", 0.7)]
    assert names(needs_of(whole, clauses)) == ["risk_desert"]
    clauses = [reading("risk_desert", 0.95), reading("rights_work", 0.7)]
    assert names(needs_of(whole, clauses)) == ["risk_desert"]


def test_a_danger_in_the_last_clause_still_needs_the_danger_floor():
    # Precision: "he is better now" read as a danger must not turn a question about care into one.
    whole = reading("service_medical", 0.9)
    clauses = [reading("service_medical", 0.97), reading("emergency", 0.9)]
    assert names(needs_of(whole, clauses)) == ["service_medical"]


def test_between_needs_equally_urgent_the_whole_message_comes_first():
    whole = reading("risk_desert", 0.8)
    clauses = [reading("risk_libya", 0.99), reading("risk_desert", 0.99)]
    assert names(needs_of(whole, clauses)) == ["risk_desert", "risk_libya"]


def test_between_services_what_cannot_wait_comes_first_whatever_the_whole_message_reads():
    # "I came back from Libya, I have nowhere to sleep, I would also like to learn a trade"
    whole = reading("service_training_jobs", 0.97)
    clauses = [
        reading("risk_libya", 0.99),
        reading("service_food_shelter", 0.99),
        reading("service_training_jobs", 0.99),
    ]
    assert names(needs_of(whole, clauses)) == ["service_food_shelter", "service_training_jobs", "risk_libya"]
    # care of the body before food, news of family before a trade
    whole = reading("service_food_shelter", 0.8)
    clauses = [reading("service_medical", 0.99), reading("service_food_shelter", 0.99)]
    assert names(needs_of(whole, clauses)) == ["service_medical", "service_food_shelter"]
    # within a tier the whole message decides: "he is better now, but he has nightmares"
    whole = reading("service_psychosocial", 0.9)
    clauses = [reading("service_medical", 0.95), reading("service_psychosocial", 0.99)]
    assert names(needs_of(whole, clauses)) == ["service_psychosocial", "service_medical"]
    whole = reading("service_training_jobs", 0.6)
    clauses = [reading("service_family_tracing", 0.99), reading("service_training_jobs", 0.99)]
    assert names(needs_of(whole, clauses))[0] == "service_family_tracing"


def test_urgency():
    assert [urgency(i) for i in ("emergency", "service_return", "human_operator", "rights_work", "greet")] == [
        0,
        1,
        1,
        2,
        3,
    ]
