"""Personalization on the device (wakeword.personalize): real models, real or synthesized voices."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import shared_data
from wakeword.audio import SAMPLE_RATE_HZ, load_audio
from wakeword.bundle import open_bundle
from wakeword.config import PersonalizationConfig
from wakeword.engine import Engine
from wakeword.errors import ConfigError, EnrollmentError, SignatureError
from wakeword.personalize import (PersonalStore, layer_scores, load_negative_speech, peak, personalize, run_audio,
                                  window_means)
from wakeword.tflite_head import find_head


def _voice_clips(tmp_dir: Path, count: int) -> list[np.ndarray]:
    """Real 'alexa' clips (dev half) when ../shared/data exists, else one espeak-ng voice at several speeds."""
    data = shared_data()
    if data is not None:
        from evaluation.sources import clip_half

        files = [f for f in sorted((data / "eval" / "positives" / "alexa").glob("*.flac")) if clip_half(f) == "dev"]
        if len(files) >= count:
            return [load_audio(f) for f in files[:count]]
    espeak = shutil.which("espeak-ng")
    assert espeak, "neither ../shared/data nor espeak-ng is available"
    clips = []
    for i in range(count):
        wav = tmp_dir / f"alexa_{i}.wav"
        subprocess.run([espeak, "-v", "en-us", "-w", str(wav), "-s", str(130 + 12 * i), "Alexa."], check=True,
                       capture_output=True)
        clips.append(np.concatenate([np.zeros(SAMPLE_RATE_HZ // 2, np.int16), load_audio(wav),
                                     np.zeros(SAMPLE_RATE_HZ // 2, np.int16)]))
    return clips


def _room(seconds: float, level: float = 300.0) -> np.ndarray:
    rng = np.random.default_rng(3)
    noise = np.cumsum(rng.normal(0, 1, int(seconds * SAMPLE_RATE_HZ)))
    noise -= np.convolve(noise, np.ones(400) / 400, mode="same")
    return (noise / np.abs(noise).max() * level).astype(np.int16)


@pytest.fixture(scope="module")
def bundle():
    return open_bundle("alexa")


@pytest.fixture(scope="module")
def enrolled(bundle, tmp_path_factory):
    clips = _voice_clips(tmp_path_factory.mktemp("voice"), 6)
    return clips, personalize(bundle, clips[:4], _room(8.0))


def test_window_means_is_the_detectors_test():
    from wakeword.detector import replay

    rng = np.random.default_rng(0)
    scores = rng.integers(0, 256, 80).astype(np.uint8)
    m = open_bundle("alexa").manifest
    top = peak(scores, m.detector.window)
    assert top == window_means(scores, m.detector.window).max()
    t = np.arange(1, 81) * 30
    fires = lambda th: bool(replay(("k",), m.detector, t, scores[:, None], thresholds=[th]))  # noqa: E731
    assert fires(top) and (top == 255 or not fires(top + 1))


def test_personalized_model_scores_the_voice_higher_and_other_speech_no_higher(bundle, enrolled):
    clips, result = enrolled
    r = result.report
    # the user's own recordings: every one scores at least as high as before, most strictly higher
    assert all(a >= b for a, b in zip(r["sample_peaks_after"], r["sample_peaks_before"]))
    assert sum(r["sample_peaks_after"]) > sum(r["sample_peaks_before"])
    # other people's speech (the packaged negatives, measured on the real patched model) stays under its limit
    assert r["negative_peak_after"] <= r["negative_limit"] + 2            # the int8 model is within 2 LSB of numpy
    assert r["negative_limit"] <= bundle.manifest.detector.threshold - PersonalizationConfig().negative_margin
    # held-out clips of the same voice: the personalized model scores them higher than the original did
    head = find_head(bundle.model_bytes)
    personal = open_bundle_from(result, bundle)
    w = bundle.manifest.detector.window
    before = [peak(run_audio(bundle, head, c).scores, w) for c in clips[4:]]
    after = [peak(run_audio(personal, head, c).scores, w) for c in clips[4:]]
    assert sum(after) > sum(before), (before, after)
    # the new layer is what the real int8 model computes, within 2 LSB
    stream = run_audio(personal, head, clips[0])
    new_head = find_head(result.model_bytes)
    emulated = layer_scores(new_head, stream.hidden, new_head.weights[0], float(new_head.bias[0]))
    assert np.max(np.abs(emulated.astype(int) - stream.scores.astype(int))) <= 2


def open_bundle_from(result, original):
    from wakeword.bundle import Bundle

    return Bundle(source="personal", manifest=result.manifest, model_bytes=result.model_bytes, files={})


def test_store_saves_signed_opens_and_rolls_back_without_writing_audio(bundle, enrolled, tmp_path, monkeypatch):
    _, result = enrolled
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    original = hashlib.sha256(bundle.model_bytes).hexdigest()
    store = PersonalStore(tmp_path / "store")
    path = store.save(result)
    assert path.name == "alexa-personal" and store.has("alexa")
    loaded = store.open("alexa")                                        # the device key verifies it
    assert loaded.manifest.name == "alexa-personal" and loaded.model_bytes == result.model_bytes
    provenance = store.provenance("alexa")
    assert provenance["from"] == {"name": "alexa", "version": bundle.manifest.version, "model_sha256": original}
    assert provenance["raw_audio_kept"] is False
    # the engine runs it as any bundle and detects the enrolled voice
    engine = Engine(loaded)
    clips, _ = enrolled
    assert engine.process_samples(clips[0])
    # nothing but the bundle and the device key was written anywhere under the test's folders
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["store/alexa-personal/manifest.json", "store/alexa-personal/model.tflite",
                       "store/alexa-personal/signature.json", "store/device_key/wakeword_signing.key",
                       "store/device_key/wakeword_signing.pub"], written
    assert os.stat(tmp_path / "store/device_key/wakeword_signing.key").st_mode & 0o077 == 0
    # a tampered personal model is refused on open
    model = path / "model.tflite"
    data = bytearray(model.read_bytes())
    data[-100] ^= 1
    model.write_bytes(bytes(data))
    with pytest.raises(SignatureError):
        store.open("alexa")
    # rollback: one call, the original is untouched
    assert store.rollback("alexa") and not store.has("alexa") and not store.rollback("alexa")
    assert hashlib.sha256(open_bundle("alexa").model_bytes).hexdigest() == original


def test_unusable_enrollment_audio_is_refused_with_the_reason(bundle, enrolled):
    clips, _ = enrolled
    room = _room(8.0)
    with pytest.raises(EnrollmentError, match="3-10 samples"):
        personalize(bundle, clips[:2], room)
    with pytest.raises(EnrollmentError, match="sample 2 is silence"):
        personalize(bundle, [clips[0], np.zeros(SAMPLE_RATE_HZ, np.int16), clips[1]], room)
    clipped = np.clip(clips[1].astype(np.int32) * 40, -32768, 32767).astype(np.int16)
    with pytest.raises(EnrollmentError, match="sample 3 is clipped"):
        personalize(bundle, [clips[0], clips[1], clipped], room)
    not_the_word = _room(2.0, level=6000.0)
    with pytest.raises(EnrollmentError, match="sample 1 does not sound like"):
        personalize(bundle, [not_the_word, clips[0], clips[1]], room)
    with pytest.raises(EnrollmentError, match="room recording is .* s; record at least 3"):
        personalize(bundle, clips[:3], room[:SAMPLE_RATE_HZ])
    with pytest.raises(EnrollmentError, match="1-D int16"):
        personalize(bundle, [clips[0].astype(np.float32), clips[1], clips[2]], room)
    with pytest.raises(ConfigError, match="prior_weight"):
        PersonalizationConfig(prior_weight=0)


def test_negative_speech_file_is_checked(tmp_path):
    frames = load_negative_speech()
    assert sum(len(f) for f in frames) > 8 * 60 * 90 / 1.5 and all(f.shape[1] == 40 for f in frames)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(EnrollmentError, match="missing or corrupt"):
        load_negative_speech(bad)
    np.savez(tmp_path / "mismatch.npz", frames=np.zeros((10, 40), np.uint16), lengths=np.array([4, 4]))
    with pytest.raises(EnrollmentError, match="disagree"):
        load_negative_speech(tmp_path / "mismatch.npz")


def test_a_personal_model_of_an_older_original_is_refused(bundle, enrolled, tmp_path):
    import dataclasses

    _, result = enrolled
    assert result.manifest.metrics == {}          # the shipped model's figures do not describe this one
    store = PersonalStore(tmp_path / "store")
    store.save(result)
    assert store.open_for(bundle).manifest.name == "alexa-personal"
    updated = dataclasses.replace(bundle, manifest=dataclasses.replace(
        bundle.manifest, model=dataclasses.replace(bundle.manifest.model, sha256="0" * 64)))
    with pytest.raises(EnrollmentError, match="personalize again or roll back"):
        store.open_for(updated)
    store.save(result)                            # saving again replaces it, signed
    assert store.open_for(bundle).model_bytes == result.model_bytes
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["alexa-personal", "device_key"]


def test_the_template_stage_detects_a_matching_window_in_the_band_only():
    """PersonalDetector, by hand: a window in the band fires only when its hidden vectors match the template;
    the detector's own detections stand; nothing more for the refractory period after either."""
    import dataclasses

    from wakeword.config import PersonalStage
    from wakeword.detector import StreamingDetector
    from wakeword.personalize import PersonalDetector

    m = open_bundle("alexa").manifest
    config = dataclasses.replace(m.detector, threshold=200, window=3, refractory_ms=1000)
    template = np.zeros(4)
    template[0] = 1.0
    stage = PersonalStage(tuple(template), 0.9, 150, 0, -128)
    det = PersonalDetector(StreamingDetector(m.keywords, config), stage)
    match = np.array([10, -128, -128, -128], np.int8)       # minus the zero point: (138, 0, 0, 0) ~ template
    other = np.array([-128, 10, -128, -128], np.int8)       # orthogonal to it
    t = iter(range(30, 100000, 30))
    # band excursion (mean 160) with the wrong hidden vectors: nothing
    assert [det.push([160], other, next(t)) for _ in range(5)] == [[]] * 5
    # the same scores with matching vectors: one detection at the first full matching window, then quiet
    hits = [det.push([160], match, next(t)) for _ in range(5)]
    fired = [h for h in hits if h]
    assert len(fired) == 1 and fired[0][0].score == 160
    # a real detection (mean >= 200) stands on its own, whatever the vectors
    for _ in range(40):                                    # past the refractory period
        det.push([0], other, next(t))
    hits = [det.push([230], other, next(t)) for _ in range(3)]
    assert [d.score for h in hits for d in h] == [230]
    # right after it, a matching band window is quiet (refractory)
    assert all(det.push([160], match, next(t)) == [] for _ in range(10))


