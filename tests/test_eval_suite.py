"""The evaluation suite: mixing, conditions, shards, and the CLI end to end on a tiny folder."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from evaluation.cli import main
from evaluation.conditions import Ambience, Condition, build_conditions, render_negative, render_positive
from evaluation.mixing import (NoiseMixer, Reverberator, load_rir, mix_int16_at_snr, reverberate, speech_bounds,
                               speech_frames)
from evaluation.sources import AudioInfo, Piece, negative_shards, read_blocks
from wakeword.audio import load_audio
from wakeword.errors import ConfigError

SR = 16000


def tone_bursts(seconds: float = 3.0, *, seed: int = 0) -> np.ndarray:
    """'Speech': 300 ms tone bursts at varying levels with silence (low noise) between them."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    x = rng.normal(0, 3, n)
    t = np.arange(int(0.3 * SR)) / SR
    for k, start in enumerate(range(int(0.5 * SR), n - len(t), int(0.6 * SR))):
        x[start:start + len(t)] += (3000 + 1500 * (k % 3)) * np.sin(2 * np.pi * (220 + 40 * k) * t)
    return np.rint(x).astype(np.int16)


def measured_snr_db(speech: np.ndarray, mixed: np.ndarray, *, scale: float = 1.0) -> float:
    """SNR of a mix by the project's definition (training.augment: powers over the active samples)."""
    from training.augment import active_mask

    clean = speech.astype(np.float32) / 32768
    added = mixed.astype(np.float64) / 32768 / scale - clean
    mask = active_mask(clean)
    return 10 * np.log10(np.mean(clean[mask].astype(np.float64) ** 2) / np.mean(added[mask] ** 2))


