"""Where the false accepts in a noise come from: the noise alone, the speech alone, or the two together.

The suite's noise conditions play a noise recording (looped) under hours of negative speech. A
false accept there can be the noise's own doing (a voice in the background of a kitchen recording,
repeated every time the loop comes round), the speech's (it would fire in silence too), or the
mixture's (speech that a model leaves alone fires once a running tap fills its gaps). This tool
replays the suite's mixing of one noise type, then scores the speech and the noise parts of the
mixture on their own, and says for each false accept which part alone reaches the threshold, and
where in the noise recording it fell: many false accepts at one place in the noise are one event.

Example::

    python -m evaluation.fa_sources --bundle computer --negatives data/eval/negatives \\
        --noise data/eval/noise/kitchen.flac --snr 10 --threshold 220 --out fa_kitchen

Exit status: 0 done, 2 bad input (one line on stderr naming it), 130 interrupted.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from wakeword.bundle import Bundle
from wakeword.command import add_bundle_options, command
from wakeword.config import DetectorConfig
from wakeword.dsp import SAMPLE_RATE_HZ
from wakeword.engine import Engine
from wakeword.errors import ConfigError

from .conditions import Ambience, _NoiseCursor
from .metrics import trigger_levels
from .mixing import NoiseMixer
from .sources import Piece, find_audio_files, probe_audio, read_blocks, resolve_input
from .suite import model_from_args

#: a part "alone reaches" the threshold when its window mean around the false accept comes within
#: this much of it (the two parts do not add up to the mixture's features exactly)
NEAR = 8
#: calls either side of a false accept searched for the parts' highest window mean
SPAN_CALLS = 5
#: false accepts within this many seconds of each other in the noise recording are one noise event
EVENT_SECONDS = 1.0


@dataclass(frozen=True)
class FalseAccept:
    """One false accept of the mixture, and what its parts score on their own."""

    #: stream time of the detection (s), and the pass it came from
    t_s: float
    run: int
    #: the negative recording it fell in
    file: str
    #: where in the noise recording (s) the detection's audio came from
    noise_s: float
    #: window means (0-255) at the detection: the mixture's, and the most the speech and noise parts
    #: reach alone within SPAN_CALLS calls of it
    mixture: int
    speech_alone: int
    noise_alone: int
    #: "noise", "speech", "both" (each alone reaches the threshold) or "together" (neither does)
    source: str


def _window_means(engine: Engine, samples: np.ndarray, *, detector: DetectorConfig) -> tuple[np.ndarray, np.ndarray]:
    """Stream times (ms) and the highest threshold the detector could fire at
    (:func:`evaluation.metrics.trigger_levels`: the window mean, or the fast path's level; below 0
    before the window fills; the first keyword's) of ``samples`` from a fresh engine."""
    engine.reset()
    engine.feed(samples)
    t, scores = engine.scores_array()
    return t, trigger_levels(scores, detector)[:, 0]


def _render(files: list[Path], noise: np.ndarray, *, snr_db: float, rng: np.random.Generator):
    """The suite's mixing (evaluation.conditions.render_negative, speech-referenced SNR): each file in
    blocks of at most 30 s, each file from a random place in the looped noise. Returns the speech,
    the mixture, the noise part (mixture minus speech), the noise position (samples) of every
    sample, and each file's first sample."""
    mixer = NoiseMixer(snr_db=snr_db, rng=rng, reference="speech")
    speech, mixed, position, starts = [], [], [], []
    total = 0
    for path in files:
        cursor = _NoiseCursor(noise, int(rng.integers(len(noise))))
        starts.append(total)
        info = probe_audio(path)
        for block in read_blocks(Piece(info.path, 0, info.frames, info.sample_rate_hz)):
            position.append((cursor.pos + np.arange(len(block))) % len(noise))
            speech.append(block)
            mixed.append(mixer.mix(block, cursor.take(len(block))))
            total += len(block)
    speech_all, mixed_all = np.concatenate(speech), np.concatenate(mixed)
    noise_part = np.clip(mixed_all.astype(np.int32) - speech_all, -32768, 32767).astype(np.int16)
    return speech_all, mixed_all, noise_part, np.concatenate(position), np.asarray(starts)


def _classify(speech: int, noise: int, threshold: int) -> str:
    s, n = speech >= threshold - NEAR, noise >= threshold - NEAR
    return "both" if s and n else "speech" if s else "noise" if n else "together"


def attribute(bundle: Bundle, negatives: Sequence[Path], noise: np.ndarray, *, snr_db: float, threshold: int,
              window: int | None = None, runs: int = 2, seed: int = 0) -> dict:
    """False accepts of ``bundle`` on ``negatives`` with ``noise`` at ``snr_db``, each attributed.

    Parameters
    ----------
    bundle : Bundle
        Its first keyword is scored.
    negatives : sequence of Path
        Audio files without the keyword.
    noise : ndarray of int16
        The noise recording (looped).
    snr_db : float
        Active speech power over noise power, as the suite measures it.
    threshold, window : int
        The detector's (default window: the bundle's).
    runs : int
        Passes over the negatives, each with other noise positions.
    seed : int

    Returns
    -------
    dict
        ``false_accepts`` (a list of :class:`FalseAccept` as dicts), ``hours``, ``per_hour``, counts by
        ``source``, and ``events``: the noise positions that caused two or more false accepts.
    """
    files = [Path(f) for f in negatives]
    if not files:
        raise ConfigError("no negative recordings given")
    if len(noise) < SAMPLE_RATE_HZ // 10:
        raise ConfigError(f"the noise recording is {len(noise)} samples long; at least 0.1 s is needed")
    manifest = bundle.manifest
    window = window or manifest.detector.window
    detector = dataclasses.replace(manifest.detector, threshold=threshold, window=window,
                                   fast_window=min(manifest.detector.fast_window, window))
    engine = Engine(bundle, detector=detector, history_size=10**9)
    rng = np.random.default_rng(seed)
    found: list[FalseAccept] = []
    seconds = 0.0
    for run in range(runs):
        speech, mixed, noise_part, position, starts = _render(files, noise, snr_db=snr_db, rng=rng)
        seconds += len(speech) / SAMPLE_RATE_HZ
        engine.reset()
        detections = [d for d in engine.feed(mixed) if d.keyword == manifest.keywords[0]]
        t_ms, _ = engine.scores_array()
        _, speech_means = _window_means(engine, speech, detector=detector)
        _, noise_means = _window_means(engine, noise_part, detector=detector)
        for d in detections:
            i = int(np.searchsorted(t_ms, d.t_ms))
            near = slice(max(0, i - SPAN_CALLS), i + SPAN_CALLS + 1)
            sample = min(len(position) - 1, d.t_ms * SAMPLE_RATE_HZ // 1000)
            s_alone, n_alone = int(speech_means[near].max()), int(noise_means[near].max())
            found.append(FalseAccept(
                t_s=d.t_ms / 1000, run=run, file=files[int(np.searchsorted(starts, sample, side="right")) - 1].name,
                noise_s=round(float(position[sample]) / SAMPLE_RATE_HZ, 2), mixture=int(d.score),
                speech_alone=s_alone, noise_alone=n_alone, source=_classify(s_alone, n_alone, threshold)))
    hours = seconds / 3600
    t_noise, noise_means = _window_means(engine, np.asarray(noise, np.int16), detector=detector)
    by_source = {k: sum(f.source == k for f in found) for k in ("noise", "speech", "both", "together")}
    return {"threshold": threshold, "window": window, "snr_db": snr_db, "runs": runs, "hours": hours,
            "false_accepts": [asdict(f) for f in found], "per_hour": len(found) / hours if hours else 0.0,
            "by_source": by_source, "events": noise_events(found),
            "noise_peaks": peaks(t_noise, noise_means, count=5)}


def peaks(t_ms: np.ndarray, means: np.ndarray, *, count: int, gap_ms: int = 1000) -> list[dict]:
    """The ``count`` highest window means at least ``gap_ms`` apart: [{"t_s", "mean"}], highest first."""
    chosen: list[int] = []
    for i in np.argsort(-means, kind="stable"):
        if all(abs(int(t_ms[i]) - int(t_ms[j])) >= gap_ms for j in chosen):
            chosen.append(int(i))
            if len(chosen) == count:
                break
    return [{"t_s": round(float(t_ms[i]) / 1000, 2), "mean": int(means[i])} for i in chosen]


def noise_events(found: Sequence[FalseAccept]) -> list[dict]:
    """Places in the noise recording (within EVENT_SECONDS) where two or more false accepts fell:
    one noise event, counted as often as the loop brought it round."""
    events: list[dict] = []
    for f in sorted(found, key=lambda f: f.noise_s):
        if events and f.noise_s - events[-1]["last_s"] <= EVENT_SECONDS:
            events[-1]["count"] += 1
            events[-1]["last_s"] = f.noise_s
        else:
            events.append({"noise_s": f.noise_s, "last_s": f.noise_s, "count": 1})
    return [{"noise_s": e["noise_s"], "count": e["count"]} for e in events if e["count"] > 1]


def report(result: dict, *, name: str) -> str:
    """A markdown summary of :func:`attribute`'s result."""
    n = len(result["false_accepts"])
    lines = [f"# False accepts of {name} in noise, by source", "",
             f"threshold {result['threshold']}, window {result['window']}, SNR {result['snr_db']:g} dB, "
             f"{result['hours']:.2f} h of negatives ({result['runs']} runs): {n} false accepts, "
             f"{result['per_hour']:.1f} an hour", "",
             "| source | false accepts |", "|---|---|"]
    for key, label in (("noise", "the noise alone reaches the threshold"),
                       ("speech", "the speech alone reaches it"), ("both", "each alone reaches it"),
                       ("together", "only the two together")):
        lines.append(f"| {label} | {result['by_source'][key]} |")
    lines += ["", "The noise recording alone, played once: its highest window means (the threshold must stay above "
              "them): " + ", ".join(f"{p['mean']} at {p['t_s']:.1f} s" for p in result["noise_peaks"])]
    if result["events"]:
        lines += ["", "Places in the noise recording that caused two or more false accepts (the loop repeats them):",
                  "", "| noise time (s) | false accepts |", "|---|---|"]
        lines += [f"| {e['noise_s']:.1f} | {e['count']} |" for e in result["events"]]
    lines += ["", "| run | time (s) | file | noise time (s) | mixture | speech alone | noise alone | source |",
              "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {f['run']} | {f['t_s']:.1f} | {f['file']} | {f['noise_s']:.1f} | {f['mixture']} | "
              f"{f['speech_alone']} | {f['noise_alone']} | {f['source']} |" for f in result["false_accepts"]]
    return "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evaluation.fa_sources", description=__doc__.split("\n")[0])
    add_bundle_options(parser)
    parser.add_argument("--negatives", nargs="+", required=True, metavar="DIR",
                        help="folders or files of speech without the keyword")
    parser.add_argument("--noise", required=True, help="one noise recording (file or folder, looped)")
    parser.add_argument("--snr", type=float, default=10.0, help="speech over noise, dB (default %(default)s)")
    parser.add_argument("--threshold", type=int, default=None, help="default: the bundle's")
    parser.add_argument("--window", type=int, default=None, help="default: the bundle's")
    parser.add_argument("--runs", type=int, default=2, help="passes over the negatives (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="folder for results.json and report.md")
    return parser


@command
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    bundle = model_from_args(args)
    if not 1 <= args.runs <= 100:
        raise ConfigError(f"--runs must be in 1..100, got {args.runs}")
    negatives = [f for folder in args.negatives for f in find_audio_files(resolve_input(folder, what="negatives"),
                                                                         what="negatives")]
    noise = Ambience.load(noise_paths=[args.noise], rir_paths=[]).noises
    threshold = args.threshold if args.threshold is not None else bundle.manifest.detector.threshold
    result = attribute(bundle, negatives, next(iter(noise.values())), snr_db=args.snr, threshold=threshold,
                       window=args.window, runs=args.runs, seed=args.seed)
    text = report(result, name=bundle.manifest.name)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(result, indent=1) + "\n")
        (out / "report.md").write_text(text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
