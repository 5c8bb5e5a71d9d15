"""Soak test: stream many hours of audio through one Engine, faster than real time.

The stream is synthetic noise with a keyword clip planted every ``--period-s`` seconds
(clips from ``--positives``, by default the shared evaluation clips of the bundle's
first keyword, else a synthesized tone sweep). Each clip is first calibrated alone in
the same noise: a clip detected exactly once there is expected to be detected at the
same offset from its start in the stream, so a detection's ``t_ms`` must match its
planted position within ``--tolerance-ms`` at every hour (no clock drift); a clip not
detected alone is planted as a distractor that must stay silent. Resident memory is
sampled every simulated hour.

    python bench/soak.py --hours 1
    python bench/soak.py --hours 24 --bundle path/to/bundle

Prints hours streamed, speed, RSS at start/end, detections expected/found and the
timing error; exits 1 when a check fails (missed or unexpected detections, timing
error or drift beyond the tolerance, RSS growth beyond ``--max-rss-growth-mb``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wakeword.audio import SAMPLE_RATE_HZ, load_audio  # noqa: E402
from wakeword.bundle import Bundle  # noqa: E402
from wakeword.dsp import AUDIO_SUFFIXES  # noqa: E402
from wakeword.engine import Engine  # noqa: E402

SHARED_POSITIVES = ROOT.parent / "shared" / "data" / "eval" / "positives"
MS_PER_HOUR = 3_600_000


@dataclass
class Clip:
    name: str
    samples: np.ndarray
    offset_ms: int | None  # detection time after the clip's start when alone; None: not detected


@dataclass
class SoakResult:
    hours: float
    seconds: float
    rss_mb: list[float] = field(default_factory=list)
    expected: int = 0
    found: int = 0
    missed: int = 0
    unexpected: int = 0
    timing_errors_ms: list[tuple[int, int]] = field(default_factory=list)  # (hour, found - expected)
    stream_ms: int = 0


def rss_mb() -> float:
    """Resident set size of this process now (Linux), else its peak."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_engine_bundle(spec: str | None) -> Bundle:
    """A bundle name, path or ``microwakeword:NAME`` (default microWakeWord's alexa), as everywhere."""
    from wakeword.bundle import open_bundle

    return open_bundle(spec or "microwakeword:alexa", allow_unsigned=True)


def synthesized_clip() -> np.ndarray:
    """A 1 s tone sweep with an envelope: the stand-in when no recorded clips exist."""
    t = np.arange(SAMPLE_RATE_HZ) / SAMPLE_RATE_HZ
    sweep = np.sin(2 * np.pi * (300 * t + 900 * t**2)) * np.sin(np.pi * t) ** 2
    return np.round(sweep * 8000).astype(np.int16)


def load_clips(folder: Path | None, limit: int) -> list[tuple[str, np.ndarray]]:
    if folder is not None and folder.is_dir():
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES)[:limit]
        if paths:
            return [(p.name, load_audio(p)) for p in paths]
    return [("synthesized-sweep", synthesized_clip())]


class NoiseSource:
    """Deterministic white noise at a fixed level (dBFS of its RMS)."""

    def __init__(self, level_dbfs: float, seed: int) -> None:
        self.rms = 32768.0 * 10 ** (level_dbfs / 20)
        self.rng = np.random.default_rng(seed)

    def take(self, n: int) -> np.ndarray:
        return np.clip(np.rint(self.rng.standard_normal(n, dtype=np.float32) * self.rms), -32768, 32767).astype(np.int16)


def feed(engine: Engine, samples: np.ndarray, chunk: int) -> list:
    found = []
    for start in range(0, len(samples), chunk):
        found.extend(engine.feed(samples[start:start + chunk]))
    return found


def calibrate(engine: Engine, clips: list[tuple[str, np.ndarray]], noise: NoiseSource, lead_ms: int,
              chunk: int, keyword: str) -> list[Clip]:
    """Each clip alone between noise: its detection offset, or None if not detected exactly once."""
    out = []
    lead = lead_ms * SAMPLE_RATE_HZ // 1000
    for name, samples in clips:
        engine.reset()
        stream = np.concatenate([noise.take(lead), samples, noise.take(3 * SAMPLE_RATE_HZ)])
        hits = [d for d in feed(engine, stream, chunk) if d.keyword == keyword]
        out.append(Clip(name, samples, hits[0].t_ms - lead_ms if len(hits) == 1 else None))
    engine.reset()
    return out


