"""The integer detector: uint8 scores in, detections out.

One algorithm, mirrored bit for bit by ``firmware/src/detector.h`` and checked by
the vectors in ``tests/vectors/``. For each keyword, independently:

1. Scores arriving while ``t_ms < refractory_until_ms`` are dropped.
2. Otherwise the score enters a ring of the last ``window`` scores; ``sum`` is
   their total (uint32 arithmetic).
3. When the ring is full and ``sum >= threshold * window`` the keyword is
   detected: ``Detection(keyword, t_ms, score=sum // window)``. With a fast path
   (``fast_window = k > 0``), ``fast_sum`` is the total of the newest ``k``
   scores in the ring; when the ring holds at least ``k`` scores and
   ``fast_sum >= min(threshold + fast_margin, 255) * k`` (and step 3's test fails)
   it is detected with ``score = fast_sum // k``. Either way the ring is emptied
   and ``refractory_until_ms = t_ms + refractory_ms``.

``t_ms`` must strictly increase from one :meth:`StreamingDetector.push` to the
next: time going backwards (or standing still) raises :class:`DetectorError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .config import DetectorConfig
from .errors import DetectorError


@dataclass(frozen=True)
class Detection:
    """A wake word event.

    keyword : str
    t_ms : int
        Stream time (ms since the first sample) at the end of the newest feature
        frame of the triggering model call.
    score : int
        Window mean of the uint8 scores at the trigger (0..255; probability * 256).
    verifier_score : int or None
        With a cascade, the verifier's window mean that confirmed it (0..255).
    """

    keyword: str
    t_ms: int
    score: int
    #: the second stage's score when a verifier confirmed it (:mod:`wakeword.cascade`), else None
    verifier_score: int | None = None

    def to_dict(self) -> dict:
        out = {"keyword": self.keyword, "t_ms": self.t_ms, "score": self.score}
        if self.verifier_score is not None:
            out["verifier_score"] = self.verifier_score
        return out


class _KeywordState:
    __slots__ = ("threshold", "ring", "pos", "count", "total", "fast_total", "refractory_until_ms")

    def __init__(self, threshold: int, window: int) -> None:
        self.threshold = threshold
        self.ring = [0] * window
        self.pos = 0
        self.count = 0
        self.total = 0
        self.fast_total = 0
        self.refractory_until_ms = -1

    def clear(self) -> None:
        for i in range(len(self.ring)):
            self.ring[i] = 0
        self.pos = self.count = self.total = self.fast_total = 0


class StreamingDetector:
    """Moving-average, threshold and refractory period over uint8 scores.

    Parameters
    ----------
    keywords : sequence of str
        Output order of the model.
    config : DetectorConfig
        ``threshold`` applies to every keyword unless ``thresholds`` is given.
    thresholds : sequence of int, optional
        One threshold (1..255) per keyword.
    """

    def __init__(self, keywords: Sequence[str], config: DetectorConfig, *,
                 thresholds: Sequence[int] | None = None) -> None:
        self.keywords = tuple(keywords)
        if not self.keywords:
            raise DetectorError("the detector needs at least one keyword")
        self.config = config
        if thresholds is None:
            thresholds = [config.threshold] * len(self.keywords)
        if len(thresholds) != len(self.keywords):
            raise DetectorError(f"{len(thresholds)} thresholds for {len(self.keywords)} keywords")
        self._states = [_KeywordState(self._checked_threshold(t), config.window) for t in thresholds]
        self._last_t_ms: int | None = None

    @staticmethod
    def _checked_threshold(value: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 255:
            raise DetectorError(f"threshold {value!r} must be an integer in 1..255")
        return value

    @property
    def thresholds(self) -> tuple[int, ...]:
        return tuple(s.threshold for s in self._states)

    def set_threshold(self, threshold: int, keyword: str | None = None) -> None:
        """Change the threshold of one keyword (or all); the window content is kept."""
        threshold = self._checked_threshold(threshold)
        for kw, state in zip(self.keywords, self._states):
            if keyword is None or keyword == kw:
                state.threshold = threshold
        if keyword is not None and keyword not in self.keywords:
            raise DetectorError(f"unknown keyword {keyword!r}; known: {', '.join(self.keywords)}")

    def reset(self) -> None:
        """Forget all scores, refractory periods and the last time seen."""
        for state in self._states:
            state.clear()
            state.refractory_until_ms = -1
        self._last_t_ms = None

    def push(self, scores: Sequence[int], t_ms: int) -> list[Detection]:
        """Add one model output (one uint8 score per keyword) at stream time ``t_ms``.

        Returns
        -------
        list of Detection, in keyword order (usually empty).
        """
        if len(scores) != len(self._states):
            raise DetectorError(f"got {len(scores)} scores for {len(self._states)} keywords")
        t_ms = int(t_ms)
        if self._last_t_ms is not None and t_ms <= self._last_t_ms:
            raise DetectorError(f"time went backwards: t_ms={t_ms} after t_ms={self._last_t_ms}")
        self._last_t_ms = t_ms
        window = self.config.window
        fast = self.config.fast_window
        margin = self.config.fast_margin
        found: list[Detection] = []
        if isinstance(scores, np.ndarray):  # plain ints: numpy scalars cost more than the work below
            scores = scores.tolist()
        for keyword, state, score in zip(self.keywords, self._states, scores):
            score = int(score)
            if not 0 <= score <= 255:
                raise DetectorError(f"score {score} for {keyword!r} is not a uint8")
            if t_ms < state.refractory_until_ms:
                continue
            if fast:  # the score leaving the newest-k span (the one overwritten when k == window)
                state.fast_total += score - state.ring[(state.pos - fast) % window]
            state.total += score - state.ring[state.pos]
            state.ring[state.pos] = score
            state.pos = (state.pos + 1) % window
            if state.count < window:
                state.count += 1
            if state.count == window and state.total >= state.threshold * window:
                found.append(Detection(keyword, t_ms, state.total // window))
            elif fast and state.count >= fast and state.fast_total >= min(state.threshold + margin, 255) * fast:
                found.append(Detection(keyword, t_ms, state.fast_total // fast))
            else:
                continue
            state.clear()
            state.refractory_until_ms = t_ms + self.config.refractory_ms
        return found


def replay(keywords: Sequence[str], config: DetectorConfig, t_ms: Sequence[int], scores,
           *, thresholds: Sequence[int] | None = None) -> list[Detection]:
    """Detections of a fresh :class:`StreamingDetector` over a recorded score sequence.

    Parameters
    ----------
    t_ms : (n,) stream times, strictly increasing.
    scores : (n, keywords) uint8 scores, as stored in ``Engine.score_history``.
    """
    push = StreamingDetector(keywords, config, thresholds=thresholds).push
    found: list[Detection] = []
    # plain ints: a numpy scalar per push costs more than the detector's own work
    for t, row in zip(np.asarray(t_ms).tolist(), np.asarray(scores).tolist()):
        hits = push(row, t)
        if hits:
            found.extend(hits)
    return found
