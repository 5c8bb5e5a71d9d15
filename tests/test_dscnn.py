"""The DS-CNN window model: QAT, true int8 conversion, the runtime's window kind, TFLite Micro."""

import numpy as np
import pytest

from wakeword.bundle import Bundle
from wakeword.config import DetectorConfig
from wakeword.engine import Engine

from training import export
from training.models import ARCHITECTURES, DSCNNConfig, build_dscnn
from training.models.dscnn import convert_window

CONFIG = DSCNNConfig(frames=40, stride_frames=5, channels=8, blocks=1)


@pytest.fixture(scope="module")
def int8_window_model():
    import tensorflow_model_optimization as tfmot

    from training.tf_setup import keras

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 8, (96, CONFIG.frames, 40)).astype(np.float32)
    y = (np.arange(96) % 2).astype(np.float32)
    x[y > 0, 10:30, 5:20] = 25  # a learnable pattern
    keras.utils.set_random_seed(0)
    model = build_dscnn(CONFIG)
    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss)
    model.fit(x, y[:, None], epochs=8, batch_size=16, verbose=0)  # float first, then QAT fine-tuning
    qat = tfmot.quantization.keras.quantize_model(model)
    qat.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    qat.fit(x, y[:, None], epochs=2, batch_size=16, verbose=0)
    return convert_window(qat, representative=list(x[:16])), x, y


def test_registry_names_each_architecture_with_its_kind():
    assert ARCHITECTURES["tcn"][2] == "streaming" and ARCHITECTURES["dscnn"][2] == "window"
    assert CONFIG.macs_per_call() > 0 and CONFIG.receptive_field_frames == 40


def test_window_model_runs_in_the_engine_and_in_tflm(int8_window_model):
    model_bytes, x, y = int8_window_model
    arena = export.measure_arena_bytes(model_bytes, stride_frames=CONFIG.frames)
    manifest = export.build_manifest(model_bytes, name="dscnn", version="0.0.1", keywords=("kw",),
                                     receptive_field_frames=CONFIG.frames, macs_per_inference=CONFIG.macs_per_call(),
                                     arena_bytes=arena, detector=DetectorConfig(), training={}, metrics={},
                                     kind="window", stride_frames=CONFIG.stride_frames)
    assert manifest.model.kind == "window" and manifest.model.input_shape == (1, 40, 40)
    assert manifest.model.input_dtype == "int8" and manifest.model.output_dtype == "uint8"
    engine = Engine(Bundle(source="dscnn", manifest=manifest, model_bytes=model_bytes, files={}))
    audio = np.random.default_rng(1).normal(0, 2000, 16000 * 2).astype(np.int16)
    engine.feed(audio)
    t, scores = engine.scores_array()
    # the first call ends at frame 39 (a full window), then every 5 frames
    np.testing.assert_array_equal(t, 30 + 10 * (39 + 5 * np.arange(len(t))))
    # QAT learned the planted pattern: the int8 model separates the two classes
    runner_scores = []
    from wakeword.model import ModelRunner

    runner = ModelRunner(model_bytes, manifest.model, exact_kernels=True)
    for window in x[:32]:
        runner.reset()
        raw = np.rint(window * 25.6).astype(np.uint16)
        runner_scores.append(int(runner.push_frames(raw)[-1][1][0]))
    runner_scores = np.array(runner_scores)
    assert runner_scores[y[:32] > 0].mean() > runner_scores[y[:32] == 0].mean() + 20
