"""The NLU benchmark (issue 3): every pipeline on the same training data and the same held-out
file, from Rasa's default pipeline to the project's, and the language detector against the two
reference detectors. Writes its section of docs/benchmarks.md.

    .venv/bin/python -m bench.nlu.run            # everything (Rasa's default pipeline trains ~30 min)
    .venv/bin/python -m bench.nlu.run --quick    # without Rasa's default pipeline
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

from bench.report import write_section
from remi.language.detect import default_detector
from tools import stack

ROOT = stack.ROOT
HELDOUT = ROOT / "tests" / "nlu" / "heldout.jsonl"
START, END = "<!-- bench:nlu:start -->", "<!-- bench:nlu:end -->"

# (name, config, what it changes against the row before)
PIPELINES = [
    (
        "Rasa default",
        "bench/nlu/rasa_default.yml",
        "Rasa 3.6's default pipeline (DIET with 2 transformer layers, 100 epochs)",
    ),
    (
        "flat DIET + normaliser",
        "bench/nlu/diet_flat.yml",
        "remi's normaliser and town gazetteer; DIET without transformer layers, 60 epochs",
    ),
    ("linear SVM, raw text", "bench/nlu/svm_raw.yml", "TF-IDF char 1-5 + word 1-2 n-grams, linear SVM; no normaliser"),
    ("project (bot/config.yml)", "bot/config.yml", "the same SVM on normalised text: the project's pipeline"),
]


def with_epochs(config: str, epochs: int, out: Path) -> str:
    """A copy of `config` whose DIET and ResponseSelector train `epochs` epochs (to time-box
    Rasa's default pipeline, whose transformer costs about a minute an epoch on 2 cores)."""
    import yaml

    data = yaml.safe_load((ROOT / config).read_text())
    for component in data["pipeline"]:
        if "epochs" in component:
            component["epochs"] = epochs
    path = out / f"{Path(config).stem}_{epochs}_epochs.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def train(config: str, out: Path) -> tuple[Path, float]:
    started = time.monotonic()
    model = stack.train(force=True, config=config, out=out / (Path(config).stem + ".tar.gz"), quiet=True)
    return model, time.monotonic() - started


def evaluate(model: Path) -> dict:
    result = subprocess.run(
        [str(stack.RASA_PYTHON), "-m", "bot.evaluate", str(HELDOUT), "--model", str(model)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def language_references(cases: list[dict]) -> dict[str, dict[str, float]]:
    """Language accuracy per language of: ours, py3langid restricted to fr/ha/en/pcm (pcm counts
    as en), and pycld2 (its best guess among fr/ha/en)."""
    import py3langid.langid as langid
    import pycld2

    ident = langid._load_identifier(norm_probs=True)
    ident.set_languages(["fr", "ha", "en", "pcm"])

    def cld2(text: str) -> str:
        try:
            _, _, details = pycld2.detect(text, bestEffort=True)
        except pycld2.error:
            return "unknown"
        return next((code for _, code, _, _ in details if code in ("fr", "ha", "en")), "unknown")

    detectors = {
        "remi": lambda t: default_detector().detect(t).language,
        "py3langid 0.4.0 (fr/ha/en/pcm)": lambda t: {"pcm": "en"}.get(ident.classify(t)[0], ident.classify(t)[0]),
        "pycld2": cld2,
    }
    scores: dict[str, dict[str, float]] = {}
    for name, guess in detectors.items():
        right = {lang: [0, 0] for lang in ("fr", "ha", "en")}
        for case in cases:
            right[case["language"]][1] += 1
            right[case["language"]][0] += guess(case["text"]) == case["language"]
        scores[name] = {lang: r / n for lang, (r, n) in right.items()}
        scores[name]["overall"] = sum(r for r, _ in right.values()) / sum(n for _, n in right.values())
    return scores


def render(rows: list[dict], langid: dict, command: str) -> str:
    cores = os.cpu_count()
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    n = sum(1 for _ in HELDOUT.open())
    lines = [
        START,
        "## NLU (issue 3)",
        "",
        f"Measured {dt.date.today()} on {platform.machine()}, {cores} cores, {mem_gb:.0f} GB, with:",
        "",
        f"    {command}",
        "",
        f"Held-out file: `tests/nlu/heldout.jsonl`, {n} messages (17 per intent and language, written "
        "independently of the training data, never trained on). Training data: `bot/data/nlu/`.",
        "Intent figures are the classifier's top intent (when the FallbackClassifier puts "
        "`nlu_fallback` first, the bot offers the likely topics; the fallback rate is shown apart).",
        "",
        "| pipeline | what changes | macro-F1 fr | ha | en | overall | accuracy | fallback rate | city F1 | train | model | parse p50 / p95 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        r = row["result"]
        lines.append(
            f"| {row['name']} | {row['what']} | {r['fr']['intent_macro_f1']:.3f} | {r['ha']['intent_macro_f1']:.3f} | "
            f"{r['en']['intent_macro_f1']:.3f} | {r['overall']['intent_macro_f1']:.3f} | {r['overall']['intent_accuracy']:.3f} | "
            f"{r['overall']['fallback_rate']:.3f} | {r['overall']['city_f1']:.3f} | {row['train_s']:.0f} s | "
            f"{row['size_mb']:.1f} MB | {r['parse_ms']['p50']:.1f} / {r['parse_ms']['p95']:.1f} ms |"
        )
    base = next((row for row in rows if row["name"].startswith("Rasa default")), None)
    ours = rows[-1]
    if base:
        lines += [
            "",
            f"Project against {base['name']} (ratio of macro-F1): "
            + ", ".join(
                f"{lang} {ours['result'][lang]['intent_macro_f1'] / base['result'][lang]['intent_macro_f1']:.3f}"
                for lang in ("fr", "ha", "en", "overall")
            )
            + ".",
        ]
    lines += [
        "",
        "Language identification on the same file (accuracy):",
        "",
        "| detector | fr | ha | en | overall |",
        "|---|---|---|---|---|",
    ]
    for name, s in langid.items():
        lines.append(f"| {name} | {s['fr']:.3f} | {s['ha']:.3f} | {s['en']:.3f} | {s['overall']:.3f} |")
    lines += ["", "Training time is `rasa train` of the whole model (NLU and rules) on 2 cores.", END]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip Rasa's default pipeline")
    parser.add_argument(
        "--baseline-epochs",
        type=int,
        default=None,
        help="train Rasa's default pipeline this many epochs instead of 100 (time-boxed)",
    )
    args = parser.parse_args()
    cases = [json.loads(line) for line in HELDOUT.read_text().splitlines() if line.strip()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, config, what in PIPELINES:
            if args.quick and name == "Rasa default":
                continue
            if name == "Rasa default" and args.baseline_epochs:
                config = with_epochs(config, args.baseline_epochs, Path(tmp))
                name, what = (
                    f"Rasa default, {args.baseline_epochs} epochs",
                    what.replace("100 epochs", f"{args.baseline_epochs} epochs (time-boxed)"),
                )
            print(f"training {name} ({config})...", flush=True)
            model, seconds = train(config, Path(tmp))
            result = evaluate(model)
            rows.append(
                {
                    "name": name,
                    "what": what,
                    "train_s": seconds,
                    "size_mb": model.stat().st_size / 2**20,
                    "result": result,
                }
            )
            print(f"  macro-F1 {result['overall']['intent_macro_f1']:.3f} in {seconds:.0f}s", flush=True)
    langid = language_references(cases)
    command = (
        ".venv/bin/python -m bench.nlu.run"
        + (" --quick" if args.quick else "")
        + (f" --baseline-epochs {args.baseline_epochs}" if args.baseline_epochs else "")
    )
    section = render(rows, langid, command)
    write_section(section, START, END)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
