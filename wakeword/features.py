"""The one feature definition: TFLite Micro's audio frontend (via pymicro-features).

40 filterbank channels every 10 ms from a 30 ms window of 16 kHz int16 audio.
Frames are returned as the frontend's raw ``uint16`` output (``feature == raw / 25.6``
in the float units microWakeWord uses), so the runtime, the trainer and the
firmware share integer values exactly.

Streaming and batch processing give identical frames for every chunking of the
input: the extractor hands the frontend exactly one 10 ms step per call and keeps
the remainder for the next call.
"""

from __future__ import annotations

import numpy as np
# pymicro-features' C extension; its MicroFrontend class wraps these two calls in a dataclass per frame
from micro_features_cpp import create_frontend, process_samples

from .config import FeatureConfig
from .errors import AudioError

#: raw frontend output = float feature * FEATURE_RAW_PER_UNIT (pymicro-features divides by 25.6)
FEATURE_RAW_PER_UNIT = 25.6


class FeatureExtractor:
    """Streaming frontend: int16 samples in (any chunk size), uint16 frames out.

    Parameters
    ----------
    config : FeatureConfig
        Must be the TFLite Micro frontend settings (validated by FeatureConfig).

    Attributes
    ----------
    frames_emitted : int
        Number of frames produced since construction or the last :meth:`reset`.
        Frame ``k`` ends at ``config.frame_end_ms(k)`` ms of stream time.
    """

    def __init__(self, config: FeatureConfig | None = None) -> None:
        self.config = config or FeatureConfig()
        self._step_bytes = self.config.step_samples * 2
        self._frontend = create_frontend()
        self._pending = b""
        self.frames_emitted = 0

    def reset(self) -> None:
        """Forget all audio seen so far (frontend noise estimates included)."""
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
