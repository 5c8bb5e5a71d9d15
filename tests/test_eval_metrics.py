"""Metrics of the evaluation suite on synthetic score streams with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.metrics import (DetCurve, PositiveTrial, ScoreStream, count_false_accepts, det_curve,
                                false_accepts_per_hour, false_reject_rate, frr_at_fa_per_hour, replay_detections,
                                sweep_detections, trial_hits, window_means)
from wakeword.config import DetectorConfig
from wakeword.detector import StreamingDetector

STEP_MS = 30
DETECTOR = DetectorConfig(threshold=200, window=5, refractory_ms=2000)


def full_replay(stream: ScoreStream, keywords, config: DetectorConfig, threshold: int):
    """The reference: every stored score pushed into a fresh StreamingDetector."""
    detector = StreamingDetector(keywords, config, thresholds=[threshold] * len(keywords))
    found = []
    for t, row in zip(stream.t_ms, stream.scores):
        found.extend(detector.push(row, int(t)))
    return found


def stream_with_bumps(n: int, bumps: dict[int, tuple[int, int]], *, keywords: int = 1, column: int = 0,
                      duration_ms: int | None = None, base: int = 3) -> ScoreStream:
    """Scores at 30 ms steps: ``base`` everywhere, ``bumps[index] = (length, value)``."""
    scores = np.full((n, keywords), base, dtype=np.uint8)
    for index, (length, value) in bumps.items():
        scores[index:index + length, column] = value
    t = STEP_MS * (np.arange(n) + 1)
    return ScoreStream(t, scores, duration_ms if duration_ms is not None else int(t[-1]) + STEP_MS)


def test_three_planted_keywords_and_two_false_triggers_give_exact_frr_and_fa_per_hour():
    # 4 positive clips: 3 hold a clear keyword (8 calls at 240), one only reaches 150
    trials = []
    for value in (240, 250, 235, 150):
        stream = stream_with_bumps(100, {50: (8, value)})
        trials.append(PositiveTrial(stream, "alexa", hit_start_ms=40 * STEP_MS, hit_end_ms=100 * STEP_MS,
                                    speech_end_ms=55 * STEP_MS))
    # half an hour of negatives: two false triggers far apart, one burst too short for the
    # window, one too weak, and one repeat inside the refractory period of the first trigger
    n = 60_000
    negatives = stream_with_bumps(n, {1_000: (6, 230), 1_010: (6, 240), 20_000: (5, 255), 30_000: (3, 255),
                                      40_000: (20, 190)}, duration_ms=1_800_000)
    keywords = ("alexa",)
    assert false_reject_rate(trials, keywords=keywords, detector=DETECTOR, threshold=200) == 0.25
    assert false_accepts_per_hour([negatives], keywords=keywords, detector=DETECTOR, threshold=200) == 4.0
    # exactly what the detector itself says
    assert len(full_replay(negatives, keywords, DETECTOR, 200)) == 2
    assert false_accepts_per_hour([negatives], keywords=keywords, detector=DETECTOR, threshold=180) == 6.0
    assert false_reject_rate(trials, keywords=keywords, detector=DETECTOR, threshold=140) == 0.0
    assert false_reject_rate(trials, keywords=keywords, detector=DETECTOR, threshold=245) == 0.75
    # the first hit is the detector's detection time: 5th score of the bump (index 54)
    hits = trial_hits(trials[0], keywords=keywords, detector=DETECTOR, thresholds=[200, 241])
    assert hits.tolist() == [55 * STEP_MS, -1]


def test_a_detection_outside_the_hit_window_is_a_miss():
    stream = stream_with_bumps(100, {10: (8, 250)})  # fires at index 14, before speech starts
    trial = PositiveTrial(stream, "alexa", hit_start_ms=30 * STEP_MS, hit_end_ms=100 * STEP_MS, speech_end_ms=0)
    assert false_reject_rate([trial], keywords=("alexa",), detector=DETECTOR, threshold=200) == 1.0


def test_det_curve_is_monotonic_and_matches_single_thresholds():
    rng = np.random.default_rng(1)
    # events separated by more than the refractory period: counts must be monotonic in threshold
    bumps = {int(i): (int(rng.integers(3, 12)), int(rng.integers(20, 256))) for i in range(200, 40_000, 150)}
    negatives = [stream_with_bumps(40_000, bumps, duration_ms=40_000 * STEP_MS)]
    trials = []
    for k in range(30):
        stream = stream_with_bumps(120, {60: (int(rng.integers(4, 10)), int(rng.integers(50, 256)))})
        trials.append(PositiveTrial(stream, "kw", hit_start_ms=50 * STEP_MS, hit_end_ms=120 * STEP_MS,
                                    speech_end_ms=62 * STEP_MS))
    curve = det_curve(trials, negatives, keywords=("kw",), detector=DETECTOR)
    assert curve.thresholds.tolist() == list(range(1, 256))
    assert np.all(np.diff(curve.fa_per_hour) <= 0)
    assert np.all(np.diff(curve.frr) >= 0)
    assert curve.positives == 30 and curve.hours == pytest.approx(40_000 * STEP_MS / 3_600_000)
    for threshold in (1, 20, 100, 199, 200, 201, 255):
        point = curve.at(threshold)
        assert point.frr == false_reject_rate(trials, keywords=("kw",), detector=DETECTOR, threshold=threshold)
        assert point.fa_per_hour == pytest.approx(
            len(full_replay(negatives[0], ("kw",), DETECTOR, threshold)) / curve.hours)


def test_det_curve_in_worker_processes_equals_in_process():
    rng = np.random.default_rng(2)
    bumps = {int(i): (6, int(rng.integers(100, 256))) for i in range(100, 5_000, 90)}
    negatives = [stream_with_bumps(5_000, bumps), stream_with_bumps(3_000, {500: (10, 240)})]
    trials = [PositiveTrial(stream_with_bumps(80, {40: (6, v)}), "kw", 0, 80 * STEP_MS, 0) for v in (90, 180, 250)]
    one = det_curve(trials, negatives, keywords=("kw",), detector=DETECTOR, thresholds=range(50, 256, 5))
    two = det_curve(trials, negatives, keywords=("kw",), detector=DETECTOR, thresholds=range(50, 256, 5), workers=2)
    np.testing.assert_array_equal(one.false_accepts, two.false_accepts)
    np.testing.assert_array_equal(one.false_rejects, two.false_rejects)


def test_frr_at_fa_per_hour_picks_the_best_threshold_without_interpolation():
    curve = DetCurve(thresholds=np.array([100, 150, 200, 250]), false_rejects=np.array([0, 1, 3, 9]),
                     false_accepts=np.array([40, 8, 2, 0]), positives=10, hours=4.0)
    # FA/h: 10, 2, 0.5, 0
    assert frr_at_fa_per_hour(curve, 2.0).threshold == 150
    assert frr_at_fa_per_hour(curve, 2.0).frr == pytest.approx(0.1)
    assert frr_at_fa_per_hour(curve, 1.0).threshold == 200      # 0.5 <= 1, no interpolation toward 150
    assert frr_at_fa_per_hour(curve, 0.1).threshold == 250
    assert frr_at_fa_per_hour(curve, 100).threshold == 100
    never = DetCurve(np.array([10, 20]), np.array([0, 0]), np.array([5, 4]), positives=2, hours=1.0)
    assert frr_at_fa_per_hour(never, 1.0) is None
    # non-monotonic counts (refractory effects): the lowest FRR among the admissible ones wins
    bumpy = DetCurve(np.array([1, 2, 3]), np.array([2, 1, 3]), np.array([1, 1, 0]), positives=4, hours=1.0)
    assert frr_at_fa_per_hour(bumpy, 1.0).threshold == 2


def test_window_means_match_a_naive_rolling_mean():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 256, (50, 2)).astype(np.uint8)
    means = window_means(scores, 4)
    assert (means[:3] == -1).all()
    for j in range(3, 50):
        np.testing.assert_array_equal(means[j], scores[j - 3:j + 1].astype(int).sum(axis=0) // 4)


def test_multi_keyword_streams_count_every_keyword():
    stream = stream_with_bumps(2_000, {100: (6, 250)}, keywords=3, column=1)
    scores = stream.scores.copy()
    scores[900:906, 2] = 240
    scores[905:911, 0] = 230
    stream = ScoreStream(stream.t_ms, scores, stream.duration_ms)
    keywords = ("a", "b", "c")
    found = replay_detections(stream, keywords=keywords, detector=DETECTOR, threshold=200)
    assert [d.keyword for d in found] == ["b", "c", "a"]
    assert found == full_replay(stream, keywords, DETECTOR, 200)
    assert count_false_accepts(stream, keywords=keywords, detector=DETECTOR, thresholds=[200, 235, 245]).tolist() \
        == [3, 2, 1]


def test_score_stream_rejects_time_going_backwards():
    with pytest.raises(ValueError, match="strictly increase"):
        ScoreStream(np.array([10, 20, 20]), np.zeros((3, 1), np.uint8), 100)
    with pytest.raises(ValueError):
        ScoreStream(np.array([10, 20]), np.zeros((3, 1), np.uint8), 100)
    with pytest.raises(ValueError, match="1..255"):
        sweep_detections(stream_with_bumps(10, {}), keywords=("kw",), detector=DETECTOR, thresholds=[0])


def test_thresholds_with_the_same_candidates_still_replay_the_fast_path_apart():
    # found by the property test below: at t=181 the ring was just emptied, so only the fast path can
    # fire, on the single score 1; its window mean (19) makes thresholds 1 and 2 look alike
    stream = ScoreStream(np.array([2, 54, 99, 149, 181, 230, 250, 277, 324]),
                         np.array([[18], [20], [30], [38], [1], [185], [185], [140], [140]], np.uint8), 324)
    config = DetectorConfig(threshold=100, window=2, refractory_ms=0, fast_window=1, fast_margin=0)
    swept = sweep_detections(stream, keywords=("kw0",), detector=config, thresholds=[1, 2])
    for threshold in (1, 2):
        assert swept[threshold] == full_replay(stream, ("kw0",), config, threshold)
    assert [d.t_ms for d in swept[1]][4] == 181 and [d.t_ms for d in swept[2]][4] == 230


@st.composite
def random_streams(draw):
    n = draw(st.integers(1, 400))
    keywords = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # bursty scores: mostly low, with runs of high values (what models produce)
    scores = rng.integers(0, 40, (n, keywords))
    for _ in range(int(rng.integers(0, 12))):
        start = int(rng.integers(0, n))
        scores[start:start + int(rng.integers(1, 15)), int(rng.integers(keywords))] = rng.integers(100, 256)
    steps = rng.integers(1, 60, n)
    window = draw(st.integers(1, 8))
    refractory = draw(st.sampled_from([0, 30, 100, 500, 2000]))
    thresholds = draw(st.lists(st.integers(1, 255), min_size=1, max_size=6))
    stream = ScoreStream(np.cumsum(steps), scores.astype(np.uint8), int(steps.sum()))
    fast_window = draw(st.integers(0, window))  # 0: no fast path
    config = DetectorConfig(threshold=100, window=window, refractory_ms=refractory, fast_window=fast_window,
                            fast_margin=draw(st.integers(0, 254)))
    return stream, tuple("kw%d" % k for k in range(keywords)), config, thresholds


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_streams())
def test_pruned_replay_equals_the_full_detector_replay(case):
    stream, keywords, config, thresholds = case
    swept = sweep_detections(stream, keywords=keywords, detector=config, thresholds=thresholds)
    for threshold in thresholds:
        assert swept[threshold] == full_replay(stream, keywords, config, threshold)
