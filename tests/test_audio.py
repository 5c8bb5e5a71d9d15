import numpy as np
import pytest
import soundfile as sf

from wakeword.audio import load_audio
from wakeword.errors import AudioError

TONE = (0.3 * np.sin(2 * np.pi * 440 * np.arange(44100) / 44100)).astype(np.float32)


@pytest.mark.parametrize("fmt,ext", [("WAV", ".wav"), ("FLAC", ".flac"), ("OGG", ".ogg")])
def test_resamples_and_mixes_down(tmp_path, fmt, ext):
    stereo = np.stack([TONE, TONE], axis=1)
    path = tmp_path / f"tone{ext}"
    sf.write(path, stereo, 44100, format=fmt)
    audio = load_audio(path)
    assert audio.dtype == np.int16 and audio.ndim == 1
    assert abs(len(audio) - 16000) <= 2
    # the 440 Hz tone survives: dominant FFT bin
    spectrum = np.abs(np.fft.rfft(audio.astype(np.float64)))
    assert abs(np.argmax(spectrum) * 16000 / len(audio) - 440) < 3
    assert 0.25 < np.abs(audio).max() / 32768 < 0.35


def test_16k_mono_int16_wav_is_bit_exact(tmp_path):
    samples = np.random.default_rng(0).integers(-32768, 32767, 16000, dtype=np.int16)
    sf.write(tmp_path / "x.wav", samples, 16000, subtype="PCM_16")
    np.testing.assert_array_equal(load_audio(tmp_path / "x.wav"), samples)


def test_raw_int16(tmp_path):
    samples = np.arange(-500, 500, dtype=np.int16)
    samples.tofile(tmp_path / "x.raw")
    np.testing.assert_array_equal(load_audio(tmp_path / "x.raw"), samples)
    (tmp_path / "odd.raw").write_bytes(b"\x00\x01\x02")
    with pytest.raises(AudioError, match="odd.raw.*truncated"):
        load_audio(tmp_path / "odd.raw")


@pytest.mark.parametrize("content,match", [
    (b"", "empty"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not readable"),
    (b"this is not audio at all" * 10, "not readable"),
])
def test_bad_files_name_the_file(tmp_path, content, match):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match=match) as info:
        load_audio(path)
    assert "bad.wav" in str(info.value)


def test_truncated_wav(tmp_path):
    sf.write(tmp_path / "full.wav", TONE, 44100)
    data = (tmp_path / "full.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[:40])
    with pytest.raises(AudioError, match="cut.wav"):
        load_audio(tmp_path / "cut.wav")


def test_nan_audio_is_refused(tmp_path):
    bad = TONE.copy()
    bad[100] = np.nan
    sf.write(tmp_path / "nan.wav", bad, 16000, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN"):
        load_audio(tmp_path / "nan.wav")


def test_missing_file():
    with pytest.raises(AudioError, match="no such audio file"):
        load_audio("/nonexistent/clip.wav")
