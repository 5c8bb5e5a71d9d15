"""The cascade (wakeword/cascade.py): a second model confirms each first-stage candidate."""

import dataclasses
import json

import numpy as np
import pytest

from evaluation.cascade import candidates_from_streams, cascade_curve
from evaluation.metrics import ScoreStream
from wakeword.audio import load_audio
from wakeword.bundle import Bundle, load_bundle, save_bundle
from wakeword.cascade import CascadeGate, Verifier, cascade_events
from wakeword.config import DetectorConfig, VerifierConfig
from wakeword.engine import Engine
from wakeword.errors import BundleError, ConfigError
from wakeword.features import compute_features
from wakeword.model import ModelRunner


def with_verifier(bundle: Bundle, *, threshold: int, first_stage_threshold: int, window: int = 4,
                  verifier_bytes: bytes | None = None) -> Bundle:
    """``bundle`` with a verifier (by default its own model again, stored as verifier.tflite)."""
    data = bundle.model_bytes if verifier_bytes is None else verifier_bytes
    from wakeword.bundle import sha256_hex

    spec = dataclasses.replace(bundle.manifest.model, file="verifier.tflite", sha256=sha256_hex(data),
                               size_bytes=len(data))
    verifier = VerifierConfig(model=spec, threshold=threshold, window=window,
                              first_stage_threshold=first_stage_threshold)
    return Bundle(bundle.source, dataclasses.replace(bundle.manifest, verifier=verifier), bundle.model_bytes,
                  bundle.files, verifier_bytes=data)


@pytest.fixture(scope="module")
def ours() -> Bundle:
    """The shipped alexa bundle: a streaming model whose receptive field is known."""
    return load_bundle("alexa")


@pytest.fixture(scope="module")
def stream(alexa_clip, speech_samples):
    """Speech, the keyword, silence, speech: a stream with candidates in it."""
    clip = load_audio(alexa_clip)
    return np.concatenate([speech_samples[:16000 * 4], clip, np.zeros(8000, np.int16), speech_samples[-16000 * 4:]])


def test_gate_hand_computed():
    # threshold 100, refractory 1000 ms: 90 rejected, 120 accepted, 200 skipped (refractory), 150 accepted
    candidates = [(500, 90), (600, 120), (1200, 200), (1600, 150), (1700, 99)]
    assert cascade_events(candidates, threshold=100, refractory_ms=1000) == [(600, 120), (1600, 150)]
    assert cascade_events(candidates, threshold=160, refractory_ms=1000) == [(1200, 200)]
    assert cascade_events(candidates, threshold=1, refractory_ms=0) == candidates
    gate = CascadeGate(threshold=100, refractory_ms=1000)
    assert not gate.skips(0) and gate.offer(0, 100) and gate.skips(999) and not gate.skips(1000)


def test_cascade_curve_hand_computed():
    # two positive trials, one negative stream of an hour
    positives = [(0, 1000, [(400, 50), (700, 180)]), (0, 1000, [(900, 120)])]
    negatives = [[(10_000, 130), (10_500, 200), (40_000, 90)]]
    curve = cascade_curve(positives, negatives, hours=1.0, refractory_ms=2000, thresholds=[40, 100, 150, 190])
    # negatives: at 40 all accepted but 10_500 (inside the refractory of 10_000); at 100 the 90 is rejected;
    # at 150 and 190 the 130 is, so 10_500 (200) is no longer in a refractory period and is accepted
    assert curve.false_rejects.tolist() == [0, 0, 1, 2]
    assert curve.false_accepts.tolist() == [2, 1, 1, 1]
    assert curve.frr.tolist() == [0.0, 0.0, 0.5, 1.0]