def test_the_engine_runs_a_personal_bundle_with_its_stage(bundle, enrolled):
    """The engine reads the stage from the manifest: a personal bundle detects every sample it was made from
    (in the band or above it) and stays as quiet as the original on speech without the word."""
    from wakeword.bundle import Bundle

    clips, result = enrolled
    personal = Bundle(source="personal", manifest=result.manifest, model_bytes=result.model_bytes, files={})
    stage = result.manifest.personal
    if stage is not None:
        assert stage.band_threshold < bundle.manifest.detector.threshold
        assert result.report["band_threshold"] == stage.band_threshold
    engine = Engine(personal)
    tail = np.zeros(SAMPLE_RATE_HZ // 2, np.int16)
    assert sum(bool(engine.process_samples(np.concatenate([c, tail]))) for c in clips[:4]) \
        == result.report["samples_detected_after"] == 4
    quiet = _room(20.0, level=2000.0)
    assert len(engine.process_samples(quiet)) <= len(Engine(bundle).process_samples(quiet))


def test_the_band_stops_above_a_negative_that_comes_within_the_cosine_margin():
    """choose_band, by hand: a negative excursion to a mean of 160 whose hidden vectors sit at cosine 0.85 to
    the template does not stop the band at cutoff 0.9; with a margin of 0.1 it counts as a false accept, so
    the band stays above 160; the stage returned keeps the cutoff."""
    import dataclasses
    from types import SimpleNamespace

    from wakeword.personalize import CallStream, choose_band

    m = open_bundle("alexa").manifest
    manifest = dataclasses.replace(m, detector=dataclasses.replace(m.detector, threshold=200, window=3,
                                                                    refractory_ms=1000))
    template = np.array([1.0, 0.0, 0.0, 0.0])
    near = np.array([0.85, np.sqrt(1 - 0.85 ** 2), 0.0, 0.0])       # cosine 0.85 to the template
    hidden = np.full((60, 4), -128, np.int8)
    hidden[:] = np.round(near * 100 - 128).astype(np.int8)           # zero point -128
    scores = np.zeros(60, np.uint8)
    scores[20:30] = 160
    negative = CallStream(scores, hidden)
    head = SimpleNamespace(embedding_tensor=0, embedding_zero_point=-128)
    plain = choose_band(manifest, [negative], template, 0.9, head, PersonalizationConfig(band_cosine_margin=0.0))
    assert plain is not None and plain.band_threshold == 200 - 64
    guarded = choose_band(manifest, [negative], template, 0.9, head, PersonalizationConfig(band_cosine_margin=0.1))
    assert guarded is not None and guarded.band_threshold > 160 and guarded.cutoff == 0.9
    with pytest.raises(ConfigError, match="band_cosine_margin"):
        PersonalizationConfig(band_cosine_margin=-0.1)
