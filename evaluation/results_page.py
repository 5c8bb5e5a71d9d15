"""One results table from several suite runs (``results.json`` of :func:`evaluation.suite.run_suite`).

    wakeword-results docs/results.md RUN/results.json ... [--title T] [--note TEXT ...]

Each file is one run of the suite (one training run of our bundle, and the peers beside it, on
the same clips). A model that appears in several files (the same bundle name, e.g. two training
runs of ``alexa``) becomes one row whose figures are the mean and the range over those runs. The
columns: FRR at 0.5 false accepts an hour clean, with every noise pooled at the SNR given, and in
reverberation; then at the manifest's own threshold the FRR and false accepts an hour, clean and
in pooled noise; and the median latency at the manifest threshold.

A second table puts each run of a trained bundle beside what its manifest promised when the
trainer chose its operating point (``metrics.operating_point``: FRR on keyword clips it made and
never trained on, FA/h on the config's negatives clean and in the training noise), so a reader
sees whether a threshold chosen without real recordings holds on them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from wakeword.command import command

from . import EvaluationError
from .report import condition_results


def load_results(path: Path) -> dict:
    """A results.json of wakeword-eval, its shape checked (EvaluationError naming the file otherwise)."""
    try:
        results = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise EvaluationError(f"{path}: not a readable results.json ({exc})") from exc
    if not (isinstance(results, dict) and isinstance(results.get("models"), dict)
            and isinstance(results.get("settings"), dict) and isinstance(results.get("inputs"), dict)):
        raise EvaluationError(f"{path}: not a results.json of wakeword-eval (no settings, inputs and models)")
    return results


def _spread(values: Sequence[float | None], *, percent: bool = True, digits: int = 1) -> str:
    """``mean (min-max)`` of the values given (``n/a`` without any)."""
    found = [v for v in values if v is not None]
    if not found:
        return "n/a"
    scale, unit = (100.0, "%") if percent else (1.0, "")
    mean = f"{np.mean(found) * scale:.{digits}f}{unit}"
    if len(found) == 1:
        return mean
    return f"{mean} ({min(found) * scale:.{digits}f}-{max(found) * scale:.{digits}f})"


def model_rows(results: Sequence[dict], *, snr_db: float) -> list[dict]:
    """One row per model name over all ``results`` (in first-seen order): its runs' figures."""
    pooled_name = f"all noise@{snr_db:g}dB"
    rows: dict[str, dict] = {}
    for run in results:
        for name, info in run["models"].items():
            conditions = condition_results(info)
            row = rows.setdefault(name, {"model": name, "runs": 0, "clean": [], "noise": [], "reverb": [],
                                         "clean_at_t": [], "clean_fa_at_t": [], "noise_at_t": [], "noise_fa_at_t": [],
                                         "latency": [], "threshold": [], "positives": []})
            row["runs"] += 1
            row["threshold"].append(info["threshold"])
            clean = conditions.get("clean")
            # every noise type pooled at that SNR, or the one noise type there is
            alone = [c for n, c in conditions.items() if n.endswith(f"@{snr_db:g}dB") and "+" not in n]
            noise = conditions.get(pooled_name) or (alone[0] if len(alone) == 1 else None)
            reverb = conditions.get("reverb")
            row["clean"].append(clean["frr_at_fa_per_hour"]["0.5"] if clean else None)
            row["noise"].append(noise["frr_at_fa_per_hour"]["0.5"] if noise else None)
            row["reverb"].append(reverb["frr_at_fa_per_hour"]["0.5"] if reverb else None)
            row["clean_at_t"].append(clean["frr_at_threshold"] if clean else None)
            row["clean_fa_at_t"].append(clean["fa_per_hour_at_threshold"] if clean else None)
            row["noise_at_t"].append(noise["frr_at_threshold"] if noise else None)
            row["noise_fa_at_t"].append(noise["fa_per_hour_at_threshold"] if noise else None)
            row["latency"].append(clean["latency_ms"]["median"] if clean else None)
            row["positives"].append(clean["positives"] if clean else None)
    return list(rows.values())


def _promise(source: str) -> dict | None:
    """The ``operating_point`` the trainer wrote into the manifest of bundle ``source`` (None for a
    peer, a bundle that is gone, or one without it)."""
    try:
        manifest = json.loads((Path(source) / "manifest.json").read_text())
        return manifest["metrics"]["operating_point"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def promise_rows(results: Sequence[dict], *, snr_db: float) -> list[dict]:
    """Per run and trained model: the manifest's promise and the suite's figures at its threshold."""
    pooled_name = f"all noise@{snr_db:g}dB"
    rows = []
    for run in results:
        for name, info in run["models"].items():
            promise = info.get("promised") or _promise(info.get("source", ""))
            if (promise is None or "+" in name or promise.get("threshold") != info["threshold"]
                    or promise.get("window") != info.get("window")):
                continue
            conditions = condition_results(info)
            clean, noise = conditions.get("clean"), conditions.get(pooled_name)
            rows.append({"model": name, "threshold": info["threshold"], "window": info.get("window"),
                         "promise": promise, "clean": clean, "noise": noise})
    return rows


def _fmt(value, percent: bool) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.1f}%" if percent else f"{value:.2f}"


