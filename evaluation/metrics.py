"""False rejects, false accepts per hour and DET curves by replaying stored scores.

The model runs once per stream (:mod:`evaluation.suite` stores its uint8 scores with
their ``t_ms``); every threshold is then evaluated by feeding those scores to a
fresh :class:`wakeword.detector.StreamingDetector`. Nothing here decides a
detection: windowing, thresholds, ring clearing and refractory periods are the
detector's alone.

What numpy does here is only *skip scores that cannot matter*, which keeps a
255-threshold sweep over many hours fast and still exact:

* ``S[j]`` is the sum of the ``window`` raw scores ending at index ``j`` (no
  refractory, no clearing), and ``floor(S[j] / window)`` its window mean.
  The detector can only fire at ``j`` if ``S[j] >= threshold * window``: when its
  ring is full it holds exactly the last ``window`` accepted scores, a subset of
  those raw scores (scores are >= 0). Such ``j`` are *candidates*.
* The detector is fed only the scores in ``[i - window + 1, i + window]`` around
  each candidate ``i`` (their real times), with the real score where the index
  lies in ``[i - window + 1, i]`` and 0 elsewhere. At a candidate the ring then
  holds the same scores as in the full replay; anywhere else its sum is at most
  ``S[j] < threshold * window``; the ``window`` zeros after each run of fed scores
  keep stale scores from reaching the next run. Detections, and so refractory
  periods, are identical to a full replay (``tests/test_eval_metrics.py`` checks
  this against the full replay on random streams).
* Thresholds that leave the same candidate set give the same detections, so one
  replay serves all of them.
"""

from __future__ import annotations

import dataclasses
import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Iterable, Sequence

import numpy as np

from wakeword.config import DetectorConfig
from wakeword.detector import Detection, replay

ALL_THRESHOLDS = tuple(range(1, 256))
MS_PER_HOUR = 3_600_000


def _replay(keywords: Sequence[str], config: DetectorConfig, t_ms: np.ndarray, scores: np.ndarray,
            threshold: int) -> list[Detection]:
    """A fresh StreamingDetector over (t_ms, scores), every keyword at ``threshold``."""
    return replay(keywords, config, t_ms, scores, thresholds=[threshold] * len(keywords))


@dataclass(frozen=True)
class ScoreStream:
    """The stored output of one model over one continuous stream.

    Attributes
    ----------
    t_ms : ndarray of int64, shape (n,)
        Stream time of each model call (ms since the first sample), strictly increasing.
    scores : ndarray of uint8, shape (n, keywords)
        The model's scores, as in :attr:`wakeword.engine.Engine.score_history`.
    duration_ms : int
        Length of the audio the scores come from, in ms (the "hours" of FA/h).
    """

    t_ms: np.ndarray
    scores: np.ndarray
    duration_ms: int

    def __post_init__(self) -> None:
        t = np.asarray(self.t_ms, dtype=np.int64)
        s = np.asarray(self.scores, dtype=np.uint8)
        if s.ndim == 1:
            s = s[:, None]
        if t.ndim != 1 or s.ndim != 2 or len(t) != len(s):
            raise ValueError(f"t_ms (n,) and scores (n, keywords) do not match: {t.shape} vs {s.shape}")
        if len(t) > 1 and np.any(np.diff(t) <= 0):
            raise ValueError("t_ms must strictly increase")
        object.__setattr__(self, "t_ms", t)
        object.__setattr__(self, "scores", s)

    @property
    def hours(self) -> float:
        return self.duration_ms / MS_PER_HOUR

    def segment(self, start_ms: int, end_ms: int) -> "ScoreStream":
        """The scores with ``start_ms < t_ms <= end_ms`` (a clip and its context)."""
        lo, hi = np.searchsorted(self.t_ms, [start_ms, end_ms], side="right")
        return ScoreStream(self.t_ms[lo:hi], self.scores[lo:hi], end_ms - start_ms)


