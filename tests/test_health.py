"""Model-health telemetry (wakeword.health): counters only, private aggregation, drift on simulated change."""

import json

import numpy as np
import pytest

from wakeword.audio import SAMPLE_RATE_HZ, load_audio
from wakeword.engine import Engine
from wakeword.errors import ConfigError
from wakeword.health import HealthMonitor, aggregate, drift, mean_level_dbfs, privatize


def _engine():
    return Engine.from_bundle("alexa")


def _stream(clip: np.ndarray, *, repeats: int, gap_s: float, noise_level: float, seed: int) -> np.ndarray:
    """The clip said ``repeats`` times with ``gap_s`` of room noise (white, ``noise_level`` of full
    scale RMS) around each, the noise running under the speech too."""
    rng = np.random.default_rng(seed)
    gap = int(gap_s * SAMPLE_RATE_HZ)
    parts = []
    for _ in range(repeats):
        parts += [np.zeros(gap), clip.astype(np.float64)]
    parts.append(np.zeros(gap))
    audio = np.concatenate(parts)
    audio += rng.normal(0.0, noise_level * 32768.0, len(audio))
    return np.clip(np.rint(audio), -32768, 32767).astype(np.int16)


def _monitor(stream: np.ndarray, chunk: int = 1600) -> HealthMonitor:
    monitor = HealthMonitor(_engine())
    for start in range(0, len(stream), chunk):
        monitor.feed(stream[start:start + chunk])
    return monitor


def test_counters_follow_the_engine_and_hold_no_audio(alexa_clip):
    clip = load_audio(alexa_clip)
    stream = _stream(clip, repeats=3, gap_s=2.0, noise_level=0.001, seed=0)
    engine = _engine()
    expected = engine.process_samples(stream)
    monitor = _monitor(stream)
    report = monitor.report()
    assert report.detections == len(expected) >= 2
    assert report.hours == pytest.approx(len(stream) / SAMPLE_RATE_HZ / 3600)
    seconds = len(stream) // SAMPLE_RATE_HZ
    assert sum(report.peak_histogram) == sum(report.level_histogram) == seconds
    assert report.peak_histogram[-1] + report.peak_histogram[-2] >= 1  # the seconds with the keyword
    assert -75 <= mean_level_dbfs(report) <= -30
    # only counts leave: every field is a number or a short name, nothing the size of audio
    fields = report.to_dict()
    assert set(fields) == {"model", "hours", "detections", "near_misses", "dropped_ms", "peak_histogram",
                           "level_histogram", "epsilon", "version"}
    assert len(json.dumps(fields)) < 1000


def test_a_noisier_room_is_flagged_and_a_like_one_is_not(alexa_clip):
    clip = load_audio(alexa_clip)
    quiet = [_monitor(_stream(clip, repeats=2, gap_s=3.0, noise_level=0.001, seed=s)).report() for s in range(3)]
    same = [_monitor(_stream(clip, repeats=2, gap_s=3.0, noise_level=0.001, seed=10 + s)).report() for s in range(3)]
    noisy = [_monitor(_stream(clip, repeats=2, gap_s=3.0, noise_level=0.05, seed=20 + s)).report() for s in range(3)]
    baseline = aggregate(quiet)
    assert drift(baseline, aggregate(same)) == []
    flags = drift(baseline, aggregate(noisy))
    assert any(flag.startswith("room level") for flag in flags), flags


def test_more_near_misses_are_flagged():
    """A cohort whose keyword scores sink just under the threshold (a new accent, a muffled
    microphone): the near-miss rate rises and is flagged; simulated on the counters themselves."""
    from wakeword.health import HealthReport

    base = HealthReport(model="alexa@0.8.0", hours=10.0, detections=20, near_misses=5)
    drifted = HealthReport(model="alexa@0.8.0", hours=10.0, detections=12, near_misses=40)
    flags = drift(base, drifted)
    assert len(flags) == 1 and flags[0].startswith("near misses an hour")