@pytest.mark.parametrize("snr_db", [20, 10, 5, 0, -5])
def test_mix_at_snr_is_exact_within_half_a_db(snr_db):
    speech = tone_bursts()
    noise = np.rint(np.random.default_rng(7).normal(0, 1000, 5 * SR)).astype(np.int16)
    mixed = mix_int16_at_snr(speech, noise, snr_db=snr_db, rng=np.random.default_rng(0))
    assert mixed.dtype == np.int16 and len(mixed) == len(speech)
    assert abs(measured_snr_db(speech, mixed) - snr_db) < 0.5
    # same generator seed -> same noise placement
    again = mix_int16_at_snr(speech, noise, snr_db=snr_db, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(mixed, again)
    other = mix_int16_at_snr(speech, noise, snr_db=snr_db, rng=np.random.default_rng(1))
    assert not np.array_equal(mixed, other)


def test_mix_keeps_the_snr_when_it_must_scale_down_to_avoid_clipping():
    speech = (tone_bursts() * 8).astype(np.int16)
    noise = np.rint(np.random.default_rng(7).normal(0, 8000, 2 * SR)).astype(np.int16)
    mixed = mix_int16_at_snr(speech, noise, snr_db=-5, rng=np.random.default_rng(0))
    assert np.abs(mixed.astype(int)).max() <= 32767
    loud = np.abs(speech) > 1000
    scale = np.median(mixed[loud].astype(float) / speech[loud])  # the noise is small next to these samples
    assert scale < 1
    assert abs(measured_snr_db(speech, mixed, scale=scale) + 5) < 0.5


def test_silent_blocks_keep_the_noise_level_of_the_stream():
    noise = np.rint(np.random.default_rng(7).normal(0, 1000, 5 * SR)).astype(np.int16)
    mixer = NoiseMixer(snr_db=10, rng=np.random.default_rng(0))
    silence = np.zeros(SR, np.int16)
    np.testing.assert_array_equal(mixer.mix(silence, noise), silence)  # nothing defines a level yet
    speech = tone_bursts()
    first = mixer.mix(speech, noise)
    quiet = mixer.mix(silence, noise)
    assert np.std(quiet) == pytest.approx(np.std(first.astype(float) - speech), rel=0.1)


def peak_energy_db(x: np.ndarray) -> float:
    """Energy of the loudest 512-sample window, in dB (Picovoice's wake-word benchmark)."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x) // 512
    return 10 * np.log10(max(float(np.sum(x[i * 512:(i + 1) * 512] ** 2)) for i in range(n)))


@pytest.mark.parametrize("snr_db", [10, 0])
def test_peak_reference_sets_loudest_windows_apart_by_the_snr(snr_db):
    speech = tone_bursts()
    noise = np.rint(np.random.default_rng(7).normal(0, 1000, 5 * SR)).astype(np.int16)
    mixed = mix_int16_at_snr(speech, noise, snr_db=snr_db, rng=np.random.default_rng(0), reference="peak")
    added = mixed.astype(np.float64) - speech
    assert peak_energy_db(speech) - peak_energy_db(added) == pytest.approx(snr_db, abs=0.2)
    # steady noise: the loudest window of speech is above its active mean, so the noise is louder than
    # with the active-speech reference at the same figure
    active = mix_int16_at_snr(speech, noise, snr_db=snr_db, rng=np.random.default_rng(0))
    assert np.std(added) > 1.2 * np.std(active.astype(np.float64) - speech)


def test_peak_reference_follows_the_loudest_burst_of_a_bursty_noise():
    speech = tone_bursts()
    clicks = np.zeros(5 * SR, np.int16)
    for start in range(0, 5 * SR, SR // 2):   # a 4 ms knock every 0.5 s: the loudest window holds one
        clicks[start:start + 64] = 1000
    mixed = mix_int16_at_snr(speech, clicks, snr_db=10, rng=np.random.default_rng(0), reference="peak")
    added = mixed.astype(np.float64) - speech
    assert peak_energy_db(speech) - peak_energy_db(added) == pytest.approx(10, abs=0.2)
    with pytest.raises(ConfigError, match="SNR reference"):
        NoiseMixer(snr_db=10, rng=np.random.default_rng(0), reference="whole")
    from evaluation.suite import run_suite

    with pytest.raises(ConfigError, match="SNR reference 'whole'"):   # refused before any model or file is read
        run_suite(models=["alexa"], positives=["missing"], negatives=["missing"], snr_reference="whole")


def test_clip_reference_measures_the_recorded_clip_not_the_padding():
    speech = tone_bursts()
    noise = np.rint(np.random.default_rng(7).normal(0, 1000, 8 * SR)).astype(np.int16)
    pad = np.zeros(SR, np.int16)
    padded = np.concatenate([pad, speech, pad])
    mixer = NoiseMixer(snr_db=10, rng=np.random.default_rng(0), reference="clip")
    mixed = mixer.mix(padded, noise, span=(SR, SR + len(speech)))
    added = (mixed.astype(np.float64) - padded)[SR:SR + len(speech)]
    whole = 10 * np.log10(np.mean(speech.astype(np.float64) ** 2) / np.mean(added ** 2))
    assert whole == pytest.approx(10, abs=0.2)
    # the tone bursts fill about half the clip: the active-speech SNR of the same mix is higher
    assert measured_snr_db(speech, mixed[SR:SR + len(speech)]) > 12


def test_peak_reference_keeps_the_stream_level_over_silent_blocks():
    noise = np.rint(np.random.default_rng(7).normal(0, 1000, 5 * SR)).astype(np.int16)
    mixer = NoiseMixer(snr_db=10, rng=np.random.default_rng(0), reference="peak")
    silence = np.zeros(SR, np.int16)
    np.testing.assert_array_equal(mixer.mix(silence, noise), silence)
    speech = tone_bursts()
    first = mixer.mix(speech, noise)
    quiet = mixer.mix((silence + 3).astype(np.int16), noise)   # far below -60 dBFS: silent
    assert np.std(quiet) == pytest.approx(np.std(first.astype(float) - speech), rel=0.1)


def test_energy_gate_finds_speech_between_silences():
    speech = tone_bursts(2.0)
    clip = np.concatenate([np.zeros(SR // 2, np.int16), speech, np.zeros(SR // 2, np.int16)])
    start, end = speech_bounds(clip)
    # first burst starts 0.5 s into `speech`; the last ends 0.3 s after its start
    assert abs(start - (SR // 2 + SR // 2)) <= 160
    last_start = max(range(int(0.5 * SR), len(speech) - int(0.3 * SR), int(0.6 * SR)))
    assert abs(end - (SR // 2 + last_start + int(0.3 * SR))) <= 160
    assert speech_bounds(np.zeros(SR, np.int16)) is None
    assert not speech_frames(np.full(SR, 3, np.int16)).any()  # below -70 dBFS
    # a loud background (20 dB below the speech) is not speech
    noisy = clip + np.rint(np.random.default_rng(1).normal(0, 300, len(clip))).astype(np.int16)
    assert abs(speech_bounds(noisy)[1] - end) <= 320


def test_blockwise_reverberation_equals_whole_signal():
    rng = np.random.default_rng(0)
    raw = np.concatenate([np.zeros(50), rng.normal(0, 1, 30_000) * np.exp(-np.arange(30_000) / 5000)])
    rir = load_rir(raw)
    assert len(rir) == len(raw) - np.argmax(np.abs(raw))  # full length kept (longer than 1 s)
    assert np.isclose(np.sum(rir ** 2), 1.0) and np.argmax(np.abs(rir)) == 0
    x = rng.normal(0, 1000, 10_000)
    reverb = Reverberator(rir)
    blocks = np.concatenate([reverb.process(x[i:i + 1234]) for i in range(0, len(x), 1234)])
    np.testing.assert_allclose(blocks, reverberate(x, rir), atol=1e-6)


def test_negative_shards_split_files_and_stop_at_the_cap():
    infos = [AudioInfo("a.wav", 10 * SR, SR), AudioInfo("b.flac", 25 * 44100, 44100), AudioInfo("c.wav", 5 * SR, SR)]
    shards = negative_shards(infos, shard_seconds=12)
    assert [round(sum(p.seconds for p in s), 3) for s in shards] == [12, 12, 12, 4]
    assert sum(p.seconds for s in shards for p in s) == pytest.approx(40)
    capped = negative_shards(infos, shard_seconds=12, max_seconds=15.5)
    assert sum(p.seconds for s in capped for p in s) == pytest.approx(15.5)
    assert capped[-1][-1] == Piece("b.flac", 2 * 44100, int(5.5 * 44100), 44100)


def test_read_blocks_resamples_a_piece_in_bounded_blocks(tmp_path):
    t = np.arange(3 * 44100) / 44100
    sf.write(tmp_path / "x.wav", (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 44100)
    blocks = list(read_blocks(Piece(str(tmp_path / "x.wav"), 44100, 3 * 44100, 44100), block_seconds=0.5))
    assert all(len(b) <= 0.5 * SR + 300 for b in blocks) and len(blocks) >= 4
    assert abs(sum(len(b) for b in blocks) - 2 * SR) <= 2


def test_conditions_are_reproducible_and_named():
    names = [c.name for c in build_conditions(noise_names=["kitchen"], snrs_db=[10, -5], reverb=True)]
    assert names == ["clean", "kitchen@10dB", "kitchen@-5dB", "reverb", "reverb+kitchen@10dB", "reverb+kitchen@-5dB"]
    rng = np.random.default_rng(0)
    ambience = Ambience({"hum": np.rint(rng.normal(0, 500, SR)).astype(np.int16)},
                        [load_rir(rng.normal(0, 1, 800) * np.exp(-np.arange(800) / 100))])
    clip = tone_bursts(1.5)
    condition = Condition("reverb+hum@5dB", noise="hum", snr_db=5.0, reverb=True)
    a = render_positive(clip, condition=condition, ambience=ambience, rng=np.random.default_rng(3))
    b = render_positive(clip, condition=condition, ambience=ambience, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.samples, b.samples)
    assert len(a.samples) == len(clip) + 2 * SR
    assert a.speech_start >= SR and a.speech_end <= SR + len(clip)
    clean = render_positive(clip, condition=Condition("clean"), ambience=ambience, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(clean.samples[SR:SR + len(clip)], clip)
    assert np.all(clean.samples[:SR] == 0)


def test_negative_rendering_is_streamed_and_reproducible(tmp_path):
    x = tone_bursts(70.0)
    sf.write(tmp_path / "long.wav", x, SR, subtype="PCM_16")
    pieces = [Piece(str(tmp_path / "long.wav"), 0, len(x), SR)]
    ambience = Ambience({"hum": np.rint(np.random.default_rng(0).normal(0, 500, SR)).astype(np.int16)}, [])
    condition = Condition("hum@0dB", noise="hum", snr_db=0.0)
    a = list(render_negative(pieces, condition=condition, ambience=ambience, rng=np.random.default_rng(1)))
    b = list(render_negative(pieces, condition=condition, ambience=ambience, rng=np.random.default_rng(1)))
    assert [len(block) for block in a] == [30 * SR, 30 * SR, 10 * SR]
    for block_a, block_b in zip(a, b):
        np.testing.assert_array_equal(block_a, block_b)


# ----------------------------------------------------------------------------- CLI end to end

def spoken_alexa(tmp_path) -> np.ndarray:
    """A real "alexa" from ../shared/data, else espeak-ng's, else a stand-in tone clip."""
    import os
    import shutil
    import subprocess
    from pathlib import Path

    data = Path(os.environ.get("WAKEWORD_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    clips = sorted((data / "eval" / "positives" / "alexa").glob("*")) if data.is_dir() else []
    if clips:
        return load_audio(clips[0])
    if shutil.which("espeak-ng"):
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(tmp_path / "alexa.wav"), "alexa"], check=True)
        return load_audio(tmp_path / "alexa.wav")
    return tone_bursts(2.0, seed=9)


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    rng = np.random.default_rng(0)
    (root / "pos" / "alexa").mkdir(parents=True)
    sf.write(root / "pos" / "alexa" / "spoken.wav", spoken_alexa(root), SR, subtype="PCM_16")
    sf.write(root / "pos" / "alexa" / "tones.wav", tone_bursts(1.5), SR, subtype="PCM_16")
    (root / "neg").mkdir()
    for i in range(2):
        sf.write(root / "neg" / f"n{i}.wav", tone_bursts(20.0, seed=i + 1), SR, subtype="PCM_16")
    (root / "noise").mkdir()
    sf.write(root / "noise" / "hum.wav", np.rint(rng.normal(0, 800, 3 * SR)).astype(np.int16), SR, subtype="PCM_16")
    rir = rng.normal(0, 1, 2400) * np.exp(-np.arange(2400) / 400)
    sf.write(root / "room.wav", (0.5 * rir / np.abs(rir).max()).astype(np.float32), SR)
    return root


def run_cli(root, out, *extra):
    return main(["--peer", "microwakeword:alexa", "--positives", str(root / "pos" / "alexa"),
                 "--negatives", str(root / "neg"), "--noise", str(root / "noise" / "hum"),
                 "--rir", str(root / "room.wav"), "--snr", "10", "0", "--out", str(out), "--quiet", *extra])


def test_cli_end_to_end_writes_results_report_and_figures(tiny_folder, tmp_path, capsys):
    assert run_cli(tiny_folder, tmp_path / "out", "--workers", "1") == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    model = results["models"]["microwakeword-alexa"]
    names = ["clean", "hum@10dB", "hum@0dB", "reverb", "reverb+hum@10dB", "reverb+hum@0dB"]
    assert list(model["conditions"]) == names
    assert model["threshold"] == 231 and model["keywords"] == ["alexa"]
    for name in names:
        r = model["conditions"][name]
        for key in ("frr_at_threshold", "fa_per_hour_at_threshold", "frr_at_fa_per_hour", "hours_negative",
                    "positives", "latency_ms", "det"):
            assert key in r, (name, key)
        assert set(r["frr_at_fa_per_hour"]) == {"0.1", "0.5", "1", "2"}
        assert r["positives"] == 2
        assert r["hours_negative"] == pytest.approx(40 / 3600)
        assert 0 <= r["frr_at_threshold"] <= 1 and r["fa_per_hour_at_threshold"] >= 0
        assert set(r["latency_ms"]) >= {"count", "median", "p90"}
        assert len(r["det"]["thresholds"]) == 255
    for png in [f"det_{n.replace('+', '_').replace('@', '_')}.png" for n in names] + \
            ["scores_microwakeword-alexa.png", "frr_vs_snr_hum.png"]:
        assert (tmp_path / "out" / png).stat().st_size > 5000, png
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| clean |" in report and "det_clean.png" in report
    assert "microwakeword-alexa" in capsys.readouterr().out


def test_pooled_noise_conditions_add_up_their_members(tiny_folder, tmp_path):
    import shutil

    noise = tmp_path / "noise"
    noise.mkdir()
    shutil.copy(tiny_folder / "noise" / "hum.wav", noise / "hum.wav")
    rng = np.random.default_rng(3)
    sf.write(noise / "clicks.wav", np.where(rng.random(3 * SR) < 0.01, 12000, 0).astype(np.int16), SR,
             subtype="PCM_16")
    out = tmp_path / "out"
    assert main(["--peer", "microwakeword:alexa", "--positives", str(tiny_folder / "pos" / "alexa"),
                 "--negatives", str(tiny_folder / "neg"), "--noise", str(noise / "hum.wav"), str(noise / "clicks.wav"),
                 "--snr", "10", "0", "--out", str(out), "--quiet"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert [p["name"] for p in results["pooled_conditions"]] == ["all noise@10dB", "all noise@0dB"]
    model = results["models"]["microwakeword-alexa"]
    for pooled in results["pooled_conditions"]:
        r = model["pooled"][pooled["name"]]
        members = [model["conditions"][m] for m in pooled["members"]]
        assert pooled["members"] == [f"hum@{pooled['snr_db']:g}dB", f"clicks@{pooled['snr_db']:g}dB"]
        assert r["positives"] == sum(m["positives"] for m in members) == 4
        assert r["hours_negative"] == pytest.approx(sum(m["hours_negative"] for m in members))
        for key in ("false_accepts", "false_rejects"):
            assert r["det"][key] == [sum(v) for v in zip(*(m["det"][key] for m in members))]
        # as many trials in each member: the pooled FRR at one threshold is the members' mean
        assert r["frr_at_threshold"] == pytest.approx(np.mean([m["frr_at_threshold"] for m in members]))
    report = (out / "report.md").read_text()
    assert "| all noise@10dB |" in report
    assert (out / "det_all_noise_10dB.png").stat().st_size > 5000


def test_cli_peak_snr_reference_is_recorded_and_changes_the_noisy_audio(tiny_folder, tmp_path):
    assert run_cli(tiny_folder, tmp_path / "peak", "--snr-reference", "peak") == 0
    assert run_cli(tiny_folder, tmp_path / "speech") == 0
    peak = json.loads((tmp_path / "peak" / "results.json").read_text())
    speech = json.loads((tmp_path / "speech" / "results.json").read_text())
    assert peak["settings"]["snr_reference"] == "peak" and speech["settings"]["snr_reference"] == "speech"
    assert "Picovoice wake-word benchmark convention" in (tmp_path / "peak" / "report.md").read_text()
    a, b = (r["models"]["microwakeword-alexa"]["conditions"] for r in (peak, speech))
    assert a["clean"]["det"] == b["clean"]["det"]   # no noise: same audio
    # steady hum, louder under the peak reference: the scores of the noisy negatives differ
    assert a["hum@0dB"]["histograms"] != b["hum@0dB"]["histograms"]


def test_a_noise_named_like_the_pooled_conditions_is_refused(tiny_folder, tmp_path, capsys):
    import shutil

    shutil.copy(tiny_folder / "noise" / "hum.wav", tmp_path / "all noise.wav")
    assert main(["--peer", "microwakeword:alexa", "--positives", str(tiny_folder / "pos" / "alexa"),
                 "--negatives", str(tiny_folder / "neg"), "--noise", str(tmp_path / "all noise.wav"),
                 "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "names the pooled conditions" in capsys.readouterr().err


def test_cli_results_do_not_depend_on_the_number_of_workers(tiny_folder, tmp_path):
    def run(out, workers):
        return main(["--peer", "microwakeword:alexa", "--positives", str(tiny_folder / "pos" / "alexa"),
                     "--negatives", str(tiny_folder / "neg"), "--noise", str(tiny_folder / "noise" / "hum.wav"),
                     "--snr", "0", "--out", str(out), "--quiet", "--seed", "5", "--workers", workers])

    assert run(tmp_path / "one", "1") == 0
    assert run(tmp_path / "two", "2") == 0
    one = json.loads((tmp_path / "one" / "results.json").read_text())["models"]
    two = json.loads((tmp_path / "two" / "results.json").read_text())["models"]
    for name, r in one["microwakeword-alexa"]["conditions"].items():
        assert r["det"] == two["microwakeword-alexa"]["conditions"][name]["det"]
        assert r["histograms"] == two["microwakeword-alexa"]["conditions"][name]["histograms"]


@pytest.mark.parametrize("problem,match", [
    ("missing", "positives .*missing.*no such file or folder"),
    ("empty", "negatives .*: no audio files"),
    ("corrupt", "bad.wav: not readable audio"),
    ("peer", "peer 'nosuch:x'"),
])
def test_cli_bad_inputs_exit_2_with_one_line(tiny_folder, tmp_path, capsys, problem, match):
    import re

    positives, negatives, model = tiny_folder / "pos" / "alexa", tiny_folder / "neg", ["--peer", "microwakeword:alexa"]
    if problem == "missing":
        positives = tmp_path / "missing"
    elif problem == "empty":
        negatives = tmp_path / "empty"
        negatives.mkdir()
    elif problem == "corrupt":
        negatives = tmp_path / "corrupt"
        negatives.mkdir()
        (negatives / "bad.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 20)
    else:
        model = ["--peer", "nosuch:x"]
    code = main([*model, "--positives", str(positives), "--negatives", str(negatives),
                 "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert re.search(match, err), err
    assert not (tmp_path / "out").exists()


def test_cli_without_a_model_exits_2(tiny_folder, capsys):
    assert main(["--positives", str(tiny_folder / "pos" / "alexa"), "--negatives", str(tiny_folder / "neg")]) == 2
    assert "no model" in capsys.readouterr().err


def test_clip_halves_are_fixed_disjoint_and_about_even():
    from evaluation.sources import clip_half, select_half

    names = [f"/data/eval/positives/alexa/{i}.flac" for i in range(400)]
    dev, test = select_half(names, "dev"), select_half(names, "test")
    assert sorted(dev + test) == sorted(names) and not set(dev) & set(test)
    assert 0.4 < len(dev) / len(names) < 0.6
    # the half is a property of the clip's folder and name, not of where the folder lies
    assert [clip_half(n.replace("/data/eval", "/mnt/copy")) for n in names] == [clip_half(n) for n in names]
    # the folder is part of it: the same file names split differently in another keyword's folder
    other = [clip_half(n.replace("/alexa/", "/jarvis/")) for n in names]
    assert other != [clip_half(n) for n in names]
    assert select_half(names, "all") == names
    with pytest.raises(Exception, match="half 'train' is not one of"):
        select_half(names, "train")


def test_cli_half_scores_one_half_of_the_positives_and_records_it(tiny_folder, tmp_path):
    import shutil

    from evaluation.sources import clip_half

    pos = tmp_path / "alexa"
    pos.mkdir()
    for i in range(8):
        shutil.copy(tiny_folder / "pos" / "alexa" / "spoken.wav", pos / f"{i}.wav")
    expected = {half: sum(clip_half(pos / f"{i}.wav") == half for i in range(8)) for half in ("dev", "test")}
    assert expected["dev"] and expected["test"]
    counts = {}
    for half in ("dev", "test"):
        out = tmp_path / half
        assert main(["--peer", "microwakeword:alexa", "--positives", str(pos), "--negatives", str(tiny_folder / "neg"),
                     "--half", half, "--out", str(out), "--quiet"]) == 0
        results = json.loads((out / "results.json").read_text())
        assert results["settings"]["positives_half"] == half
        assert results["inputs"]["positives"][0]["half"] == half
        counts[half] = results["inputs"]["positive_clips"]
        assert results["models"]["microwakeword-alexa"]["conditions"]["clean"]["positives"] == counts[half]
        assert f"the {half} half of each folder" in (out / "report.md").read_text()
    assert counts == expected


def test_cli_window_replaces_every_detector_window_and_latency_is_given_at_the_targets(tiny_folder, tmp_path):
    assert run_cli(tiny_folder, tmp_path / "w3", "--window", "3") == 0
    assert run_cli(tiny_folder, tmp_path / "own") == 0
    short = json.loads((tmp_path / "w3" / "results.json").read_text())
    own = json.loads((tmp_path / "own" / "results.json").read_text())
    assert short["settings"]["detector_window"] == 3 and own["settings"]["detector_window"] is None
    assert short["models"]["microwakeword-alexa"]["window"] == 3 != own["models"]["microwakeword-alexa"]["window"]
    assert "detector window replaced by 3" in (tmp_path / "w3" / "report.md").read_text()
    for results in (short, own):
        r = results["models"]["microwakeword-alexa"]["conditions"]["clean"]
        assert set(r["latency_ms_at_fa_per_hour"]) == set(r["frr_at_fa_per_hour"])
        for target, frr in r["frr_at_fa_per_hour"].items():
            latency = r["latency_ms_at_fa_per_hour"][target]
            # one latency per detected clip at that target's threshold
            assert latency["count"] == round((1 - frr) * r["positives"]) if frr is not None else latency["count"] == 0
    # the same scores, averaged over fewer calls: the detections come sooner
    a = short["models"]["microwakeword-alexa"]["conditions"]["clean"]["latency_ms"]
    b = own["models"]["microwakeword-alexa"]["conditions"]["clean"]["latency_ms"]
    if a["count"] and b["count"]:
        assert a["median"] <= b["median"]
    assert main(["--peer", "microwakeword:alexa", "--positives", str(tiny_folder / "pos" / "alexa"),
                 "--negatives", str(tiny_folder / "neg"), "--window", "0", "--out", str(tmp_path / "bad"),
                 "--quiet"]) == 2


def test_results_page_pools_the_runs_of_each_model(tiny_folder, tmp_path):
    from evaluation.results_page import main as page_main

    for seed in ("0", "1"):
        assert run_cli(tiny_folder, tmp_path / f"run{seed}", "--seed", seed) == 0
    files = [tmp_path / f"run{seed}" / "results.json" for seed in ("0", "1")]
    assert page_main([str(tmp_path / "page.md"), *map(str, files), "--title", "Two runs", "--note", "a note"]) == 0
    page = (tmp_path / "page.md").read_text()
    runs = [json.loads(f.read_text())["models"]["microwakeword-alexa"] for f in files]
    noise = [r["conditions"]["hum@10dB"]["frr_at_fa_per_hour"]["0.5"] for r in runs]  # the one noise type
    row = next(line for line in page.splitlines() if line.startswith("| microwakeword-alexa |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "2" and cells[2] == "2"
    assert cells[4].startswith(f"{100 * np.mean(noise):.1f}%")
    assert page.startswith("# Two runs") and "- a note" in page and str(files[1]) in page
    assert page_main([str(tmp_path / "bad.md"), str(tmp_path / "missing.json")]) == 2


def test_results_page_sets_each_manifest_promise_beside_its_measurement(tiny_folder, tmp_path):
    from evaluation.results_page import main as page_main
    from wakeword.bundle import open_bundle

    manifest = open_bundle("alexa").manifest
    point = manifest.metrics["operating_point"]
    assert run_cli(tiny_folder, tmp_path / "run", "--bundle", "alexa", "--workers", "1") == 0
    model = json.loads((tmp_path / "run" / "results.json").read_text())["models"]["alexa"]
    assert model["promised"] == point  # the suite records the trainer's promise at this threshold
    # another detector window is another operating point: no promise to compare with
    assert run_cli(tiny_folder, tmp_path / "other", "--bundle", "alexa", "--workers", "1", "--window", "8") == 0
    other = json.loads((tmp_path / "other" / "results.json").read_text())["models"]["alexa"]
    assert other["promised"] is None and other["window"] == 8
    files = [str(tmp_path / "run" / "results.json"), str(tmp_path / "other" / "results.json")]
    assert page_main([str(tmp_path / "page.md"), *files]) == 0
    page = (tmp_path / "page.md").read_text()
    rows = [line for line in page.split("## What each manifest promised")[1].splitlines()
            if line.startswith("| alexa |")]
    assert len(rows) == 1  # the --window run is left out; the peer has no promise
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[1] == f"{point['threshold']}, {point['window']}"
    assert cells[2] == f"{100 * point['frr']:.1f}%"
    assert cells[3] == f"{100 * model['conditions']['clean']['frr_at_threshold']:.1f}%"
    assert cells[6] == f"{point['fa_per_hour_in_noise']:.2f}"


def test_model_card_states_the_manifest_and_the_measured_figures(tiny_folder, tmp_path, capsys):
    from evaluation.model_card import main as card_main
    from wakeword.bundle import open_bundle

    bundle = open_bundle("alexa")
    point = bundle.manifest.metrics["operating_point"]
    assert run_cli(tiny_folder, tmp_path / "run", "--bundle", "alexa", "--workers", "1") == 0
    results = tmp_path / "run" / "results.json"
    out = tmp_path / "card.md"
    assert card_main(["--bundle", "alexa", "--results", str(results), "--out", str(out)]) == 0
    card = out.read_text()
    assert card.startswith(f"# Model card: alexa {bundle.manifest.version}")
    assert bundle.manifest.model.sha256 in card
    assert f"threshold {bundle.manifest.detector.threshold}/256 on the mean of {bundle.manifest.detector.window}" in card
    assert f"| {100 * point['frr']:.1f}% ({point['positives']} clips" in card       # the promise
    measured = json.loads(results.read_text())["models"]["alexa"]["conditions"]["clean"]
    row = next(line for line in card.splitlines() if "| clean |" in line)
    assert f"| {100 * measured['frr_at_threshold']:.1f}% |" in row                # the measurement
    assert "## Ablation" in card and "| int8 PTQ (no QAT) |" in card
    # a run that did not measure this bundle is refused, by name
    assert run_cli(tiny_folder, tmp_path / "peer_only") == 0
    assert card_main(["--bundle", "alexa", "--results", str(tmp_path / "peer_only" / "results.json"),
                      "--out", str(tmp_path / "bad.md")]) == 2
    assert "no run measured alexa" in capsys.readouterr().err and not (tmp_path / "bad.md").exists()
