"""Scale check of the evaluation suite: >= 10 hours of negative stream audio, 2 workers.

Builds a folder of negatives that adds up to ``--hours`` (default 10): the real
negatives of ``../shared/data/eval/negatives`` repeated (as symbolic links) when
that folder exists, else synthetic one-minute files of noise and tones repeated
the same way (so the disk holds only a few MB). Positives are a few real "alexa"
clips or synthetic tone clips. Then it times :func:`evaluation.suite.run_suite`
with microWakeWord's "alexa" model and prints hours, seconds, the real-time
factor, and memory (RSS of this process at start and end, peak RSS of the workers).

    python bench/eval_scale.py [--hours 10] [--workers 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("WAKEWORD_SHARED_DATA", ROOT.parent / "shared" / "data"))
SR = 16000


def rss_mb() -> float:
    """Resident set size of this process, in MB (from /proc; 0 where unavailable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def synthetic_minute(seed: int) -> np.ndarray:
    """One minute of pink-ish noise with tone bursts (speech-like levels)."""
    rng = np.random.default_rng(seed)
    t = np.arange(60 * SR) / SR
    noise = np.cumsum(rng.normal(0, 1, len(t)))
    noise = noise - np.convolve(noise, np.ones(400) / 400, mode="same")
    x = 300 * noise / (noise.std() + 1e-9)
    gate = (np.sin(2 * np.pi * (0.3 + 0.05 * seed) * t) > 0.3)
    x += gate * 2500 * np.sin(2 * np.pi * (180 + 20 * seed + 60 * np.sin(2 * np.pi * 0.7 * t)) * t)
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


def build_inputs(root: Path, hours: float) -> tuple[Path, Path, str]:
    """Negatives folder of >= ``hours`` and a positives folder; returns them and a description."""
    neg, pos = root / "negatives", root / "positives" / "alexa"
    neg.mkdir(parents=True)
    pos.mkdir(parents=True)
    real_neg = sorted((SHARED / "eval" / "negatives").rglob("*.flac")) if SHARED.is_dir() else []
    real_pos = sorted((SHARED / "eval" / "positives" / "alexa").glob("*.flac"))[:20] if SHARED.is_dir() else []
    if real_neg:
        sources, what = real_neg, f"repeats of {len(real_neg)} real negative files"
    else:
        synth = root / "synthetic"
        synth.mkdir()
        sources = []
        for i in range(10):
            sf.write(synth / f"s{i}.wav", synthetic_minute(i), SR, subtype="PCM_16")
            sources.append(synth / f"s{i}.wav")
        what = "repeats of 10 synthetic one-minute files (noise + tones)"
    seconds_per_pass = sum(sf.info(str(p)).duration for p in sources)
    passes = int(np.ceil(hours * 3600 / seconds_per_pass))
    for k in range(passes):
        folder = neg / f"pass{k:03d}"
        folder.mkdir()
        for i, src in enumerate(sources):
            (folder / f"{i:05d}{src.suffix}").symlink_to(src.resolve())
    if real_pos:
        for src in real_pos:
            shutil.copy(src, pos / src.name)
    else:
        for i in range(10):
            sf.write(pos / f"tone{i}.wav", synthetic_minute(i)[:2 * SR], SR, subtype="PCM_16")
    return neg, pos.parent / "alexa", f"{what}, {passes} passes of {seconds_per_pass / 60:.1f} min"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=10.0, help="hours of negative audio (default 10)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="write inputs and outputs here and keep them")
    args = parser.parse_args(argv)

    from evaluation.suite import run_suite
    from wakeword.peers import microwakeword_bundle

    rss_start = rss_mb()
    root = args.keep or Path(tempfile.mkdtemp(prefix="eval_scale_"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        neg, pos, what = build_inputs(root, args.hours)
        print(f"negatives: {what}", flush=True)
        print(f"RSS at start: {rss_start:.0f} MB (after inputs: {rss_mb():.0f} MB)", flush=True)
        start = time.perf_counter()
        results = run_suite(models=[microwakeword_bundle("alexa")], positives=[pos], negatives=[neg],
                            out_dir=root / "out", workers=args.workers, max_negative_hours=args.hours, seed=0)
        seconds = time.perf_counter() - start
        hours = results["inputs"]["hours_negative"]
        clean = results["models"]["microwakeword-alexa"]["conditions"]["clean"]
        audio_hours = hours + sum(p["clips"] for p in results["inputs"]["positives"]) * 2 / 3600
        children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"hours of negatives: {hours:.2f} (+{results['inputs']['positive_clips']} positive clips)")
        print(f"seconds: {seconds:.1f} with {args.workers} workers "
              f"({audio_hours * 3600 / seconds:.0f}x real time, 255 thresholds replayed)")
        print(f"FA/h at threshold {results['models']['microwakeword-alexa']['threshold']}: "
              f"{clean['fa_per_hour_at_threshold']:.3f} ({clean['false_accepts_at_threshold']} false accepts)")
        print(f"RSS at end: {rss_mb():.0f} MB; peak RSS of a worker: {children_mb:.0f} MB")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
