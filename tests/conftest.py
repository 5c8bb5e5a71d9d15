"""Shared fixtures: real clips from ../shared/data when present, synthesized ones otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WAKEWORD_SHARED_DATA", ROOT.parent / "shared" / "data"))


def shared_data() -> Path | None:
    return SHARED_DATA if SHARED_DATA.is_dir() else None


@pytest.fixture(scope="session")
def alexa_clip(tmp_path_factory) -> Path:
    """A real recording of "alexa" when ../shared/data exists, else an espeak-ng one."""
    data = shared_data()
    if data is not None:
        clips = sorted((data / "eval" / "positives" / "alexa").glob("*"))
        if clips:
            return clips[0]
    if shutil.which("espeak-ng") is None:
        pytest.fail("neither ../shared/data nor espeak-ng is available to make an 'alexa' clip")
    out = tmp_path_factory.mktemp("clips") / "alexa.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(out), "alexa"], check=True)
    return out


@pytest.fixture(scope="session")
def speech_samples() -> np.ndarray:
    """About 20 s of int16 16 kHz speech-like audio (real speech when available)."""
    from wakeword.audio import load_audio

    data = shared_data()
    if data is not None:
        files = sorted((data / "eval" / "negatives" / "coffee-orders").glob("*"))[:5]
        if files:
            return np.concatenate([load_audio(f) for f in files])
    rng = np.random.default_rng(0)
    t = np.arange(16000 * 20) / 16000
    tone = 3000 * np.sin(2 * np.pi * (200 + 100 * np.sin(2 * np.pi * 0.5 * t)) * t)
    return (tone + rng.normal(0, 500, t.shape)).astype(np.int16)


@pytest.fixture(scope="session")
def peer_bundle():
    """microWakeWord's alexa model (pymicro-wakeword) as a Bundle: a real streaming int8 model."""
    from wakeword.peers import microwakeword_bundle

    return microwakeword_bundle("alexa")
