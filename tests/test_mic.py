"""wakeword.mic: the ring buffer, file replay, the listener thread, and the real PortAudio path.

The microphone tests use fake microphones (see shared TESTING.md), each in a subprocess (PortAudio
reads ALSA's configuration when it initialises):

* ALSA's ``file`` plugin turns the default capture device into a reader of a raw int16 file:
  bit-exact, faster than real time (capture, and a stalled consumer);
* a private PulseAudio daemon with a null sink, whose monitor is the default source: a clip played
  into it arrives in real time, like a live microphone, so the listener test cannot be outrun by
  its source on a loaded machine (it needs no retries).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from wakeword.audio import SAMPLE_RATE_HZ, load_audio
from wakeword.errors import AudioError
from wakeword.mic import FileSource, Listener, MicrophoneSource, SampleRing

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("WAKEWORD_SHARED_DATA", REPO.parent / "shared" / "data"))
POSITIVES = SHARED_DATA / "eval" / "positives" / "alexa"


def alexa_clip(tmp_dir: Path) -> np.ndarray:
    """A real 'alexa' recording when the shared eval data is there, else espeak-ng's."""
    preferred = POSITIVES / "0.flac"
    if preferred.is_file():
        return load_audio(preferred)
    clips = sorted(POSITIVES.glob("*.flac")) if POSITIVES.is_dir() else []
    if clips:
        return load_audio(clips[0])
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("no alexa clip: neither the shared eval data nor espeak-ng is available")
    wav = tmp_dir / "alexa_espeak.wav"
    subprocess.run([espeak, "-w", str(wav), "Alexa."], check=True, capture_output=True)
    speech = load_audio(wav)
    return np.concatenate([np.zeros(SAMPLE_RATE_HZ // 2, np.int16), speech, np.zeros(SAMPLE_RATE_HZ, np.int16)])


def alexa_engine():
    pytest.importorskip("pymicro_wakeword")
    from wakeword.engine import Engine
    from wakeword.peers import microwakeword_bundle

    return Engine(microwakeword_bundle("alexa"))


def fake_microphone_home(tmp_dir: Path, samples: np.ndarray) -> Path:
    """A HOME whose ~/.asoundrc makes ALSA's default capture device replay ``samples``."""
    home = tmp_dir / "home"
    home.mkdir(exist_ok=True)
    raw = tmp_dir / "mic_input.raw"
    samples.astype("<i2").tofile(raw)
    (home / ".asoundrc").write_text(
        f'pcm.wavmic {{ type file  slave.pcm "null"  file "/dev/null"  infile "{raw}"  format "raw" }}\n'
        'pcm.!default { type asym  playback.pcm "null"  capture.pcm "plug:wavmic" }\n')
    return home


def portaudio_available() -> bool:
    try:
        import sounddevice  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


# ---------------------------------------------------------------- SampleRing
def test_ring_returns_samples_in_order_across_blocks():
    ring = SampleRing(1000)
    data = np.arange(700, dtype=np.int16)
    for start in range(0, 700, 160):
        ring.push(data[start:start + 160])
    assert ring.queued_samples == 700
    out = [ring.pop(250) for _ in range(3)]
    assert [len(o) for o in out] == [250, 250, 200]
    np.testing.assert_array_equal(np.concatenate(out), data)
    assert ring.pop(10).size == 0 and ring.overruns == 0


def test_ring_drops_oldest_and_counts_overruns():
    ring = SampleRing(480)                          # room for three blocks of 160
    blocks = [np.full(160, i, np.int16) for i in range(10)]
    for block in blocks:
        ring.push(block)
    assert ring.overruns == 7
    assert ring.dropped_samples == 7 * 160
    assert ring.queued_samples == 480
    np.testing.assert_array_equal(ring.pop(1000), np.concatenate(blocks[7:]))   # only the newest survive


def test_ring_copies_the_block_it_is_given():
    ring = SampleRing(100)
    block = np.arange(10, dtype=np.int16)
    ring.push(block)
    block[:] = 0                                    # the audio driver reuses its buffer
    np.testing.assert_array_equal(ring.pop(10), np.arange(10))


def test_ring_pop_times_out_and_wakes_up_on_push():
    ring = SampleRing(100)
    t0 = time.monotonic()
    assert ring.pop(10, timeout_s=0.05).size == 0
    assert time.monotonic() - t0 >= 0.04
    threading.Timer(0.05, ring.push, args=(np.ones(5, np.int16),)).start()
    t0 = time.monotonic()
    got = ring.pop(10, timeout_s=2.0)
    assert len(got) == 5 and time.monotonic() - t0 < 1.5


def test_ring_rejects_zero_capacity():
    with pytest.raises(AudioError):
        SampleRing(0)


def test_microphone_callback_counts_overflow_flags_and_never_blocks():
    src = MicrophoneSource(buffer_ms=40, block_ms=20)
    src._ring = SampleRing(640)                     # what start() sets up, without a device
    block = np.zeros((320, 1), np.int16)
    for _ in range(10):                             # nobody reads: the ring keeps the newest two blocks
        src._callback(block, 320, None, SimpleNamespace(input_overflow=False))
    src._callback(block, 320, None, SimpleNamespace(input_overflow=True))
    assert src.input_overflows == 1
    assert src.overruns == 9
    assert src.queued_samples == 640


def test_microphone_source_validates_parameters():
    with pytest.raises(AudioError):
        MicrophoneSource(block_ms=5)
    with pytest.raises(AudioError):
        MicrophoneSource(block_ms=20, buffer_ms=30)
    with pytest.raises(AudioError):
        MicrophoneSource().read(10)                 # before start()


# ---------------------------------------------------------------- FileSource and Listener
def test_file_source_replays_everything_then_finishes():
    samples = np.arange(-5000, 5000, dtype=np.int16)
    src = FileSource(samples, tail_silence_ms=100)
    src.start()
    parts = []
    while not src.finished:
        parts.append(src.read(1234))
    out = np.concatenate(parts)
    np.testing.assert_array_equal(out[:len(samples)], samples)
    assert len(out) == len(samples) + 1600 and not out[len(samples):].any()
    assert src.read(10).size == 0


def test_file_source_realtime_is_paced():
    src = FileSource(np.zeros(SAMPLE_RATE_HZ // 4, np.int16), realtime=True, tail_silence_ms=0)
    src.start()
    t0 = time.monotonic()
    got = 0
    while not src.finished:
        got += len(src.read(800, timeout_s=0.1))
    assert got == SAMPLE_RATE_HZ // 4
    assert time.monotonic() - t0 >= 0.2


def test_listener_detects_alexa_in_a_file(tmp_path):
    engine = alexa_engine()
    clip = alexa_clip(tmp_path)
    seen = []
    finished = threading.Event()
    listener = Listener(engine, FileSource(clip), on_detection=seen.append, on_finished=finished.set)
    listener.start()
    assert finished.wait(10)
    listener.stop()
    assert listener.error is None
    assert [d.keyword for d in seen] == ["alexa"]
    assert listener.detections == seen
    assert listener.stream_ms >= len(clip) * 1000 // SAMPLE_RATE_HZ


def test_listener_reports_worker_errors():
    class Broken(FileSource):
        def read(self, max_samples, timeout_s=0.1):
            raise AudioError("device unplugged")

    errors = []
    listener = Listener(alexa_engine(), Broken(np.zeros(100, np.int16)), on_error=errors.append)
    listener.start()
    listener.stop()
    assert isinstance(listener.error, AudioError) and errors == [listener.error]


def test_listener_stop_after_ms():
    listener = Listener(alexa_engine(), FileSource(np.zeros(SAMPLE_RATE_HZ * 5, np.int16)))
    listener.stop_after_ms = 1000
    listener.start()
    for _ in range(100):
        if not listener.running:
            break
        time.sleep(0.05)
    listener.stop()
    assert 1000 <= listener.stream_ms < 1200


# ---------------------------------------------------------------- the real PortAudio path (fake microphone)
MIC_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    from wakeword.mic import MicrophoneSource, Listener, list_input_devices
    expected = np.fromfile(sys.argv[1], dtype="<i2")
    result = {"devices": [d["name"] for d in list_input_devices() if d["is_default"]]}

    # 1. bit-exact capture
    src = MicrophoneSource(buffer_ms=30000)
    src.start()
    parts, got, t0 = [], 0, time.monotonic()
    while got < len(expected) + 1600 and time.monotonic() - t0 < 10:
        chunk = src.read(4000, timeout_s=1.0)
        parts.append(chunk)
        got += len(chunk)
    src.stop()
    audio = np.concatenate(parts)
    result["bit_exact"] = bool(np.array_equal(audio[:len(expected)], expected))
    result["captured"] = int(len(audio))
    result["overruns_while_reading"] = src.overruns

    # 2. the engine detects the keyword in what the microphone returned
    from wakeword.engine import Engine
    from wakeword.peers import microwakeword_bundle
    engine = Engine(microwakeword_bundle("alexa"))
    result["detections"] = [d.to_dict() for d in engine.process_samples(audio)]

    # 3. a stalled consumer: the callback keeps going, the oldest audio is dropped and counted
    src = MicrophoneSource(buffer_ms=100, block_ms=20)
    src.start()
    time.sleep(0.5)
    result["stall_overruns"] = src.overruns
    result["stall_queued"] = src.queued_samples
    result["read_after_stall"] = int(len(src.read(16000, timeout_s=1.0)))
    src.stop()
    print(json.dumps(result))
""")


@pytest.mark.skipif(not portaudio_available(), reason="PortAudio (libportaudio2) or sounddevice missing")
def test_microphone_through_alsa_file_plugin(tmp_path):
    pytest.importorskip("pymicro_wakeword")
    clip = alexa_clip(tmp_path)
    home = fake_microphone_home(tmp_path, clip)
    env = dict(os.environ, HOME=str(home), PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("ALSA_CONFIG_PATH", None)
    proc = subprocess.run([sys.executable, "-c", MIC_SCRIPT, str(tmp_path / "mic_input.raw")], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["devices"] == ["default"]
    assert result["bit_exact"], result
    assert [d["keyword"] for d in result["detections"]] == ["alexa"]
    assert result["stall_overruns"] > 0
    assert result["stall_queued"] <= SAMPLE_RATE_HZ * 100 // 1000
    assert 0 < result["read_after_stall"] <= SAMPLE_RATE_HZ * 100 // 1000


# ---------------------------------------------------------------- a live microphone, in real time (PulseAudio)
LIVE_SCRIPT = textwrap.dedent("""
    import json, subprocess, sys, time
    from wakeword.mic import MicrophoneSource, Listener
    from wakeword.engine import Engine
    from wakeword.peers import microwakeword_bundle
    found, engine = [], Engine(microwakeword_bundle("alexa"))
    mic = MicrophoneSource(buffer_ms=5000)
    listener = Listener(engine, mic, on_detection=found.append)
    listener.start()
    time.sleep(0.3)                     # the stream is open: what is played now is heard
    t0 = time.monotonic()
    subprocess.run(["paplay", "--device=vmic_sink", sys.argv[1]], check=True)   # plays in real time
    played_s = time.monotonic() - t0
    while not found and time.monotonic() - t0 < played_s + 3 and listener.error is None:
        time.sleep(0.01)
    listener.stop()
    print(json.dumps({"detections": [d.to_dict() for d in found], "played_s": played_s,
                      "overruns": mic.overruns, "input_overflows": mic.input_overflows,
                      "stream_ms": listener.stream_ms, "error": repr(listener.error) if listener.error else None}))
""")


@pytest.mark.skipif(not portaudio_available(), reason="PortAudio (libportaudio2) or sounddevice missing")
def test_listener_detects_alexa_on_a_live_microphone(tmp_path, live_microphone):
    """The Listener on PortAudio's default input fed in real time: it hears the word once, as spoken."""
    pytest.importorskip("pymicro_wakeword")
    import soundfile as sf

    clip = alexa_clip(tmp_path)
    wav = tmp_path / "spoken.wav"
    sf.write(wav, clip, SAMPLE_RATE_HZ, subtype="PCM_16")
    proc = subprocess.run([sys.executable, "-c", LIVE_SCRIPT, str(wav)], env=live_microphone, capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["error"] is None, result
    assert [d["keyword"] for d in result["detections"]] == ["alexa"], result
    # it ran in real time: the clip took about its own length to play, and nothing was dropped
    assert result["played_s"] >= 0.9 * len(clip) / SAMPLE_RATE_HZ, result
    assert result["overruns"] == 0, result
