"""Hard-negative mining: the windows of negative recordings a trained model scores highest."""

import subprocess
from dataclasses import replace

import numpy as np
import pytest
import soundfile as sf

from training import mining
from training.augment import AugmentConfig
from training.config import MiningConfig, TrainConfig, KeywordConfig, DataConfig
from training.data import WindowSet, real_speech_split
from training.evaluate import window_scores
from wakeword.bundle import Bundle, open_bundle
from wakeword.config import to_dict
from wakeword.errors import ConfigError

FRAMES = 137  # the shipped alexa model's receptive field (the student's in the default configs)


@pytest.fixture(scope="module")
def model():
    """The shipped alexa bundle: a real trained streaming int8 model to mine with."""
    bundle = open_bundle("alexa")
    assert bundle.manifest.model.receptive_field_frames == FRAMES
    return bundle


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    """A sentence holding the keyword (the model's strongest peak), plain speech, and faint noise."""
    out = tmp_path_factory.mktemp("recordings")
    texts = {"keyword": "the weather is fine today, alexa, and the shop opens at nine",
             "speech": "a large coffee with milk and two sugars please"}
    for name, text in texts.items():
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(out / f"{name}.wav"), text], check=True)
    rng = np.random.default_rng(0)
    sf.write(out / "quiet.wav", (rng.normal(0, 3, 16000 * 3)).astype(np.int16), 16000)
    return {name: str(out / f"{name}.wav") for name in ("keyword", "speech", "quiet")}


def _config(**mining_settings) -> TrainConfig:
    return TrainConfig(keyword=KeywordConfig(phrase="alexa", name="alexa"),
                       data=DataConfig(workers=1, max_voices=2),
                       mining=MiningConfig(enabled=True, **mining_settings))


def _mine_one(model, path, *, min_score=0, peaks=4, gap_calls=10, augment=False, seed=0):
    mining._init_miner(AugmentConfig(), [], [], 0, model.model_bytes, to_dict(model.manifest.model))
    return mining._mine_recording((path, FRAMES, seed, augment, min_score, peaks, gap_calls))


def test_mined_windows_are_the_model_s_peaks_and_score_the_same_alone(model, recordings):
    windows, scores = _mine_one(model, recordings["keyword"], peaks=3)
    assert windows.shape == (3, FRAMES, 40) and windows.dtype == np.uint16
    assert list(scores) == sorted(scores, reverse=True)
    # the keyword inside the sentence is what this model scores highest
    assert scores[0] >= 200
    # each window alone (model state reset, as in training) gets the score it had in the stream
    again, _ = window_scores(Bundle(source="alexa", manifest=model.manifest, model_bytes=model.model_bytes, files={}),
                             WindowSet(windows, np.zeros(len(windows), np.uint8), np.full(len(windows), "m")))
    assert np.array_equal(again, scores)


def test_peaks_respect_the_score_floor_count_and_gap(model, recordings):
    _, all_scores = _mine_one(model, recordings["speech"], peaks=50, gap_calls=1)
    floor = int(np.median(all_scores))
    _, scores = _mine_one(model, recordings["speech"], min_score=floor, peaks=50, gap_calls=1)
    assert len(scores) and scores.min() >= floor
    assert len(_mine_one(model, recordings["speech"], peaks=2, gap_calls=1)[1]) == 2
    # peaks at least 20 calls (600 ms) apart: fewer of them fit in the recording
    assert len(_mine_one(model, recordings["speech"], peaks=50, gap_calls=20)[1]) < len(all_scores)
    # a floor above every peak of a recording leaves nothing of it
    top = int(_mine_one(model, recordings["quiet"], peaks=1)[1][0])
    assert top < 255
    windows, scores = _mine_one(model, recordings["quiet"], min_score=top + 1)
    assert windows.shape == (0, FRAMES, 40) and len(scores) == 0


def test_augmented_passes_are_seeded(model, recordings):
    a = _mine_one(model, recordings["speech"], augment=True, seed=5)
    b = _mine_one(model, recordings["speech"], augment=True, seed=5)
    c = _mine_one(model, recordings["speech"], augment=False, seed=5)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_mine_hard_negatives_keeps_the_highest_up_to_the_cap(model, recordings):
    config = _config(passes=2, min_score=0, peaks_per_pass=3, max_windows=5)
    splits = {"train": [recordings["keyword"], recordings["speech"]], "val": [recordings["speech"]]}
    result = mining.mine_hard_negatives(config, model_bytes=model.model_bytes, spec=model.manifest.model,
                                        splits=splits, seed=1)
    assert len(result.train) == 5 and len(result.val) == 1  # the validation cap is a fifth
    assert set(result.train.y) == {0} and set(result.train.source) == {"mined_negative"}
    stats = result.stats["train"]
    assert stats["recordings"] == 2 and stats["peaks"] == 2 * 2 * 3 and stats["kept"] == 5
    everything = mining.mine_hard_negatives(replace(config, mining=replace(config.mining, max_windows=100)),
                                            model_bytes=model.model_bytes, spec=model.manifest.model,
                                            splits=splits, seed=1).stats["train"]
    assert everything["kept"] == 12 and everything["kept_augmented"] == 6  # the second pass is augmented
    # the kept windows are the highest-scoring of all peaks
    rescored, _ = window_scores(Bundle(source="alexa", manifest=model.manifest, model_bytes=model.model_bytes,
                                       files={}), result.train)
    assert rescored.min() == stats["kept_score_range"][0] and rescored.max() == stats["kept_score_range"][1]
    again = mining.mine_hard_negatives(config, model_bytes=model.model_bytes, spec=model.manifest.model,
                                       splits=splits, seed=1)
    assert np.array_equal(again.train.x, result.train.x)


def test_recordings_follow_the_real_speech_split(tmp_path, recordings):
    speech = tmp_path / "speech"
    noise = tmp_path / "noise"
    speech.mkdir()
    noise.mkdir()
    for i in range(9):
        (speech / f"{i}.wav").write_bytes(open(recordings["speech"], "rb").read())
    (noise / "n.wav").write_bytes(open(recordings["quiet"], "rb").read())
    config = replace(_config(), data=DataConfig(workers=1, max_voices=2, real_speech_dirs=(str(speech),),
                                                noise_dirs=(str(noise),)))
    files = sorted(str(p) for p in speech.glob("*.wav"))
    split = real_speech_split(files, seed=config.data.seed)
    assert split == real_speech_split(files, seed=config.data.seed)
    assert len(split["val"]) == 1 and sorted(split["train"] + split["val"]) == files
    found = mining.mining_recordings(config)
    assert found["val"] == split["val"] and found["train"] == split["train"] + [str(noise / "n.wav")]
    without_noise = replace(config, mining=MiningConfig(enabled=True, include_noise=False))
    assert mining.mining_recordings(without_noise)["train"] == split["train"]
    assert real_speech_split([], seed=1) == {"train": [], "val": []}


def test_synthesized_negatives_need_built_windows(tmp_path):
    from training.data import synthesized_negatives

    with pytest.raises(ConfigError, match="build the windows first"):
        synthesized_negatives(_config(), cache_dir=tmp_path)


@pytest.mark.parametrize("settings, message", [
    ({"passes": 0}, "mining.passes"),
    ({"rounds": 0}, "mining.rounds"),
    ({"min_score": 300}, "uint8 score"),
    ({"peaks_per_pass": 0}, "peaks_per_pass"),
    ({"teacher_learning_rate": 0.0}, "teacher_learning_rate"),
])
def test_bad_mining_settings_are_refused(settings, message):
    with pytest.raises(ConfigError, match=message):
        MiningConfig(**settings)
