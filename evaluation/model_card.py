"""A model card for a bundle: what it is, how it was trained, what it promises, what it measures.

    wakeword-card --bundle alexa [--results RUN/results.json ...] --out docs/models/alexa.md

Everything comes from the bundle's manifest (the single source: model, features, detector,
training data and recipe, the operating point the trainer chose and why, the ablation, the
cascade) and, when given, from suite runs of the same bundle (``results.json`` of
``wakeword-eval``: the measured figures at its threshold on real recordings).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from wakeword.bundle import Bundle, open_bundle
from wakeword.command import add_bundle_options, command

from . import EvaluationError
from .report import condition_results
from .results_page import load_results


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _fa(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _where(source: str) -> str:
    """A bundle's source as a reader can find it: relative to the working folder when inside it."""
    try:
        return str(Path(source).resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return source


def _overview(bundle: Bundle) -> list[str]:
    m = bundle.manifest
    model, features, detector = m.model, m.features, m.detector
    return [f"# Model card: {m.name} {m.version}", "",
            f"Wake word{'s' if len(m.keywords) > 1 else ''} {', '.join(repr(k) for k in m.keywords)}; "
            f"bundle `{_where(bundle.source)}`, created {m.created or 'n/a'}.", "",
            "| | |", "|---|---|",
            f"| model | {model.kind} {model.file}, {model.size_bytes:,} bytes, input {list(model.input_shape)} "
            f"{model.input_dtype}, a call every {model.stride_frames} feature frames |",
            f"| sha256 | `{model.sha256}` |",
            f"| device cost | TFLite Micro arena {model.tflm_arena_bytes:,} bytes; "
            f"{model.macs_per_inference:,} MACs per call; ops {', '.join(model.ops)} |",
            f"| features | {features.frontend}: {features.window_ms} ms window, {features.step_ms} ms step, "
            f"{features.channels} channels at {features.sample_rate_hz} Hz |",
            f"| detector | threshold {detector.threshold}/256 on the mean of {detector.window} calls"
            + (f", or {min(detector.threshold + detector.fast_margin, 255)} on the newest {detector.fast_window} "
               "(fast path)" if detector.fast_window else "")
            + f", refractory {detector.refractory_ms} ms |",
            f"| verifier (cascade) | {'yes: ' + m.verifier.model.file if m.verifier else 'none'} |", ""]


def _training(training: dict) -> list[str]:
    if not training:
        return ["## Training", "", "The manifest records no training (a peer model or an imported one).", ""]
    data = training.get("data", {})
    config = training.get("config", {})
    phrase = training.get("phrase_check", {})
    lines = ["## Training", "", f"Pipeline: {training.get('pipeline', 'n/a')}; seed {training.get('seed', 0)}.", ""]
    if config:
        keyword = config.get("keyword", {})
        lines.append(f"- phrase {keyword.get('phrase')!r}: phones {' '.join(phrase.get('phones', [])) or 'n/a'}, "
                     f"{phrase.get('syllables', 'n/a')} syllables"
                     + (f"; warnings: {'; '.join(phrase['warnings'])}" if phrase.get("warnings") else ""))
    if data:
        engines = ", ".join(f"{k} {v}" for k, v in sorted(data.get("voices_by_engine", {}).items()))
        lines += [f"- synthesized voices: {data.get('voices')} ({engines}); {data.get('validation_voices')} held "
                  "out for validation and the threshold",
                  f"- real recordings: {data.get('real_speech_files', 0)} speech files (negatives, hard negatives, "
                  f"splicing), {data.get('noise_files', 0)} noise files, {data.get('rir_files', 0)} room impulse "
                  "responses",
                  f"- keyword clips spliced from real speakers: {data.get('spliced_clips', {})}",
                  f"- training windows: {data.get('train_examples', {})}"]
    for name, stats in (training.get("hard_negatives") or {}).items():
        train = stats.get("train", {})
        lines.append(f"- hard negatives ({name}): {train.get('kept', 0)} windows kept of {train.get('peaks', 0)} "
                     f"peaks in {train.get('recordings', 0)} recordings")
    if training.get("reexported_from"):
        lines.append(f"- re-exported by {training['reexported_from'].get('tool')} (threshold chosen again; "
                     "model bytes kept)" if training["reexported_from"].get("report", {}).get("keep_model")
                     else f"- re-exported by {training['reexported_from'].get('tool')}")
    return lines + [""]


def _promise(metrics: dict) -> list[str]:
    point = metrics.get("operating_point")
    lines = ["## Operating point (chosen without recordings of the keyword)", ""]
    if not point:
        return lines + ["No operating point was chosen (no real negatives at training time): the threshold is "
                        "the config's default and the bundle promises no false-accept rate.", ""]
    lines += [metrics.get("threshold_choice", ""), "",
              "| | promised |", "|---|---|",
              f"| FRR on the trainer's held-out keyword clips | {_pct(point.get('frr'))} "
              f"({point.get('positives')} clips: {point.get('positives_kind', '')}) |",
              f"| false accepts an hour, clean real speech | {_fa(point.get('fa_per_hour'))} "
              f"(target {point.get('target_fa_per_hour')}, {point.get('negative_hours', 0):.2f} h) |"]
    if "fa_per_hour_in_noise" in point:
        lines.append(f"| false accepts an hour, same speech in training noise at {point.get('noise_snr_db'):g} dB | "
                     f"{_fa(point['fa_per_hour_in_noise'])} (target {point.get('noise_target_fa_per_hour')}) |")
    if isinstance(point.get("latency_ms"), (int, float)):
        alone = point.get("latency_window_alone_ms") if point.get("fast_window") else None
        lines.append(f"| median latency on those clips (end of the phrase to the event) | {point['latency_ms']:.0f} ms"
                     + (f" ({alone:.0f} ms without the fast path)" if isinstance(alone, (int, float)) else "") + " |")
    if "real_frr" in point:
        lines.append(f"| FRR on {point['real_positives']} real recordings ({point.get('real_positives_half')} "
                     f"half; measured, not chosen on) | {_pct(point['real_frr'])} |")
        if isinstance(point.get("real_latency_ms"), (int, float)):
            lines.append(f"| median latency on those real recordings | {point['real_latency_ms']:.0f} ms |")
    cascade = metrics.get("cascade") or {}
    if cascade.get("met"):
        lines += ["", f"Cascade: the {cascade.get('verifier')} as verifier over {cascade.get('window')} calls, FRR "
                  f"{_pct(cascade.get('frr'))} on the held-out clips; "
                  + ("shipped." if cascade.get("shipped") else f"not shipped: {cascade.get('why_not')}.")]
    return lines + [""]


def _ablation(metrics: dict, reexported: bool) -> list[str]:
    rows = metrics.get("ablation") or []
    if not rows:
        return []
    lines = ["## Ablation (each variant at its own operating point, at training time)", ""]
    if reexported:
        lines += ["The shipped operating point above was chosen again after training (wakeword-reexport), so it "
                  "may differ from the shipped row here.", ""]
    lines += ["| variant | bytes | threshold, window | held-out FRR | FA/h | FA/h in noise | real FRR | shipped |",
              "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['variant']} | {row.get('size_bytes', 0):,} | {row.get('threshold', 'n/a')}, "
                     f"{row.get('window', 'n/a')} | {_pct(row.get('heldout_frr'))} | {_fa(row.get('fa_h'))} | "
                     f"{_fa(row.get('fa_h_in_noise'))} | {_pct(row.get('real_frr'))} | "
                     f"{'yes' if row.get('shipped') else ''} |")
    return lines + [""]


def _measured(bundle: Bundle, runs: Sequence[tuple[str, dict]]) -> list[str]:
    if not runs:
        return []
    lines = ["## Measured on real recordings (wakeword-eval)", "",
             "| run | condition | clips | FRR at its threshold | FA/h at its threshold | FRR @0.5 FA/h | "
             "median latency (ms) |", "|---|---|---|---|---|---|---|"]
    found = False
    for source, results in runs:
        for name, info in results.get("models", {}).items():
            if "+" in name or info.get("keywords") != list(bundle.manifest.keywords) or \
                    info.get("threshold") != bundle.manifest.detector.threshold:
                continue
            found = True
            half = results.get("settings", {}).get("positives_half", "all")
            for condition, r in condition_results(info).items():
                lines.append(f"| `{source}` ({half} half) | {condition} | {r['positives']} | "
                             f"{_pct(r['frr_at_threshold'])} | {_fa(r['fa_per_hour_at_threshold'])} | "
                             f"{_pct(r['frr_at_fa_per_hour'].get('0.5'))} | {r['latency_ms'].get('median', 'n/a')} |")
    if not found:
        raise EvaluationError(f"no run measured {bundle.manifest.name} at its threshold "
                              f"{bundle.manifest.detector.threshold}")
    return lines + [""]


def render(bundle: Bundle, runs: Sequence[tuple[str, dict]] = ()) -> str:
    """The markdown model card of ``bundle``, with the suite ``runs`` ((source, results.json)) that measured it."""
    m = bundle.manifest
    lines = _overview(bundle) + _training(m.training or {}) + _promise(m.metrics or {})
    lines += _measured(bundle, runs) + _ablation(m.metrics or {}, bool((m.training or {}).get("reexported_from")))
    lines += ["## Use and limits", "",
              "- Intended for a wake word on a phone, a desktop or a Cortex-M4 board: one phrase, one speaker "
              "at a time, near the microphone. It is not a speech recognizer and not a speaker check.",
              "- The threshold was chosen for false accepts on conversational English speech and in household "
              "noise; other languages, TV audio, music or far-field use need their own measurement "
              "(`wakeword-eval`) and maybe another threshold (`wakeword detect --threshold`, the app's slider).",
              "- Misses rise with loud sudden noise (kitchen clatter) and large rooms: see the measured table.",
              "- Nothing leaves the device (docs/PRIVACY.md).", ""]
    return "\n".join(lines)


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wakeword-card", description=__doc__.splitlines()[0])
    add_bundle_options(parser)
    parser.add_argument("--results", nargs="*", default=[], type=Path, metavar="JSON",
                        help="results.json of wakeword-eval runs that measured this bundle")
    parser.add_argument("--out", type=Path, required=True, help="markdown file to write")
    args = parser.parse_args(argv)
    bundle = open_bundle(args.bundle, allow_unsigned=args.allow_unsigned, trusted_key_files=tuple(args.trusted_key))
    page = render(bundle, [(str(path), load_results(path)) for path in args.results])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
