"""Augmentation: levels, spectra, rooms, speaker changes, determinism and speed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import welch

from training import augment as A
from wakeword.config import from_dict
from wakeword.errors import AudioError, ConfigError

SR = 16000


def shared_data() -> Path | None:
    """../shared/data (or $WAKEWORD_SHARED_DATA) when present: real noise, RIRs and speech."""
    path = Path(os.environ.get("WAKEWORD_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    return path if (path / "train").is_dir() else None


def _speechlike(seconds: float = 1.5, *, seed: int = 0) -> np.ndarray:
    """Harmonic bursts (syllables) separated by pauses, with silence around: like a spoken phrase."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f0 = 120 + 30 * np.sin(2 * np.pi * 1.3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = np.zeros_like(t)
    for start in (0.25, 0.5, 0.8, 1.05):
        seg = (t >= start) & (t < start + 0.18)
        envelope[seg] = np.hanning(seg.sum())
    return (0.3 * envelope * voiced + 1e-5 * rng.standard_normal(len(t))).astype(np.float32)


def _power_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(x.astype(np.float64) ** 2))


@pytest.mark.parametrize("snr_db", [-5.0, 0.0, 10.0, 20.0])
@pytest.mark.parametrize("kind", ["white", "pink", "brown"])
def test_mix_at_snr_reaches_the_snr_on_the_active_part(snr_db, kind):
    rng = np.random.default_rng(1)
    speech = _speechlike()
    noise = A.colored_noise(kind, num_samples=5000, rng=rng)  # shorter than speech: looped
    mixed = A.mix_at_snr(speech, noise, snr_db=snr_db, rng=rng)
    assert mixed.shape == speech.shape and mixed.dtype == np.float32
    mask = A.active_mask(speech)
    assert 0.2 < mask.mean() < 0.6  # pauses and silence are not active
    added = mixed - speech
    measured = _power_db(speech[mask]) - _power_db(added[mask])
    assert abs(measured - snr_db) < 0.5
    # over the whole clip (silence included) the SNR would read several dB lower
    assert _power_db(speech) - _power_db(added) < snr_db - 2


def test_mix_at_snr_with_real_recordings():
    data = shared_data()
    if data is None:
        pytest.skip("../shared/data is not available")
    speech = A.load_audio_folder(data / "train" / "speech" / "librispeech-train-clean-100")[0][:SR * 3]
    noise = A.load_audio_folder(data / "train" / "noise" / "babble")[0]
    mixed = A.mix_at_snr(speech, noise, snr_db=5.0, rng=np.random.default_rng(0))
    mask = A.active_mask(speech)
    assert abs(_power_db(speech[mask]) - _power_db((mixed - speech)[mask]) - 5.0) < 0.5


def test_mix_at_snr_rejects_silence_and_bad_audio():
    rng = np.random.default_rng(0)
    with pytest.raises(AudioError, match="speech is silent"):
        A.mix_at_snr(np.zeros(1000, np.float32), np.ones(100, np.float32), snr_db=0, rng=rng)
    with pytest.raises(AudioError, match="noise is silent"):
        A.mix_at_snr(_speechlike(), np.zeros(100, np.float32), snr_db=0, rng=rng)
    with pytest.raises(AudioError, match="NaN"):
        A.mix_at_snr(np.full(100, np.nan, np.float32), np.ones(100, np.float32), snr_db=0, rng=rng)
    with pytest.raises(AudioError, match="mono"):
        A.apply_gain(np.zeros((2, 100), np.float32), gain_db=0)


@pytest.mark.parametrize("kind, slope", [("white", 0.0), ("pink", -1.0), ("brown", -2.0), ("blue", 1.0),
                                         ("violet", 2.0)])
