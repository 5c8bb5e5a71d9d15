"""Speech synthesis with the installed engines (real subprocess calls, no mocks)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from training import synth
from training.synth import SynthesisJob, Voice, list_voices, run_jobs, synthesize, synthesize_cached
from wakeword.errors import AudioError, ConfigError


def _engine_or_skip(engine: str) -> None:
    if engine not in synth.available_engines():
        pytest.skip(f"{engine} is not installed")


def _first_voice(engine: str) -> Voice:
    _engine_or_skip(engine)
    return list_voices(engines=(engine,), max_variants_per_accent=0)[0]


@pytest.mark.parametrize("engine", synth.ENGINES)
def test_each_engine_speaks_16k_int16(engine):
    voice = _first_voice(engine)
    audio = synthesize("hey computer", voice=voice)
    assert audio.dtype == np.int16 and audio.ndim == 1
    seconds = len(audio) / synth.SAMPLE_RATE_HZ
    assert 0.4 < seconds < 3.0, f"{voice.voice_id}: {seconds:.2f} s for two words"
    level_dbfs = 20 * np.log10(np.sqrt(np.mean((audio / 32768.0) ** 2)))
    assert level_dbfs > -35, f"{voice.voice_id} is nearly silent ({level_dbfs:.1f} dBFS)"
    # trimmed: the first and last 40 ms are margin, below -50 dBFS
    margin = int(0.04 * synth.SAMPLE_RATE_HZ)
    for edge in (audio[:margin], audio[-margin:]):
        assert np.sqrt(np.mean((edge / 32768.0) ** 2)) < 10 ** (-50 / 20)


def test_voice_count_matches_the_engines_listings():
    voices = list_voices()
    counts = synth.voice_counts(voices)
    assert len({v.voice_id for v in voices}) == len(voices)
    if "espeak-ng" in synth.available_engines():
        accents, variants = synth.espeak_english_voices(), synth.espeak_variants()
        assert counts["espeak-ng"] == len(accents) * (1 + len(variants))
        assert {"en-us", "en-gb"} <= set(accents) and len(variants) >= 50
        assert counts["espeak-ng"] >= 400
        limited = list_voices(engines=("espeak-ng",), max_variants_per_accent=2)
        assert len(limited) == len(accents) * 3
    if "flite" in synth.available_engines():
        assert counts["flite"] == len(synth.flite_voices()) >= 4 and "awb_time" not in synth.flite_voices()
    if "festival" in synth.available_engines():
        assert counts["festival"] == len(synth.festival_voices()) >= 1
    print("voices per engine:", counts, "total", len(voices))


def test_rate_and_pitch_change_the_speech():
    voice = _first_voice("espeak-ng")
    slow = synthesize("hey computer, what time is it", voice=voice, rate_wpm=110)
    fast = synthesize("hey computer, what time is it", voice=voice, rate_wpm=260)
    assert len(slow) > 1.6 * len(fast)
    low = synthesize("hey computer", voice=voice, pitch=10)
    high = synthesize("hey computer", voice=voice, pitch=90)
    assert not np.array_equal(low, high)


@pytest.mark.parametrize("engine", ["flite", "festival"])
def test_rate_works_on_other_engines(engine):
    voice = _first_voice(engine)
    slow = synthesize("what time is it", voice=voice, rate_wpm=120)
    fast = synthesize("what time is it", voice=voice, rate_wpm=240)
    assert len(slow) > 1.4 * len(fast)


def test_cache_hit_returns_identical_audio_without_the_engine(tmp_path, monkeypatch):
    voice = _first_voice("espeak-ng")
    first = synthesize_cached("hello there", voice=voice, cache_dir=tmp_path, rate_wpm=150, pitch=40)
    files = list(tmp_path.rglob("*.npy"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    monkeypatch.setenv("PATH", str(tmp_path))  # no engine can run now
    with pytest.raises(ConfigError, match="apt-get install espeak-ng"):
        synthesize("hello there", voice=voice)
    again = synthesize_cached("hello there", voice=voice, cache_dir=tmp_path, rate_wpm=150, pitch=40)
    assert again.dtype == np.int16 and np.array_equal(first, again)
    assert files[0].stat().st_mtime_ns == stamp and len(list(tmp_path.rglob("*.npy"))) == 1


def test_cache_key_covers_text_voice_and_parameters():
    voice = _first_voice("espeak-ng")
    key = synth.cache_key("hello", voice=voice)
    assert key == synth.cache_key("  hello ", voice=voice)
    assert len({key, synth.cache_key("hello!", voice=voice), synth.cache_key("hello", voice=voice, rate_wpm=150),
                synth.cache_key("hello", voice=voice, pitch=60),
                synth.cache_key("hello", voice=Voice("espeak-ng", voice.name, variant="f2"))}) == 5


def test_run_jobs_keeps_job_order_and_uses_workers(tmp_path):
    voices = [_first_voice("espeak-ng")]
    if "flite" in synth.available_engines():
        voices.append(_first_voice("flite"))
    jobs = [SynthesisJob(text="alpha", voice=voices[-1]), SynthesisJob(text="bravo charlie", voice=voices[0]),
            SynthesisJob(text="alpha", voice=voices[-1]),
            SynthesisJob(text="delta", voice=voices[0], rate_variation=0.2, pitch_variation=-0.3)]
    out = run_jobs(jobs, cache_dir=tmp_path, workers=2, progress=False)
    assert len(out) == 4 and np.array_equal(out[0], out[2])
    assert np.array_equal(out[1], synthesize("bravo charlie", voice=voices[0]))
    rate, pitch = jobs[3].resolved()
    assert (rate, pitch) == (210, 35)
    assert np.array_equal(out[3], synthesize("delta", voice=voices[0], rate_wpm=rate, pitch=pitch))
    assert len(list(tmp_path.rglob("*.npy"))) == 3  # duplicates synthesised once
    assert all(np.array_equal(a, b) for a, b in zip(out, run_jobs(jobs, cache_dir=tmp_path, workers=1,
                                                                  progress=False)))


def test_plan_jobs_is_seeded_and_uses_every_voice():
    voices = [Voice("espeak-ng", "en-us", variant=v) for v in ("f2", "m3", "klatt")]
    a = synth.plan_jobs(["hey computer"], voices=voices, count=6, seed=3)
    b = synth.plan_jobs(["hey computer"], voices=voices, count=6, seed=3)
    assert a == b and a != synth.plan_jobs(["hey computer"], voices=voices, count=6, seed=4)
    assert {j.voice for j in a[:3]} == set(voices)
    assert all(-0.2 <= j.rate_variation <= 0.2 and -0.3 <= j.pitch_variation <= 0.3 for j in a)
    rng = np.random.default_rng(0)
    v = synth.random_voice(voices, rng=rng)
    assert 140 <= v.rate_wpm <= 210 and 35 <= v.pitch <= 65 and v.voice_id.endswith(f"pitch={v.pitch}")


def test_trim_silence_keeps_50_ms_margins():
    audio = np.zeros(16000, np.float32)
    audio[4000:8000] = 0.5 * np.sin(np.arange(4000) / 5.0)
    out = synth.trim_silence(audio)
    assert len(out) == 4000 + 2 * 800
    with pytest.raises(AudioError, match="silent"):
        synth.trim_silence(np.full(1000, 1e-4, np.float32))


@pytest.mark.parametrize("kwargs, message", [
    ({"text": "   "}, "empty"),
    ({"text": "hi", "rate_wpm": 10}, "rate_wpm"),
    ({"text": "hi", "pitch": 120}, "pitch"),
])
def test_bad_requests_are_config_errors(kwargs, message):
    voice = _first_voice("espeak-ng")
    with pytest.raises(ConfigError, match=message):
        synthesize(voice=voice, **kwargs)


def test_bad_voices_are_config_errors():
    with pytest.raises(ConfigError, match="unknown synthesis engine"):
        Voice("sam", "x")
    with pytest.raises(ConfigError, match="variants exist only"):
        Voice("flite", "slt", variant="f2")
    if shutil.which("espeak-ng"):
        with pytest.raises(ConfigError, match="not installed"):
            synthesize("hi", voice=Voice("espeak-ng", "en-us", variant="no-such-variant"))
    if shutil.which("flite"):
        with pytest.raises(ConfigError, match="flite -lv"):
            synthesize("hi", voice=Voice("flite", "nobody"))
    with pytest.raises(ConfigError, match="unknown synthesis engine"):
        list_voices(engines=("espeak",))


def test_piper_pseudo_speakers_are_fixed_settings_and_speak_deterministically():
    _engine_or_skip("piper")
    from training import piper_voice

    names = piper_voice.voice_names()
    assert len(names) == piper_voice.PSEUDO_SPEAKERS and names[0] == "joe00" and names[-1] == "joe63"
    assert piper_voice.voice_settings("joe00") == (0.667, 0.8, 1.0)  # the voice as published
    settings = [piper_voice.voice_settings(n) for n in names]
    assert len(set(settings)) == len(names)
    limit = 2.0 ** (piper_voice.STRETCH_SEMITONES / 12.0)
    for noise_scale, noise_w, ratio in settings[1:]:
        assert piper_voice.NOISE_SCALE_RANGE[0] <= noise_scale <= piper_voice.NOISE_SCALE_RANGE[1]
        assert piper_voice.NOISE_W_RANGE[0] <= noise_w <= piper_voice.NOISE_W_RANGE[1]
        assert 1 / limit <= ratio <= limit
    with pytest.raises(ConfigError, match="does not exist"):
        piper_voice.voice_settings("joe64")
    # a comma stays a pause; the words are espeak-ng's IPA, one id per code point between start and end
    assert piper_voice.phonemes("okay computer, turn on") == piper_voice.phonemes("okay computer") + ", " + \
        piper_voice.phonemes("turn on")
    ids = piper_voice.phoneme_ids("computer")
    assert ids[:2] == [1, 0] and ids[-1] == 2 and len(ids) == 2 * len(piper_voice.phonemes("computer")) + 3
    assert all(pad == 0 for pad in ids[3:-1:2]) and 0 not in ids[2:-1:2]
    voice = Voice("piper", "joe05")
    first = synthesize("computer", voice=voice)
    # the model samples noise; seeded from the request, the same request gives the same audio
    assert np.array_equal(first, synthesize("computer", voice=voice))
    assert not np.array_equal(first, synthesize("computer", voice=Voice("piper", "joe06")))
    assert not np.array_equal(first, synthesize("computer", voice=voice, pitch=60))
    slow = synthesize("computer", voice=voice, rate_wpm=120)
    assert len(slow) > 1.2 * len(first)


def test_kokoro_pseudo_speakers_are_fixed_blends_and_speak_deterministically():
    _engine_or_skip("kokoro")
    from training import kokoro

    names = kokoro.voice_names()
    assert len(names) == kokoro.PSEUDO_SPEAKERS and names[:2] == ("style0", "style1") and names[5] == "mix05"
    for name in names:
        weights, accent = kokoro.voice_blend(name)
        assert weights.shape == (5,) and abs(weights.sum() - 1) < 1e-9 and (weights >= 0).all()
        assert accent in ("en-us", "en-gb")
    assert {kokoro.voice_blend(n)[1] for n in names} == {"en-us", "en-gb"}
    assert not np.allclose(kokoro.voice_blend("mix05")[0], kokoro.voice_blend("mix06")[0])
    with pytest.raises(ConfigError, match="does not exist"):
        kokoro.voice_blend("mix99")
    voice = Voice("kokoro", "mix05")
    first = synthesize("computer", voice=voice)
    assert np.array_equal(first, synthesize("computer", voice=voice))  # no randomness in the model
    assert not np.array_equal(first, synthesize("computer", voice=Voice("kokoro", "mix06")))
    slow = synthesize("computer", voice=voice, rate_wpm=120)
    assert len(slow) > 1.2 * len(first)
