"""Shared fixtures: real clips from ../shared/data when present, synthesized ones otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
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


@pytest.fixture
def live_microphone(tmp_path):
    """A private PulseAudio daemon (null sink ``vmic_sink``, its monitor remapped as the default
    source ``vmic``) and the environment that makes PortAudio's default input read from it."""
    for tool in ("pulseaudio", "pactl", "paplay"):
        assert shutil.which(tool), f"{tool} is missing: run scripts/system_packages.sh (Debian pulseaudio, " \
                                   "pulseaudio-utils, libasound2-plugins)"
    run_dir, home = tmp_path / "run", tmp_path / "home"
    run_dir.mkdir()
    home.mkdir()
    env = dict(os.environ, XDG_RUNTIME_DIR=str(run_dir), HOME=str(home),
               PULSE_SERVER=f"unix:{run_dir}/pulse/native",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("ALSA_CONFIG_PATH", None)
    daemon = subprocess.Popen(["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--log-target=stderr",
                               "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=vmic_sink"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode != 0:
            assert daemon.poll() is None, daemon.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "PulseAudio did not start"
            time.sleep(0.1)
        for command in (["pactl", "load-module", "module-remap-source", "master=vmic_sink.monitor",
                         "source_name=vmic"], ["pactl", "set-default-source", "vmic"]):
            subprocess.run(command, env=env, check=True, capture_output=True)
        yield env
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=5)
        except subprocess.TimeoutExpired:
            daemon.kill()
