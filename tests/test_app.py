"""The Kivy app (mobile_app/): model catalog, sensitivity mapping, enrollment, and the real UI.

The UI tests run the app in a subprocess (Kivy's global state and pytest's process do
not mix) under Xvfb, with ``KIVY_NO_ARGS=1`` and a private ``KIVY_HOME``. Its microphone
is the real PortAudio path: a live one in real time (a private PulseAudio daemon whose null
sink the test speaks into, tests/conftest.py), or ALSA's ``file`` plugin replaying a file. The app's ``--test-script`` mode listens, waits for a
detection, drags the sensitivity slider with synthetic touches, takes a screenshot and
writes what the UI showed as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from wakeword.errors import SignatureError

from wakeword.audio import SAMPLE_RATE_HZ, load_audio, save_wav

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("WAKEWORD_SHARED_DATA", REPO.parent / "shared" / "data"))
POSITIVES = SHARED_DATA / "eval" / "positives" / "alexa"
NOISE = SHARED_DATA / "eval" / "noise"

pytest.importorskip("pymicro_wakeword")


def alexa_clips(tmp_dir: Path, count: int = 1) -> list[np.ndarray]:
    """Real 'alexa' recordings from the shared eval data, else espeak-ng at different speeds."""
    if POSITIVES.is_dir():
        files = sorted(POSITIVES.glob("*.flac"), key=lambda p: (p.name != "0.flac", p.name))[:count]
        if len(files) == count:
            return [load_audio(f) for f in files]
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("no alexa clip: neither the shared eval data nor espeak-ng is available")
    clips = []
    for i in range(count):
        wav = tmp_dir / f"alexa_espeak_{i}.wav"
        subprocess.run([espeak, "-w", str(wav), "-s", str(140 + 15 * i), "Alexa."], check=True, capture_output=True)
        clips.append(np.concatenate([np.zeros(SAMPLE_RATE_HZ // 2, np.int16), load_audio(wav),
                                     np.zeros(SAMPLE_RATE_HZ, np.int16)]))
    return clips


def room_sound(seconds: float) -> np.ndarray:
    """Ordinary room sound: a shared noise recording when present, else quiet pink-ish noise."""
    kitchen = NOISE / "kitchen.flac"
    n = int(seconds * SAMPLE_RATE_HZ)
    if kitchen.is_file():
        audio = load_audio(kitchen)
        if len(audio) >= n:
            return audio[:n]
    rng = np.random.default_rng(0)
    noise = np.cumsum(rng.normal(0, 1, n))
    noise -= np.convolve(noise, np.ones(400) / 400, mode="same")
    return (noise / np.abs(noise).max() * 800).astype(np.int16)


@pytest.fixture(scope="module")
def alexa_bundle():
    from wakeword.peers import microwakeword_bundle

    return microwakeword_bundle("alexa")


# ---------------------------------------------------------------- catalog (model picker)
def test_catalog_lists_peers_and_user_bundles(tmp_path, alexa_bundle):
    from wakeword.bundle import pack_bundle, save_bundle
    from mobile_app.catalog import available_models, find_choice

    user = tmp_path / "bundles"
    save_bundle(user / "my_alexa", alexa_bundle.manifest, alexa_bundle.model_bytes)
    pack_bundle(user / "my_alexa", user / "packed.wwb")
    (user / "not_a_bundle").mkdir()
    choices = available_models([user])
    labels = [c.label for c in choices]
    assert "my_alexa (user)" in labels and "packed (user)" in labels
    assert "alexa (microWakeWord)" in labels
    assert len(set(labels)) == len(labels)
    kinds = [c.kind for c in choices]
    assert kinds == sorted(kinds, key=["built-in", "user", "peer"].index)     # built-in, user, peers
    for choice in choices:
        if choice.kind == "user":  # unsigned: refused unless the user allows unsigned bundles
            with pytest.raises(SignatureError):
                choice.load()
            assert choice.load(allow_unsigned=True).manifest.keywords == ("alexa",)
        elif choice.ref == "microwakeword:alexa":
            assert choice.load().manifest.keywords == ("alexa",)
    assert find_choice(choices, "microwakeword:alexa").label == "alexa (microWakeWord)"
    with pytest.raises(Exception, match="no model"):
        find_choice(choices, "no-such-model")


# ---------------------------------------------------------------- sensitivity
def test_sensitivity_maps_to_threshold_and_back():
    from mobile_app.sensitivity import sensitivity_range, sensitivity_to_threshold, threshold_to_sensitivity

    for threshold in (1, 64, 200, 231, 255):
        assert sensitivity_to_threshold(threshold_to_sensitivity(threshold)) == threshold
    assert threshold_to_sensitivity(200) > threshold_to_sensitivity(231)     # right = more eager
    lo, hi = sensitivity_range(231)
    assert sensitivity_to_threshold(lo) == 255 and sensitivity_to_threshold(hi) == 64
    assert sensitivity_to_threshold(sensitivity_range(30)[1]) == 30          # a low default stays reachable


def test_sensitivity_label_uses_manifest_metrics_when_present():
    from mobile_app.sensitivity import describe_threshold, expected_fa_per_hour

    metrics = {"fa_per_hour_by_threshold": {"200": 2.0, "220": 0.5, "240": 0.05, "bad": "x", "999": 1.0}}
    assert expected_fa_per_hour(metrics, 220) == ("=", 0.5)
    relation, rate = expected_fa_per_hour(metrics, 210)
    assert relation == "~" and 0.5 < rate < 2.0
    assert expected_fa_per_hour(metrics, 250) == ("<=", 0.05)
    assert expected_fa_per_hour(metrics, 150) == (">=", 2.0)
    assert "0.50 false accepts/hour" in describe_threshold(metrics, 220)
    assert "in noise" not in describe_threshold(metrics, 220)
    # with the rates measured in noise too, the label gives both
    metrics["fa_per_hour_in_noise_by_threshold"] = {"200": 9.0, "220": 3.0, "240": 1.0}
    assert describe_threshold(metrics, 220).endswith("0.50 false accepts/hour (3.00 in noise)")
    assert expected_fa_per_hour(metrics, 230, "fa_per_hour_in_noise_by_threshold")[0] == "~"
    # no metrics (peer models, older bundles): the raw threshold only
    for missing in ({}, None, {"fa_per_hour_by_threshold": "n/a"}):
        label = describe_threshold(missing, 231)
        assert "threshold 231/256" in label and "false accepts/hour" not in label


# ---------------------------------------------------------------- enrollment / calibration
def test_calibration_picks_highest_threshold_that_detects_samples(tmp_path, alexa_bundle):
    from mobile_app.enroll import calibrate

    samples = alexa_clips(tmp_path, 3)
    room = room_sound(20)
    result = calibrate(alexa_bundle, samples, room, previous_threshold=231)
    assert result.ok, result.message
    assert result.threshold == min(result.sample_peaks)          # all samples detected, as high as possible
    assert result.threshold > result.room_peak
    assert result.samples_detected_after == 3
    assert result.room_false_accepts_after == 0
    assert result.samples_detected_before == 3 and result.previous_threshold == 231
    lines = result.summary_lines()
    assert any(line.startswith("before:") for line in lines) and any(line.startswith("after:") for line in lines)


def test_peak_threshold_is_the_detectors_edge():
    """Binary search over the real detector == a scan of every threshold."""
    from mobile_app.enroll import peak_threshold
    from wakeword.config import DetectorConfig
    from wakeword.detector import StreamingDetector

    config = DetectorConfig(threshold=200, window=5, refractory_ms=2000)
    rng = np.random.default_rng(1)
    t = np.arange(60, dtype=np.int64) * 30 + 30
    for trial in range(6):
        scores = np.zeros(60, np.int64)
        scores[20:30] = rng.integers(0, 256, 10) if trial else 0
        def fires(threshold):
            det = StreamingDetector(("kw",), config, thresholds=[threshold])
            return any(det.push((int(v),), int(tt)) for tt, v in zip(t, scores))
        expected = max((th for th in range(1, 256) if fires(th)), default=0)
        assert peak_threshold(t, scores, keyword="kw", config=config) == expected


def test_calibration_allows_one_miss_and_a_margin(tmp_path, alexa_bundle):
    from mobile_app.enroll import calibrate

    samples = alexa_clips(tmp_path, 2) + [room_sound(2)]          # one "sample" the model ignores
    room = room_sound(10)
    strict = calibrate(alexa_bundle, samples, room)
    assert not strict.ok and strict.threshold == alexa_bundle.manifest.detector.threshold
    lenient = calibrate(alexa_bundle, samples, room, allow_misses=1)
    assert lenient.ok and lenient.samples_detected_after == 2
    with_margin = calibrate(alexa_bundle, samples, room, allow_misses=1, margin=10)
    assert with_margin.threshold == max(lenient.room_peak + 1, lenient.threshold - 10)


def test_calibration_refuses_when_room_scores_like_the_samples(tmp_path, alexa_bundle):
    from mobile_app.enroll import calibrate

    samples = alexa_clips(tmp_path, 2)
    room = np.concatenate(samples * 2)                            # the "room" says alexa too
    result = calibrate(alexa_bundle, samples, room, previous_threshold=220)
    assert not result.ok and result.threshold == 220
    assert "room" in result.message


def test_enrollment_records_from_a_source(tmp_path, alexa_bundle):
    from mobile_app.enroll import Enrollment, EnrollmentError, record
    from wakeword.mic import FileSource

    clip = alexa_clips(tmp_path, 1)[0]
    progress = []
    audio = record(FileSource(clip, tail_silence_ms=0), len(clip) / SAMPLE_RATE_HZ, on_progress=progress.append)
    np.testing.assert_array_equal(audio, clip)
    assert progress[-1] == 1.0
    session = Enrollment(alexa_bundle, sample_count=1)
    with pytest.raises(EnrollmentError):
        session.calibrate()
    session.add_sample(audio)
    session.set_room(room_sound(5))
    assert session.ready and session.calibrate().ok
    session.discard()
    assert not session.samples and session.room is None


# ---------------------------------------------------------------- the app itself, headless
def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def _app_command(tmp_path: Path, env: dict, *extra: str) -> tuple[list[str], Path]:
    out = tmp_path / "result.json"
    env.update(KIVY_NO_ARGS="1", KIVY_HOME=str(tmp_path / "kivy_home"), KIVY_NO_CONSOLELOG="1",
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               WAKEWORD_BUNDLE_DIR=str(tmp_path / "no_user_bundles"))
    cmd = [sys.executable, "-m", "mobile_app.main", "--bundle", "microwakeword:alexa", "--buffer-ms", "30000",
           "--test-script", str(out), "--timeout", "40", *extra]
    if shutil.which("xvfb-run"):
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1024x1024x24", *cmd]
    else:                                           # SDL's offscreen driver, when Xvfb is missing
        env["SDL_VIDEODRIVER"] = "offscreen"
    return cmd, out


def _result(proc_returncode: int, stderr: str, out: Path) -> dict:
    assert out.is_file(), f"app wrote no result (rc {proc_returncode}):\n{stderr[-4000:]}"
    result = json.loads(out.read_text())
    assert proc_returncode == 0 and result["ok"], f"{result}\n{stderr[-3000:]}"
    return result


def _run_app(tmp_path: Path, clip: np.ndarray, *extra: str) -> dict:
    """The app on a microphone that replays ``clip`` from a file (ALSA's file plugin)."""
    kivy = pytest.importorskip("kivy")
    assert kivy.__version__.startswith("2.3")
    home = tmp_path / "home"
    home.mkdir()
    raw = tmp_path / "mic_input.raw"
    clip.astype("<i2").tofile(raw)
    (home / ".asoundrc").write_text(
        f'pcm.wavmic {{ type file  slave.pcm "null"  file "/dev/null"  infile "{raw}"  format "raw" }}\n'
        'pcm.!default { type asym  playback.pcm "null"  capture.pcm "plug:wavmic" }\n')
    env = dict(os.environ, HOME=str(home))
    env.pop("ALSA_CONFIG_PATH", None)
    cmd, out = _app_command(tmp_path, env, *extra)
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=90)
    return _result(proc.returncode, proc.stderr, out)


