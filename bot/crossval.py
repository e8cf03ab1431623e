"""Cross-validation of the intent classifier on the training data, for deciding on new examples or
settings without looking at the held-out files.

The training examples (bot/data/nlu/<lang>/*.yml) are cut into the same stratified folds each
run; each fold is read by a model trained on the others, with the classifier's own features and
SVM (bot/components/linear_intents.py) over remi's normalisation. Files given with --extra are
added to the training side of every fold and never read as tests, so a new batch of examples is
judged by what it does to the examples that were already there. Prints, per language, how many
examples are read right and the macro-F1, and the model's own emergency recall and precision
(whole messages; the danger words and the clause-by-clause reading are left out, as they are
the same on both sides of a comparison).

Runs in the Rasa environment (scikit-learn):

    .venv-rasa/bin/python -m bot.crossval
    .venv-rasa/bin/python -m bot.crossval --extra new_fr.yml new_ha.yml --set C=0.5
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
import yaml
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from bot.components.linear_intents import LinearIntentClassifier
from remi.language.normalise import normalise

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bot" / "data" / "nlu"


def examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) of one Rasa NLU file."""
    found = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                found.append((line.strip()[2:].strip(), block["intent"]))
    return found


def training_data(data: Path = DATA) -> list[tuple[str, str, str]]:
    """(text, intent, language) of every training file, the language from its folder."""
    return [(t, i, f.parent.name) for f in sorted(data.glob("*/*.yml")) for t, i in examples(f)]


def language_of(path: Path) -> str:
    return path.parent.name if path.parent.name in ("fr", "ha", "en") else path.stem.rsplit("_", 1)[-1]


def cross_validate(
    base: list[tuple[str, str, str]], extra: list[tuple[str, str, str]], config: dict, folds: int = 5
) -> dict:
    settings = {**LinearIntentClassifier.get_default_config(), **config}
    classifier = LinearIntentClassifier(settings, None, None)  # storage unused: only its pipeline is built
    texts = np.asarray([normalise(t) or t for t, _, _ in base], dtype=object)
    labels = np.asarray([i for _, i, _ in base])
    languages = np.asarray([lang for _, _, lang in base])
    extra_texts = [normalise(t) or t for t, _, _ in extra]
    extra_labels = [i for _, i, _ in extra]
    predicted = np.empty(len(base), dtype=object)
    splits = StratifiedKFold(folds, shuffle=True, random_state=settings["random_state"]).split(texts, labels)
    for train, test in splits:
        model = classifier._new_pipeline().fit([*texts[train], *extra_texts], [*labels[train], *extra_labels])
        predicted[test] = model.predict(list(texts[test]))
    report: dict = {"n": len(base), "extra": len(extra), "config": config}
    for language in ("fr", "ha", "en"):
        mine = languages == language
        report[language] = {
            "n": int(mine.sum()),
            "right": int((predicted[mine] == labels[mine]).sum()),
            "macro_f1": round(float(f1_score(labels[mine], predicted[mine], average="macro")), 4),
        }
    report["right"] = int((predicted == labels).sum())
    gold, flagged = labels == "emergency", predicted == "emergency"
    report["emergency"] = {
        "n": int(gold.sum()),
        "recall": round(float((gold & flagged).sum() / max(gold.sum(), 1)), 4),
        "precision": round(float((gold & flagged).sum() / max(flagged.sum(), 1)), 4),
    }
    confusions = Counter((g, p) for g, p in zip(labels, predicted, strict=True) if g != p)
    report["confusions"] = [f"{g} -> {p}: {n}" for (g, p), n in confusions.most_common(12)]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extra", nargs="*", type=Path, default=[], help="files added to training only")
    parser.add_argument("--set", nargs="*", default=[], help="classifier settings, e.g. C=0.5")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    config = {k: json.loads(v) for k, v in (s.split("=", 1) for s in args.set)}
    extra = [(t, i, language_of(p)) for p in args.extra for t, i in examples(p)]
    print(json.dumps(cross_validate(training_data(), extra, config, args.folds), indent=1))


if __name__ == "__main__":
    main()