def test_the_verifier_scores_a_candidate_as_the_whole_stream_run_does(ours, stream):
    # from a fresh state over its context, the verifier gives what it gives when run over the whole stream
    frames = compute_features(stream)
    cascaded = with_verifier(ours, threshold=100, first_stage_threshold=100, window=4)
    config = cascaded.manifest.verifier
    verifier = Verifier(cascaded.verifier_bytes, config)
    runner = ModelRunner(cascaded.verifier_bytes, config.model)
    calls = runner.push_frames(frames)
    t = np.asarray([ours.manifest.features.frame_end_ms(i) for i, _ in calls], np.int64)
    scores = np.stack([s for _, s in calls])
    whole = ScoreStream(t, scores, duration_ms=len(stream) // 16)
    found = candidates_from_streams(whole, whole, keyword_index=0, detector=DetectorConfig(threshold=1, window=5),
                                    first_stage_thresholds=[1, 100], verifier_window=config.window)
    assert len(found[1]) > len(found[100]) >= 1  # the keyword at 100, more (and lower) at 1
    index = {int(time): frame for time, (frame, _) in zip(t, calls)}
    for t_ms, score in found[1] + found[100]:
        assert int(verifier.score(frames[: index[t_ms] + 1])[0]) == score, t_ms
    with pytest.raises(ValueError, match="must not exceed"):
        candidates_from_streams(whole, whole, keyword_index=0, detector=DetectorConfig(window=3),
                                first_stage_thresholds=[1], verifier_window=4)


def test_engine_cascade_confirms_with_the_verifier(ours, stream):
    alone = Engine(ours, detector=dataclasses.replace(ours.manifest.detector, threshold=150))
    expected = alone.feed(stream)
    assert [d.keyword for d in expected] == ["alexa"]
    # a verifier that agrees with everything the first stage proposes: the same detection, with its score
    easy = Engine(with_verifier(ours, threshold=1, first_stage_threshold=150), cascade=True)
    got = easy.feed(stream)
    assert [(d.t_ms, d.score) for d in got] == [(d.t_ms, d.score) for d in expected]
    assert 0 <= got[0].verifier_score <= 255 and got[0].to_dict()["verifier_score"] == got[0].verifier_score
    # a verifier that is never sure enough: nothing, though the first stage proposed it
    strict = Engine(with_verifier(ours, threshold=255, first_stage_threshold=150), cascade=True)
    assert strict.feed(stream) == [] and len(strict.candidates) >= 1
    # every candidate scored, refractory or not, and chunking changes nothing
    record = Engine(with_verifier(ours, threshold=1, first_stage_threshold=40), cascade=True,
                    verify_every_candidate=True)
    chunked = Engine(with_verifier(ours, threshold=1, first_stage_threshold=40), cascade=True,
                     verify_every_candidate=True)
    whole_events = record.feed(stream)
    chunk_events = [d for i in range(0, len(stream), 1234) for d in chunked.feed(stream[i:i + 1234])]
    assert whole_events == chunk_events and record.candidates == chunked.candidates
    assert len(record.candidates) > len(whole_events)
    # the accepted ones are what the acceptance rule makes of the recorded candidates
    replayed = cascade_events([(t, v) for _, t, _, v in record.candidates], threshold=1,
                              refractory_ms=ours.manifest.detector.refractory_ms)
    assert [(d.t_ms, d.verifier_score) for d in whole_events] == replayed
    record.reset()
    assert record.candidates == [] and record.feed(stream) == whole_events


def test_cascade_needs_a_verifier_with_a_known_receptive_field(ours, peer_bundle):
    with pytest.raises(BundleError, match="has no verifier"):
        Engine(ours, cascade=True)
    # microWakeWord's manifest does not know its model's receptive field: no context can be set
    assert peer_bundle.manifest.model.receptive_field_frames == 0
    with pytest.raises(ConfigError, match="receptive_field_frames must be known"):
        with_verifier(peer_bundle, threshold=100, first_stage_threshold=100)


def test_bundles_carry_the_verifier_and_check_it(ours, tmp_path):
    cascaded = with_verifier(ours, threshold=120, first_stage_threshold=100)
    manifest = cascaded.manifest
    with pytest.raises(BundleError, match="verifier"):
        save_bundle(tmp_path / "missing", manifest, cascaded.model_bytes)
    save_bundle(tmp_path / "b", manifest, cascaded.model_bytes, extra_files={"verifier.tflite": cascaded.verifier_bytes})
    loaded = load_bundle(tmp_path / "b")
    assert loaded.manifest.verifier == manifest.verifier and loaded.verifier_bytes == cascaded.verifier_bytes
    assert manifest.verifier.context_frames % manifest.model.stride_frames == 0
    assert manifest.verifier.context_frames >= manifest.model.receptive_field_frames + 3 * manifest.model.stride_frames
    (tmp_path / "b" / "verifier.tflite").write_bytes(cascaded.verifier_bytes[:-10])
    with pytest.raises(BundleError, match="verifier.tflite is .* bytes but the manifest says"):
        load_bundle(tmp_path / "b")
    # a one-stage bundle's manifest has no verifier key at all (it reads as before cascades existed)
    save_bundle(tmp_path / "one", ours.manifest, ours.model_bytes)
    assert "verifier" not in json.loads((tmp_path / "one" / "manifest.json").read_text())
    with pytest.raises(ConfigError, match="verifier.threshold"):
        dataclasses.replace(manifest.verifier, threshold=0)


def test_the_suite_measures_a_bundle_with_a_verifier_also_as_a_cascade(ours, tmp_path, alexa_clip, speech_samples):
    import shutil

    import soundfile as sf

    from evaluation.suite import run_suite

    cascaded = with_verifier(ours, threshold=120, first_stage_threshold=100, window=4)
    save_bundle(tmp_path / "alexa", cascaded.manifest, cascaded.model_bytes,
                extra_files={"verifier.tflite": cascaded.verifier_bytes})
    (tmp_path / "pos" / "alexa").mkdir(parents=True)
    for i in range(3):
        shutil.copy(alexa_clip, tmp_path / "pos" / "alexa" / f"{i}{alexa_clip.suffix}")
    (tmp_path / "neg").mkdir()
    sf.write(tmp_path / "neg" / "speech.wav", speech_samples, 16000, subtype="PCM_16")
    results = run_suite(models=[str(tmp_path / "alexa")], positives=[tmp_path / "pos" / "alexa"],
                        negatives=[tmp_path / "neg"], out_dir=tmp_path / "out", progress=False, allow_unsigned=True)
    assert list(results["models"]) == ["alexa", "alexa+verifier"]
    alone, both = results["models"]["alexa"], results["models"]["alexa+verifier"]
    assert "cascade" not in alone and both["threshold"] == 120 and alone["threshold"] == ours.manifest.detector.threshold
    assert both["cascade"]["first_stage_threshold"] == 100 and both["cascade"]["candidates_per_hour"]["clean"] >= 0
    # the verifier is the first stage's own model here: at any verifier threshold the cascade finds no
    # clip the first stage (at 100) missed, and no more false accepts
    clean_alone, clean_both = alone["conditions"]["clean"], both["conditions"]["clean"]
    frr_at_100 = clean_alone["det"]["frr"][clean_alone["det"]["thresholds"].index(100)]
    assert all(f >= frr_at_100 for f in clean_both["det"]["frr"])
    assert "A cascade: the first stage at threshold 100" in (tmp_path / "out" / "report.md").read_text()
    again = run_suite(models=[str(tmp_path / "alexa")], positives=[tmp_path / "pos" / "alexa"],
                      negatives=[tmp_path / "neg"], progress=False, allow_unsigned=True, cascade=False)
    assert list(again["models"]) == ["alexa"]


def test_cli_detect_and_info_with_a_cascade(ours, tmp_path, alexa_clip, capsys):
    from wakeword.cli import main

    cascaded = with_verifier(ours, threshold=1, first_stage_threshold=150)
    save_bundle(tmp_path / "c", cascaded.manifest, cascaded.model_bytes,
                extra_files={"verifier.tflite": cascaded.verifier_bytes})
    assert main(["detect", "--bundle", str(tmp_path / "c"), "--allow-unsigned", "--cascade", "--json",
                 str(alexa_clip)]) == 0
    found = json.loads(capsys.readouterr().out)["detections"]
    assert [d["keyword"] for d in found] == ["alexa"] and 1 <= found[0]["verifier_score"] <= 255
    assert main(["info", str(tmp_path / "c"), "--allow-unsigned"]) == 0
    assert "cascade     verifier verifier.tflite" in capsys.readouterr().out
    assert main(["detect", "--bundle", "alexa", "--cascade", str(alexa_clip)]) == 2
    assert "has no verifier" in capsys.readouterr().err


def test_the_verifier_threshold_can_move(ours, stream):
    engine = Engine(with_verifier(ours, threshold=1, first_stage_threshold=150), cascade=True)
    assert engine.verifier_threshold == 1 and len(engine.feed(stream)) == 1
    engine.set_verifier_threshold(255)
    engine.reset()
    assert engine.verifier_threshold == 255 and engine.feed(stream) == []
    with pytest.raises(ValueError, match="1..255"):
        engine.set_verifier_threshold(0)
    with pytest.raises(BundleError, match="no cascade"):
        Engine(ours).set_verifier_threshold(100)
    assert Engine(ours).verifier_threshold is None
