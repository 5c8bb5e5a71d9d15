"""Signal code shared by training and evaluation: one definition of each.

* the sample rate and the audio file types the project reads;
* the speech gate that finds the active part of a clip (:func:`active_mask`) and mixing at a
  signal-to-noise ratio measured on it (:func:`mix_at_snr`): the project's one definition of SNR,
  used to augment training clips and to build the evaluation suite's noisy conditions;
* room impulse responses (:func:`prepare_rir`: aligned to the direct path, unit energy) and
  reverberation (:func:`reverberate`).

Pure numpy (``reverberate`` uses scipy when called); randomness only from an explicit
``numpy.random.Generator``. Audio is float32 mono at 16 kHz in [-1, 1]; nothing here clips.
The runtime itself (features, model, detector) does not use this module.
"""

from __future__ import annotations

import numpy as np

from .audio import RAW_SUFFIXES, SAMPLE_RATE_HZ  # noqa: F401  (re-exported: the one sample rate)
from .errors import AudioError, ConfigError

#: int16 full scale
FULL_SCALE = 32768.0
#: audio files the project reads from folders (soundfile's formats); ``RAW_SUFFIXES`` are headerless int16
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".aiff", ".aif", ".mp3")
#: frames of the energy gate that finds the active part of speech
GATE_FRAME_MS = 20.0
#: active frames are within this many dB of the loudest frame ...
GATE_RANGE_DB = 30.0
#: ... and above this absolute level (dB relative to full scale, RMS)
GATE_FLOOR_DBFS = -60.0
#: measured impulse responses are cut this long by default (a hall's tail lasts 2 s and more)
MAX_RIR_SECONDS = 1.0


def as_audio(audio: np.ndarray, *, name: str = "audio", allow_empty: bool = False) -> np.ndarray:
    """``audio`` as float32 mono in [-1, 1] (int16 is scaled by 1/32768); an AudioError names a
    wrong shape, an empty clip, an unsupported sample type or non-finite samples."""
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise AudioError(f"{name} must be mono, shape (n,), got shape {audio.shape}")
    if not allow_empty and len(audio) == 0:
        raise AudioError(f"{name} is empty")
    if audio.dtype == np.int16:
        audio = audio.astype(np.float32) / np.float32(32768.0)
    elif not np.issubdtype(audio.dtype, np.floating):
        raise AudioError(f"{name} has unsupported sample type {audio.dtype}; use float32 in [-1, 1]")
    audio = audio.astype(np.float32, copy=False)
    if not np.all(np.isfinite(audio)):
        raise AudioError(f"{name} contains NaN or infinite samples")
    return audio