def test_colored_noise_spectral_slopes(kind, slope):
    noise = A.colored_noise(kind, num_samples=SR * 4, rng=np.random.default_rng(0), level_db=-20)
    assert noise.dtype == np.float32 and len(noise) == SR * 4
    assert abs(_power_db(noise) - -20) < 0.01
    freqs, psd = welch(noise, fs=SR, nperseg=2048)
    band = (freqs >= 100) & (freqs <= 6000)
    fitted = np.polyfit(np.log10(freqs[band]), np.log10(psd[band]), 1)[0]
    assert abs(fitted - slope) < 0.15, f"{kind}: slope {fitted:.2f}"


def test_reverb_lengthens_the_tail():
    rng = np.random.default_rng(0)
    speech = _speechlike()
    rir = A.simulate_rir(rng=rng, rt60_s=0.6, drr_db=3.0)
    wet = A.reverberate(speech, rir=rir)
    assert len(wet) == len(speech) + len(rir) - 1
    end = int(1.23 * SR)  # the last syllable ends here; the clip is quiet after it
    dry_tail, wet_tail = _power_db(speech[end + 800:]), _power_db(wet[end + 800:len(speech)])
    assert wet_tail > dry_tail + 20
    assert np.max(np.abs(wet[len(speech):])) > 1e-3  # energy past the clip's end
    # aligned to the direct path: the dry and wet clips correlate best at lag 0
    lags = range(-40, 41)
    xc = [np.dot(speech[100:-100], wet[100 + lag:len(speech) - 100 + lag]) for lag in lags]
    assert list(lags)[int(np.argmax(xc))] == 0


def test_simulated_rir_decays_by_60_db_in_rt60():
    rt60 = 0.5
    rir = A.simulate_rir(rng=np.random.default_rng(2), rt60_s=rt60, drr_db=-10.0, predelay_ms=0.0)
    assert abs(np.sum(rir.astype(np.float64) ** 2) - 1) < 1e-4 and np.argmax(np.abs(rir)) == 0
    schroeder = np.cumsum((rir[1:].astype(np.float64) ** 2)[::-1])[::-1]
    decay_db = 10 * np.log10(schroeder / schroeder[0])
    t20 = np.argmax(decay_db < -25) - np.argmax(decay_db < -5)  # T20 extrapolated to 60 dB
    measured = 3 * t20 / SR
    # the low band (most of the energy) decays at rt60; the high band faster
    assert 0.5 * rt60 < measured < 1.2 * rt60


def test_real_rirs_are_aligned_and_normalised():
    data = shared_data()
    if data is None:
        pytest.skip("../shared/data is not available")
    for rir in A.load_audio_folder(data / "train" / "rir"):
        h = A.prepare_rir(rir)
        assert np.argmax(np.abs(h)) == 0 and abs(np.sum(h.astype(np.float64) ** 2) - 1) < 1e-3
        assert len(h) <= A.MAX_RIR_SECONDS * SR


def test_long_room_tails_are_kept_when_asked():
    """A hall's tail (rt60 2.5 s) is cut at 1 s by default; augment.rir_max_seconds keeps more of it."""
    hall = A.simulate_rir(rng=np.random.default_rng(4), rt60_s=2.5, drr_db=0.0)
    click = np.zeros(4 * SR, np.float32)
    click[100] = 0.5
    base = dict(reverb_probability=1.0, simulated_rir_probability=0.0, noise_probability=0.0,
                speed_probability=0.0, pitch_probability=0.0, vtlp_probability=0.0, band_limit_probability=0.0,
                gain_db_range=(0.0, 0.0))
    short = A.Augmenter(A.AugmentConfig(**base), rirs=[hall])(click, rng=np.random.default_rng(0))
    long = A.Augmenter(A.AugmentConfig(**base, rir_max_seconds=3.0), rirs=[hall])(click, rng=np.random.default_rng(0))
    late = slice(100 + int(1.2 * SR), 100 + int(2.0 * SR))
    assert np.sqrt(np.mean(short[late] ** 2)) < 1e-7 < 1e-5 < np.sqrt(np.mean(long[late] ** 2))
    assert len(A.reverberate(click, rir=hall, max_seconds=3.0)) == len(click) + len(hall) - 1  # all 2.5 s
    assert len(A.reverberate(click, rir=hall)) == len(click) + SR - 1
    with pytest.raises(ConfigError, match="rir_max_seconds"):
        A.AugmentConfig(rir_max_seconds=0.0)


