import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wakeword.config import FeatureConfig
from wakeword.errors import AudioError, ConfigError
from wakeword.features import FeatureExtractor, compute_features, features_to_float, frame_count

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


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=3000), min_size=1, max_size=60))
def test_streaming_equals_batch_for_any_chunking(sizes):
    extractor = FeatureExtractor()
    parts, pos, i = [], 0, 0
    while pos < len(AUDIO):
        n = sizes[i % len(sizes)]
        parts.append(extractor.process(AUDIO[pos:pos + n]))
        pos += n
        i += 1
    streamed = np.concatenate(parts)
    np.testing.assert_array_equal(streamed, BATCH)
    assert extractor.frames_emitted == len(BATCH)


def test_one_sample_at_a_time_and_empty_chunks():
    audio = AUDIO[:4000]
    extractor = FeatureExtractor()
    frames = [extractor.process(audio[i:i + 1]) for i in range(len(audio))]
    assert extractor.process(audio[:0]).shape == (0, 40)
    np.testing.assert_array_equal(np.concatenate(frames), compute_features(audio))


def test_reset_restarts_the_stream():
    extractor = FeatureExtractor()
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
