"""The one feature definition: TFLite Micro's audio frontend.

40 filterbank channels every 10 ms from a 30 ms window of 16 kHz int16 audio.
Frames are returned as the frontend's raw ``uint16`` output (``feature == raw / 25.6``
in the float units microWakeWord uses), so the runtime, the trainer and the
firmware share integer values exactly.

Two backends run the same C library (TFLM's ``microfrontend``) with the same settings:

* ``"batch"``: ``wakeword._frontend``, built from csrc/ at install time: one C call per
  chunk of audio, frames returned as one uint16 buffer (the fast path);
* ``"pymicro-features"``: one call per 10 ms step through pymicro-features, used when the
  extension was not built (no C++ compiler at install time).

They give identical frames (tests/test_features.py), and streaming and batch processing
give identical frames for every chunking of the input: samples that do not complete a
frame wait in the frontend's window buffer (or in ``_pending``) for the next call.
"""

from __future__ import annotations

import numpy as np

from .config import FeatureConfig
from .errors import AudioError

try:  # the batch extension (setup.py); absent when the install had no C++ compiler
    from . import _frontend
except ImportError:  # pragma: no cover - exercised only on installs without the extension
    _frontend = None
# pymicro-features' C extension: the fallback, and the reference the batch backend is tested against
from micro_features_cpp import create_frontend, process_samples  # noqa: E402

#: raw frontend output = float feature * FEATURE_RAW_PER_UNIT (pymicro-features divides by 25.6)
FEATURE_RAW_PER_UNIT = 25.6

#: The frontend's tuning, as in TFLite Micro's micro_speech, microWakeWord and pymicro-features
#: (and firmware/nano33ble/feature_provider.cpp): filterbank band, noise reduction, PCAN gain
#: control and log scale. Not user settings: a model is only valid with the values it was trained on.
TFLM_FRONTEND_TUNING = {
    "lower_band_limit_hz": 125.0,
    "upper_band_limit_hz": 7500.0,
    "noise_smoothing_bits": 10,
    "noise_even_smoothing": 0.025,
    "noise_odd_smoothing": 0.06,
    "noise_min_signal_remaining": 0.05,
    "pcan_enable": 1,
    "pcan_strength": 0.95,
    "pcan_offset": 80.0,
    "pcan_gain_bits": 21,
    "log_enable": 1,
    "log_scale_shift": 6,
}

#: which backend FeatureExtractor uses by default
BACKEND = "batch" if _frontend is not None else "pymicro-features"
BACKENDS = ("batch", "pymicro-features")


def _create_batch_frontend(config: FeatureConfig):
    t = TFLM_FRONTEND_TUNING
    return _frontend.create(
        config.sample_rate_hz, config.window_ms, config.step_ms, config.channels,
        t["lower_band_limit_hz"], t["upper_band_limit_hz"], t["noise_smoothing_bits"],
        t["noise_even_smoothing"], t["noise_odd_smoothing"], t["noise_min_signal_remaining"],
        t["pcan_enable"], t["pcan_strength"], t["pcan_offset"], t["pcan_gain_bits"],
        t["log_enable"], t["log_scale_shift"])


class FeatureExtractor:
    """Streaming frontend: int16 samples in (any chunk size), uint16 frames out.

    Parameters
    ----------
    config : FeatureConfig
        Must be the TFLite Micro frontend settings (validated by FeatureConfig).
    backend : {"batch", "pymicro-features"}, optional
        Default :data:`BACKEND` (the batch extension when it was built).

    Attributes
    ----------
    frames_emitted : int
        Number of frames produced since construction or the last :meth:`reset`.
        Frame ``k`` ends at ``config.frame_end_ms(k)`` ms of stream time.
    """

    def __init__(self, config: FeatureConfig | None = None, *, backend: str | None = None) -> None:
        self.config = config or FeatureConfig()
        self.backend = backend or BACKEND
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown feature backend {self.backend!r}; expected one of {BACKENDS}")
        if self.backend == "batch" and _frontend is None:
            raise ValueError("the batch feature backend (wakeword._frontend) was not built in this install")
        self._step_bytes = self.config.step_samples * 2
        self._channels = self.config.channels
        self.reset()

    def reset(self) -> None:
        """Forget all audio seen so far (frontend noise estimates included)."""
        if self.backend == "batch":
            self._frontend = _create_batch_frontend(self.config)
        else:
            self._frontend = create_frontend()
        self._pending = b""
        self.frames_emitted = 0

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Feed samples; return the new frames.

        Parameters
        ----------
        samples : ndarray of int16, shape (n,)
            16 kHz mono audio, any length (0 included).

        Returns
        -------
        ndarray of uint16, shape (frames, 40)
        """
        samples = np.asarray(samples)
        if samples.dtype != np.int16:
            raise AudioError(f"features need int16 samples, got {samples.dtype}")
        if samples.ndim != 1:
            raise AudioError(f"features need mono samples of shape (n,), got shape {samples.shape}")
        if self.backend == "batch":
            raw = _frontend.process(self._frontend, np.ascontiguousarray(samples))
            frames = np.frombuffer(raw, dtype=np.uint16).reshape(-1, self._channels)
            self.frames_emitted += len(frames)
            return frames
        data = self._pending + samples.tobytes() if self._pending else samples.tobytes()
        step = self._step_bytes
        usable = len(data) - len(data) % step
        frontend = self._frontend
        out: list[list[float]] = []
        for start in range(0, usable, step):
            features, _ = process_samples(frontend, data[start:start + step])
            if features:
                out.append(features)
        self._pending = data[usable:]
        if not out:
            return np.zeros((0, self.config.channels), dtype=np.uint16)
        self.frames_emitted += len(out)
        return np.rint(np.asarray(out, dtype=np.float64) * FEATURE_RAW_PER_UNIT).astype(np.uint16)


def compute_features(samples: np.ndarray, config: FeatureConfig | None = None) -> np.ndarray:
    """Frames of a whole clip (a fresh :class:`FeatureExtractor` fed once).

    Returns
    -------
    ndarray of uint16, shape (frames, 40); ``frames == max(0, (n - 480) // 160 + 1)``.
    """
    return FeatureExtractor(config).process(samples)


def frame_count(num_samples: int, config: FeatureConfig | None = None) -> int:
    """Number of frames a clip of ``num_samples`` samples yields."""
    config = config or FeatureConfig()
    if num_samples < config.window_samples:
        return 0
    return (num_samples - config.window_samples) // config.step_samples + 1


def features_to_float(frames: np.ndarray) -> np.ndarray:
    """Raw uint16 frames as the float features the models are trained on (raw / 25.6)."""
    return np.asarray(frames, dtype=np.float32) / np.float32(FEATURE_RAW_PER_UNIT)
