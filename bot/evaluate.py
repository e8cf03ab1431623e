"""Evaluate a trained model and the language detector on JSON Lines files (held-out
messages). Runs in the Rasa environment; `remi eval-nlu [PATH...]` calls it (by default on the
three held-out files: tests/nlu/heldout.jsonl, heldout_hard.jsonl and other_languages.jsonl).

Each line: {"text", "language": "fr"|"ha"|"en"|"other", "intent", "entities": [{"entity":
"city", "value", "text"}]}, and optionally "style", "emergency" (true when the message is of
immediate danger) and "needs" (the message's needs, most urgent first). A line in "other"
language needs no intent. Prints one JSON object: for each file (under "sets", by path), for
`overall` and each language: n, intent_accuracy, intent_macro_f1, language_accuracy, city_f1,
fallback_rate; per style; "other" language recall and precision; emergency recall and
precision (the model's intent or danger words); the most urgent need found in messages of
several needs; the confusion pairs (counts only); and parse latency. "combined" sums the files.
The wrong predictions (with their texts) only with --errors: the held-out files are test sets,
read as figures. Exit status 0 whenever it could evaluate.

    python -m bot.evaluate tests/nlu/heldout.jsonl --model models/remi-....tar.gz
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

LANGUAGES = ("fr", "ha", "en")
OTHER = "other"
NLU_DIR = Path(__file__).resolve().parents[1] / "tests" / "nlu"
DEFAULT_SETS = [NLU_DIR / "heldout.jsonl", NLU_DIR / "heldout_hard.jsonl", NLU_DIR / "other_languages.jsonl"]


def read_cases(path: Path) -> list[dict]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}:{number}: not JSON ({exc.msg})") from None
        if (
            not isinstance(case, dict)
            or not isinstance(case.get("text"), str)
            or ("intent" not in case and case.get("language") != OTHER)
        ):
            raise SystemExit(f"{path}:{number}: needs at least text and intent")
        case.setdefault("entities", [])
        cases.append(case)
    if not cases:
        raise SystemExit(f"{path}: no cases")
    return cases


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = {gold for gold, _ in pairs}
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def city_counts(gold: list[dict], predicted: list[dict]) -> tuple[int, int, int]:
    g = Counter(e["value"] for e in gold if e.get("entity") == "city")
    p = Counter(e["value"] for e in predicted if e.get("entity") == "city")
    tp = sum((g & p).values())
    return tp, sum(p.values()) - tp, sum(g.values()) - tp


def f1(tp: int, fp: int, fn: int) -> float:
    if tp == 0:
        return 1.0 if fp == 0 and fn == 0 else 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


def ratio(right: int, n: int) -> float | None:
    return round(right / n, 4) if n else None


def emergency_of(case: dict) -> bool | None:
    """Whether a case is of immediate danger: as marked, or else as its intent says (so that the
    first held-out set, which has no mark, reports its false alarms by source too)."""
    if case.get("emergency") is not None:
        return bool(case["emergency"])
    return case["intent"] == "emergency" if case.get("intent") else None


def summarise(rows: list[dict]) -> dict:
    rows = [r for r in rows if r.get("intent")]
    pairs = [(r["intent"], r["predicted_intent"]) for r in rows]
    tp = sum(r["city"][0] for r in rows)
    fp = sum(r["city"][1] for r in rows)
    fn = sum(r["city"][2] for r in rows)
    with_language = [r for r in rows if r.get("language") in LANGUAGES]
    return {
        "n": len(rows),
        "intent_accuracy": round(sum(g == p for g, p in pairs) / len(rows), 4) if rows else 0.0,
        "intent_macro_f1": round(macro_f1(pairs), 4),
        "language_accuracy": round(
            sum(r["predicted_language"] == r["language"] for r in with_language) / len(with_language), 4
        )
        if with_language
        else None,
        "city_f1": round(f1(tp, fp, fn), 4),
        "fallback_rate": round(sum(r["fallback"] for r in rows) / len(rows), 4) if rows else 0.0,
    }


def recall_precision(rows: list[dict], gold: str, predicted: str) -> dict:
    tp = sum(1 for r in rows if r[gold] and r[predicted])
    return {
        "n": sum(1 for r in rows if r[gold]),
        "flagged": sum(1 for r in rows if r[predicted]),
        "recall": ratio(tp, sum(1 for r in rows if r[gold])),
        "precision": ratio(tp, sum(1 for r in rows if r[predicted])),
    }


def special_figures(rows: list[dict]) -> dict:
    """Other language, emergencies and most urgent needs, where the file has what they need."""
    figures: dict = {}
    others = [r for r in rows if r["language"] == OTHER]
    flagged = [r for r in rows if r["predicted_language"] == OTHER]
    figures["other_language"] = {
        "n": len(others),
        "recall": ratio(sum(r["predicted_language"] == OTHER for r in others), len(others)),
        "flagged": len(flagged),
        "precision": ratio(sum(r["language"] == OTHER for r in flagged), len(flagged)),
        # messages in French, Hausa or English taken for another language
        "false_other": {lang: sum(r["language"] == lang for r in flagged) for lang in LANGUAGES},
    }
    marked = [r for r in rows if r.get("emergency") is not None]
    if marked:
        figures["emergency"] = {
            "model_or_words": recall_precision(marked, "emergency", "flag_emergency"),
            "model": recall_precision(marked, "emergency", "model_emergency"),
            "danger_words": recall_precision(marked, "emergency", "danger_words"),
        }
    several = [r for r in rows if len(r.get("needs") or []) >= 2]
    if several:
        figures["most_urgent_need"] = {
            "n": len(several),
            "found": ratio(sum(r["answered"] == r["needs"][0] for r in several), len(several)),
            "second_offered": ratio(sum(r["needs"][1] in r["predicted_needs"][1:] for r in several), len(several)),
        }
    styles = sorted({r["style"] for r in rows if r.get("style")})
    if styles:
        figures["styles"] = {
            style: {
                "n": len(of_style := [r for r in rows if r.get("style") == style]),
                "intent_accuracy": ratio(sum(r["intent"] == r["predicted_intent"] for r in of_style), len(of_style)),
                "language_accuracy": ratio(
                    sum(r["language"] == r["predicted_language"] for r in of_style), len(of_style)
                ),
            }
            for style in styles
        }
    return figures


async def evaluate(cases: list[dict], model: Path, errors: bool = False, agent=None) -> dict:
    from remi.language.danger import in_danger
    from remi.language.detect import detect

    if agent is None:
        from rasa.core.agent import Agent

        agent = Agent.load(str(model))
    rows, latencies = [], []
    for case in cases:
        started = time.perf_counter()
        parsed = await agent.parse_message(case["text"])
        latencies.append((time.perf_counter() - started) * 1000)
        # The classifier's own top intent: when the FallbackClassifier put nlu_fallback first,
        # the bot offers the likely topics; the model's decision is the next in the ranking.
        ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        top = ranking[0] if ranking else (parsed.get("intent") or {})
        danger_words = in_danger(case["text"])
        # The statistical model's own reading, before words of danger put an emergency first.
        model_emergency = (parsed.get("model_intent") or top.get("name")) == "emergency"
        rows.append(
            {
                "text": case["text"],
                "language": case.get("language"),
                "intent": case.get("intent"),
                "style": case.get("style"),
                "emergency": emergency_of(case),
                "needs": case.get("needs"),
                "danger_words": danger_words,
                "model_emergency": model_emergency,
                "flag_emergency": danger_words or model_emergency,
                # what the person is answered on: danger words win (engine/conversation.py)
                "answered": "emergency" if danger_words else top.get("name"),
                "predicted_needs": parsed.get("needs") or [top.get("name")],
                "predicted_intent": top.get("name"),
                "fallback": (parsed.get("intent") or {}).get("name") == "nlu_fallback",
                "confidence": round(top.get("confidence") or 0.0, 3),
                "predicted_language": detect(case["text"]).language,
                "city": city_counts(case["entities"], parsed.get("entities") or []),
                "predicted_cities": [e["value"] for e in parsed.get("entities") or [] if e.get("entity") == "city"],
            }
        )
    latencies.sort()
    by_language = defaultdict(list)
    for row in rows:
        by_language[row["language"]].append(row)
    confusions = Counter(
        (r["intent"], r["predicted_intent"]) for r in rows if r["intent"] and r["intent"] != r["predicted_intent"]
    )
    report = {
        "overall": summarise(rows),
        **{lang: summarise(by_language[lang]) for lang in LANGUAGES if by_language[lang]},
        **special_figures(rows),
        "confusions": [{"intent": g, "predicted": p, "count": n} for (g, p), n in confusions.most_common()],
        "parse_ms": {
            "p50": round(latencies[len(latencies) // 2], 2),
            "p95": round(latencies[int(len(latencies) * 0.95)], 2),
        },
        "model": str(model),
    }
    if errors:
        report["errors"] = [
            {
                k: r[k]
                for k in (
                    "text",
                    "language",
                    "intent",
                    "predicted_intent",
                    "confidence",
                    "predicted_language",
                    "predicted_cities",
                )
            }
            for r in rows
            if r["intent"] != r["predicted_intent"]
            or r["predicted_language"] != r["language"]
            or r["city"][1]
            or r["city"][2]
        ]
    report["rows"] = rows  # for "combined"; dropped before printing
    return report


async def evaluate_sets(paths: list[Path], model: Path, errors: bool = False) -> dict:
    """Each file's report, and "combined" over all of them (one model load)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    sets = {str(path): await evaluate(read_cases(path), model, errors, agent) for path in paths}
    rows = [row for report in sets.values() for row in report.pop("rows")]
    combined = {
        "overall": summarise(rows),
        **{lang: summarise([r for r in rows if r["language"] == lang]) for lang in LANGUAGES},
        **special_figures(rows),
    }
    return {"sets": sets, "combined": combined, "model": str(model)}


def main() -> None:
    parser = argparse.ArgumentParser(description="Evaluate the NLU model and the language detector.")
    parser.add_argument("paths", type=Path, nargs="*", help="JSON Lines files (default: the three held-out files)")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--errors", action="store_true", help="list each wrong prediction, with its text")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    paths = args.paths or DEFAULT_SETS
    for path in paths:
        if not path.exists():
            raise SystemExit(f"{path}: no such file")
        read_cases(path)
    # Rasa's structlog prints each parse (with the text) on stdout: keep stdout for the result.
    out, sys.stdout = sys.stdout, sys.stderr
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    result = asyncio.run(evaluate_sets(paths, args.model, args.errors))
    sys.stdout = out
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