@pytest.mark.parametrize("factor", [0.8, 0.9, 1.1, 1.25])
def test_speed_perturb_changes_duration_by_the_factor(factor):
    speech = _speechlike()
    out = A.speed_perturb(speech, factor=factor)
    assert abs(len(out) - len(speech) / factor) <= 2


def _peak_hz(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * SR / len(x))


def test_pitch_shift_keeps_duration_and_moves_pitch():
    t = np.arange(SR) / SR
    tone = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    up = A.pitch_shift(tone, semitones=2.0)
    assert len(up) == len(tone)
    assert abs(_peak_hz(up[2000:-2000]) - 300 * 2 ** (2 / 12)) < 4
    down = A.pitch_shift(tone, semitones=-3.0)
    assert abs(_peak_hz(down[2000:-2000]) - 300 * 2 ** (-3 / 12)) < 4


def _vowel(formant_hz: float = 1000.0) -> np.ndarray:
    """A 100 Hz pulse train through a resonance at ``formant_hz``: a one-formant vowel, 1 s."""
    from scipy.signal import lfilter

    pulses = np.zeros(SR)
    pulses[::160] = 1.0
    r, theta = np.exp(-np.pi * 80 / SR), 2 * np.pi * formant_hz / SR
    vowel = lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], pulses)
    return (0.3 * vowel / np.max(np.abs(vowel))).astype(np.float32)


def _formant_hz(x: np.ndarray) -> float:
    f, p = welch(x, fs=SR, nperseg=256)  # 62.5 Hz resolution: the envelope, not the harmonics
    band = (f > 500) & (f < 1800)
    return float(f[band][np.argmax(p[band])])


def test_vtlp_moves_formants_and_keeps_pitch_length_and_level():
    vowel = _vowel(1000.0)
    up = A.vocal_tract_length_perturb(vowel, alpha=1.1)
    down = A.vocal_tract_length_perturb(vowel, alpha=0.9)
    assert len(up) == len(down) == len(vowel)
    assert abs(_power_db(up) - _power_db(vowel)) < 0.1
    assert _formant_hz(down) < _formant_hz(vowel) == 1000.0 < _formant_hz(up)
    assert abs(_formant_hz(up) - 1100) <= 63 and abs(_formant_hz(down) - 900) <= 63
    # the harmonics stay on multiples of 100 Hz (pitch unchanged)
    spectrum = np.abs(np.fft.rfft(up[2000:-2000] * np.hanning(SR - 4000)))
    freqs = np.fft.rfftfreq(SR - 4000, 1 / SR)
    strongest = freqs[np.argmax(spectrum)]
    assert abs(strongest / 100 - round(strongest / 100)) < 0.05
    assert np.allclose(A.vtlp_warp(np.array([0.0, 1000.0, 8000.0]), alpha=1.1), [0.0, 1100.0, 8000.0])


def test_band_limit_is_a_microphone_band_pass():
    t = np.arange(SR) / SR
    low, mid, high = (np.sin(2 * np.pi * f * t).astype(np.float32) for f in (60, 1000, 7000))
    for tone, passes in ((low, False), (mid, True), (high, False)):
        out = A.band_limit(tone, low_hz=300, high_hz=3400)
        change = _power_db(out[4000:]) - _power_db(tone[4000:])
        assert (abs(change) < 1) if passes else (change < -15)
    with pytest.raises(ConfigError, match="low_hz < high_hz"):
        A.band_limit(mid, low_hz=4000, high_hz=3000)