def soak(engine: Engine, clips: list[Clip], noise: NoiseSource, *, hours: float, period_s: float, lead_ms: int,
         chunk: int, keyword: str, tolerance_ms: int, progress: bool) -> SoakResult:
    """Stream ``hours`` of noise with a clip every ``period_s`` seconds starting ``lead_ms`` into each period."""
    period = int(period_s * SAMPLE_RATE_HZ)
    lead = lead_ms * SAMPLE_RATE_HZ // 1000
    total = int(hours * 3600 * SAMPLE_RATE_HZ)
    result = SoakResult(hours=hours, seconds=0.0, rss_mb=[rss_mb()])
    engine.reset()
    started = time.monotonic()
    position = 0  # samples streamed
    next_hour_ms = MS_PER_HOUR
    pending: list[int] = []  # expected detection times (ms) of planted keyword clips not yet found
    index = 0
    while position < total:
        clip = clips[index % len(clips)]
        index += 1
        length = min(period, total - position)
        segment = noise.take(length)
        clip_start_ms = (position + lead) * 1000 // SAMPLE_RATE_HZ
        if lead + len(clip.samples) <= length:
            segment[lead:lead + len(clip.samples)] = clip.samples
            if clip.offset_ms is not None:
                result.expected += 1
                pending.append(clip_start_ms + clip.offset_ms)
        detections = [d for d in feed(engine, segment, chunk) if d.keyword == keyword]
        position += length
        for detection in detections:
            match = next((p for p in pending if abs(detection.t_ms - p) <= tolerance_ms), None)
            if match is None:
                result.unexpected += 1
                continue
            pending.remove(match)
            result.found += 1
            result.timing_errors_ms.append((detection.t_ms // MS_PER_HOUR, detection.t_ms - match))
        # a planted clip whose window has passed without a detection is a miss
        horizon_ms = engine.stream_ms - tolerance_ms - 1000
        result.missed += sum(p < horizon_ms for p in pending)
        pending = [p for p in pending if p >= horizon_ms]
        while engine.stream_ms >= next_hour_ms:
            result.rss_mb.append(rss_mb())
            if progress:
                elapsed = time.monotonic() - started
                print(f"  hour {next_hour_ms // MS_PER_HOUR:3d}: rss {result.rss_mb[-1]:7.1f} MB, "
                      f"found {result.found}/{result.expected}, {elapsed:6.0f} s elapsed", flush=True)
            next_hour_ms += MS_PER_HOUR
    result.missed += len(pending)
    result.seconds = time.monotonic() - started
    result.stream_ms = engine.stream_ms
    if len(result.rss_mb) == 1 or engine.stream_ms % MS_PER_HOUR:
        result.rss_mb.append(rss_mb())
    return result


def summarize(result: SoakResult, *, tolerance_ms: int, max_rss_growth_mb: float) -> tuple[dict, list[str]]:
    errors = [e for _, e in result.timing_errors_ms]
    hours = sorted({h for h, _ in result.timing_errors_ms})
    first = [e for h, e in result.timing_errors_ms if h == hours[0]] if hours else []
    last = [e for h, e in result.timing_errors_ms if h == hours[-1]] if hours else []
    drift = (float(np.mean(last)) - float(np.mean(first))) if hours else 0.0
    growth = result.rss_mb[-1] - result.rss_mb[0]
    summary = {
        "hours_streamed": result.stream_ms / MS_PER_HOUR,
        "wall_seconds": round(result.seconds, 1),
        "x_real_time": round(result.stream_ms / 1000 / max(result.seconds, 1e-9), 1),
        "rss_mb_start": round(result.rss_mb[0], 1),
        "rss_mb_end": round(result.rss_mb[-1], 1),
        "rss_mb_max": round(max(result.rss_mb), 1),
        "rss_mb_per_hour": [round(v, 1) for v in result.rss_mb],
        "detections_expected": result.expected,
        "detections_found": result.found,
        "missed": result.missed,
        "unexpected": result.unexpected,
        "timing_error_ms_min": min(errors) if errors else None,
        "timing_error_ms_max": max(errors) if errors else None,
        "timing_error_ms_mean_first_hour": round(float(np.mean(first)), 2) if first else None,
        "timing_error_ms_mean_last_hour": round(float(np.mean(last)), 2) if last else None,
        "timing_drift_ms": round(drift, 2),
    }
    failures = []
    if result.missed:
        failures.append(f"{result.missed} planted keywords missed")
    if result.unexpected:
        failures.append(f"{result.unexpected} detections away from any planted keyword")
    if errors and max(abs(e) for e in errors) > tolerance_ms:
        failures.append(f"timing error beyond {tolerance_ms} ms")
    if abs(drift) > tolerance_ms / 2:
        failures.append(f"timing drift {drift:.1f} ms between the first and the last hour")
    if growth > max_rss_growth_mb:
        failures.append(f"RSS grew by {growth:.1f} MB (limit {max_rss_growth_mb} MB)")
    return summary, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0, help="stream length in hours (default 24)")
    parser.add_argument("--bundle", default=None,
                        help="bundle path or name, or microwakeword:NAME (default microwakeword:alexa)")
    parser.add_argument("--positives", type=Path, default=None,
                        help="folder of keyword clips (default: shared eval positives of the first keyword)")
    parser.add_argument("--clips", type=int, default=20, help="use at most this many clips")
    parser.add_argument("--period-s", type=float, default=30.0, help="one clip every this many seconds")
    parser.add_argument("--chunk-ms", type=int, default=100, help="samples per Engine.feed call, in ms")
    parser.add_argument("--noise-dbfs", type=float, default=-55.0, help="RMS level of the background noise")
    parser.add_argument("--tolerance-ms", type=int, default=100, help="allowed detection timing error")
    parser.add_argument("--max-rss-growth-mb", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--quiet", action="store_true", help="no per-hour progress lines")
    args = parser.parse_args(argv)

    bundle = load_engine_bundle(args.bundle)
    engine = Engine(bundle)
    keyword = bundle.manifest.keywords[0]
    positives = args.positives or SHARED_POSITIVES / keyword
    clips = calibrate(engine, load_clips(positives, args.clips), NoiseSource(args.noise_dbfs, args.seed + 1),
                      lead_ms=2000, chunk=args.chunk_ms * SAMPLE_RATE_HZ // 1000, keyword=keyword)
    keyword_clips = sum(c.offset_ms is not None for c in clips)
    if not args.quiet:
        print(f"soak: {bundle.manifest.name} {bundle.manifest.version} ({bundle.source}), keyword {keyword!r}")
        print(f"clips: {len(clips)} from {positives if clips[0].name != 'synthesized-sweep' else 'synthesis'}; "
              f"{keyword_clips} detected alone (planted as keywords), {len(clips) - keyword_clips} as distractors")
    result = soak(engine, clips, NoiseSource(args.noise_dbfs, args.seed), hours=args.hours, period_s=args.period_s,
                  lead_ms=2000, chunk=args.chunk_ms * SAMPLE_RATE_HZ // 1000, keyword=keyword,
                  tolerance_ms=args.tolerance_ms, progress=not args.quiet)
    summary, failures = summarize(result, tolerance_ms=args.tolerance_ms, max_rss_growth_mb=args.max_rss_growth_mb)
    summary["result"] = "FAIL: " + "; ".join(failures) if failures else "PASS"
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        s = summary
        print(f"hours streamed   {s['hours_streamed']:.2f} in {s['wall_seconds']} s ({s['x_real_time']}x real time, "
              f"{args.chunk_ms} ms chunks)")
        print(f"rss              start {s['rss_mb_start']} MB, end {s['rss_mb_end']} MB, max {s['rss_mb_max']} MB")
        print(f"detections       expected {s['detections_expected']}, found {s['detections_found']}, "
              f"missed {s['missed']}, unexpected {s['unexpected']}")
        print(f"timing error     min {s['timing_error_ms_min']} ms, max {s['timing_error_ms_max']} ms; mean first hour "
              f"{s['timing_error_ms_mean_first_hour']} ms, last hour {s['timing_error_ms_mean_last_hour']} ms "
              f"(drift {s['timing_drift_ms']} ms)")
        print(f"result           {s['result']}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