def render_promises(rows: Sequence[dict], *, snr_db: float) -> list[str]:
    """The markdown lines of the promised-against-measured table (none without rows)."""
    if not rows:
        return []
    lines = ["## What each manifest promised, and what the held-out recordings measure", "",
             "The trainer chose each threshold and window from real negative speech and keyword clips it "
             "made itself (held-out voices, spliced speakers), never from a recording of the keyword. "
             "Promised: its FRR on those clips and its FA/h on the config's negatives, clean and in the "
             f"training noise at {snr_db:g} dB. Measured: this suite at the same threshold.", "",
             "| model | threshold, window | promised FRR (made clips) | measured FRR clean | promised FA/h clean | "
             f"measured FA/h clean | promised FA/h in noise | measured FA/h noise {snr_db:g} dB |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        promise, clean, noise = row["promise"], row["clean"], row["noise"]
        lines.append("| " + " | ".join([
            row["model"], f"{row['threshold']}, {row['window']}",
            _fmt(promise.get("frr"), True), _fmt(clean and clean["frr_at_threshold"], True),
            _fmt(promise.get("fa_per_hour"), False), _fmt(clean and clean["fa_per_hour_at_threshold"], False),
            _fmt(promise.get("fa_per_hour_in_noise"), False),
            _fmt(noise and noise["fa_per_hour_at_threshold"], False)]) + " |")
    return lines + [""]


def render(results: Sequence[dict], *, sources: Sequence[str], title: str, notes: Sequence[str] = (),
           snr_db: float = 10.0) -> str:
    """The markdown page."""
    rows = model_rows(results, snr_db=snr_db)
    halves = sorted({r["settings"].get("positives_half", "all") for r in results})
    hours = sorted({round(r["inputs"]["hours_negative"], 2) for r in results})
    lines = [f"# {title}", ""]
    lines += [f"- {len(results)} suite runs; positives: the {' / '.join(halves)} half of each keyword's clips; "
              f"negatives: {', '.join(f'{h:g}' for h in hours)} h of real speech (one false accept = "
              f"{1 / hours[0]:.2f} FA/h, so \"at 0.5 FA/h\" means none at all)",
              f"- FRR columns: mean over a model's runs (range in brackets); noise is every noise type pooled at "
              f"{snr_db:g} dB; \"at T\" is the manifest's own threshold (a cascade's: its verifier's)", ""]
    lines += [f"- {note}" for note in notes]
    if notes:
        lines.append("")
    header = ["model", "runs", "clips", "clean @0.5 FA/h", f"noise {snr_db:g} dB @0.5 FA/h", "reverb @0.5 FA/h",
              "clean at T: FRR, FA/h", f"noise {snr_db:g} dB at T: FRR, FA/h", "median latency at T (ms)"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for row in rows:
        positives = sorted({p for p in row["positives"] if p is not None})
        lines.append("| " + " | ".join([
            row["model"], str(row["runs"]), "/".join(map(str, positives)) or "n/a",
            _spread(row["clean"]), _spread(row["noise"]), _spread(row["reverb"]),
            f"{_spread(row['clean_at_t'])}, {_spread(row['clean_fa_at_t'], percent=False, digits=2)}",
            f"{_spread(row['noise_at_t'])}, {_spread(row['noise_fa_at_t'], percent=False, digits=2)}",
            _spread(row["latency"], percent=False, digits=0)]) + " |")
    lines.append("")
    lines += render_promises(promise_rows(results, snr_db=snr_db), snr_db=snr_db)
    lines += ["Sources:", ""] + [f"- `{source}`" for source in sources] + [""]
    return "\n".join(lines)


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wakeword-results", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="markdown file to write")
    parser.add_argument("results", nargs="+", type=Path, help="results.json files of suite runs")
    parser.add_argument("--title", default="Results")
    parser.add_argument("--note", action="append", default=[], help="a line under the title (repeatable)")
    parser.add_argument("--snr", type=float, default=10.0, help="the SNR of the pooled noise column (default 10)")
    args = parser.parse_args(argv)
    results = [load_results(path) for path in args.results]
    page = render(results, sources=[str(p) for p in args.results], title=args.title, notes=args.note,
                  snr_db=args.snr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
