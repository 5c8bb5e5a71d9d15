"""Model-health telemetry: counters a product needs to see drift, never audio or features.

Opt-in: nothing here runs unless a :class:`HealthMonitor` is created around an engine, and nothing
leaves the device unless the application sends :meth:`HealthMonitor.report` itself (the runtime has
no network code; docs/PRIVACY.md lists every field). A report holds, for one model over the time
monitored:

* ``hours``: audio listened to;
* ``detections`` and ``near_misses``: events whose detector window mean came within
  ``near_miss_margin`` of the threshold without reaching it (once per ``refractory_ms``);
* ``peak_histogram``: per second of audio, the highest window mean of the first keyword, in
  16 bins of 16 (0..255);
* ``level_histogram``: per second, the audio level (RMS dBFS) in 10 dB bins from -100 to 0;
* ``dropped_ms``: audio the microphone lost (ring overruns), when the application reports it.

For aggregation across devices without trusting the collector with one device's counts,
:func:`privatize` adds Laplace noise of scale ``sensitivity / epsilon`` to every count (local
differential privacy, epsilon stated in the report), and :func:`aggregate` sums reports of a
cohort. :func:`drift` compares a cohort's rates with a baseline and names what rose: near misses
or detections per hour (a false-accept proxy), or louder rooms.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .errors import ConfigError

REPORT_VERSION = 1
PEAK_BINS = 16
LEVEL_BINS = 10  # -100..-90, ..., -10..0 dBFS
SAMPLE_RATE_HZ = 16000


@dataclass
class HealthReport:
    """The counters of one model; nothing else, and never audio, features or scores of a moment."""

    model: str
    hours: float = 0.0
    detections: float = 0.0
    near_misses: float = 0.0
    dropped_ms: float = 0.0
    peak_histogram: list[float] = field(default_factory=lambda: [0.0] * PEAK_BINS)
    level_histogram: list[float] = field(default_factory=lambda: [0.0] * LEVEL_BINS)
    epsilon: float | None = None  # set when privatized: the differential-privacy budget spent
    version: int = REPORT_VERSION

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def rate(self, count: str) -> float:
        """A count per hour of audio (0 without audio)."""
        return getattr(self, count) / self.hours if self.hours > 0 else 0.0


class HealthMonitor:
    """Wraps an :class:`wakeword.engine.Engine`: :meth:`feed` passes audio on and counts.

    near_miss_margin : a window mean within this many score steps below the threshold (of the
        first keyword) is a near miss.
    """

    def __init__(self, engine, *, near_miss_margin: int = 32) -> None:
        if not 1 <= near_miss_margin <= 254:
            raise ConfigError(f"near_miss_margin must be in 1..254, got {near_miss_margin}")
        self.engine = engine
        self.margin = near_miss_margin
        manifest = engine.manifest
        self._report = HealthReport(model=f"{manifest.name}@{manifest.version}")
        self._window: list[int] = []
        self._second_peak = 0
        self._second_samples = 0
        self._second_energy = 0.0
        self._near_until_ms = -1
        self._in_band = False
        self._last_t_ms: int | None = None  # stream time of the newest model call counted

    def feed(self, samples: np.ndarray) -> list:
        """The engine's detections for ``samples``; the counters move with them."""
        found = self.engine.feed(samples)
        self._count_calls(self._new_calls(), found)
        self._count_audio(np.asarray(samples, dtype=np.float64))
        self._report.detections += len(found)
        return found

    def _new_calls(self) -> list:
        """The model calls of the engine's score history not counted yet, oldest first (read from
        the newest end: a feed adds a few calls to a history of thousands)."""
        new = []
        for t_ms, scores in reversed(self.engine.score_history):
            if self._last_t_ms is not None and t_ms <= self._last_t_ms:
                break
            new.append((t_ms, scores))
        return new[::-1]

    def _count_calls(self, calls, found) -> None:
        detector = self.engine.detector
        window, threshold = detector.config.window, detector.thresholds[0]
        detected_ms = {d.t_ms for d in found}
        for t_ms, scores in calls:
            self._last_t_ms = t_ms
            self._window = (self._window + [int(scores[0])])[-window:]
            mean = sum(self._window) // len(self._window)
            self._second_peak = max(self._second_peak, mean)
            near = threshold - self.margin <= mean < threshold and len(self._window) == window
            if t_ms in detected_ms:
                self._window, self._in_band = [], False
                self._near_until_ms = t_ms + detector.config.refractory_ms
            elif near and not self._in_band and t_ms >= self._near_until_ms:
                self._report.near_misses += 1
                self._near_until_ms = t_ms + detector.config.refractory_ms
            self._in_band = near

    def _count_audio(self, samples: np.ndarray) -> None:
        report = self._report
        report.hours += len(samples) / SAMPLE_RATE_HZ / 3600
        start = 0
        while start < len(samples):
            take = min(len(samples) - start, SAMPLE_RATE_HZ - self._second_samples)
            part = samples[start:start + take]
            self._second_energy += float(np.dot(part, part))
            self._second_samples += take
            start += take
            if self._second_samples == SAMPLE_RATE_HZ:  # one second complete: its level and peak
                rms = np.sqrt(self._second_energy / SAMPLE_RATE_HZ) / 32768.0
                level = 20 * np.log10(max(rms, 1e-5))
                report.level_histogram[min(LEVEL_BINS - 1, max(0, int((level + 100) // 10)))] += 1
                report.peak_histogram[min(PEAK_BINS - 1, self._second_peak // 16)] += 1
                self._second_samples, self._second_energy, self._second_peak = 0, 0.0, 0

    def new_stream(self) -> None:
        """The engine starts another stream (another file): its detector state restarts, the
        counters go on (a partial second is dropped)."""
        self.engine.reset()
        self._window, self._in_band, self._near_until_ms = [], False, -1
        self._last_t_ms = None
        self._second_samples, self._second_energy, self._second_peak = 0, 0.0, 0

    def add_dropped_ms(self, milliseconds: float) -> None:
        """Audio the microphone lost (e.g. its ring's overruns), reported by the application."""
        self._report.dropped_ms += max(0.0, float(milliseconds))

    def report(self) -> HealthReport:
        """A copy of the counters so far."""
        return dataclasses.replace(self._report, peak_histogram=list(self._report.peak_histogram),
                                   level_histogram=list(self._report.level_histogram))


def privatize(report: HealthReport, *, epsilon: float, rng: np.random.Generator,
              sensitivity: float = 1.0) -> HealthReport:
    """``report`` with Laplace noise of scale ``sensitivity / epsilon`` on every count (hours kept):
    each count alone is ``epsilon``-differentially private for changes of ``sensitivity``; the
    epsilon is recorded in the report."""
    if not epsilon > 0:
        raise ConfigError(f"epsilon must be > 0, got {epsilon}")
    scale = sensitivity / epsilon

    def noisy(value: float) -> float:
        return float(value + rng.laplace(0.0, scale))

    return dataclasses.replace(
        report, detections=noisy(report.detections), near_misses=noisy(report.near_misses),
        dropped_ms=noisy(report.dropped_ms), peak_histogram=[noisy(v) for v in report.peak_histogram],
        level_histogram=[noisy(v) for v in report.level_histogram], epsilon=epsilon)


def aggregate(reports: Sequence[HealthReport]) -> HealthReport:
    """The sum of a cohort's reports of one model (noise of privatized reports averages out)."""
    if not reports:
        raise ConfigError("no reports to aggregate")
    models = {r.model for r in reports}
    if len(models) != 1:
        raise ConfigError(f"reports of several models: {', '.join(sorted(models))}")
    total = HealthReport(model=reports[0].model)
    for r in reports:
        total.hours += r.hours
        total.detections += r.detections
        total.near_misses += r.near_misses
        total.dropped_ms += r.dropped_ms
        total.peak_histogram = [a + b for a, b in zip(total.peak_histogram, r.peak_histogram)]
        total.level_histogram = [a + b for a, b in zip(total.level_histogram, r.level_histogram)]
    epsilons = {r.epsilon for r in reports}
    total.epsilon = epsilons.pop() if len(epsilons) == 1 else None
    return total


def mean_level_dbfs(report: HealthReport) -> float:
    """The mean of the per-second levels (bin centres), in dBFS."""
    counts = np.maximum(np.asarray(report.level_histogram, dtype=float), 0.0)
    if counts.sum() <= 0:
        return -100.0
    centres = -95.0 + 10.0 * np.arange(LEVEL_BINS)
    return float(np.dot(counts, centres) / counts.sum())


def drift(baseline: HealthReport, current: HealthReport, *, rate_factor: float = 2.0, min_rate: float = 1.0,
          level_db: float = 10.0) -> list[str]:
    """What rose from ``baseline`` to ``current`` (aggregates of one model): near misses or
    detections per hour by more than ``rate_factor`` (and above ``min_rate`` an hour), or the mean
    room level by more than ``level_db``. An empty list: no drift flagged."""
    flags = []
    for count, meaning in (("near_misses", "near misses an hour (misses and false-accept risk)"),
                           ("detections", "detections an hour (a false-accept proxy)")):
        before, now = baseline.rate(count), current.rate(count)
        if now > min_rate and now > rate_factor * max(before, min_rate / rate_factor):
            flags.append(f"{meaning}: {before:.1f} -> {now:.1f}")
    before_level, now_level = mean_level_dbfs(baseline), mean_level_dbfs(current)
    if now_level - before_level > level_db:
        flags.append(f"room level: {before_level:.0f} -> {now_level:.0f} dBFS")
    return flags