def test_near_misses_are_counted_below_the_threshold(alexa_clip):
    """With the threshold raised above every window mean of the clip, each saying becomes a near miss."""
    clip = load_audio(alexa_clip)
    stream = _stream(clip, repeats=3, gap_s=2.5, noise_level=0.001, seed=1)
    engine = _engine()
    engine.process_samples(stream)
    _, scores = engine.scores_array()
    window = engine.detector.config.window
    peak = int(max(np.convolve(scores[:, 0].astype(int), np.ones(window, int), "valid") // window))
    monitor = HealthMonitor(_engine(), near_miss_margin=40)
    monitor.engine.detector.set_threshold(min(255, peak + 10))
    for start in range(0, len(stream), 1600):
        monitor.feed(stream[start:start + 1600])
    report = monitor.report()
    assert report.detections == 0 and report.near_misses == 3


def test_privatized_reports_aggregate_close_to_the_truth():
    from wakeword.health import HealthReport

    rng = np.random.default_rng(0)
    reports = [HealthReport(model="m@1", hours=1.0, detections=2, near_misses=3) for _ in range(400)]
    noisy = [privatize(r, epsilon=1.0, rng=rng) for r in reports]
    assert all(n.epsilon == 1.0 for n in noisy)
    assert any(n.near_misses != 3 for n in noisy)  # one device's count is hidden ...
    total = aggregate(noisy)
    assert total.near_misses == pytest.approx(1200, abs=150)  # ... the cohort's is not
    assert total.epsilon == 1.0
    with pytest.raises(ConfigError, match="epsilon"):
        privatize(reports[0], epsilon=0, rng=rng)
    with pytest.raises(ConfigError, match="several models"):
        aggregate([reports[0], HealthReport(model="other@1")])


def test_detect_writes_the_counters_only_when_asked(alexa_clip, tmp_path, capsys):
    from wakeword.audio import save_wav
    from wakeword.cli import main

    clip = load_audio(alexa_clip)
    wav = tmp_path / "said.wav"
    save_wav(wav, _stream(clip, repeats=2, gap_s=2.0, noise_level=0.001, seed=3))
    assert main(["detect", str(wav), str(wav)]) == 0
    assert not list(tmp_path.glob("*.json"))  # off by default: nothing written
    out = tmp_path / "health.json"
    assert main(["detect", str(wav), str(wav), "--health-report", str(out)]) == 0
    report = json.loads(out.read_text())
    said = capsys.readouterr().out
    assert report["detections"] == said.count("alexa at") // 2 == 2 * 2
    assert report["model"].startswith("alexa@") and report["hours"] > 0


# ---------------------------------------------------------------- the board's counters (firmware/src/health.h)
def test_health_vectors_and_layout_header_are_current():
    """The C++ counters replay tests/vectors/health_*.txt (make -C firmware host-test); they must be what the
    Python reference writes today, and firmware/src/health_layout.h what wakeword.health renders."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, str(root / "tests" / "vectors" / "make_health_vectors.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list((root / "tests" / "vectors").glob("health_*.txt"))) >= 4


def test_payload_round_trip_and_bad_payloads():
    from wakeword.errors import ConfigError
    from wakeword.health import PAYLOAD_BYTES, HealthCounters, decode_payload

    counters = HealthCounters(threshold=200, window=5, refractory_ms=2000)
    rng = np.random.default_rng(0)
    for i in range(400):                       # 12 s: two excursions under the threshold, one that detects
        score = 180 if 100 <= i < 110 or 300 <= i < 305 else (230 if i in (200, 201, 202, 203, 204) else 20)
        counters.on_call(score, 30 * (i + 1), 1 if i == 204 else 0)
        counters.on_audio(rng.integers(-3000, 3000, 480).astype(np.int16))
    counters.add_dropped_ms(250)
    payload = counters.payload()
    assert len(payload) == PAYLOAD_BYTES == 124
    report = decode_payload(payload, model="alexa@0.8.0")
    assert report.detections == 1 and report.near_misses == 2 and report.dropped_ms == 250
    assert report.hours == pytest.approx(12 / 3600)
    assert sum(report.peak_histogram) == sum(report.level_histogram) == 12
    assert report.to_dict() == {**counters.report("alexa@0.8.0").to_dict(), "hours": 12 / 3600}
    with pytest.raises(ConfigError, match="123 bytes"):
        decode_payload(payload[:-1], model="x")
    with pytest.raises(ConfigError, match="version 7"):
        decode_payload(b"\x07" + payload[1:], model="x")


def test_level_bins_are_exact_integers_at_the_edges():
    from wakeword.health import LEVEL_ENERGY_THRESHOLDS, level_bin

    assert level_bin(0) == 0
    for k, t in enumerate(LEVEL_ENERGY_THRESHOLDS, start=1):
        assert level_bin(t - 1) == k - 1 and level_bin(t) == k
    # full-scale square wave: 0 dBFS -> the top bin; an RMS of -25 dBFS -> bin 7 (-30..-20)
    assert level_bin(16000 * 32767 ** 2) == 9
    assert level_bin(int(16000 * (32768 * 10 ** (-25 / 20)) ** 2)) == 7


def test_a_long_feed_counts_every_detection(alexa_clip):
    """One feed of a minute of audio with many wake words: the counters see every model call (the engine keeps
    only its newest 2,000 in its history), so they count what the engine detects."""
    from wakeword.audio import load_audio
    from wakeword.engine import Engine

    clip = load_audio(alexa_clip)
    gap = np.zeros(SAMPLE_RATE_HZ * 2, np.int16)
    stream = np.concatenate([np.concatenate([clip, gap]) for _ in range(30)])
    monitor = HealthMonitor(Engine.from_bundle("alexa"))
    found = monitor.feed(stream)
    report = monitor.report()
    assert len(found) >= 25 and report.detections == len(found)
    seconds = len(stream) // SAMPLE_RATE_HZ
    assert sum(report.peak_histogram) == sum(report.level_histogram) == seconds
    assert report.peak_histogram[-1] + report.peak_histogram[-2] >= len(found)
