"""The whole training pipeline on a tiny config: text -> synthesized data -> teacher -> distilled
student -> QAT -> int8 streaming bundle, firmware sources and ablation table."""

import dataclasses
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from wakeword.bundle import load_bundle
from wakeword.engine import Engine

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from training.cli import run

    out = tmp_path_factory.mktemp("run")
    config = out / "tiny.toml"
    # small "real" folders (espeak-ng here) exercise the real-data evaluation and threshold choice
    for folder, texts in (("eval_pos", ["alexa", "alexa please", "hey alexa"]),
                          ("eval_neg", ["the weather is nice today", "a large coffee with milk please"])):
        (out / folder).mkdir()
        for i, text in enumerate(texts):
            subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(out / folder / f"{i}.wav"), text], check=True)
    # a "real speech" folder (a flite voice here): negative windows, and keyword clips spliced from its phones
    (out / "speech").mkdir()
    for i, text in enumerate(["six boxes of rice were left on the table", "the next lesson was a success",
                              "a lesson in excellent sound"]):
        subprocess.run(["flite", "-voice", "slt", "-t", text, "-o", str(out / "speech" / f"{i}.wav")], check=True)
    tiny = (ROOT / "configs" / "tiny.toml").read_text().replace(
        "spliced_positives_per_file = 0\nspliced_negatives_per_file = 0\n",
        'real_speech_dirs = ["speech"]\nspliced_positives_per_file = 2\nspliced_negatives_per_file = 2\n'
        "splice_max_segments = 6\n")
    # hard negatives mined with the trained teacher from the real speech folder and the synthesized
    # negatives, and three teachers
    tiny = tiny.replace("[mining]\nenabled = false\n", "[mining]\nenabled = true\npasses = 2\nmin_score = 0\n"
                        "teacher_epochs = 1\ninclude_synthesized = true\n").replace("teachers = 1", "teachers = 3")
    assert "real_speech_dirs" in tiny and "teachers = 3" in tiny and "passes = 2" in tiny
    config.write_text(tiny + '\n[evaluation]\npositives_dirs = ["eval_pos"]\nnegatives_dirs = ["eval_neg"]\n')
    result = run(str(config), out_dir=out / "out", cache_dir=out / "cache", firmware_dir=out / "firmware", verbose=0)
    return out, result


def test_bundle_is_deployable(tiny_run):
    out, result = tiny_run
    bundle = load_bundle(result["bundle"])
    manifest = bundle.manifest
    assert manifest.keywords == ("alexa",)
    assert manifest.model.kind == "streaming" and manifest.model.input_dtype == "int8"
    assert manifest.model.tflm_arena_bytes > 0 and manifest.model.macs_per_inference > 0
    assert manifest.training["data"]["voices"] >= 2 and manifest.training["seed"] == 0
    # keyword clips spliced from the real speech folder's phones, in training and validation (split by file)
    spliced = manifest.training["data"]["spliced_clips"]
    assert spliced["train"] >= 2 and spliced["val"] >= 1, spliced
    assert manifest.training["data"]["train_examples"]["spliced_positive"] == 2 * spliced["train"]
    # near misses spliced from the same speakers, augmented the same way
    near = manifest.training["data"]["spliced_negative_clips"]
    assert near["train"] >= 2 and manifest.training["data"]["train_examples"]["spliced_negative"] == 2 * near["train"]
    assert set(manifest.training["stage_seconds"]) >= {"data", "teacher", "hard negatives",
                                                       "teacher, with hard negatives",
                                                       "quantization-aware training", "export", "more teachers"}
    # the students learnt the mean logit of three teachers; with two workers the third trained in a
    # second process beside the second (its Keras log is kept beside the run)
    assert "2 more teachers on the final set -> distilled student (mean teacher logit)" in manifest.training["pipeline"]
    assert "loss:" in (out / "out" / "teacher_3.log").read_text()
    assert not (out / "out" / "teacher_2.log").exists()
    # every real speech file of the training split and every synthesized negative phrase, clean and once
    # augmented, was mined (min_score 0: every recording gives its peaks); validation ones into validation
    mined = manifest.training["hard_negatives"]["round 1"]
    data = manifest.training["data"]
    assert mined["train"]["recordings"] == 2 + data["train_examples"]["synth_negative"]
    assert mined["val"]["recordings"] == 1 + data["validation_examples"]["synth_negative"]
    assert mined["train"]["kept"] == mined["train"]["peaks"] >= 2 * 2 and mined["val"]["kept"] >= 1
    engine = Engine(bundle)
    engine.feed(np.zeros(16000, np.int16))
    assert len(engine.score_history) > 0