def _run_app_live(tmp_path: Path, clip: np.ndarray, live_env: dict, *extra: str) -> dict:
    """The app on a live microphone (the PulseAudio fixture): the clip is spoken into it in real
    time, again every few seconds (the app may still be starting the first time), until the app has heard it and finished its test run."""
    kivy = pytest.importorskip("kivy")
    assert kivy.__version__.startswith("2.3")
    import soundfile as sf

    wav = tmp_path / "spoken.wav"
    sf.write(wav, clip, SAMPLE_RATE_HZ, subtype="PCM_16")
    env = dict(live_env)
    cmd, out = _app_command(tmp_path, env, *extra)
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 80
        while proc.poll() is None and time.monotonic() < deadline:
            subprocess.run(["paplay", "--device=vmic_sink", str(wav)], env=env, check=True, timeout=30)
            time.sleep(5.0)  # longer than the app takes to finish after a detection: one detection only
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return _result(proc.returncode, stderr, out)


def test_app_detects_from_a_live_microphone_and_slider_moves_threshold(tmp_path, live_microphone):
    clip = alexa_clips(tmp_path, 1)[0]
    shot = tmp_path / "app_screenshot.png"
    result = _run_app_live(tmp_path, clip, live_microphone, "--screenshot", str(shot),
                           "--test-target-threshold", "200")

    # (1) the detection appears in the log widget
    assert result["model"] == "alexa (microWakeWord)"
    assert len(result["log"]) == 1 and "alexa" in result["log"][0] and "score" in result["log"][0]
    entry = result["log_entries"][0]
    assert entry["keyword"] == "alexa" and entry["score"] >= result["threshold_before"][0]
    assert f"{entry['t_ms'] / 1000:.2f} s" in result["log"][0]
    # the screenshot was written
    assert _png_size(shot) == (480, 860)
    assert result["graph_redraws"] > 1

    # (2) dragging the sensitivity slider changed the engine's threshold (and the label, and the graph)
    assert result["threshold_before"] == [231]                     # microWakeWord's cutoff 0.9
    assert result["threshold_after"] == [200]
    assert result["slider_after"] > result["slider_before"]
    assert "threshold 200/256" in result["sensitivity_label_after"]
    assert result["graph_threshold"] == 200


