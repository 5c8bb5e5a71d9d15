"""The app's command line (``wakeword-app``), apart from Kivy: read before Kivy starts (the window
size must be known then), and by the docs' CLI reference without starting anything."""

from __future__ import annotations

import argparse
import os


def window_size(text: str) -> str:
    """``WIDTHxHEIGHT`` in pixels (each 100..10000), else an argparse error naming it."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT (e.g. 480x860)") from None
    if not (100 <= width <= 10000 and 100 <= height <= 10000):
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be 100..10000 pixels")
    return f"{width}x{height}"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="wakeword-app", description="Wake word detection app (Kivy).")
    p.add_argument("--trusted-key", action="append", default=[], metavar="PUB",
                   help="also trust this public key (besides the release keys and ~/.config/wakeword/trusted_keys)")
    p.add_argument("--allow-unsigned", action="store_true",
                   help="also load bundles without a signature (your own freshly trained ones)")
    p.add_argument("--bundle", default=os.environ.get("WAKEWORD_APP_BUNDLE"),
                   help="bundle to select: built-in name, bundle path or microwakeword:NAME")
    p.add_argument("--device", default=None, help="input device index or name")
    p.add_argument("--buffer-ms", type=int, default=5000, help="microphone ring buffer (ms)")
    p.add_argument("--replay", default=None, help="start in file replay mode with this audio file")
    p.add_argument("--size", type=window_size, default=os.environ.get("WAKEWORD_APP_SIZE", "480x860"),
                   help="window WIDTHxHEIGHT (desktop)")
    p.add_argument("--test-script", default=os.environ.get("WAKEWORD_APP_TEST_SCRIPT"),
                   help="unattended test run; write its result JSON here")
    p.add_argument("--screenshot", default=None, help="test run: save a screenshot PNG here")
    p.add_argument("--timeout", type=float, default=30.0, help="test run: seconds to wait for a detection")
    p.add_argument("--test-personalize", nargs="+", default=None, metavar="WAV",
                   help="test run: first personalize through the enrollment dialog from these recordings (the wake "
                        "word samples, then the room sound last), apply it, and roll back at the end")
    p.add_argument("--test-target-threshold", type=int, default=200,
                   help="test run: threshold to reach by dragging the sensitivity slider")
    return p.parse_args(argv)