def test_ablation_table_and_firmware_sources(tiny_run):
    out, result = tiny_run
    rows = json.loads((out / "out" / "ablation.json").read_text())
    assert all(r["real_positives"] == 3 and 0 < r["negative_hours"] < 0.01 for r in rows)
    # a looser false-accept target can only lower the best FRR
    assert all(r["real_frr_at_2_fa_h"] <= r["real_frr_at_0.5_fa_h"] for r in rows)
    manifest = load_bundle(result["bundle"]).manifest
    point = manifest.metrics["operating_point"]
    assert manifest.detector.threshold == point["threshold"] and manifest.detector.window == point["window"]
    assert set(manifest.metrics["fa_per_hour_by_threshold"]) == set(manifest.metrics["frr_by_threshold"])
    # the threshold also holds (or is the most that can hold) on the same negatives in noise, twice over
    in_noise = manifest.metrics["fa_per_hour_in_noise_by_threshold"]
    assert set(in_noise) == set(manifest.metrics["frr_by_threshold"])
    assert point["noise_hours"] == pytest.approx(2 * point["negative_hours"], rel=0.01)
    assert point["fa_per_hour_in_noise"] == in_noise[str(point["threshold"])] and point["noise_snr_db"] == 10.0
    frr, clean_fa = manifest.metrics["frr_by_threshold"], manifest.metrics["fa_per_hour_by_threshold"]
    meeting = [t for t in frr if clean_fa[t] <= 0.5]
    if point["target_met"]:
        holding = [t for t in meeting if in_noise[t] <= 2.0]
        if point["noise_target_met"]:  # the lowest FRR that holds both targets (no FRR cap by default)
            assert point["fa_per_hour_in_noise"] <= point["noise_target_fa_per_hour"] == 2.0
            assert point["frr"] == min(frr[t] for t in holding)
        else:  # the fewest false accepts in noise
            assert not holding and point["fa_per_hour_in_noise"] == min(in_noise[t] for t in meeting)
    # the FRR of the choice is measured on keyword clips the pipeline made and never trained on: the
    # validation voices' synthesized clips and the validation speakers' spliced ones, each played clean
    # and augmented; the real recordings only measure
    heldout = manifest.training["data"]["heldout_positives"]
    assert heldout["synthesized"] >= 1 and heldout["spliced"] == manifest.training["data"]["spliced_clips"]["val"]
    assert point["positives"] == 2 * (heldout["synthesized"] + heldout["spliced"])
    assert point["real_positives"] == 3 and 0 <= point["real_frr"] <= 1
    assert "no real recording of the keyword" in manifest.metrics["threshold_choice"]
    for r in rows:
        assert {"threshold", "window", "heldout_frr", "fa_h", "fa_h_in_noise", "real_frr"} <= set(r), r
        # the best real point picks its threshold on the real clips themselves: never worse
        assert r["real_frr_at_0.5_fa_h"] <= r["real_frr"] or r["fa_h"] > 0.5
    assert [r["variant"] for r in rows] == ["float teacher", "float student", "student + distillation",
                                           "int8 PTQ (no QAT)", "int8 QAT", "int8 PTQ, channels pruned"]
    # structured pruning (on by default): whole channels left the graph, so the int8 model is smaller
    # and runs fewer instructions on the emulated Cortex-M4 (measured for every int8 variant)
    from training.m4_cost import Meter

    assert Meter.missing() is None, f"the emulated Cortex-M4 is needed here: {Meter.missing()}"
    by_name = {r["variant"]: r for r in rows}
    full, pruned = by_name["int8 PTQ (no QAT)"], by_name["int8 PTQ, channels pruned"]
    assert full["widths"] == "8/8/8" and pruned["widths"] == "6/6/6"
    assert pruned["size_bytes"] < full["size_bytes"] and pruned["macs_per_call"] < full["macs_per_call"]
    assert 0 < pruned["m4_instructions"] < full["m4_instructions"]
    assert all(r["m4_instructions"] > 0 for r in rows if r["dtype"] == "int8")
    assert "structured pruning" in load_bundle(result["bundle"]).manifest.training["stage_seconds"]
    # export.ship defaults to "ptq": exactly that row is the bundle
    assert [r["variant"] for r in rows if r["shipped"]] == ["int8 PTQ (no QAT)"]
    assert manifest.training["shipped_variant"] == "int8 PTQ (no QAT)"
    int8 = [r for r in rows if r["dtype"] == "int8"]
    floats = [r for r in rows if r["dtype"] == "float32"]
    assert all(r["size_bytes"] < f["size_bytes"] for r in int8 for f in floats[1:])
    settings = (out / "firmware" / "model_settings.h").read_text()
    manifest = load_bundle(result["bundle"]).manifest
    assert f"kTensorArenaBytes = {manifest.model.tflm_arena_bytes};" in settings
    assert (out / "firmware" / "model_data.cc").stat().st_size > 5 * manifest.model.size_bytes


