"""CPU seconds per hour of audio: our engine vs microWakeWord (pymicro-wakeword), same audio, same run.

Both run single-threaded over the same real speech (from ../shared/data, or a folder given
with --audio; synthetic noise and tones when neither exists), fed in the same chunks.
The peer runs through its own code (pymicro-wakeword's features and model classes).
The last line is the ratio (peer CPU seconds / ours): above 1 means we are faster.

    python bench/engine_speed.py [--bundle alexa] [--audio DIR ...] [--hours 1.0] [--chunk 1024]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from wakeword.audio import load_audio  # noqa: E402
from wakeword.dsp import AUDIO_SUFFIXES  # noqa: E402
from wakeword.engine import Engine  # noqa: E402

DEFAULT_AUDIO = [Path(__file__).resolve().parents[2] / "shared" / "data" / sub
                 for sub in ("eval/negatives/coffee-orders", "train/speech/librispeech-train-clean-100",
                             "eval/positives/alexa")]


def collect_audio(folders: list[Path], hours: float) -> tuple[np.ndarray, str]:
    want = int(hours * 3600 * 16000)
    parts, total = [], 0
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES):
            audio = load_audio(path)
            parts.append(audio)
            total += len(audio)
            if total >= want:
                return np.concatenate(parts)[:want], "real speech"
    if parts:  # loop what there is
        audio = np.concatenate(parts)
        return np.resize(audio, want), "real speech (looped)"
    rng = np.random.default_rng(0)
    t = np.arange(want) / 16000
    synthetic = 2000 * np.sin(2 * np.pi * 300 * t) * (np.sin(2 * np.pi * 0.3 * t) > 0) + rng.normal(0, 300, want)
    return synthetic.astype(np.int16), "synthetic"


def run_ours(bundle: str, audio: np.ndarray, chunk: int, *, cascade: bool = False) -> tuple[float, int, int]:
    """CPU seconds, detections and (with ``cascade``) verifier runs of our engine over ``audio``."""
    # a benchmark may time a fresh, unsigned bundle
    engine = Engine.from_bundle(bundle, allow_unsigned=True, cascade=cascade)
    start = time.process_time()
    found = 0
    for i in range(0, len(audio), chunk):
        found += len(engine.feed(audio[i:i + chunk]))
    return time.process_time() - start, found, len(engine.candidates)


def run_peer(name: str, audio: np.ndarray, chunk: int) -> tuple[float, int]:
    from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model

    model = MicroWakeWord.from_builtin(Model(name))
    features = MicroWakeWordFeatures()
    data = audio.tobytes()
    step = chunk * 2
    start = time.process_time()
    found = 0
    for i in range(0, len(data), step):
        for frame in features.process_streaming(data[i:i + step]):
            if model.process_streaming(frame):
                found += 1
    return time.process_time() - start, found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default="alexa", help="our bundle (path or built-in name)")
    parser.add_argument("--peer", default="alexa", help="pymicro-wakeword model name")
    parser.add_argument("--audio", type=Path, nargs="*", default=None, help="folders of audio (default ../shared/data)")
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--chunk", type=int, default=1024, help="samples per feed() call")
    args = parser.parse_args(argv)
    audio, kind = collect_audio(args.audio or DEFAULT_AUDIO, args.hours)
    hours = len(audio) / 16000 / 3600
    print(f"audio: {hours:.3f} h of {kind}, chunks of {args.chunk} samples, single thread")
    ours, ours_found, _ = run_ours(args.bundle, audio, args.chunk)
    rows = [("wakeword " + args.bundle, ours, f"{ours_found} detections")]
    if Engine.from_bundle(args.bundle, allow_unsigned=True).manifest.verifier is not None:
        # the cascade: the same engine, and the verifier on every first-stage candidate
        both, both_found, runs = run_ours(args.bundle, audio, args.chunk, cascade=True)
        rows.append((f"wakeword {args.bundle} + verifier", both,
                     f"{both_found} detections, the verifier ran {runs} times, {runs / hours:.0f} an hour"))
    peer, peer_found = run_peer(args.peer, audio, args.chunk)
    rows.append(("microWakeWord " + args.peer, peer, f"{peer_found} detections"))
    for name, cpu, what in rows:
        print(f"{name:32s} {cpu / hours:7.2f} CPU s per audio hour  {hours * 3600 / cpu:7.0f}x real time  ({what})")
    if len(rows) == 3:
        print(f"cascade / first stage alone, CPU: {rows[1][1] / ours:.3f}")
    print(f"ratio (peer CPU / ours): {peer / ours:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