def active_mask(audio: np.ndarray, *, frame_ms: float = GATE_FRAME_MS, range_db: float = GATE_RANGE_DB,
                floor_dbfs: float = GATE_FLOOR_DBFS, sample_rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Samples in the active (voiced) part of ``audio``: an energy gate on short frames.

    A frame of ``frame_ms`` is active when its RMS level is within ``range_db`` of
    the loudest frame and above ``floor_dbfs`` (dB re 1.0). Pauses, leading and
    trailing silence fall below the gate, so speech level is measured as a
    listener hears it, independent of how much silence surrounds it.

    Parameters
    ----------
    audio : ndarray of float32, shape (n,)

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    audio = as_audio(audio)
    frame = max(1, int(round(frame_ms * sample_rate_hz / 1000.0)))
    n_frames = -(-len(audio) // frame)
    padded = np.zeros(n_frames * frame, np.float32)
    padded[:len(audio)] = audio
    energy = np.einsum("ij,ij->i", padded.reshape(n_frames, frame), padded.reshape(n_frames, frame)) / frame
    level_db = 10.0 * np.log10(np.maximum(energy, 1e-20))
    active = (level_db >= level_db.max() - range_db) & (level_db >= floor_dbfs)
    return np.repeat(active, frame)[:len(audio)]


def loop_to_length(noise: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """A random ``length``-sample stretch of ``noise`` (looped when it is shorter)."""
    if len(noise) >= length:
        start = int(rng.integers(0, len(noise) - length + 1))
        return noise[start:start + length]
    start = int(rng.integers(0, len(noise)))
    reps = -(-(length + start) // len(noise))
    return np.tile(noise, reps)[start:start + length]


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, *, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Add ``noise`` to ``speech`` at a signal-to-noise ratio measured on the active part.

    The SNR is ``10 log10(P_speech / P_noise)`` where both mean powers are taken over
    the samples :func:`active_mask` marks active in ``speech`` (frames of 20 ms within
    30 dB of the loudest frame and above -60 dBFS). Silence around the speech thus
    neither lowers the speech power nor changes how loud the noise is made.

    Parameters
    ----------
    speech : ndarray of float32, shape (n,)
    noise : ndarray of float32, shape (m,)
        A random stretch of n samples is used (looped when m < n).
    snr_db : float
    rng : numpy.random.Generator
        Chooses the stretch of noise.

    Returns
    -------
    ndarray of float32, shape (n,)
        Not clipped.

    Raises
    ------
    AudioError
        ``speech`` is silent (no active frame) or ``noise`` is silent.
    """
    speech = as_audio(speech, name="speech")
    noise = as_audio(noise, name="noise")
    if not np.isfinite(snr_db):
        raise ConfigError(f"snr_db must be finite, got {snr_db}")
    mask = active_mask(speech)
    if not mask.any():
        raise AudioError("speech is silent: no frame above -60 dBFS, so no SNR can be set")
    segment = loop_to_length(noise, len(speech), rng)
    p_speech = float(np.mean(np.square(speech[mask], dtype=np.float64)))
    p_noise = float(np.mean(np.square(segment[mask], dtype=np.float64)))
    if p_noise <= 1e-20:
        p_noise = float(np.mean(np.square(segment, dtype=np.float64)))
    if p_noise <= 1e-20:
        raise AudioError("noise is silent: it cannot be scaled to an SNR")
    scale = np.sqrt(p_speech / (p_noise * 10.0 ** (snr_db / 10.0)))
    return (speech + np.float32(scale) * segment).astype(np.float32)


def prepare_rir(rir: np.ndarray, *, max_seconds: float = MAX_RIR_SECONDS,
                sample_rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """A room impulse response ready to convolve: starts at its direct path, unit energy.

    The samples before the strongest peak (the direct path: propagation delay) are
    dropped so reverberated speech stays time-aligned; the response is cut at
    ``max_seconds`` and scaled to unit energy (sum of squares 1).

    Parameters
    ----------
    rir : ndarray of float32, shape (k,)

    Returns
    -------
    ndarray of float32, shape (k',), k' <= k

    Raises
    ------
    AudioError
        Empty, non-finite or all-zero response.
    """
    rir = as_audio(rir, name="room impulse response")
    direct = int(np.argmax(np.abs(rir)))
    h = rir[direct:direct + max(1, int(max_seconds * sample_rate_hz))].astype(np.float64)
    energy = float(np.sum(h ** 2))
    if energy <= 1e-20:
        raise AudioError("room impulse response is all zeros")
    return (h / np.sqrt(energy)).astype(np.float32)


def reverberate(audio: np.ndarray, *, rir: np.ndarray, max_seconds: float = MAX_RIR_SECONDS) -> np.ndarray:
    """Convolve ``audio`` with a room impulse response.

    The response goes through :func:`prepare_rir` (aligned to its direct path, cut at
    ``max_seconds``, unit energy), so the level stays about the same and the speech does not
    move in time; the reverberant tail extends past the end of ``audio``.

    Parameters
    ----------
    audio : ndarray of float32, shape (n,)
    rir : ndarray of float32, shape (k,)

    Returns
    -------
    ndarray of float32, shape (n + k' - 1,)
        k' is the prepared response's length; crop to n to keep the clip length.
    """
    from scipy.signal import fftconvolve

    audio = as_audio(audio)
    h = prepare_rir(rir, max_seconds=max_seconds)
    if len(h) == 1:
        return (audio * h[0]).astype(np.float32)
    return fftconvolve(audio, h, mode="full").astype(np.float32)