def test_the_cascade_is_chosen_on_the_same_data_and_ships_only_when_it_helps(tiny_run):
    out, result = tiny_run
    bundle = load_bundle(result["bundle"])
    cascade = bundle.manifest.metrics["cascade"]
    alone = bundle.manifest.metrics["operating_point"]
    assert cascade["first_stage_alone"] == alone and cascade["verifier"] == "float teacher"
    if not cascade["met"]:
        assert bundle.manifest.verifier is None and not cascade["shipped"]
        return
    target = bundle.manifest.training["config"]["export"]
    assert cascade["fa_per_hour"] <= target["target_fa_per_hour"]
    assert cascade["fa_per_hour_in_noise"] <= target["noise_target_fa_per_hour"]
    assert cascade["positives"] == alone["positives"] and 0 <= cascade["real_frr"] <= 1
    gain = bundle.manifest.training["config"]["cascade"]["min_frr_gain"]
    if cascade["shipped"]:  # it misses enough fewer held-out clips than the first stage alone
        assert cascade["frr"] <= alone["frr"] - gain + 1e-9
        verifier = bundle.manifest.verifier
        assert (verifier.threshold, verifier.first_stage_threshold, verifier.window) == (
            cascade["threshold"], cascade["first_stage_threshold"], cascade["window"])
        assert bundle.verifier_bytes == (out / "out" / "variants" / "float_teacher.tflite").read_bytes()
        assert cascade["verifier_ms_per_candidate"] > 0
        engine = Engine(bundle, cascade=True)
        engine.feed(np.zeros(16000, np.int16))
    else:
        assert bundle.manifest.verifier is None and cascade["frr"] > alone["frr"] - gain
        assert "points fewer held-out clips" in cascade["why_not"]


def test_rerun_uses_the_caches(tiny_run, tmp_path, monkeypatch, capsys):
    """Synthesized clips and feature windows are cached by content hash: a rerun reads the windows the
    first run wrote (memory-mapped) and synthesizes, augments and extracts nothing."""
    import training.synth
    from training import data as data_module
    from training.config import load_config

    out, _ = tiny_run
    config = load_config(out / "tiny.toml")

    def no_work(*args, **kwargs):
        raise AssertionError("the rerun did work the cache holds")

    monkeypatch.setattr(training.synth, "run_jobs", no_work)
    monkeypatch.setattr(data_module, "_run_clips", no_work)
    train, val, stats = data_module.build_windows(config, cache_dir=out / "cache")
    assert "data: using cached windows" in capsys.readouterr().out
    assert isinstance(train.x, np.memmap) and len(train) > 0 and len(val) > 0 and stats["voices"] >= 2
    # another data seed is another cache entry: it would have to do the work
    other = dataclasses.replace(config, data=dataclasses.replace(config.data, seed=config.data.seed + 1))
    with pytest.raises(AssertionError, match="did work the cache holds"):
        data_module.build_windows(other, cache_dir=out / "cache")


