"""Tests of wakeword.detector: known answers, the golden vectors, and properties.

The golden vectors (``tests/vectors/detector_*.txt``) are shared with the firmware
host tests (``firmware/test``), which replay the same files through the C++ port.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wakeword.config import DetectorConfig
from wakeword.detector import Detection, StreamingDetector
from wakeword.errors import ConfigError, DetectorError

VECTORS_DIR = Path(__file__).resolve().parent / "vectors"
VECTOR_FILES = sorted(VECTORS_DIR.glob("detector_*.txt"))


def _load_vector_maker():
    """The generator module, loaded from its file (``tests`` is not a package)."""
    path = VECTORS_DIR / "make_detector_vectors.py"
    spec = importlib.util.spec_from_file_location("make_detector_vectors", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def make_detector(thresholds=(200,), *, window=5, refractory_ms=2000) -> StreamingDetector:
    keywords = [f"kw{i}" for i in range(len(thresholds))]
    config = DetectorConfig(threshold=thresholds[0], window=window, refractory_ms=refractory_ms)
    return StreamingDetector(keywords, config, thresholds=list(thresholds))


def push_all(detector: StreamingDetector, pushes) -> list[Detection]:
    found = []
    for t_ms, scores in pushes:
        found += detector.push(scores, t_ms)
    return found


# --------------------------------------------------------------------------- known answers

def test_no_detection_until_window_is_full():
    detector = make_detector(window=3, thresholds=(100,))
    assert detector.push([255], 10) == []
    assert detector.push([255], 20) == []
    assert detector.push([255], 30) == [Detection("kw0", 30, 255)]


def test_sum_exactly_at_threshold_times_window_triggers():
    detector = make_detector(window=3, thresholds=(100,), refractory_ms=0)
    assert push_all(detector, [(1, [100]), (2, [100]), (3, [99])]) == []  # 299 < 300
    # the ring now holds 100, 99, 101: sum 300 == 100 * 3
    assert detector.push([101], 4) == [Detection("kw0", 4, 100)]


def test_score_is_the_floor_of_the_window_mean():
    detector = make_detector(window=3, thresholds=(200,), refractory_ms=0)
    assert push_all(detector, [(1, [255]), (2, [255]), (3, [254])]) == [Detection("kw0", 3, 254)]  # 764 // 3
    assert push_all(detector, [(4, [200]), (5, [201]), (6, [201])]) == [Detection("kw0", 6, 200)]  # 602 // 3


def test_window_is_emptied_after_a_detection():
    detector = make_detector(window=2, thresholds=(200,), refractory_ms=0)
    assert detector.push([255], 1) == []
    assert detector.push([255], 2) == [Detection("kw0", 2, 255)]
    assert detector.push([255], 3) == []  # one score in the ring again, not two
    assert detector.push([255], 4) == [Detection("kw0", 4, 255)]


def test_refractory_period_ends_exactly_at_t_plus_refractory_ms():
    detector = make_detector(window=1, thresholds=(10,), refractory_ms=100)
    assert detector.push([10], 0) == [Detection("kw0", 0, 10)]
    assert detector.push([255], 50) == []
    assert detector.push([255], 99) == []
    assert detector.push([255], 100) == [Detection("kw0", 100, 255)]


def test_scores_during_refractory_never_enter_the_window():
    detector = make_detector(window=2, thresholds=(200,), refractory_ms=100)
    assert push_all(detector, [(0, [255]), (10, [255])]) == [Detection("kw0", 10, 255)]
    assert detector.push([255], 50) == []   # dropped: refractory until 110
    assert detector.push([255], 110) == []  # only one score in the window
    assert detector.push([255], 120) == [Detection("kw0", 120, 255)]


def test_keywords_have_their_own_thresholds_and_come_out_in_order():
    detector = make_detector(thresholds=(200, 100, 150), window=1, refractory_ms=0)
    assert detector.push([150, 150, 150], 1) == [Detection("kw1", 1, 150), Detection("kw2", 1, 150)]
    assert detector.push([200, 99, 149], 2) == [Detection("kw0", 2, 200)]


def test_refractory_is_per_keyword():
    detector = make_detector(thresholds=(100, 100), window=1, refractory_ms=1000)
    assert detector.push([100, 0], 0) == [Detection("kw0", 0, 100)]
    assert detector.push([255, 255], 10) == [Detection("kw1", 10, 255)]


@pytest.mark.parametrize("t_ms", [99, 100])
def test_time_backwards_or_standing_still_raises_and_keeps_state(t_ms):
    detector = make_detector(window=2, thresholds=(200,), refractory_ms=0)
    assert detector.push([255], 100) == []
    with pytest.raises(DetectorError, match="time went backwards"):
        detector.push([255], t_ms)
    # the ring still holds exactly the first 255: (255 + 145) // 2 == 200
    assert detector.push([145], 101) == [Detection("kw0", 101, 200)]


def test_reset_forgets_scores_refractory_and_time():
    detector = make_detector(window=2, thresholds=(200,), refractory_ms=5000)
    assert detector.push([255], 1000) == []
    detector.reset()
    assert detector.push([145], 10) == []  # an earlier time is fine after reset
    assert detector.push([255], 20) == [Detection("kw0", 20, 200)]
    detector.reset()
    assert push_all(detector, [(30, [255]), (40, [255])]) == [Detection("kw0", 40, 255)]


def test_set_threshold_keeps_the_window():
    detector = make_detector(thresholds=(200, 200), window=2, refractory_ms=0)
    assert detector.push([150, 150], 1) == []
    detector.set_threshold(150, "kw1")
    assert detector.thresholds == (200, 150)
    assert detector.push([150, 150], 2) == [Detection("kw1", 2, 150)]
    detector.set_threshold(150)
    assert detector.push([150, 150], 3) == [Detection("kw0", 3, 150)]


@pytest.mark.parametrize("build", [
    lambda: StreamingDetector([], DetectorConfig()),
    lambda: StreamingDetector(["a", "b"], DetectorConfig(), thresholds=[200]),
    lambda: StreamingDetector(["a"], DetectorConfig(), thresholds=[0]),
    lambda: StreamingDetector(["a"], DetectorConfig(), thresholds=[256]),
    lambda: StreamingDetector(["a"], DetectorConfig(), thresholds=[True]),
])
def test_bad_construction_raises_detector_error(build):
    with pytest.raises(DetectorError):
        build()


@pytest.mark.parametrize("kwargs", [{"window": 0}, {"window": 256}, {"threshold": 0},
                                    {"refractory_ms": -1}, {"refractory_ms": 600_001}])
def test_detector_config_rejects_out_of_range(kwargs):
    with pytest.raises(ConfigError):
        DetectorConfig(**kwargs)


def test_bad_pushes_raise_detector_error():
    detector = make_detector(thresholds=(200, 200))
    with pytest.raises(DetectorError, match="2 keywords"):
        detector.push([1], 10)
    with pytest.raises(DetectorError, match="uint8"):
        detector.push([1, 256], 20)
    with pytest.raises(DetectorError, match="unknown keyword"):
        detector.set_threshold(100, "nope")
    with pytest.raises(DetectorError):
        detector.set_threshold(0)


# --------------------------------------------------------------------------- golden vectors

@dataclass
class VectorStep:
    t_ms: int
    scores: list[int]
    detections: list[tuple[int, int, int]] = field(default_factory=list)
    time_error: bool = False


@dataclass
class DetectorVector:
    thresholds: list[int]
    window: int
    refractory_ms: int
    steps: list[VectorStep]
    fast_window: int = 0
    fast_margin: int = 0


def parse_vector_file(path: Path) -> DetectorVector:
    """Read a ``detector_*.txt`` file (format in ``tests/vectors/make_detector_vectors.py``)."""
    header: dict[str, list[int]] = {}
    steps: list[VectorStep] = []
    ended = False
    for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
        where = f"{path.name}:{number}"
        if not line or line.startswith("#"):
            continue
        assert not ended, f"{where}: nothing may follow 'error time_backwards'"
        directive, *args = line.split()
        if directive in ("keywords", "thresholds", "window", "refractory_ms", "fast"):
            header[directive] = [int(a) for a in args]
        elif directive == "push":
            assert len(args) == 1 + header["keywords"][0], where
            steps.append(VectorStep(int(args[0]), [int(a) for a in args[1:]]))
        elif directive == "detect":
            assert len(args) == 3 and steps, where
            steps[-1].detections.append(tuple(int(a) for a in args))
        elif directive == "error":
            assert args == ["time_backwards"] and steps and not steps[-1].detections, where
            steps[-1].time_error = True
            ended = True
        else:
            raise AssertionError(f"{where}: unknown directive {directive!r}")
    assert len(header["thresholds"]) == header["keywords"][0]
    fast_window, fast_margin = header.get("fast", [0, 0])
    return DetectorVector(header["thresholds"], header["window"][0], header["refractory_ms"][0], steps,
                          fast_window, fast_margin)


def test_enough_vector_files_are_committed():
    assert len(VECTOR_FILES) >= 6
    names = {p.stem for p in VECTOR_FILES}
    assert {"detector_window_1", "detector_window_255", "detector_refractory_0",
            "detector_exactly_at_threshold", "detector_time_backwards",
            "detector_time_repeated", "detector_multi_keyword"} <= names


HAND_VECTOR_FILES = [p for p in VECTOR_FILES if p.stem.startswith("detector_hand_")]


def test_hand_computed_vectors_are_committed():
    """Known answers not written by the code under test: both detectors (Python here, C++ in the
    firmware host tests) must reproduce answers worked out by hand."""
    assert len(HAND_VECTOR_FILES) >= 2
    for path in HAND_VECTOR_FILES:
        assert path.read_text().startswith("# Written by hand"), path.name
        vector = parse_vector_file(path)
        assert sum(len(s.detections) for s in vector.steps) >= 2


def test_regenerated_vectors_are_byte_identical(tmp_path):
    written = _load_vector_maker().write_vectors(tmp_path)
    generated = [p for p in VECTOR_FILES if p not in HAND_VECTOR_FILES]
    assert [p.name for p in written] == [p.name for p in generated], \
        "committed vectors differ in name from the generated ones; rerun make_detector_vectors.py"
    for new in written:
        committed = VECTORS_DIR / new.name
        assert new.read_bytes() == committed.read_bytes(), \
            f"{new.name} is stale: rerun python tests/vectors/make_detector_vectors.py"


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.stem)
def test_vector_replays_through_python_detector(path):
    vector = parse_vector_file(path)
    config = DetectorConfig(threshold=vector.thresholds[0], window=vector.window, refractory_ms=vector.refractory_ms,
                            fast_window=vector.fast_window, fast_margin=vector.fast_margin)
    detector = StreamingDetector([f"kw{i}" for i in range(len(vector.thresholds))], config,
                                 thresholds=list(vector.thresholds))
    for step in vector.steps:
        if step.time_error:
            with pytest.raises(DetectorError, match="time went backwards"):
                detector.push(step.scores, step.t_ms)
            continue
        found = detector.push(step.scores, step.t_ms)
        got = [(detector.keywords.index(d.keyword), d.t_ms, d.score) for d in found]
        assert got == step.detections, f"{path.name}: push at t_ms={step.t_ms}"
    total = sum(len(s.detections) for s in vector.steps)
    assert total >= 1, f"{path.name} has no detections at all"


# --------------------------------------------------------------------------- properties

def streams(max_pushes=120, max_gap_ms=50):
    """(start_ms, [(gap_ms >= 1, score)]) for one keyword."""
    return st.tuples(
        st.integers(0, 10_000),
        st.lists(st.tuples(st.integers(1, max_gap_ms), st.integers(0, 255)), max_size=max_pushes))


def timed(start_ms, steps):
    t = start_ms
    out = []
    for gap, score in steps:
        t += gap
        out.append((t, score))
    return out


def run_single(stream, *, threshold, window, refractory_ms):
    detector = make_detector((threshold,), window=window, refractory_ms=refractory_ms)
    return [(d.t_ms, d.score) for t, s in stream for d in detector.push([s], t)]


def naive_detections(stream, *, threshold, window, refractory_ms):
    """Oracle written from the docstring: a list of accepted scores, sliced, no ring."""
    found, accepted, refractory_until = [], [], None
    for t_ms, score in stream:
        if refractory_until is not None and t_ms < refractory_until:
            continue
        accepted.append(score)
        recent = accepted[-window:]
        if len(recent) == window and sum(recent) >= threshold * window:
            found.append((t_ms, sum(recent) // window))
            accepted = []
            refractory_until = t_ms + refractory_ms
    return found


@settings(max_examples=150, deadline=None, database=None)
@given(streams(), st.integers(1, 255), st.integers(1, 8), st.integers(0, 300))
def test_matches_a_naive_oracle(stream, threshold, window, refractory_ms):
    pushes = timed(*stream)
    assert run_single(pushes, threshold=threshold, window=window, refractory_ms=refractory_ms) == \
        naive_detections(pushes, threshold=threshold, window=window, refractory_ms=refractory_ms)


@settings(max_examples=100, deadline=None, database=None)
@given(streams(), st.integers(1, 255), st.integers(1, 6), st.integers(0, 300))
def test_detections_respect_refractory_window_and_threshold(stream, threshold, window, refractory_ms):
    pushes = timed(*stream)
    found = run_single(pushes, threshold=threshold, window=window, refractory_ms=refractory_ms)
    times = [t for t, _ in pushes]
    for (t0, _), (t1, _) in zip(found, found[1:]):
        assert t1 - t0 >= refractory_ms
        assert times.index(t1) - times.index(t0) >= window  # the window must refill
    assert all(threshold <= score <= 255 for _, score in found)


@settings(max_examples=100, deadline=None, database=None)
@given(streams(), st.integers(1, 255), st.integers(0, 254))
def test_raising_threshold_never_adds_detections(stream, threshold, raise_by):
    # with window 1 and no refractory period a detection is exactly score >= threshold
    pushes = timed(*stream)
    higher = min(255, threshold + raise_by)
    low = run_single(pushes, threshold=threshold, window=1, refractory_ms=0)
    high = run_single(pushes, threshold=higher, window=1, refractory_ms=0)
    assert set(high) <= set(low)
    assert len(low) == sum(1 for _, s in pushes if s >= threshold)


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(0, 255), st.integers(0, 255)), max_size=100),
       st.integers(1, 255), st.integers(1, 255), st.integers(1, 5), st.integers(0, 200))
def test_keywords_are_independent(steps, threshold0, threshold1, window, refractory_ms):
    t, pushes = 0, []
    for gap, s0, s1 in steps:
        t += gap
        pushes.append((t, [s0, s1]))
    joint = make_detector((threshold0, threshold1), window=window, refractory_ms=refractory_ms)
    found = push_all(joint, pushes)
    for index, threshold in enumerate((threshold0, threshold1)):
        alone = run_single([(t, s[index]) for t, s in pushes], threshold=threshold,
                           window=window, refractory_ms=refractory_ms)
        assert [(d.t_ms, d.score) for d in found if d.keyword == f"kw{index}"] == alone


@settings(max_examples=60, deadline=None, database=None)
@given(streams(), st.integers(1, 100_000), st.integers(1, 255), st.integers(1, 5), st.integers(0, 300))
def test_shifting_time_shifts_detections(stream, shift_ms, threshold, window, refractory_ms):
    pushes = timed(*stream)
    base = run_single(pushes, threshold=threshold, window=window, refractory_ms=refractory_ms)
    shifted = run_single([(t + shift_ms, s) for t, s in pushes], threshold=threshold,
                         window=window, refractory_ms=refractory_ms)
    assert shifted == [(t + shift_ms, s) for t, s in base]


@settings(max_examples=60, deadline=None, database=None)
@given(streams(max_pushes=60), st.data())
def test_rejected_pushes_change_nothing(stream, data):
    pushes = timed(*stream)
    reference = run_single(pushes, threshold=150, window=3, refractory_ms=100)
    detector = make_detector((150,), window=3, refractory_ms=100)
    found = []
    for t_ms, score in pushes:
        found += [(d.t_ms, d.score) for d in detector.push([score], t_ms)]
        if data.draw(st.booleans()):
            bad_t = t_ms - data.draw(st.integers(0, 100))
            with pytest.raises(DetectorError):
                detector.push([data.draw(st.integers(0, 255))], bad_t)
    assert found == reference


@settings(max_examples=40, deadline=None, database=None)
@given(streams(max_pushes=80), streams(max_pushes=80))
def test_reset_equals_a_fresh_detector(first, second):
    detector = make_detector((120,), window=4, refractory_ms=150)
    push_all(detector, [(t, [s]) for t, s in timed(*first)])
    detector.reset()
    after = [(d.t_ms, d.score) for t, s in timed(*second) for d in detector.push([s], t)]
    assert after == run_single(timed(*second), threshold=120, window=4, refractory_ms=150)


# ----------------------------------------------------------------------------- fast path

def naive_dual(stream, *, threshold, window, refractory_ms, fast_window, fast_margin):
    """Oracle of the fast path from the docstring: the window mean, or the newest ``fast_window``."""
    found, accepted, refractory_until = [], [], None
    for t_ms, score in stream:
        if refractory_until is not None and t_ms < refractory_until:
            continue
        accepted.append(score)
        recent, newest = accepted[-window:], accepted[-fast_window:] if fast_window else []
        if len(recent) == window and sum(recent) >= threshold * window:
            found.append((t_ms, sum(recent) // window))
        elif fast_window and len(newest) == fast_window \
                and sum(newest) >= min(threshold + fast_margin, 255) * fast_window:
            found.append((t_ms, sum(newest) // fast_window))
        else:
            continue
        accepted = []
        refractory_until = t_ms + refractory_ms
    return found


@settings(max_examples=200, deadline=None, database=None)
@given(streams(), st.integers(1, 255), st.integers(1, 8), st.integers(0, 300), st.data())
def test_the_fast_path_matches_a_naive_oracle(stream, threshold, window, refractory_ms, data):
    fast_window = data.draw(st.integers(1, window))
    fast_margin = data.draw(st.integers(0, 254))
    pushes = timed(*stream)
    config = DetectorConfig(threshold=threshold, window=window, refractory_ms=refractory_ms,
                            fast_window=fast_window, fast_margin=fast_margin)
    detector = StreamingDetector(("kw",), config)
    got = [(d.t_ms, d.score) for t, s in pushes for d in detector.push([s], t)]
    assert got == naive_dual(pushes, threshold=threshold, window=window, refractory_ms=refractory_ms,
                             fast_window=fast_window, fast_margin=fast_margin)
    # the fast path only adds detections before the window alone would have fired: never fewer events early on
    slow = run_single(pushes, threshold=threshold, window=window, refractory_ms=refractory_ms)
    if slow:
        assert got and got[0][0] <= slow[0][0]


def test_a_confident_call_fires_before_the_window_fills():
    config = DetectorConfig(threshold=200, window=10, refractory_ms=0, fast_window=3, fast_margin=40)
    fast, plain = StreamingDetector(("kw",), config), StreamingDetector(("kw",), DetectorConfig(200, 10, 0))
    scores = [250] * 12
    fired = [(t, [d.score for d in fast.push([s], t)]) for t, s in zip(range(10, 130, 10), scores)]
    assert [t for t, d in fired if d] == [30, 60, 90, 120]  # every third call (the ring empties)
    assert [t for t, s in zip(range(10, 130, 10), scores) if plain.push([s], t)] == [100]
    # scores under the fast threshold wait for the window; it moves with the threshold and stops at 255
    low = StreamingDetector(("kw",), DetectorConfig(200, 4, 0, fast_window=2, fast_margin=30))
    assert [t for t, s in zip(range(10, 60, 10), [150, 229, 229, 100, 229]) if low.push([s], t)] == []
    low.set_threshold(199)
    assert [d.t_ms for d in low.push([229], 60)] == [60]
    capped = StreamingDetector(("kw",), DetectorConfig(240, 10, 0, fast_window=2, fast_margin=100))
    assert [t for t, s in zip(range(10, 40, 10), [254, 255, 255]) if capped.push([s], t)] == [30]


@pytest.mark.parametrize("kwargs", [dict(window=4, fast_window=5), dict(fast_window=-1), dict(fast_margin=-1),
                                    dict(fast_margin=255)])
def test_fast_path_settings_are_checked(kwargs):
    with pytest.raises(ConfigError, match="fast_"):
        DetectorConfig(**kwargs)

