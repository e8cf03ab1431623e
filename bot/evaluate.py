"""Evaluate a trained model and the language detector on a JSON Lines file (held-out
messages). Runs in the Rasa environment; `remi eval-nlu PATH` calls it.

Each line: {"text", "language": "fr"|"ha"|"en", "intent", "entities": [{"entity": "city",
"value", "text"}]}. Prints one JSON object: for `overall` and each language, n,
intent_accuracy, intent_macro_f1, language_accuracy, city_f1; the confusion pairs; each
wrong prediction; and parse latency. Exit status 0 whenever it could evaluate.

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


def read_cases(path: Path) -> list[dict]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(case, dict) or not isinstance(case.get("text"), str) or "intent" not in case:
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


def summarise(rows: list[dict]) -> dict:
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


async def evaluate(cases: list[dict], model: Path) -> dict:
    from rasa.core.agent import Agent

    from remi.language.detect import detect

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
        rows.append(
            {
                "text": case["text"],
                "language": case.get("language"),
                "intent": case["intent"],
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
    confusions = Counter((r["intent"], r["predicted_intent"]) for r in rows if r["intent"] != r["predicted_intent"])
    return {
        "overall": summarise(rows),
        **{lang: summarise(by_language[lang]) for lang in LANGUAGES if by_language[lang]},
        "confusions": [{"intent": g, "predicted": p, "count": n} for (g, p), n in confusions.most_common()],
        "errors": [
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
        ],
        "parse_ms": {
            "p50": round(latencies[len(latencies) // 2], 2),
            "p95": round(latencies[int(len(latencies) * 0.95)], 2),
        },
        "model": str(model),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Evaluate the NLU model and the language detector.")
    parser.add_argument("path", type=Path)
    parser.add_argument("--model", type=Path, required=True)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    if not args.path.exists():
        raise SystemExit(f"{args.path}: no such file")
    cases = read_cases(args.path)
    # Rasa's structlog prints each parse (with the text) on stdout: keep stdout for the result.
    out, sys.stdout = sys.stdout, sys.stderr
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    result = asyncio.run(evaluate(cases, args.model))
    sys.stdout = out
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