def test_burst_windows_add_negatives_and_change_no_other_window(tiny_run):
    """data.burst_windows adds windows of non-speech sound trains (negatives, a fifth of them for
    validation) from a random stream of their own: every other window is the one the run trained on."""
    from training import data as data_module
    from training.config import load_config

    out, _ = tiny_run
    config = load_config(out / "tiny.toml")
    train, val, _ = data_module.build_windows(config, cache_dir=out / "cache")
    bursts = dataclasses.replace(config, data=dataclasses.replace(config.data, burst_windows=10))
    train_b, val_b, stats = data_module.build_windows(bursts, cache_dir=out / "cache")
    assert stats["train_examples"]["bursts"] == 8 and stats["validation_examples"]["bursts"] == 2
    for before, after in ((train, train_b), (val, val_b)):
        keep = after.source != "bursts"
        np.testing.assert_array_equal(np.asarray(after.x[keep]), np.asarray(before.x))
        np.testing.assert_array_equal(after.y[keep], before.y)
        assert (after.y[~keep] == 0).all()
        # each a different train of sounds, with something in it
        windows = np.asarray(after.x[~keep]).reshape(int((~keep).sum()), -1)
        assert len(np.unique(windows, axis=0)) == len(windows) and (windows.max(axis=1) > 0).all()


def test_reexport_keeps_the_trained_int8_weights(tiny_run):
    # training/reexport.py reads a bundle's int8 weights back and converts them again with the
    # current streaming graph: the int8 filters must come out identical and the scores close
    from training.reexport import int8_weights, reexport

    out, result = tiny_run
    report = reexport(Path(result["bundle"]), out / "tiny.toml", out / "reexported", out / "cache",
                      allow_unsigned=True)
    source, again = load_bundle(result["bundle"]), load_bundle(out / "reexported")
    assert report["weights_identical_ops"] == report["weight_ops"] == len(int8_weights(source.model_bytes))
    for a, b in zip(int8_weights(source.model_bytes), int8_weights(again.model_bytes)):
        np.testing.assert_array_equal(a, b)
    assert report["score_mean_abs_diff"] < 2.0
    assert again.manifest.training["reexported_from"]["model_sha256"] == source.manifest.model.sha256
    assert again.manifest.detector.threshold == again.manifest.metrics["operating_point"]["threshold"]


def test_reexport_can_keep_the_model_and_choose_only_the_threshold(tiny_run):
    from training.reexport import reexport

    out, result = tiny_run
    stricter = out / "stricter.toml"
    stricter.write_text((out / "tiny.toml").read_text() + "\n[export]\nnoise_target_fa_per_hour = 0.0\n")
    report = reexport(Path(result["bundle"]), stricter, out / "kept", out / "cache", keep_model=True,
                      allow_unsigned=True)
    source, kept = load_bundle(result["bundle"]), load_bundle(out / "kept")
    assert report["keep_model"] and kept.model_bytes == source.model_bytes
    assert report["score_max_abs_diff"] == 0
    point = kept.manifest.metrics["operating_point"]
    assert point["noise_target_fa_per_hour"] == 0.0 and kept.manifest.detector.threshold == point["threshold"]
    # a stricter target in noise never lowers the threshold
    assert point["threshold"] >= source.manifest.detector.threshold


def test_reexport_chooses_the_cascade_again_for_the_new_first_stage(tiny_run):
    # a bundle whose verifier (the run's float teacher) carries arbitrary thresholds, re-thresholded
    # for another detector window: the cascade is chosen again on the same data, or dropped with a reason
    import dataclasses

    from training import export
    from training.reexport import reexport
    from wakeword.bundle import save_bundle
    from wakeword.config import VerifierConfig

    out, result = tiny_run
    source = load_bundle(result["bundle"])
    teacher = (out / "out" / "variants" / "float_teacher.tflite").read_bytes()
    spec = export.model_spec(teacher, receptive_field_frames=source.manifest.model.receptive_field_frames,
                             file="verifier.tflite")
    arbitrary = VerifierConfig(model=spec, threshold=3, window=2, first_stage_threshold=5)
    save_bundle(out / "with_verifier", dataclasses.replace(source.manifest, verifier=arbitrary), source.model_bytes,
                extra_files={"verifier.tflite": teacher})
    shorter = out / "window8.toml"
    shorter.write_text((out / "tiny.toml").read_text() + "\n[export]\nwindows = [8]\n")
    report = reexport(out / "with_verifier", shorter, out / "window8", out / "cache", keep_model=True,
                      allow_unsigned=True)
    again = load_bundle(out / "window8")
    cascade = again.manifest.metrics["cascade"]
    assert again.manifest.detector.window == 8 and cascade["first_stage_alone"]["window"] == 8
    assert report["cascade"]["met"] == cascade["met"]
    if cascade["shipped"]:
        verifier = again.manifest.verifier
        assert verifier.window <= 8 and verifier.model.sha256 == spec.sha256 and again.verifier_bytes == teacher
        assert (verifier.threshold, verifier.first_stage_threshold) == (cascade["threshold"],
                                                                       cascade["first_stage_threshold"])
    else:
        assert again.manifest.verifier is None and again.verifier_bytes is None and cascade["why_not"]


