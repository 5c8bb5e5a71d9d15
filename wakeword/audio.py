"""Audio in: any file soundfile reads (wav, flac, ogg, ...) or raw int16, to 16 kHz mono int16."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .errors import AudioError

SAMPLE_RATE_HZ = 16000
RAW_SUFFIXES = (".raw", ".pcm", ".s16")
#: refuse files longer than this (protects memory; stream longer audio with Engine.feed)
MAX_FILE_SECONDS = 6 * 3600
MIN_SAMPLE_RATE_HZ = 4000
MAX_SAMPLE_RATE_HZ = 384000


def to_int16(audio: np.ndarray, *, source: str = "audio") -> np.ndarray:
    """Float audio in [-1, 1] (or integer audio) as int16; NaN/Inf are an error."""
    audio = np.asarray(audio)
    if audio.dtype == np.int16:
        return audio
    if np.issubdtype(audio.dtype, np.floating):
        if not np.all(np.isfinite(audio)):
            raise AudioError(f"{source}: audio contains NaN or infinite samples")
        return np.clip(np.rint(audio * 32768.0), -32768, 32767).astype(np.int16)
    raise AudioError(f"{source}: unsupported sample type {audio.dtype}")


def resample(audio: np.ndarray, *, from_hz: int, to_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """High-quality resampling (soxr) of float or int16 mono audio; returns int16."""
    if from_hz == to_hz:
        return to_int16(audio)
    import soxr

    audio = np.asarray(audio)
    scale = 1 / 32768.0 if audio.dtype == np.int16 else 1.0
    return to_int16(soxr.resample(audio.astype(np.float32) * np.float32(scale), from_hz, to_hz, quality="HQ"))


def load_audio(path: str | os.PathLike, *, raw_sample_rate_hz: int = SAMPLE_RATE_HZ,
               raw_channels: int = 1) -> np.ndarray:
    """Read an audio file as 16 kHz mono int16.

    Parameters
    ----------
    path : path of a file soundfile can read, or of headerless little-endian int16
        (suffix .raw, .pcm or .s16).
    raw_sample_rate_hz, raw_channels : format of headerless files.

    Returns
    -------
    ndarray of int16, shape (n,), n > 0.

    Raises
    ------
    AudioError
        The file is missing, empty, corrupt, truncated, not audio, too long, or holds NaN/Inf.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such audio file")
    size = path.stat().st_size
    if size == 0:
        raise AudioError(f"{path}: the file is empty")
    if path.suffix.lower() in RAW_SUFFIXES:
        if raw_channels < 1 or not MIN_SAMPLE_RATE_HZ <= raw_sample_rate_hz <= MAX_SAMPLE_RATE_HZ:
            raise AudioError(f"{path}: bad raw format ({raw_channels} channels at {raw_sample_rate_hz} Hz)")
        frame_bytes = 2 * raw_channels
        if size % frame_bytes:
            raise AudioError(f"{path}: truncated raw int16 audio ({size} bytes is not a multiple of {frame_bytes})")
        if size // frame_bytes > MAX_FILE_SECONDS * raw_sample_rate_hz:
            raise AudioError(f"{path}: longer than {MAX_FILE_SECONDS} s; stream it instead")
        data = np.fromfile(path, dtype="<i2").reshape(-1, raw_channels)
        rate = raw_sample_rate_hz
    else:
        import soundfile as sf

        try:
            info = sf.info(str(path))
            if info.samplerate < MIN_SAMPLE_RATE_HZ or info.samplerate > MAX_SAMPLE_RATE_HZ:
                raise AudioError(f"{path}: sample rate {info.samplerate} Hz is outside "
                                 f"{MIN_SAMPLE_RATE_HZ}..{MAX_SAMPLE_RATE_HZ} Hz")
            if info.frames <= 0:
                raise AudioError(f"{path}: the file holds no audio samples")
            if info.frames > MAX_FILE_SECONDS * info.samplerate:
                raise AudioError(f"{path}: longer than {MAX_FILE_SECONDS} s; stream it instead")
            data, rate = sf.read(str(path), dtype="float32", always_2d=True)
        except AudioError:
            raise
        except (RuntimeError, sf.LibsndfileError, ValueError, TypeError, OSError) as exc:
            raise AudioError(f"{path}: not readable audio ({exc})") from exc
        if len(data) == 0:
            raise AudioError(f"{path}: the file holds no audio samples")
        if not np.all(np.isfinite(data)):
            raise AudioError(f"{path}: audio contains NaN or infinite samples")
    if data.dtype == np.int16:
        if data.shape[1] == 1 and rate == SAMPLE_RATE_HZ:
            return np.ascontiguousarray(data[:, 0])
        data = data.astype(np.float32) / np.float32(32768.0)
    mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    out = resample(mono, from_hz=rate)
    if len(out) == 0:
        raise AudioError(f"{path}: too short ({len(mono)} samples at {rate} Hz is less than one sample at 16 kHz)")
    return out


def save_wav(path: str | os.PathLike, samples: np.ndarray, *, sample_rate_hz: int = SAMPLE_RATE_HZ) -> None:
    """Write int16 mono samples as a 16-bit PCM wav file."""
    import soundfile as sf

    sf.write(str(path), np.asarray(samples, dtype=np.int16), sample_rate_hz, subtype="PCM_16")
