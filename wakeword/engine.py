"""The engine: audio -> features -> model -> scores -> detector -> events.

>>> engine = Engine.from_bundle("alexa")            # doctest: +SKIP
>>> for chunk in chunks: events = engine.feed(chunk)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
from collections import deque
from typing import Sequence

import numpy as np

from .audio import load_audio
from .bundle import Bundle, open_bundle
from .cascade import CascadeGate, Verifier
from .config import DetectorConfig
from .detector import Detection, StreamingDetector
from .errors import AudioError, BundleError
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
    cascade : bool
        Confirm every detection with the bundle's verifier (:mod:`wakeword.cascade`): the first
        stage then runs at ``verifier.first_stage_threshold`` (or ``thresholds``) and a detection
        carries its ``verifier_score``. The bundle must have a verifier.
    verify_every_candidate : bool
        (with ``cascade``) run the verifier on every first-stage candidate, also those inside a
        refractory period, and keep them all in :attr:`candidates`: what an evaluation needs to
        replay :func:`wakeword.cascade.cascade_events` at other verifier thresholds. The
        detections returned are the same.
    """

    def __init__(self, bundle: Bundle, *, detector: DetectorConfig | None = None,
                 thresholds: Sequence[int] | None = None, history_size: int = 2000,
                 exact_kernels: bool = False, cascade: bool = False, verify_every_candidate: bool = False) -> None:
        self.bundle = bundle
        self.manifest = bundle.manifest
        self.keywords = self.manifest.keywords
        self.features = FeatureExtractor(self.manifest.features)
        stage = self.manifest.personal
        # a personal bundle's template stage reads the model's last hidden layer at every call (the reference
        # kernels keep it; XNNPACK's delegate does not)
        self.model = ModelRunner(bundle.model_bytes, self.manifest.model, source=bundle.source,
                                 exact_kernels=exact_kernels or stage is not None,
                                 capture_tensor=None if stage is None else stage.hidden_tensor)
        config = detector or self.manifest.detector
        self.verifier: Verifier | None = None
        self.verify_every_candidate = verify_every_candidate
        #: with a cascade, every candidate the verifier scored: (keyword, t_ms, first-stage score, verifier score)
        self.candidates: list[tuple[str, int, int, int]] = []
        if cascade:
            spec = self.manifest.verifier
            if spec is None or bundle.verifier_bytes is None:
                raise BundleError(f"{bundle.source}: the bundle has no verifier, so it cannot run as a cascade")
            self.verifier = Verifier(bundle.verifier_bytes, spec, source=f"{bundle.source}/{spec.model.file}",
                                     exact_kernels=exact_kernels)
            self._gate_settings = {"threshold": spec.threshold, "refractory_ms": config.refractory_ms}
            # the first stage proposes; the refractory period follows accepted detections only
            config = dataclasses.replace(config, threshold=spec.first_stage_threshold, refractory_ms=0)
        self.detector = StreamingDetector(self.keywords, config, thresholds=thresholds)
        #: a personal bundle's detector with its template stage (wakeword.personalize.PersonalDetector)
        self.personal = None
        if stage is not None:
            from .personalize import PersonalDetector

            self.personal = PersonalDetector(self.detector, stage)
        self.score_history: deque[tuple[int, np.ndarray]] = deque(maxlen=history_size)
        self.samples_seen = 0
        self._reset_cascade()

    def _reset_cascade(self) -> None:
        if self.verifier is None:
            return
        self._gates = {kw: CascadeGate(**self._gate_settings) for kw in self.keywords}
        self._frames = np.zeros((0, self.manifest.features.channels), np.uint16)
        self._frames_end = 0  # stream index after the newest kept frame
        self.candidates.clear()

    @property
    def verifier_threshold(self) -> int | None:
        """The cascade's verifier threshold (None without a cascade)."""
        return None if self.verifier is None else self._gate_settings["threshold"]

    def set_verifier_threshold(self, threshold: int) -> None:
        """The cascade's verifier threshold (1..255) for every keyword (the app's slider with a cascade)."""
        if self.verifier is None:
            raise BundleError("set_verifier_threshold: this engine runs no cascade")
        if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= 255:
            raise ValueError(f"verifier threshold {threshold!r} must be an integer in 1..255")
        self._gate_settings["threshold"] = threshold
        for gate in self._gates.values():
            gate.threshold = threshold

    def _confirm(self, hits: list[Detection], frame_index: int) -> list[Detection]:
        """The first-stage ``hits`` of the call ending at ``frame_index`` that the verifier confirms."""
        confirmed = []
        end = frame_index + 1 - (self._frames_end - len(self._frames))  # in self._frames
        scores = None
        for hit in hits:
            gate = self._gates[hit.keyword]
            if gate.skips(hit.t_ms) and not self.verify_every_candidate:
                continue
            if scores is None:
                scores = self.verifier.score(self._frames[:end])
            score = int(scores[self.keywords.index(hit.keyword)])
            self.candidates.append((hit.keyword, hit.t_ms, hit.score, score))
            if gate.offer(hit.t_ms, score):
                confirmed.append(dataclasses.replace(hit, verifier_score=score))
        return confirmed

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
        if self.personal is not None:
            self.personal.reset()
        self.score_history.clear()
        self.samples_seen = 0
        self._reset_cascade()

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
        if self.verifier is not None:  # the verifier's context: the newest frames of the stream
            keep = self.verifier.config.context_frames + len(frames)
            self._frames = np.concatenate([self._frames, frames])[-keep:]
            self._frames_end += len(frames)
        found: list[Detection] = []
        frame_end_ms = self.manifest.features.frame_end_ms
        push = self.detector.push
        history = self.score_history.append
        calls = self.model.push_frames(frames)
        hidden = None
        if self.personal is not None:     # the hidden vectors of these calls, in order
            hidden = self.model.captured[-len(calls):] if calls else []
            self.model.captured.clear()
        for i, (frame_index, scores) in enumerate(calls):
            t_ms = frame_end_ms(frame_index)
            history((t_ms, scores))
            hits = push(scores, t_ms) if hidden is None else self.personal.push(scores, hidden[i], t_ms)
            if hits:
                found.extend(hits if self.verifier is None else self._confirm(hits, frame_index))
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
