"""Figures of a cascade (:mod:`wakeword.cascade`): FRR and FA/h for every verifier threshold.

A cascade's detections are its first stage's candidates that :func:`wakeword.cascade.cascade_events`
accepts. Given every candidate with its verifier score (recorded by an engine with
``verify_every_candidate``, or read off a verifier run over the whole stream:
:func:`candidates_from_streams`), the detections at any verifier threshold are a replay of that one
rule, so one pass over the audio gives the whole curve (:func:`cascade_curve`).
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Sequence

import numpy as np

from wakeword.cascade import cascade_events
from wakeword.config import DetectorConfig

from .metrics import DetCurve, ScoreStream, sweep_detections, window_means

#: a candidate: (t_ms, verifier score)
Candidate = tuple[int, int]


def candidates_from_streams(stage1: ScoreStream, verifier: ScoreStream, *, keyword_index: int,
                            detector: DetectorConfig, first_stage_thresholds: Iterable[int],
                            verifier_window: int) -> dict[int, list[Candidate]]:
    """The candidates of one keyword for each first-stage threshold, scored from a verifier run
    over the same stream (the same model calls, from the same start).

    A candidate's verifier score is the floor mean of the verifier's ``verifier_window`` scores up
    to its call: what :class:`wakeword.cascade.Verifier` computes from a fresh state over enough
    context (``VerifierConfig.context_frames``; tests/test_cascade.py checks that they agree). A
    candidate comes ``detector.window`` calls into a stream at the earliest, so ``verifier_window``
    may not be longer.
    """
    if not np.array_equal(stage1.t_ms, verifier.t_ms):
        raise ValueError("the first stage and the verifier must score the same calls of the same stream")
    first_stage = dataclasses.replace(detector, refractory_ms=0)  # the cascade's own first stage
    column = stage1.scores[:, keyword_index:keyword_index + 1]
    single = ScoreStream(stage1.t_ms, column, duration_ms=stage1.duration_ms)
    found = sweep_detections(single, keywords=("k",), detector=first_stage, thresholds=first_stage_thresholds)
    if verifier_window > detector.window:
        raise ValueError(f"the verifier window ({verifier_window}) must not exceed the detector's ({detector.window}): "
                         "a candidate needs that many calls before it")
    means = window_means(verifier.scores[:, keyword_index:keyword_index + 1], verifier_window)[:, 0]
    index = {int(t): i for i, t in enumerate(stage1.t_ms.tolist())}
    return {threshold: [(d.t_ms, int(means[index[d.t_ms]])) for d in detections]
            for threshold, detections in found.items()}


def _by_threshold(candidates: Sequence[Candidate], values: np.ndarray, refractory_ms: int, measure, *,
                  empty: int) -> np.ndarray:
    """``measure(accepted)`` at each verifier threshold of ``values`` (``empty``: what nothing accepted
    measures). The accepted candidates only change where a threshold passes a candidate's score, so
    :func:`~wakeword.cascade.cascade_events` runs once per distinct score."""
    scores = sorted({score for _, score in candidates})
    at = [measure(cascade_events(candidates, threshold=score, refractory_ms=refractory_ms)) for score in scores]
    # threshold T accepts what the lowest candidate score >= T accepts (nothing above the highest)
    position = np.searchsorted(np.asarray(scores, np.int64), values, side="left")
    return np.asarray([at[p] if p < len(at) else empty for p in position.tolist()], np.int64)


def cascade_false_accepts(candidates: Sequence[Candidate], *, thresholds: Iterable[int],
                          refractory_ms: int) -> np.ndarray:
    """Accepted candidates of a negative stream (one keyword) per verifier threshold (increasing)."""
    values = np.asarray(sorted(set(thresholds)), dtype=np.int64)
    return _by_threshold(candidates, values, refractory_ms, len, empty=0)


def cascade_first_hits(candidates: Sequence[Candidate], *, hit_start_ms: int, hit_end_ms: int,
                       thresholds: Iterable[int], refractory_ms: int) -> np.ndarray:
    """``t_ms`` of the first accepted candidate in ``[hit_start_ms, hit_end_ms]`` per verifier
    threshold (increasing), -1 for a miss: a positive trial's hits, as
    :func:`evaluation.metrics.trial_hits` gives them for one stage."""
    values = np.asarray(sorted(set(thresholds)), dtype=np.int64)

    def first(accepted):
        return next((t for t, _ in accepted if hit_start_ms <= t <= hit_end_ms), -1)

    return _by_threshold(candidates, values, refractory_ms, first, empty=-1)


def cascade_curve(positives: Sequence[tuple[int, int, Sequence[Candidate]]], negatives: Sequence[Sequence[Candidate]],
                  *, hours: float, refractory_ms: int, thresholds: Iterable[int]) -> DetCurve:
    """FRR and FA/h of a cascade for each verifier threshold.

    Parameters
    ----------
    positives : sequence of (hit_start_ms, hit_end_ms, candidates)
        One per positive trial: a trial is detected when an accepted candidate falls in
        ``[hit_start_ms, hit_end_ms]``.
    negatives : sequence of candidate lists
        One per negative stream: every accepted candidate is a false accept.
    hours : float
        Hours of negative audio.
    refractory_ms : int
    thresholds : iterable of int
        Verifier thresholds (1..255) to sweep.
    """
    values = np.asarray(sorted(set(thresholds)), dtype=np.int64)
    misses = np.zeros(len(values), np.int64)
    accepts = np.zeros(len(values), np.int64)
    for start, end, candidates in positives:
        misses += cascade_first_hits(candidates, hit_start_ms=start, hit_end_ms=end, thresholds=values,
                                     refractory_ms=refractory_ms) < 0
    for candidates in negatives:
        accepts += cascade_false_accepts(candidates, thresholds=values, refractory_ms=refractory_ms)
    return DetCurve(values, misses, accepts, positives=len(positives), hours=float(hours))