def test_app_file_replay_mode(tmp_path):
    clip = alexa_clips(tmp_path, 1)[0]
    wav = tmp_path / "replay.wav"
    save_wav(wav, clip)
    silent = np.zeros(SAMPLE_RATE_HZ, np.int16)                   # the microphone hears nothing
    result = _run_app(tmp_path, silent, "--replay", str(wav))
    assert [e["keyword"] for e in result["log_entries"]] == ["alexa"]
    assert "replay.wav" in result["footer"]


def test_app_personalizes_from_the_enrollment_dialog_and_rolls_back(tmp_path):
    """Enrollment -> Personalize -> Apply: the app switches to the user's own model (signed with the device
    key, stored in its data folder), detects with it, and one call goes back to the built-in model."""
    clips = alexa_clips(tmp_path, 4)
    wavs = []
    for i, clip in enumerate(clips[:3]):
        wavs.append(tmp_path / f"sample{i}.wav")
        save_wav(wavs[-1], clip)
    room = tmp_path / "room.wav"
    save_wav(room, room_sound(8))
    heard = tmp_path / "heard.wav"                 # a held-out clip, replayed in real time (file replay mode);
    save_wav(heard, clips[3])                      # the ALSA file microphone runs faster than real time
    silent = np.zeros(SAMPLE_RATE_HZ, np.int16)
    result = _run_app(tmp_path, silent, "--bundle", "alexa", "--replay", str(heard),
                      "--test-personalize", *map(str, wavs), str(room))
    assert result["model_before_personal"] == "alexa (built-in)"
    assert result["model_personal"] == "alexa-personal (yours)"
    assert "your samples: " in result["personal_report"] and "other people's speech" in result["personal_report"]
    assert result["model_detected_with"] == "alexa-personal (yours)"
    assert [e["keyword"] for e in result["log_entries"]] == ["alexa"]          # the held-out clip, detected
    assert result["rolled_back"] and result["model_after_rollback"] == "alexa (built-in)"
    assert result["personal_left"] == []
    # the recordings were never written by the app: no audio file anywhere under its home
    home = tmp_path / "home"
    audio = [p for p in home.rglob("*") if p.suffix.lower() in (".wav", ".flac", ".raw", ".npy", ".npz")]
    assert audio == []


def test_the_console_script_reads_the_command_line():
    # wakeword-app runs mobile_app.main as the program: its options (here --help) come from argv
    out = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['wakeword-app', '--help']; "
                          "from mobile_app.launch import main; main()"],
                         capture_output=True, text=True, timeout=120, env={**os.environ, "KIVY_NO_ARGS": "1"})
    assert out.returncode == 0 and "--bundle" in out.stdout and "wakeword-app" in out.stdout
    from importlib.metadata import entry_points

    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts["wakeword-app"] == "mobile_app.launch:main"