def test_the_threshold_needs_no_real_recording_of_the_keyword(tiny_run):
    # the same model re-thresholded by a config without real keyword clips: the same operating point
    from training.reexport import reexport

    out, result = tiny_run
    blind = out / "blind.toml"
    blind.write_text((out / "tiny.toml").read_text().replace('positives_dirs = ["eval_pos"]\n', ""))
    assert "eval_pos" not in blind.read_text()
    reexport(Path(result["bundle"]), blind, out / "blind", out / "cache", keep_model=True, allow_unsigned=True)
    source, again = load_bundle(result["bundle"]), load_bundle(out / "blind")
    assert again.manifest.detector == source.manifest.detector
    point = again.manifest.metrics["operating_point"]
    assert "real_frr" not in point and "real_latency_ms" not in point
    assert point["frr"] == source.manifest.metrics["operating_point"]["frr"]
    # the expected latency comes from the trainer's own clips too (no limit by default)
    first = source.manifest.metrics["operating_point"]
    # (stated when the point detects any held-out clip; the tiny model may detect none)
    assert point.get("latency_ms") == first.get("latency_ms") and ("latency_ms" in first) is (first["frr"] < 1)
    assert "max_latency_ms" not in first and "latency_target_met" not in first


def test_every_variant_is_kept_and_the_float_teacher_quantizes(tiny_run):
    # runs keep each variant's streaming model; a float one (here the teacher) becomes an int8 bundle
    from training.reexport import reexport

    out, result = tiny_run
    variants = sorted(p.name for p in (out / "out" / "variants").glob("*.tflite"))
    assert variants == ["float_student.tflite", "float_teacher.tflite", "int8_PTQ__channels_pruned.tflite",
                        "int8_PTQ__no_QAT.tflite", "int8_QAT.tflite", "student___distillation.tflite"]
    reexport(out / "out" / "variants" / "float_teacher.tflite", out / "tiny.toml", out / "teacher_int8",
             out / "cache", arch_name="teacher")
    teacher = load_bundle(out / "teacher_int8")
    assert teacher.manifest.model.input_dtype == "int8" and teacher.manifest.model.tflm_arena_bytes > 0
    engine = Engine(teacher)
    engine.feed(np.zeros(16000, np.int16))
    assert len(engine.score_history) > 0
    # the structured-pruned variant is narrower than the config's student: re-export finds its widths
    reexport(out / "out" / "variants" / "int8_PTQ__channels_pruned.tflite", out / "tiny.toml", out / "pruned",
             out / "cache", keep_model=True)
    pruned = load_bundle(out / "pruned")
    rows = {r["variant"]: r for r in json.loads((out / "out" / "ablation.json").read_text())}
    assert pruned.manifest.model.macs_per_inference == rows["int8 PTQ, channels pruned"]["macs_per_call"]
    assert pruned.model_bytes == (out / "out" / "variants" / "int8_PTQ__channels_pruned.tflite").read_bytes()


def test_shipped_variant_setting_is_checked(tmp_path):
    from training.config import load_config
    from wakeword.errors import ConfigError

    config = tmp_path / "c.toml"
    config.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n[export]\nship = "fp16"\n')
    with pytest.raises(ConfigError, match=r"export\.ship.*'fp16'.*'ptq', 'qat'"):
        load_config(config)
    config.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n[export]\nship = "qat"\n')
    assert load_config(config).export.ship == "qat"
    # the pruned variant ships only when it is built
    config.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n[export]\nship = "pruned"\n[prune]\nenabled = false\n')
    with pytest.raises(ConfigError, match=r'ship = "pruned" needs prune\.enabled'):
        load_config(config)


