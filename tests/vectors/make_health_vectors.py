"""Model-health counter vectors (and the generated C++ layout header), written by wakeword.health.

``firmware/test/health_test.cc`` replays every ``health_*.txt`` through the firmware's
``wakeword::HealthCounters`` and expects the payload written here by the Python reference
(:class:`wakeword.health.HealthCounters`). One event per line::

    config THRESHOLD WINDOW REFRACTORY_MS NEAR_MISS_MARGIN
    A COUNT AMPLITUDE SEED      audio: COUNT samples of lcg_noise(AMPLITUDE, SEED)
    C SCORE T_MS DETECTIONS     a model call
    D MS                        dropped audio
    N                           a new stream
    expect HEX                  the payload at this point

The script also writes ``firmware/src/health_layout.h``.

    python tests/vectors/make_health_vectors.py           # write
    python tests/vectors/make_health_vectors.py --check   # exit 1 if anything is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(ROOT))

from wakeword.health import HealthCounters, render_health_header  # noqa: E402
from generated_files import write_or_check  # noqa: E402  (beside this script)

VECTORS_DIR = ROOT / "tests" / "vectors"
LAYOUT_HEADER = ROOT / "firmware" / "src" / "health_layout.h"


def lcg_noise(count: int, amplitude: int, seed: int) -> np.ndarray:
    """Uniform integers in [-amplitude, amplitude] from a 32-bit LCG (the C++ test has the same)."""
    state = seed & 0xFFFFFFFF
    out = np.empty(count, np.int16)
    for i in range(count):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = ((state >> 16) % (2 * amplitude + 1)) - amplitude
    return out


def _scenario(name: str, config: tuple[int, int, int, int], rng: np.random.Generator, seconds: int,
              *, detect_every: int, drops: bool, restarts: bool) -> tuple[str, str]:
    threshold, window, refractory, margin = config
    counters = HealthCounters(threshold=threshold, window=window, refractory_ms=refractory, near_miss_margin=margin)
    lines = [f"# {name}: written by make_health_vectors.py", "config " + " ".join(map(str, config))]
    t_ms, seed = 30, int(rng.integers(1, 2**31))
    level = 1
    for second in range(seconds):
        for block in range(10):                         # 100 ms blocks: 1600 samples, then 3 model calls
            if block == 0:
                level = int(rng.choice([0, 1, 3, 30, 300, 3000, 12000, 32767]))
            count = int(rng.choice([1600, 1600, 1599, 1601, 37]))
            seed = (seed * 69069 + 1) & 0x7FFFFFFF
            counters.on_audio(lcg_noise(count, level, seed))
            lines.append(f"A {count} {level} {seed}")
            for _ in range(3):
                hot = rng.random() < 0.3
                score = int(rng.integers(threshold - margin - 8, 256) if hot else rng.integers(0, threshold - margin))
                score = max(0, min(255, score))
                detections = int(detect_every and rng.integers(0, detect_every) == 0)
                counters.on_call(score, t_ms, detections)
                lines.append(f"C {score} {t_ms} {detections}")
                t_ms += 30
        if drops and rng.random() < 0.3:
            ms = int(rng.integers(1, 500))
            counters.add_dropped_ms(ms)
            lines.append(f"D {ms}")
        if restarts and rng.random() < 0.2:
            counters.new_stream()
            lines.append("N")
        if second % 4 == 3:
            lines.append(f"expect {counters.payload().hex()}")
    lines.append(f"expect {counters.payload().hex()}")
    return f"health_{name}.txt", "\n".join(lines) + "\n"


def vectors() -> list[tuple[str, str]]:
    rng = np.random.default_rng(20261206)
    return [
        _scenario("quiet_near_misses", (200, 5, 2000, 32), rng, 12, detect_every=0, drops=False, restarts=False),
        _scenario("detections_refractory", (210, 20, 2000, 32), rng, 12, detect_every=40, drops=False,
                  restarts=False),
        _scenario("drops_and_restarts", (180, 3, 500, 16), rng, 16, detect_every=25, drops=True, restarts=True),
        _scenario("window_1_margin_254", (255, 1, 0, 254), rng, 6, detect_every=7, drops=True, restarts=True),
    ]


def outputs() -> dict[Path, bytes]:
    files = {VECTORS_DIR / name: text.encode("ascii") for name, text in vectors()}
    files[LAYOUT_HEADER] = render_health_header().encode("ascii")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 if stale")
    args = parser.parse_args(argv)
    return write_or_check(outputs(), check=args.check, script="tests/vectors/make_health_vectors.py")


if __name__ == "__main__":
    sys.exit(main())
