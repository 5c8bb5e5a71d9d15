"""CPU seconds of one personalization (wakeword.personalize) against the engine's own cost, same run.

The personalization of ``--bundle`` from 4 samples of the wake word and 60 s of room sound
(real clips from ../shared/data when present, else espeak-ng and synthetic noise), single-threaded.
The baseline is the engine running the same model over 60 s of audio: the last line is the ratio
(personalization CPU seconds / engine CPU seconds per minute of audio). The issue's budget is
10 s on a phone-class CPU; a desktop core is roughly 3-5x faster than a phone's.

    python bench/personalize_speed.py [--bundle alexa] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from wakeword.audio import SAMPLE_RATE_HZ, load_audio  # noqa: E402
from wakeword.bundle import open_bundle  # noqa: E402
from wakeword.engine import Engine  # noqa: E402
from wakeword.personalize import personalize  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def samples_and_room(keyword: str) -> tuple[list[np.ndarray], np.ndarray, str]:
    clips = sorted((SHARED / "eval" / "positives" / keyword).glob("*.flac"))[:4]
    rng = np.random.default_rng(0)
    room = (rng.normal(0, 300, 60 * SAMPLE_RATE_HZ)).astype(np.int16)
    if len(clips) == 4:
        return [load_audio(c) for c in clips], room, "real clips"
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise SystemExit("neither ../shared/data nor espeak-ng is available for samples")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(4):
            wav = Path(tmp) / f"{i}.wav"
            subprocess.run([espeak, "-w", str(wav), "-s", str(130 + 12 * i), keyword], check=True)
            out.append(np.concatenate([np.zeros(8000, np.int16), load_audio(wav), np.zeros(8000, np.int16)]))
    return out, room, "espeak-ng"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", default="alexa")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bundle = open_bundle(args.bundle)
    samples, room, kind = samples_and_room(bundle.manifest.keywords[0])
    engine = Engine(bundle)
    base, took = [], []
    for _ in range(args.repeat):
        t0 = time.process_time()
        engine.process_samples(room)
        base.append(time.process_time() - t0)
        t0 = time.process_time()
        personalize(bundle, samples, room)
        took.append(time.process_time() - t0)
    b, p = min(base), min(took)
    print(f"{bundle.name}: {kind}, 4 samples + 60 s room, best of {args.repeat}")
    print(f"engine over 60 s of audio: {b:.3f} CPU s")
    print(f"personalization:           {p:.3f} CPU s")
    print(f"ratio personalization / engine-minute: {p / b:.1f}")


if __name__ == "__main__":
    main()