@dataclass(frozen=True)
class PositiveTrial:
    """One positive clip (with its context) for one keyword.

    Attributes
    ----------
    stream : ScoreStream
        Scores over the clip and its context; a fresh detector replays it.
    keyword : str
        The keyword spoken in the clip.
    hit_start_ms, hit_end_ms : int
        A detection of ``keyword`` with ``hit_start_ms <= t_ms <= hit_end_ms`` is a hit
        (from the start of speech to the end of the trailing context).
    speech_end_ms : int
        End of speech (energy gate), for latency = detection ``t_ms`` - ``speech_end_ms``.
    """

    stream: ScoreStream
    keyword: str
    hit_start_ms: int
    hit_end_ms: int
    speech_end_ms: int


@dataclass(frozen=True)
class OperatingPoint:
    threshold: int
    frr: float
    fa_per_hour: float


@dataclass(frozen=True)
class DetCurve:
    """False rejects and false accepts for each threshold.

    Attributes
    ----------
    thresholds : ndarray of int, shape (m,)
        Increasing detector thresholds (1..255).
    false_rejects, false_accepts : ndarray of int64, shape (m,)
    positives : int
        Number of positive trials.
    hours : float
        Hours of negative audio.
    median_latency_ms : ndarray of float, shape (m,), or None
        Median of (first hit ``t_ms`` - the trial's ``speech_end_ms``) over the trials detected at
        each threshold (NaN where none is); None when the trials' speech ends are not known.
    """

    thresholds: np.ndarray
    false_rejects: np.ndarray
    false_accepts: np.ndarray
    positives: int
    hours: float
    median_latency_ms: np.ndarray | None = None

    @property
    def frr(self) -> np.ndarray:
        """False reject rate per threshold (0..1; NaN without positives)."""
        if self.positives == 0:
            return np.full(len(self.thresholds), np.nan)
        return self.false_rejects / self.positives

    @property
    def fa_per_hour(self) -> np.ndarray:
        """False accepts per hour of negative audio per threshold (NaN without negatives)."""
        if self.hours <= 0:
            return np.full(len(self.thresholds), np.nan)
        return self.false_accepts / self.hours

    def at(self, threshold: int) -> OperatingPoint:
        """The operating point of one swept threshold."""
        index = np.flatnonzero(self.thresholds == threshold)
        if len(index) == 0:
            raise ValueError(f"threshold {threshold} was not swept")
        i = int(index[0])
        return OperatingPoint(int(threshold), float(self.frr[i]), float(self.fa_per_hour[i]))

    def latency_at(self, threshold: int) -> float | None:
        """Median latency (ms) of the detected trials at one swept threshold; None when unknown or
        nothing was detected."""
        if self.median_latency_ms is None:
            return None
        value = float(self.median_latency_ms[int(np.flatnonzero(self.thresholds == threshold)[0])])
        return None if np.isnan(value) else value


def _checked_thresholds(thresholds: Iterable[int] | None) -> np.ndarray:
    values = np.asarray(sorted(set(ALL_THRESHOLDS if thresholds is None else thresholds)), dtype=np.int64)
    if len(values) == 0 or values[0] < 1 or values[-1] > 255:
        raise ValueError("thresholds must be a non-empty set of integers in 1..255")
    return values


def window_means(scores: np.ndarray, window: int) -> np.ndarray:
    """``floor(S / window)`` of the raw rolling sum ``S`` of ``window`` scores (no refractory).

    Parameters
    ----------
    scores : ndarray of uint8, shape (n, keywords)
    window : int

    Returns
    -------
    ndarray of int32, shape (n, keywords)
        -1 where fewer than ``window`` scores exist yet. The detector can only
        fire at index ``j`` with threshold ``T`` if ``window_means[j] >= T``.
    """
    scores = np.asarray(scores)
    n = len(scores)
    out = np.full(scores.shape, -1, dtype=np.int32)
    if n >= window:
        csum = np.cumsum(scores, axis=0, dtype=np.int64)
        total = csum[window - 1:].copy()
        total[1:] -= csum[:n - window]
        out[window - 1:] = total // window
    return out


def trigger_levels(scores: np.ndarray, detector: DetectorConfig) -> np.ndarray:
    """The highest threshold at which the detector could fire at each index (no refractory): the
    window mean, or with a fast path (``detector.fast_window``) the mean of the newest
    ``fast_window`` scores less ``detector.fast_margin`` (255 where that mean is 255: the fast
    threshold is ``min(T + fast_margin, 255)``), whichever is higher. Below 1 where neither can fire
    at any threshold. Increasing the threshold only removes indices."""
    levels = window_means(scores, detector.window)
    if detector.fast_window:
        levels = np.maximum(levels, _fast_levels(scores, detector))
    return levels


