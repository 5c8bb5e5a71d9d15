"""The engine: audio -> features -> model -> scores -> detector -> events.

>>> engine = Engine.from_bundle("alexa")            # doctest: +SKIP
>>> for chunk in chunks: events = engine.feed(chunk)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections import deque
from typing import Sequence

import numpy as np

from .audio import load_audio
from .bundle import Bundle, open_bundle
from .config import DetectorConfig
from .detector import Detection, StreamingDetector
from .errors import AudioError
from .features import FeatureExtractor
from .model import ModelRunner


class Engine:
    """Streaming wake word detection for one bundle.

    Parameters
    ----------
    bundle : Bundle
        A loaded bundle (see :func:`wakeword.bundle.load_bundle`).
    detector : DetectorConfig, optional
        Overrides the manifest's detector defaults.
    thresholds : sequence of int, optional
        Per-keyword thresholds (1..255) overriding ``detector.threshold``.
    history_size : int
        How many recent model calls :attr:`score_history` keeps.
    exact_kernels : bool
        Run the model on LiteRT's reference-matching kernels (what TFLite Micro matches within
        1 LSB) instead of the faster XNNPACK kernels (a few LSB different).
    """

    def __init__(self, bundle: Bundle, *, detector: DetectorConfig | None = None,
                 thresholds: Sequence[int] | None = None, history_size: int = 2000,
                 exact_kernels: bool = False) -> None:
        self.bundle = bundle
        self.manifest = bundle.manifest
        self.keywords = self.manifest.keywords
        self.features = FeatureExtractor(self.manifest.features)
        self.model = ModelRunner(bundle.model_bytes, self.manifest.model, source=bundle.source,
                                 exact_kernels=exact_kernels)
        self.detector = StreamingDetector(self.keywords, detector or self.manifest.detector, thresholds=thresholds)
        self.score_history: deque[tuple[int, np.ndarray]] = deque(maxlen=history_size)
        self.samples_seen = 0

    @classmethod
    def from_bundle(cls, bundle: str | os.PathLike | Bundle, *, allow_unsigned: bool = False,
                    trusted_key_files: tuple[str | os.PathLike, ...] = (), **kwargs) -> "Engine":
        """Engine for a bundle path, ``.wwb`` file or built-in name (its signature is verified, see
        :func:`wakeword.bundle.open_bundle`), or for an already loaded Bundle."""
        if not isinstance(bundle, Bundle):
            bundle = open_bundle(bundle, allow_unsigned=allow_unsigned, trusted_key_files=trusted_key_files)
        return cls(bundle, **kwargs)

    def reset(self) -> None:
        """Start a new stream: features, model state, detector and history are cleared."""
        self.features.reset()
        self.model.reset()
        self.detector.reset()
        self.score_history.clear()
        self.samples_seen = 0

    @property
    def stream_ms(self) -> int:
        """Stream time of the audio fed so far, in ms."""
        return self.samples_seen * 1000 // self.manifest.features.sample_rate_hz

    def feed(self, samples: np.ndarray) -> list[Detection]:
        """Feed int16 16 kHz mono samples (any length); returns the detections they complete."""
        samples = np.asarray(samples)
        if samples.dtype != np.int16 or samples.ndim != 1:
            raise AudioError(f"feed() needs a 1-D int16 array of 16 kHz mono samples, "
                             f"got {samples.dtype} of shape {samples.shape}")
        self.samples_seen += len(samples)
        frames = self.features.process(samples)
        if not len(frames):
            return []
        found: list[Detection] = []
        frame_end_ms = self.manifest.features.frame_end_ms
        push = self.detector.push
        history = self.score_history.append
        for frame_index, scores in self.model.push_frames(frames):
            t_ms = frame_end_ms(frame_index)
            history((t_ms, scores))
            hits = push(scores, t_ms)
            if hits:
                found.extend(hits)
        return found

    def process_samples(self, samples: np.ndarray) -> list[Detection]:
        """Reset, then run a whole clip."""
        self.reset()
        return self.feed(samples)

    def process_file(self, path: str | os.PathLike) -> list[Detection]:
        """Reset, then run a whole audio file (any rate/channels; see :func:`wakeword.audio.load_audio`)."""
        return self.process_samples(load_audio(path))

    def scores_array(self) -> tuple[np.ndarray, np.ndarray]:
        """The score history as arrays: ``t_ms`` (n,) int64 and ``scores`` (n, keywords) uint8."""
        if not self.score_history:
            return np.zeros(0, np.int64), np.zeros((0, len(self.keywords)), np.uint8)
        t = np.fromiter((t for t, _ in self.score_history), dtype=np.int64, count=len(self.score_history))
        return t, np.stack([s for _, s in self.score_history])
