"""The cascade: a larger model confirms each first-stage detection (phones and desktops).

The first stage is the bundle's small model and integer detector, run at
``verifier.first_stage_threshold`` and without a refractory period of its own. Each of its
detections is a *candidate*; the verifier (``manifest.verifier``, a second model of the same
training run) scores it from a fresh state over the feature frames that end at the triggering
call (:class:`Verifier`), and :func:`cascade_events` keeps the candidates whose verifier score
reaches ``verifier.threshold``, with the detector's refractory period after each one kept.

The verifier runs only on candidates, so it costs a few model calls per candidate, not per
second of audio. The microcontroller ships the first stage alone (``firmware/``) and can hand a
candidate to a phone running this second stage.

:func:`cascade_events` is the one statement of the acceptance rule: the engine applies it one
candidate at a time, the evaluation replays it over recorded candidates for every threshold.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from .config import VerifierConfig
from .model import ModelRunner


class Verifier:
    """Scores a first-stage candidate with the verifier model.

    Parameters
    ----------
    model_bytes : bytes
        The verifier's ``.tflite`` (``Bundle.verifier_bytes``).
    config : VerifierConfig
    source : str
        Name used in error messages.
    exact_kernels : bool
        As for :class:`wakeword.model.ModelRunner`.
    """

    def __init__(self, model_bytes: bytes, config: VerifierConfig, *, source: str = "verifier",
                 exact_kernels: bool = False) -> None:
        self.config = config
        self.runner = ModelRunner(model_bytes, config.model, source=source, exact_kernels=exact_kernels)

    def score(self, frames: np.ndarray) -> np.ndarray:
        """The verifier's score of the candidate whose triggering call ends with ``frames[-1]``.

        Parameters
        ----------
        frames : ndarray of uint16, shape (n, channels)
            Feature frames of the stream up to and including the triggering call's newest frame
            (the last ``context_frames`` are used; fewer are padded with silence in front, as a
            stream that began quiet). The candidate's call must end on a multiple of the stride
            (every first-stage call does), so the verifier's calls fall where the stream's do.

        Returns
        -------
        ndarray of int64, shape (keywords,)
            Per keyword, the mean (floor) of the verifier's last ``window`` uint8 scores.
        """
        context = self.config.context_frames
        frames = np.asarray(frames)
        if len(frames) < context:
            frames = np.concatenate([np.zeros((context - len(frames), frames.shape[1]), frames.dtype), frames])
        self.runner.reset()
        calls = self.runner.push_frames(frames[-context:])
        last = np.stack([scores for _, scores in calls[-self.config.window:]]).astype(np.int64)
        return last.sum(axis=0) // self.config.window


class CascadeGate:
    """The acceptance rule of one keyword, one candidate at a time (:func:`cascade_events`).

    A candidate inside the refractory period of the last accepted one is skipped (:meth:`skips`:
    the engine does not even run the verifier on it); any other is accepted when its verifier
    score reaches ``threshold``, which starts a refractory period of ``refractory_ms``.
    """

    def __init__(self, *, threshold: int, refractory_ms: int) -> None:
        self.threshold = threshold
        self.refractory_ms = refractory_ms
        self.until: int | None = None

    def skips(self, t_ms: int) -> bool:
        return self.until is not None and t_ms < self.until

    def offer(self, t_ms: int, score: int) -> bool:
        """Whether the candidate at ``t_ms`` with verifier ``score`` becomes a detection."""
        if self.skips(t_ms) or score < self.threshold:
            return False
        self.until = t_ms + self.refractory_ms
        return True


def cascade_events(candidates: Iterable[tuple[int, int]], *, threshold: int, refractory_ms: int) -> list[tuple[int, int]]:
    """The candidates of one keyword that the cascade turns into detections.

    Parameters
    ----------
    candidates : iterable of (t_ms, verifier_score), in time order
        Every first-stage detection of the keyword (a candidate inside the refractory period of
        an accepted one need not carry a real score: it is skipped unseen).
    threshold : int
        The verifier threshold (a score >= it is accepted).
    refractory_ms : int
        After an accepted candidate, candidates before ``t_ms + refractory_ms`` are skipped.

    Returns
    -------
    list of (t_ms, verifier_score)
        The accepted candidates.
    """
    gate = CascadeGate(threshold=threshold, refractory_ms=refractory_ms)
    return [(t_ms, score) for t_ms, score in candidates if gate.offer(t_ms, score)]