def test_detector_windows_setting_is_checked(tmp_path):
    from wakeword.errors import ConfigError

    config = tmp_path / "c.toml"
    base = '[keyword]\nphrase = "alexa"\nname = "alexa"\n'
    assert load_config_text(config, base).export.windows == (8, 10, 14, 20)  # the default recipe
    for bad in ("[]", "[0, 20]", "[300]"):
        with pytest.raises(ConfigError, match=r"export\.windows"):
            load_config_text(config, base + f"[export]\nwindows = {bad}\n")
    assert load_config_text(config, base + "[export]\nwindows = [8, 20]\n").export.windows == (8, 20)


def test_teacher_count_is_checked(tmp_path):
    from wakeword.errors import ConfigError

    config = tmp_path / "c.toml"
    base = '[keyword]\nphrase = "alexa"\nname = "alexa"\n'
    assert load_config_text(config, base).distill.teachers == 3  # the default recipe
    for bad in ("0", "9"):
        with pytest.raises(ConfigError, match=r"distill\.teachers must be in 1\.\.8, got " + bad):
            load_config_text(config, base + f"[distill]\nteachers = {bad}\n")
    assert load_config_text(config, base + "[distill]\nteachers = 3\n").distill.teachers == 3


def load_config_text(path, text):
    from training.config import load_config

    path.write_text(text)
    return load_config(path)


def test_the_stages_run_one_by_one(tmp_path):
    """Each stage of training.pipeline on its own: what it reads from the run and what it returns."""
    from training.config import load_config
    from training.pipeline import (Run, Trained, data_stage, export_stage, mining_rounds, mining_stage,
                                   more_teachers_stage, teacher_stage)
    from training.train import make_strategy, teacher_logits

    config_path = tmp_path / "tiny.toml"
    config_path.write_text((ROOT / "configs" / "tiny.toml").read_text().replace(
        "[mining]\nenabled = false\n", "[mining]\nenabled = true\npasses = 1\nmin_score = 0\ninclude_synthesized = true\n")
        .replace("teachers = 1", "teachers = 2").replace("[student]\nchannels = 8", "[student]\nchannels = 16"))
    config = load_config(config_path)
    run = Run(config=config, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", verbose=0, seed=3)
    run.out_dir.mkdir()
    assert run.seed_for(2) == 3002  # --seed moves every step's seed
    data_stage(run)
    assert set(np.unique(run.train.y)) == {0, 1} and len(run.val) > 0
    x, y = run.xy
    assert x.shape[0] == len(run.train) == y.shape[0]
    run.strategy = make_strategy("none")
    teacher = teacher_stage(run)
    rounds, recordings = mining_rounds(run)
    assert rounds == 1 and recordings["train"]
    before = len(run.train)
    stats = mining_stage(run, teacher, recordings, 0)
    assert len(run.train) > before and stats
    assert run.xy[0].shape[0] == len(run.train)  # the features follow the enlarged set
    soft = more_teachers_stage(run, teacher)
    assert soft.shape == teacher_logits(teacher, run.xy[0]).shape and np.all(np.isfinite(soft))
    # the teacher stands in for every student (the same architecture here): export needs only trained models
    exported = export_stage(run, Trained(teacher=teacher, student_plain=teacher, student=teacher, qat=teacher,
                                         mining_stats={}, rounds=1, concurrent_seconds={}))
    assert len(list((run.out_dir / "variants").glob("*.tflite"))) == 5
    assert exported.shipped_name == "int8 PTQ (no QAT)" and 0 < exported.arena_measured <= exported.arena
    assert set(run.timer.times) >= {"data", "teacher", "hard negatives", "more teachers", "export"}
    # the default recipe (no ablation) trains and exports only what ships and the cascade's verifier
    run.config, run.out_dir = dataclasses.replace(config, preset="", ablation=False), tmp_path / "lean"
    run.out_dir.mkdir()
    lean = export_stage(run, Trained(teacher=teacher, student_plain=None, student=teacher, qat=None,
                                     mining_stats={}, rounds=1, concurrent_seconds={}))
    assert list(lean.models) == ["float teacher", "int8 PTQ (no QAT)"]
    assert sorted(p.name for p in (run.out_dir / "variants").glob("*.tflite")) == [
        "float_teacher.tflite", "int8_PTQ__no_QAT.tflite"]
    assert lean.shipped[1] == exported.shipped[1]  # the same shipped model, calibrated on the same windows
