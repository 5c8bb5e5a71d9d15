from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wakeword.config import FeatureConfig
from wakeword.errors import AudioError, ConfigError
from wakeword.features import BACKEND, BACKENDS, FeatureExtractor, compute_features, features_to_float, frame_count

RNG = np.random.default_rng(42)
AUDIO = (RNG.normal(0, 2000, 16000 * 2)).astype(np.int16)
BATCH = compute_features(AUDIO)


def test_shape_and_frame_times():
    assert BATCH.shape == (frame_count(len(AUDIO)), 40) == ((len(AUDIO) - 480) // 160 + 1, 40)
    assert BATCH.dtype == np.uint16
    config = FeatureConfig()
    assert config.frame_end_ms(0) == 30 and config.frame_end_ms(99) == 1020


def test_values_are_the_frontend_output():
    # pymicro-features returns raw/25.6 floats; our uint16 frames map back exactly
    from pymicro_features import MicroFrontend

    frontend = MicroFrontend()
    floats = []
    data = AUDIO.tobytes()
    for start in range(0, len(data) - 319, 320):
        out = frontend.process_samples(data[start:start + 320])
        if out.features:
            floats.append(out.features)
    np.testing.assert_array_equal(features_to_float(BATCH), np.asarray(floats, dtype=np.float32))


def test_the_batch_extension_is_built():
    # setup.py builds wakeword._frontend; make setup installs the compiler it needs
    assert BACKEND == "batch"


def _hard_signals():
    """Signals that push the fixed-point frontend to its edges."""
    t = np.arange(16000 * 3) / 16000
    sweep = 32767 * np.sin(2 * np.pi * (50 + 2600 * t) * t)  # full scale, 50 Hz..8 kHz
    square = np.where(np.sin(2 * np.pi * 440 * t) >= 0, 32767, -32768)
    quiet = RNG.normal(0, 3, t.size)  # a few LSB: the noise estimate's floor
    bursts = RNG.normal(0, 8000, t.size) * (np.sin(2 * np.pi * 1.5 * t) > 0.5)
    yield from (np.zeros(16000, np.int16), np.clip(sweep, -32768, 32767).astype(np.int16),
                square.astype(np.int16), quiet.astype(np.int16),
                np.clip(bursts, -32768, 32767).astype(np.int16))
    real = Path(__file__).resolve().parents[2] / "shared/data/eval/positives/alexa/0.flac"
    if real.exists():  # a real recording when ../shared is there
        from wakeword.audio import load_audio
        yield load_audio(real)


@pytest.mark.parametrize("index", range(6))
def test_batch_backend_equals_pymicro_features(index):
    signals = list(_hard_signals())
    if index >= len(signals):
        pytest.skip("no real recording without ../shared")
    audio = signals[index]
    batch = FeatureExtractor(backend="batch").process(audio)
    reference = FeatureExtractor(backend="pymicro-features").process(audio)
    assert batch.shape == reference.shape == (frame_count(len(audio)), 40)
    np.testing.assert_array_equal(batch, reference)


def test_non_contiguous_input_and_unknown_backend():
    strided = AUDIO[::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(compute_features(strided), compute_features(strided.copy()))
    with pytest.raises(ValueError, match="backend"):
        FeatureExtractor(backend="librosa")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=3000), min_size=1, max_size=60),
       st.sampled_from(BACKENDS))
def test_streaming_equals_batch_for_any_chunking(sizes, backend):
    extractor = FeatureExtractor(backend=backend)
    parts, pos, i = [], 0, 0
    while pos < len(AUDIO):
        n = sizes[i % len(sizes)]
        parts.append(extractor.process(AUDIO[pos:pos + n]))
        pos += n
        i += 1
    streamed = np.concatenate(parts)
    np.testing.assert_array_equal(streamed, BATCH)
    assert extractor.frames_emitted == len(BATCH)


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_sample_at_a_time_and_empty_chunks(backend):
    audio = AUDIO[:4000]
    extractor = FeatureExtractor(backend=backend)
    frames = [extractor.process(audio[i:i + 1]) for i in range(len(audio))]
    assert extractor.process(audio[:0]).shape == (0, 40)
    np.testing.assert_array_equal(np.concatenate(frames), compute_features(audio))


@pytest.mark.parametrize("backend", BACKENDS)
def test_reset_restarts_the_stream(backend):
    extractor = FeatureExtractor(backend=backend)
    extractor.process(AUDIO[:7777])
    extractor.reset()
    np.testing.assert_array_equal(extractor.process(AUDIO), BATCH)


def test_rejects_wrong_dtype_and_shape():
    with pytest.raises(AudioError, match="int16"):
        FeatureExtractor().process(AUDIO.astype(np.float32))
    with pytest.raises(AudioError, match="mono"):
        FeatureExtractor().process(np.zeros((10, 2), np.int16))


def test_unsupported_feature_settings_are_refused():
    with pytest.raises(ConfigError, match="channels"):
        FeatureConfig(channels=32)


_SQRT_EDGES = [0, 1, 2, 3, 0xFFFE0001, 0xFFFF * 0xFFFF + 0xFFFF, 0xFFFFFFFF, 2**32, 2**32 + 1,
               (2**32 - 1) ** 2 - 1, (2**32 - 1) ** 2, (2**32 - 1) ** 2 + 2**32 - 2, 2**64 - 1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 2**32 - 1), st.integers(2**32, 2**64 - 1),
                          st.integers(1, 2**32 - 1).map(lambda r: r * r),
                          st.integers(1, 2**32 - 1).map(lambda r: min(r * r + r, 2**64 - 1)),
                          st.integers(1, 2**32 - 1).map(lambda r: min(r * r + r + 1, 2**64 - 1))),
                min_size=1, max_size=200),
       st.integers(0, 15))
def test_fast_square_root_equals_the_frontends(values, shift):
    # the batch backend replaces filterbank.cc's bit-by-bit Sqrt64 (rounded, with its 32-bit
    # shortcut and limits) by an FPU square root; on every value both must agree exactly
    from wakeword import _frontend

    reference, fast = _frontend.sqrt_pair(_SQRT_EDGES + values, shift)
    assert fast == reference