def test_gain_and_time_shift():
    x = _speechlike()
    assert np.allclose(A.apply_gain(x, gain_db=6.0206), 2 * x, atol=1e-6)
    shifted = A.time_shift(x, shift_samples=100)
    assert len(shifted) == len(x) and np.array_equal(shifted[100:], x[:-100]) and not shifted[:100].any()
    assert np.array_equal(A.time_shift(x, shift_samples=-100)[:-100], x[100:])


def test_level_step_starts_or_stops_a_sound():
    on = A.level_step(1000, position=400, low_db=-20.0, ramp_samples=100, onset=True)
    assert on.dtype == np.float32 and on.shape == (1000,)
    assert np.allclose(on[:401], 0.1) and np.allclose(on[500:], 1.0) and np.all(np.diff(on) >= 0)
    off = A.level_step(1000, position=400, low_db=-20.0, ramp_samples=100, onset=False)
    assert np.allclose(off[:401], 1.0) and np.allclose(off[500:], 0.1) and np.all(np.diff(off) <= 0)
    assert np.allclose(A.level_step(10, position=10, low_db=-6.0, ramp_samples=1, onset=True), 10 ** (-6 / 20))
    for bad in (dict(position=11), dict(low_db=3.0), dict(ramp_samples=0)):
        with pytest.raises(ConfigError, match="level_step"):
            A.level_step(10, **{"position": 5, "low_db": -6.0, "ramp_samples": 2, "onset": True, **bad})