def _fast_levels(scores: np.ndarray, detector: DetectorConfig) -> np.ndarray:
    """The highest threshold at which the fast path alone could fire at each index (-1: none)."""
    fast = window_means(scores, detector.fast_window)
    return np.where(fast >= 255, 255, np.where(fast >= 0, fast - detector.fast_margin, -1))


def _candidate_counts(means: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """(m, keywords): how many indices of each keyword have ``means >= T``."""
    counts = np.zeros((len(thresholds), means.shape[1]), dtype=np.int64)
    for k in range(means.shape[1]):
        column = means[:, k]
        hist = np.bincount(np.clip(column[column >= 0], 0, 256), minlength=257)
        at_least = np.cumsum(hist[::-1])[::-1]  # at_least[v] = count of means >= v
        counts[:, k] = at_least[thresholds]
    return counts


def _dilate(mask: np.ndarray, before: int, after: int) -> np.ndarray:
    """out[j] = any(mask[j - after .. j + before]) per column: each True spreads ``before``
    indices earlier and ``after`` indices later."""
    n = len(mask)
    csum = np.zeros((n + 1,) + mask.shape[1:], dtype=np.int64)
    np.cumsum(mask, axis=0, out=csum[1:])
    j = np.arange(n)
    lo = np.clip(j - after, 0, n)
    hi = np.clip(j + before + 1, 0, n)
    return (csum[hi] - csum[lo]) > 0


def _pruned_replay(stream: ScoreStream, means: np.ndarray, keywords: Sequence[str], config: DetectorConfig,
                   threshold: int) -> list[Detection]:
    """Exactly the detections of a full replay at ``threshold`` (see the module docstring)."""
    window = config.window
    candidates = means >= threshold
    if not candidates.any():
        return []
    real = _dilate(candidates, window - 1, 0)          # [i - w + 1, i] keeps its real score
    fed = _dilate(candidates.any(axis=1), window - 1, window)  # ... and w zeros follow
    index = np.flatnonzero(fed)
    values = np.where(real[index], stream.scores[index], 0).astype(np.uint8)
    return _replay(keywords, config, stream.t_ms[index], values, threshold)


def sweep_detections(stream: ScoreStream, *, keywords: Sequence[str], detector: DetectorConfig,
                     thresholds: Iterable[int] | None = None) -> dict[int, list[Detection]]:
    """Detections of a fresh detector over ``stream`` for each threshold.

    Parameters
    ----------
    stream : ScoreStream
        ``scores`` has one column per keyword, in ``keywords`` order.
    keywords : sequence of str
    detector : DetectorConfig
        Window and refractory period; its ``threshold`` is replaced by each swept one.
    thresholds : iterable of int, optional
        Thresholds 1..255 (default: all).

    Returns
    -------
    dict threshold -> list of Detection (equal to ``StreamingDetector`` fed every score).
    """
    values = _checked_thresholds(thresholds)
    if stream.scores.shape[1] != len(keywords):
        raise ValueError(f"{stream.scores.shape[1]} score columns for {len(keywords)} keywords")
    means = trigger_levels(stream.scores, detector)
    counts = _candidate_counts(means, values)
    if detector.fast_window:
        # after a detection empties the ring, each rule's own test decides whether and which fires (and so
        # the score reported): two thresholds replay alike only if neither rule's levels lie between them
        counts = np.concatenate([counts, _candidate_counts(window_means(stream.scores, detector.window), values),
                                 _candidate_counts(_fast_levels(stream.scores, detector), values)], axis=1)
    out: dict[int, list[Detection]] = {}
    cache: dict[bytes, list[Detection]] = {}
    for threshold, key in zip(values.tolist(), counts):
        if not key.any():
            out[threshold] = []
            continue
        signature = key.tobytes()
        if signature not in cache:  # same candidates -> same detections
            cache[signature] = _pruned_replay(stream, means, keywords, detector, threshold)
        out[threshold] = cache[signature]
    return out


def replay_detections(stream: ScoreStream, *, keywords: Sequence[str], detector: DetectorConfig,
                      threshold: int) -> list[Detection]:
    """Detections of a fresh detector over ``stream`` at one threshold (1..255)."""
    return sweep_detections(stream, keywords=keywords, detector=detector, thresholds=[threshold])[threshold]


def count_false_accepts(stream: ScoreStream, *, keywords: Sequence[str], detector: DetectorConfig,
                        thresholds: Iterable[int] | None = None) -> np.ndarray:
    """Detections (of any keyword) in a negative stream, per threshold.

    Returns
    -------
    ndarray of int64, shape (m,), in increasing threshold order.
    """
    found = sweep_detections(stream, keywords=keywords, detector=detector, thresholds=thresholds)
    return np.asarray([len(found[t]) for t in sorted(found)], dtype=np.int64)


def trial_hits(trial: PositiveTrial, *, keywords: Sequence[str], detector: DetectorConfig,
               thresholds: Iterable[int] | None = None) -> np.ndarray:
    """Time of the first hit of a positive trial, per threshold.

    Only the trial's keyword is replayed (the detector treats keywords independently).

    Returns
    -------
    ndarray of int64, shape (m,)
        ``t_ms`` of the first detection of ``trial.keyword`` in the hit window, -1 for a miss.
    """
    keywords = tuple(keywords)
    if trial.keyword not in keywords:
        raise ValueError(f"trial keyword {trial.keyword!r} is not one of {keywords}")
    column = keywords.index(trial.keyword)
    single = ScoreStream(trial.stream.t_ms, trial.stream.scores[:, column:column + 1], trial.stream.duration_ms)
    found = sweep_detections(single, keywords=(trial.keyword,), detector=detector, thresholds=thresholds)
    out = np.full(len(found), -1, dtype=np.int64)
    for i, threshold in enumerate(sorted(found)):
        for detection in found[threshold]:
            if trial.hit_start_ms <= detection.t_ms <= trial.hit_end_ms:
                out[i] = detection.t_ms
                break
    return out


def false_accepts_per_hour(negatives: Sequence[ScoreStream], *, keywords: Sequence[str],
                           detector: DetectorConfig, threshold: int) -> float:
    """False accepts per hour over negative streams at one threshold.

    Parameters
    ----------
    negatives : sequence of ScoreStream
        Streams without the keyword(s); each is replayed by a fresh detector.
    keywords, detector : as in :func:`sweep_detections`.
    threshold : int
        1..255.

    Returns
    -------
    float
        Detections of any keyword / total hours (``duration_ms``); NaN without audio.
    """
    hours = sum(s.hours for s in negatives)
    count = sum(int(count_false_accepts(s, keywords=keywords, detector=detector, thresholds=[threshold])[0])
                for s in negatives)
    return count / hours if hours > 0 else math.nan


def false_reject_rate(positives: Sequence[PositiveTrial], *, keywords: Sequence[str],
                      detector: DetectorConfig, threshold: int) -> float:
    """Fraction of positive trials without a hit at one threshold (NaN without trials)."""
    if not positives:
        return math.nan
    misses = sum(int(trial_hits(t, keywords=keywords, detector=detector, thresholds=[threshold])[0] < 0)
                 for t in positives)
    return misses / len(positives)


def _trial_job(args) -> np.ndarray:
    trial, keywords, detector, thresholds = args
    return trial_hits(trial, keywords=keywords, detector=detector, thresholds=thresholds)


def _negative_job(args) -> np.ndarray:
    stream, keywords, detector, thresholds = args
    return count_false_accepts(stream, keywords=keywords, detector=detector, thresholds=thresholds)


def det_curve(positives: Sequence[PositiveTrial], negatives: Sequence[ScoreStream], *,
              keywords: Sequence[str], detector: DetectorConfig,
              thresholds: Iterable[int] | None = None, workers: int = 1) -> DetCurve:
    """FRR and FA/h for every threshold (default 1..255), by detector replay.

    Parameters
    ----------
    positives : sequence of PositiveTrial
    negatives : sequence of ScoreStream
    keywords, detector : as in :func:`sweep_detections`.
    thresholds : iterable of int, optional
    workers : int
        Worker processes for the replays (1: in this process).

    Returns
    -------
    DetCurve
    """
    values = _checked_thresholds(thresholds)
    keywords = tuple(keywords)
    trial_jobs = [(t, keywords, detector, values) for t in positives]
    negative_jobs = [(s, keywords, detector, values) for s in negatives]
    if workers > 1 and len(trial_jobs) + len(negative_jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            hits = list(pool.map(_trial_job, trial_jobs, chunksize=16))
            accepts = list(pool.map(_negative_job, negative_jobs))
    else:
        hits = [_trial_job(job) for job in trial_jobs]
        accepts = [_negative_job(job) for job in negative_jobs]
    return curve_from_counts(values, hits=hits, false_accepts=accepts,
                             hours=sum(s.hours for s in negatives),
                             speech_end_ms=[t.speech_end_ms for t in positives])


def median_latency(hits: Sequence[np.ndarray], speech_end_ms: Sequence[int], n_thresholds: int) -> np.ndarray:
    """Per threshold, the median of (first hit time - speech end) over the trials hit (NaN: none)."""
    if not len(hits):
        return np.full(n_thresholds, np.nan)
    times = np.asarray(hits, dtype=np.float64).reshape(len(hits), n_thresholds)
    delay = times - np.asarray(speech_end_ms, dtype=np.float64)[:, None]
    delay[times < 0] = np.nan
    out = np.full(n_thresholds, np.nan)
    some = ~np.all(np.isnan(delay), axis=0)
    out[some] = np.nanmedian(delay[:, some], axis=0)
    return out


def curve_from_counts(thresholds: np.ndarray, *, hits: Sequence[np.ndarray], false_accepts: Sequence[np.ndarray],
                      hours: float, speech_end_ms: Sequence[int] | None = None) -> DetCurve:
    """Aggregate per-trial first-hit times and per-stream false-accept counts into a DetCurve (with
    each threshold's median latency when the trials' ``speech_end_ms`` are given)."""
    thresholds = np.asarray(thresholds, dtype=np.int64)
    misses = np.zeros(len(thresholds), dtype=np.int64)
    for h in hits:
        misses += np.asarray(h) < 0
    accepts = np.zeros(len(thresholds), dtype=np.int64)
    for a in false_accepts:
        accepts += np.asarray(a, dtype=np.int64)
    latency = None if speech_end_ms is None else median_latency(hits, speech_end_ms, len(thresholds))
    return DetCurve(thresholds, misses, accepts, positives=len(hits), hours=float(hours), median_latency_ms=latency)


def frr_at_fa_per_hour(curve: DetCurve, target: float) -> OperatingPoint | None:
    """Best operating point with at most ``target`` false accepts per hour (no interpolation).

    Among the swept thresholds whose FA/h is ``<= target``: the lowest FRR, then the
    lowest FA/h, then the highest threshold. None if no threshold meets the target
    (or the curve has no negative audio).
    """
    fa = curve.fa_per_hour
    frr = curve.frr
    ok = np.flatnonzero(np.isfinite(fa) & (fa <= target))
    if len(ok) == 0:
        return None
    order = sorted(ok.tolist(), key=lambda i: (frr[i] if np.isfinite(frr[i]) else math.inf, fa[i],
                                               -curve.thresholds[i]))
    i = order[0]
    return OperatingPoint(int(curve.thresholds[i]), float(frr[i]), float(fa[i]))


def window_mean_histogram(stream: ScoreStream, *, window: int) -> np.ndarray:
    """How often each window mean 0..255 occurs (all keywords pooled), shape (256,) int64."""
    means = window_means(stream.scores, window)
    return np.bincount(np.clip(means[means >= 0], 0, 255), minlength=256).astype(np.int64)


def peak_window_mean(trial: PositiveTrial, *, keywords: Sequence[str], window: int) -> int:
    """Largest window mean of the trial's keyword over its hit window (-1 if none)."""
    column = tuple(keywords).index(trial.keyword)
    means = window_means(trial.stream.scores[:, column:column + 1], window)[:, 0]
    t = trial.stream.t_ms
    inside = (t >= trial.hit_start_ms) & (t <= trial.hit_end_ms)
    return int(means[inside].max()) if inside.any() else -1


def with_threshold(detector: DetectorConfig, threshold: int) -> DetectorConfig:
    """The same detector settings at another threshold."""
    return dataclasses.replace(detector, threshold=threshold)
