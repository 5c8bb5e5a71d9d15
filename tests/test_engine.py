import subprocess
import sys

import numpy as np
import pytest

from wakeword.audio import load_audio
from wakeword.bundle import builtin_names
from wakeword.config import DetectorConfig
from wakeword.engine import Engine
from wakeword.errors import AudioError


def engines(peer_bundle):
    found = [Engine(peer_bundle)]
    if "alexa" in builtin_names():
        found.append(Engine.from_bundle("alexa"))
    return found


def test_detects_a_real_clip(alexa_clip, peer_bundle):
    audio = load_audio(alexa_clip)
    engine = Engine(peer_bundle)
    detections = engine.feed(np.concatenate([audio, np.zeros(16000, np.int16)]))
    assert [d.keyword for d in detections] == ["alexa"]
    duration_ms = len(audio) * 1000 // 16000
    assert 300 <= detections[0].t_ms <= duration_ms + 1000
    assert detections[0].score >= engine.detector.thresholds[0]


@pytest.mark.parametrize("chunk", [1, 160, 333, 4096])
def test_chunking_does_not_change_anything(alexa_clip, peer_bundle, chunk):
    audio = load_audio(alexa_clip)[:16000 * 2]
    reference = Engine(peer_bundle)
    want = reference.feed(audio)
    want_t, want_scores = reference.scores_array()
    engine = Engine(peer_bundle)
    got = []
    for start in range(0, len(audio), chunk):
        got.extend(engine.feed(audio[start:start + chunk]))
    got_t, got_scores = engine.scores_array()
    assert got == want
    np.testing.assert_array_equal(got_t, want_t)
    np.testing.assert_array_equal(got_scores, want_scores)


def test_score_times_follow_the_stride(peer_bundle, speech_samples):
    engine = Engine(peer_bundle)
    engine.feed(speech_samples[:16000])
    t, scores = engine.scores_array()
    # frame k ends at 30 + 10 k ms; a stride-3 streaming call ends at frames 2, 5, 8, ...
    np.testing.assert_array_equal(t, 30 + 10 * (np.arange(len(t)) * 3 + 2))
    assert scores.shape == (len(t), 1) and scores.dtype == np.uint8


def test_reset_gives_identical_results(alexa_clip, peer_bundle):
    engine = Engine(peer_bundle)
    first = engine.process_file(alexa_clip)
    first_scores = engine.scores_array()[1]
    second = engine.process_file(alexa_clip)
    assert first == second
    np.testing.assert_array_equal(first_scores, engine.scores_array()[1])


def test_detector_override_and_no_false_accepts_on_speech(peer_bundle, speech_samples):
    strict = Engine(peer_bundle, detector=DetectorConfig(threshold=255, window=10, refractory_ms=0))
    assert strict.feed(speech_samples) == []


def test_stream_time(peer_bundle):
    engine = Engine(peer_bundle)
    engine.feed(np.zeros(16000 * 3 + 5, np.int16))
    assert engine.stream_ms == 3000


def test_feed_rejects_float_audio(peer_bundle):
    with pytest.raises(AudioError, match="int16"):
        Engine(peer_bundle).feed(np.zeros(100, np.float32))


def test_runtime_never_imports_tensorflow(alexa_clip):
    code = (
        "import sys, numpy as np\n"
        "import wakeword, wakeword.cli, wakeword.engine\n"
        "from wakeword.peers import microwakeword_bundle\n"
        "e = wakeword.Engine(microwakeword_bundle('alexa'))\n"
        f"e.process_file({str(alexa_clip)!r})\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tf_keras', 'keras')]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_import_wakeword_loads_no_interpreter_until_an_engine_is_built():
    code = ("import sys, wakeword; assert not any(m.startswith(('ai_edge_litert', 'tflite_runtime')) "
            "for m in sys.modules), 'LiteRT loaded at import'; wakeword.Engine.from_bundle('alexa'); "
            "assert any(m.startswith(('ai_edge_litert', 'tflite_runtime')) for m in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