def test_noise_that_starts_partway_through():
    """With noise steps on, the noise of a mix is quiet on one side of a random point, loud on the other;
    with them off the step settings change nothing."""
    x = np.zeros(4 * SR, np.float32)
    x[SR:SR + SR // 2] = 0.3 * np.sin(2 * np.pi * 220 * np.arange(SR // 2) / SR)  # a "word" at 1.0-1.5 s
    noise = [A.colored_noise("white", num_samples=4 * SR, rng=np.random.default_rng(3))]
    base = dict(noise_probability=1.0, colored_noise_probability=0.0, snr_db_range=(10.0, 10.0),
                gain_db_range=(0.0, 0.0))
    stepped = A.Augmenter(A.AugmentConfig(**base, noise_step_probability=1.0, noise_step_db_range=(-40.0, -40.0),
                                          noise_step_ramp_ms_range=(5.0, 5.0)), noises=noise)
    plain = A.Augmenter(A.AugmentConfig(**base), noises=noise)
    levels = []
    for seed in range(12):
        out = stepped(x, rng=np.random.default_rng(seed)) - x
        rms = np.sqrt(np.mean(out.reshape(40, -1) ** 2, axis=1))  # 100 ms blocks of the added noise
        levels.append(rms.max() / rms.min())
        assert np.array_equal(plain(x, rng=np.random.default_rng(seed)),
                              A.Augmenter(A.AugmentConfig(**base, noise_step_db_range=(-40.0, -40.0)),
                                          noises=noise)(x, rng=np.random.default_rng(seed)))
    # a 40 dB step (the point can fall at an edge, where no step shows)
    assert np.median(levels) > 50
    plain_out = plain(x, rng=np.random.default_rng(0)) - x
    rms = np.sqrt(np.mean(plain_out.reshape(40, -1) ** 2, axis=1))
    assert rms.max() / rms.min() < 2


def test_clatter_is_sparse_loud_knocks_at_the_asked_level():
    x = A.clatter_noise(num_samples=2 * SR, rng=np.random.default_rng(0), rate_hz=(4.0, 4.0), level_db=-20.0)
    assert x.shape == (2 * SR,) and x.dtype == np.float32
    assert np.sqrt(np.mean(x.astype(np.float64) ** 2)) == pytest.approx(0.1, rel=1e-4)
    blocks = np.sqrt(np.mean(x.reshape(-1, 160).astype(np.float64) ** 2, axis=1))  # 10 ms blocks
    # impulsive: most 10 ms blocks are far quieter than the loudest ones (Gaussian noise: about 1.3x)
    assert blocks.max() > 10 * np.median(blocks)
    kurtosis = np.mean((x - x.mean()) ** 4) / np.var(x) ** 2
    assert kurtosis > 10  # Gaussian noise: 3
    # mostly above 500 Hz (clinks, not rumble)
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    assert spectrum[freqs >= 500].sum() > 0.9 * spectrum.sum()
    assert np.array_equal(x, A.clatter_noise(num_samples=2 * SR, rng=np.random.default_rng(0), rate_hz=(4.0, 4.0)))
    with pytest.raises(ConfigError, match="rate_hz"):
        A.clatter_noise(num_samples=100, rng=np.random.default_rng(0), rate_hz=(0.0, 1.0))


def test_burst_train_is_a_few_separate_sounds_at_the_asked_level():
    for seed in range(6):
        x = A.burst_train(num_samples=2 * SR, rng=np.random.default_rng(seed), events=(3, 3),
                          interval_ms=(400.0, 400.0), level_db=-20.0)
        assert x.shape == (2 * SR,) and x.dtype == np.float32
        assert np.sqrt(np.mean(x.astype(np.float64) ** 2)) == pytest.approx(0.1, rel=1e-4)
        blocks = np.sqrt(np.mean(x.reshape(-1, 160).astype(np.float64) ** 2, axis=1))  # 10 ms blocks
        # three sounds 400 ms apart, at most 400 ms each (a knock rings 400 ms, a burst lasts <= 250 ms)
        # after a start within the first 200 ms: nothing in the last 400 ms, something in each 400 ms slot
        onset = int(np.argmax(blocks > 0))
        assert onset <= 20 and blocks[onset + 121:].max() < 1e-6 * blocks.max()
        for k in range(3):
            assert blocks[onset + 40 * k: onset + 40 * k + 5].max() > 0.01 * blocks.max()
    assert np.array_equal(A.burst_train(num_samples=SR, rng=np.random.default_rng(1)),
                          A.burst_train(num_samples=SR, rng=np.random.default_rng(1)))
    short = A.burst_train(num_samples=800, rng=np.random.default_rng(2))  # shorter than one event
    assert short.shape == (800,) and np.isfinite(short).all() and np.abs(short).max() > 0
    for bad, match in (({"events": (0, 2)}, "events"), ({"interval_ms": (0.0, 10.0)}, "interval_ms"),
                       ({"num_samples": 0}, "num_samples")):
        with pytest.raises(ConfigError, match=match):
            A.burst_train(**{"num_samples": SR, "rng": np.random.default_rng(0), **bad})


def test_random_equalizer_reshapes_the_spectrum_and_keeps_the_level():
    x = np.random.default_rng(0).standard_normal(2 * SR).astype(np.float32)
    bands = []
    for seed in range(8):
        y = A.random_equalizer(x, rng=np.random.default_rng(seed))
        assert y.shape == x.shape and y.dtype == np.float32
        assert np.sqrt(np.mean(y.astype(np.float64) ** 2)) == pytest.approx(np.sqrt(np.mean(x ** 2.0)), rel=1e-4)
        power = np.abs(np.fft.rfft(y)) ** 2
        freqs = np.fft.rfftfreq(len(y), 1 / SR)
        bands.append([10 * np.log10(power[(freqs >= lo) & (freqs < 2 * lo)].mean()) for lo in (250, 500, 1000, 2000, 4000)])
    bands = np.array(bands)
    # white noise in, a different coloured noise out each time: octave levels differ by several dB
    assert np.ptp(bands, axis=0).min() > 3.0
    assert np.array_equal(A.random_equalizer(x, rng=np.random.default_rng(1)),
                          A.random_equalizer(x, rng=np.random.default_rng(1)))
    assert not A.random_equalizer(np.zeros(100, np.float32), rng=np.random.default_rng(0)).any()  # silence stays silent


def test_noise_equalizer_off_changes_nothing_and_on_changes_the_noise():
    x = _speechlike()
    x = (0.05 * x / np.abs(x).max()).astype(np.float32)
    noise = [A.colored_noise("pink", num_samples=4 * SR, rng=np.random.default_rng(3))]
    base = dict(noise_probability=1.0, colored_noise_probability=0.0, snr_db_range=(10.0, 10.0),
                gain_db_range=(0.0, 0.0), speed_probability=0.0, pitch_probability=0.0, vtlp_probability=0.0,
                reverb_probability=0.0, band_limit_probability=0.0)
    plain = A.Augmenter(A.AugmentConfig(**base), noises=noise)
    eq = A.Augmenter(A.AugmentConfig(**base, noise_eq_probability=1.0), noises=noise)
    mask = A.active_mask(x)
    for seed in range(3):
        a = plain(x, rng=np.random.default_rng(seed))
        assert np.array_equal(a, A.Augmenter(A.AugmentConfig(**base, noise_eq_probability=0.0),
                                             noises=noise)(x, rng=np.random.default_rng(seed)))
        b = eq(x, rng=np.random.default_rng(seed))
        added = (b - x).astype(np.float64)
        assert not np.allclose(a, b)
        # the SNR holds: it is measured after the equalizer
        snr = 10 * np.log10(np.mean(x[mask].astype(np.float64) ** 2) / np.mean(added ** 2))
        assert snr == pytest.approx(10.0, abs=1.0)
    with pytest.raises(ConfigError, match="noise_eq_probability"):
        A.AugmentConfig(noise_eq_probability=1.5)


def test_clatter_on_top_of_the_noise_and_off_changes_nothing():
    x = _speechlike()
    x = (0.05 * x / np.abs(x).max()).astype(np.float32)  # quiet: the loudest knocks stay below full scale
    noise = [A.colored_noise("pink", num_samples=4 * SR, rng=np.random.default_rng(3))]
    base = dict(noise_probability=1.0, colored_noise_probability=0.0, snr_db_range=(30.0, 30.0),
                gain_db_range=(0.0, 0.0), speed_probability=0.0, pitch_probability=0.0, vtlp_probability=0.0,
                reverb_probability=0.0, band_limit_probability=0.0)
    plain = A.Augmenter(A.AugmentConfig(**base), noises=noise)
    knocked = A.Augmenter(A.AugmentConfig(**base, clatter_probability=1.0, clatter_snr_db_range=(5.0, 5.0)),
                          noises=noise)
    for seed in range(4):
        a = plain(x, rng=np.random.default_rng(seed))
        # clatter settings without clatter: the random stream, and so the data, stay as they were
        assert np.array_equal(a, A.Augmenter(A.AugmentConfig(**base, clatter_snr_db_range=(0.0, 1.0)),
                                             noises=noise)(x, rng=np.random.default_rng(seed)))
        knocks = knocked(x, rng=np.random.default_rng(seed)) - a  # the same noise under both
        mask = A.active_mask(x)
        snr = 10 * np.log10(np.mean(x[mask].astype(np.float64) ** 2) / np.mean(knocks.astype(np.float64) ** 2))
        assert snr == pytest.approx(5.0, abs=0.05)
    with pytest.raises(ConfigError, match="clatter_probability"):
        A.AugmentConfig(clatter_probability=1.5)


ALL_ON = dict(speed_probability=1.0, pitch_probability=1.0, vtlp_probability=1.0, time_shift_probability=1.0,
              reverb_probability=1.0, noise_probability=1.0, band_limit_probability=1.0)


def test_augmenter_is_deterministic_with_the_same_seed():
    noises = [A.colored_noise("pink", num_samples=SR, rng=np.random.default_rng(5))]
    rirs = [A.simulate_rir(rng=np.random.default_rng(6), rt60_s=0.4)]
    aug = A.Augmenter(A.AugmentConfig(**ALL_ON), noises=noises, rirs=rirs, seed=0)
    x = _speechlike()
    a = aug(x, rng=np.random.default_rng(42))
    b = aug(x, rng=np.random.default_rng(42))
    c = aug(x, rng=np.random.default_rng(43))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.dtype == np.float32 and a.shape == x.shape and np.max(np.abs(a)) <= 1.0
    # the augmenter's own generator: same seed, same sequence
    first = A.Augmenter(A.AugmentConfig(), noises=noises, rirs=rirs, seed=7)
    second = A.Augmenter(A.AugmentConfig(), noises=noises, rirs=rirs, seed=7)
    assert all(np.array_equal(first(x), second(x)) for _ in range(5))
    # pure functions: same rng state, same output
    assert np.array_equal(A.colored_noise("blue", num_samples=100, rng=np.random.default_rng(1)),
                          A.colored_noise("blue", num_samples=100, rng=np.random.default_rng(1)))


def test_augmenter_clips_and_keeps_length():
    x = _speechlike()
    loud = A.Augmenter(A.AugmentConfig(gain_db_range=(30.0, 30.0), speed_probability=1.0, speed_range=(0.8, 0.8)),
                       seed=0)
    out = loud(x, rng=np.random.default_rng(0))
    assert out.shape == x.shape and np.max(np.abs(out)) == 1.0
    free = A.Augmenter(A.AugmentConfig(speed_probability=1.0, speed_range=(0.8, 0.8), keep_length=False), seed=0)
    assert abs(len(free(x, rng=np.random.default_rng(0))) - len(x) / 0.8) <= 2
    # silent input still gets noise (at a level as if speech were at -20 dBFS)
    quiet = A.Augmenter(A.AugmentConfig(noise_probability=1.0, gain_db_range=(0.0, 0.0)), seed=0)
    assert np.std(quiet(np.zeros(SR, np.float32), rng=np.random.default_rng(0))) > 1e-4


def test_augment_config_from_dict_and_validation():
    config = from_dict(A.AugmentConfig, {"snr_db_range": [5, 15], "reverb_probability": 0.9})
    assert config.snr_db_range == (5.0, 15.0) and config.reverb_probability == 0.9
    with pytest.raises(ConfigError, match="unknown key"):
        from_dict(A.AugmentConfig, {"snr": [5, 15]})
    with pytest.raises(ConfigError, match="noise_probability"):
        A.AugmentConfig(noise_probability=1.5)
    with pytest.raises(ConfigError, match="speed_range"):
        A.AugmentConfig(speed_range=(1.2, 0.9))
    with pytest.raises(ConfigError, match="unknown noise colour"):
        A.colored_noise("grey", num_samples=10, rng=np.random.default_rng(0))


def test_load_audio_folder_resamples_and_reports_problems(tmp_path):
    (tmp_path / "sub").mkdir()
    sf.write(tmp_path / "a.wav", np.zeros(8000, np.float32) + 0.1, 8000)
    sf.write(tmp_path / "sub" / "b.flac", np.zeros(SR, np.float32) + 0.1, SR)
    (tmp_path / "notes.txt").write_text("not audio")
    clips = A.load_audio_folder(tmp_path)
    assert [len(c) for c in clips] == [SR, SR] and all(c.dtype == np.float32 for c in clips)
    with pytest.raises(ConfigError, match="does not exist"):
        A.load_audio_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(AudioError, match=r"no \.aif/.*\.flac/.*\.wav files"):
        A.load_audio_folder(tmp_path / "empty")
    (tmp_path / "sub" / "broken.wav").write_bytes(b"RIFF1234WAVE")
    with pytest.raises(AudioError, match="broken.wav"):
        A.load_audio_folder(tmp_path)


def test_augmenter_is_fast():
    data = shared_data()
    noises = A.load_audio_folder(data / "train" / "noise") if data else \
        [A.colored_noise("pink", num_samples=SR * 10, rng=np.random.default_rng(0))]
    rirs = A.load_audio_folder(data / "train" / "rir") if data else []
    aug = A.Augmenter(A.AugmentConfig(), noises=noises, rirs=rirs, seed=0)
    clip = _speechlike(1.5)
    aug(clip, rng=np.random.default_rng(0))
    n = 60
    start = time.process_time()  # CPU time of this process: other jobs on the machine do not count
    for i in range(n):
        aug(clip, rng=np.random.default_rng(i))
    per_clip_ms = (time.process_time() - start) / n * 1000
    print(f"augmenter: {per_clip_ms:.1f} ms CPU per 1.5 s clip (default config)")
    assert per_clip_ms < 20


def test_keyword_clips_can_get_their_own_snr_range():
    """data.positive_snr_db_range: the training windows of keyword clips are mixed at their own SNR
    range, every other window at augment.snr_db_range."""
    from training import data as data_module
    from training.config import DataConfig
    from wakeword.config import from_dict
    from wakeword.errors import ConfigError

    only_noise = {"speed_probability": 0.0, "pitch_probability": 0.0, "vtlp_probability": 0.0,
                  "reverb_probability": 0.0, "band_limit_probability": 0.0, "noise_probability": 1.0,
                  "colored_noise_probability": 1.0, "snr_db_range": [0.0, 0.0], "gain_db_range": [0.0, 0.0]}
    clip = (8000 * np.sin(2 * np.pi * 500 * np.arange(8000) / 16000)).astype(np.int16)
    levels = {}
    for positive_range in (None, (40.0, 40.0)):
        data_module._init_worker(from_dict(A.AugmentConfig, only_noise), [], [], 0, positive_range)
        for kind in (True, "positive"):
            windows = data_module._clip_window((clip, 98, (0, 0), 5, kind))
            levels[positive_range, kind] = float(windows[:20].mean())  # the lead-in: noise only
    # without a range of their own, keyword clips get the same noise as the rest
    assert levels[None, "positive"] == levels[None, True]
    # with one, negatives are unchanged and keyword clips far cleaner (40 dB instead of 0 dB)
    assert levels[(40.0, 40.0), True] == levels[None, True]
    assert levels[(40.0, 40.0), "positive"] < levels[None, True] - 15
    for bad in ((10.0, 5.0), (-40.0, 5.0)):
        with pytest.raises(ConfigError, match="positive_snr_db_range"):
            DataConfig(positive_snr_db_range=bad)


def test_a_keyword_window_can_end_before_the_clip_does():
    """data.positive_end_offset_ms: where a keyword window ends after its clip; a negative offset cuts
    the clip's end (the window ends inside it), the default keeps it whole."""
    from training import data as data_module
    from training.config import DataConfig
    from wakeword.errors import ConfigError

    data_module._init_worker(A.AugmentConfig(), [], [], 0, None)
    # a tone whose last 200 ms are a louder, higher tone: visible in the window's last frames or not
    t = np.arange(16000) / 16000
    clip = (3000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16)
    clip[-3200:] = (20000 * np.sin(2 * np.pi * 3000 * t[-3200:])).astype(np.int16)
    whole = data_module._clip_window((clip, 98, (0, 0), 5, False))
    cut = data_module._clip_window((clip, 98, (-200, -200), 5, False))
    assert whole.shape == cut.shape == (98, 40)
    # the whole window hears the loud ending begin 200 ms (20 frames) before its end (the frontend's
    # noise reduction then fades the steady tone); the window that ends 200 ms early never hears it
    loudness_whole, loudness_cut = whole.mean(axis=1), cut.mean(axis=1)
    assert loudness_whole[-22:-18].max() > 300 and loudness_cut[-25:].max() < 100
    assert DataConfig(positive_end_offset_ms=(-150, 150)).positive_end_offset_ms == (-150, 150)
    for bad in ((100, 0), (-600, 0), (0, 2000)):
        with pytest.raises(ConfigError, match="positive_end_offset_ms"):
            DataConfig(positive_end_offset_ms=bad)
