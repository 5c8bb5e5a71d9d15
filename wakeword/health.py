"""Model-health telemetry: counters a product needs to see drift, never audio or features.

Opt-in: nothing here runs unless a :class:`HealthMonitor` is created around an engine, and nothing
leaves the device unless the application sends :meth:`HealthMonitor.report` itself (the runtime has
no network code; docs/PRIVACY.md lists every field). A report holds, for one model over the time
monitored:

* ``hours``: audio listened to;
* ``detections`` and ``near_misses``: excursions of the detector window mean to within
  ``near_miss_margin`` under the threshold that ended without a detection (once per ``refractory_ms``);
* ``peak_histogram``: per second of audio, the highest window mean of the first keyword, in
  16 bins of 16 (0..255);
* ``level_histogram``: per second, the audio level (RMS dBFS) in 10 dB bins from -100 to 0;
* ``dropped_ms``: audio the microphone lost (ring overruns), when the application reports it.

The counting itself is :class:`HealthCounters`: integers only, fed events in order (a model
call, a block of audio, dropped audio, a new stream), mirrored bit for bit by the firmware's
``wakeword::HealthCounters`` (firmware/src/health.h) and checked by the same vectors
(tests/vectors/health_*.txt). The board sends its counters as the fixed
:data:`PAYLOAD_BYTES`-byte payload of :meth:`HealthCounters.payload` over BLE;
:func:`decode_payload` turns one into a :class:`HealthReport` on the phone.

For aggregation across devices without trusting the collector with one device's counts,
:func:`privatize` adds Laplace noise of scale ``sensitivity / epsilon`` to every count (local
differential privacy, epsilon stated in the report), and :func:`aggregate` sums reports of a
cohort. :func:`drift` compares a cohort's rates with a baseline and names what rose: near misses
or detections per hour (a false-accept proxy), or louder rooms.
"""

from __future__ import annotations

import dataclasses
import struct
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .errors import ConfigError

REPORT_VERSION = 1
PEAK_BINS = 16
LEVEL_BINS = 10  # -100..-90, ..., -10..0 dBFS
SAMPLE_RATE_HZ = 16000
PEAK_BIN_WIDTH = 256 // PEAK_BINS
#: a second's sum of squared int16 samples at or above LEVEL_ENERGY_THRESHOLDS[k-1] is in level bin k or
#: higher: the RMS level, -100 + 10 k dBFS (re 32768), as exact integers, so Python and C++ agree
LEVEL_ENERGY_THRESHOLDS = tuple(-(-(SAMPLE_RATE_HZ * 2 ** 30) // 10 ** (10 - k)) for k in range(1, LEVEL_BINS))
PAYLOAD_VERSION = 1
#: the BLE payload: version u8, flags u8, reserved u16, seconds, detections, near misses, dropped ms
#: (u32 each), the peak histogram and the level histogram (u32 each), little-endian
PAYLOAD = struct.Struct(f"<BBHIIII{PEAK_BINS}I{LEVEL_BINS}I")
PAYLOAD_BYTES = PAYLOAD.size
NEAR_MISS_MARGIN = 32
_U32 = 0xFFFFFFFF


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


def level_bin(energy: int) -> int:
    """The level bin of one second whose sum of squared int16 samples is ``energy``."""
    return sum(energy >= t for t in LEVEL_ENERGY_THRESHOLDS)


class HealthCounters:
    """The counters, as integers, fed events in order; the firmware runs the same algorithm.

    threshold, window, refractory_ms : the detector's settings (of the first keyword).
    near_miss_margin : an excursion of the full window's mean into the band this many steps below the
        threshold that ends without a detection (and began at least ``refractory_ms`` after the last
        detection or near miss) is one near miss: counted when the mean leaves the band.

    Events: :meth:`on_call` (one model call: the first keyword's score, its stream time, and how
    many keywords were detected at it), :meth:`on_audio` (int16 samples), :meth:`add_dropped_ms`,
    :meth:`new_stream`. A second closes when its 16,000th sample arrives: its level and the highest
    window mean of the calls counted since the last second closed go into the histograms.
    Counts saturate at 2**32 - 1, as the firmware's do.
    """

    def __init__(self, *, threshold: int, window: int, refractory_ms: int,
                 near_miss_margin: int = NEAR_MISS_MARGIN) -> None:
        if not 1 <= near_miss_margin <= 254:
            raise ConfigError(f"near_miss_margin must be in 1..254, got {near_miss_margin}")
        if not (1 <= threshold <= 255 and 1 <= window <= 255 and refractory_ms >= 0):
            raise ConfigError(f"bad detector settings: threshold {threshold}, window {window}, "
                              f"refractory_ms {refractory_ms}")
        self.threshold, self.window, self.refractory_ms = threshold, window, refractory_ms
        self.margin = near_miss_margin
        self.samples = self.detections = self.near_misses = self.dropped_ms = 0
        self.peak_histogram = [0] * PEAK_BINS
        self.level_histogram = [0] * LEVEL_BINS
        self.new_stream()

    def new_stream(self) -> None:
        """The detector restarts (another file, or after lost audio); a partial second is dropped."""
        self._ring: list[int] = []
        self._in_band, self._near_until_ms, self._band_start_ms = False, -1, -1
        self._second_samples = self._second_energy = self._second_peak = 0

    def on_call(self, score: int, t_ms: int, detections: int = 0) -> None:
        """One model call: the first keyword's uint8 score at stream time ``t_ms``; ``detections``
        keywords were detected at it (a detection restarts the window and starts a refractory period)."""
        self._ring = (self._ring + [int(score)])[-self.window:]
        mean = sum(self._ring) // len(self._ring)
        self._second_peak = max(self._second_peak, mean)
        near = self.threshold - self.margin <= mean < self.threshold and len(self._ring) == self.window
        if detections > 0:
            self.detections = min(_U32, self.detections + detections)
            self._ring, self._in_band = [], False
            self._near_until_ms = t_ms + self.refractory_ms
            return
        if near and not self._in_band:
            self._band_start_ms = t_ms
        elif self._in_band and not near and self._band_start_ms >= self._near_until_ms:
            # the excursion into the band ended without a detection: one near miss
            self.near_misses = min(_U32, self.near_misses + 1)
            self._near_until_ms = t_ms + self.refractory_ms
        self._in_band = near

    def on_audio(self, samples: np.ndarray) -> None:
        """A block of int16 samples (any length)."""
        x = np.asarray(samples).astype(np.int64)
        self.samples += len(x)
        start = 0
        while start < len(x):
            take = min(len(x) - start, SAMPLE_RATE_HZ - self._second_samples)
            part = x[start:start + take]
            self._second_energy += int(np.dot(part, part))
            self._second_samples += take
            start += take
            if self._second_samples == SAMPLE_RATE_HZ:
                b = level_bin(self._second_energy)
                self.level_histogram[b] = min(_U32, self.level_histogram[b] + 1)
                p = min(PEAK_BINS - 1, self._second_peak // PEAK_BIN_WIDTH)
                self.peak_histogram[p] = min(_U32, self.peak_histogram[p] + 1)
                self._second_samples = self._second_energy = self._second_peak = 0

    def add_dropped_ms(self, milliseconds: int) -> None:
        self.dropped_ms = min(_U32, self.dropped_ms + max(0, int(milliseconds)))

    def payload(self) -> bytes:
        """The fixed-size BLE payload (what the board sends; :func:`decode_payload` reads it)."""
        return PAYLOAD.pack(PAYLOAD_VERSION, 0, 0, min(_U32, self.samples // SAMPLE_RATE_HZ), self.detections,
                            self.near_misses, self.dropped_ms, *self.peak_histogram, *self.level_histogram)

    def report(self, model: str) -> "HealthReport":
        return HealthReport(model=model, hours=self.samples / SAMPLE_RATE_HZ / 3600,
                            detections=float(self.detections), near_misses=float(self.near_misses),
                            dropped_ms=float(self.dropped_ms),
                            peak_histogram=[float(v) for v in self.peak_histogram],
                            level_histogram=[float(v) for v in self.level_histogram])


def decode_payload(payload: bytes, *, model: str) -> "HealthReport":
    """A board's counters (its BLE health characteristic) as a report of ``model`` (name@version, which
    the phone knows from the bundle it installed)."""
    if len(payload) != PAYLOAD_BYTES:
        raise ConfigError(f"health payload is {len(payload)} bytes, expected {PAYLOAD_BYTES}")
    version, _flags, _reserved, seconds, detections, near, dropped, *hist = PAYLOAD.unpack(payload)
    if version != PAYLOAD_VERSION:
        raise ConfigError(f"health payload version {version} is not {PAYLOAD_VERSION}")
    return HealthReport(model=model, hours=seconds / 3600, detections=float(detections), near_misses=float(near),
                        dropped_ms=float(dropped), peak_histogram=[float(v) for v in hist[:PEAK_BINS]],
                        level_histogram=[float(v) for v in hist[PEAK_BINS:]])


def render_health_header() -> str:
    """``firmware/src/health_layout.h``: the constants above, for the C++ counters."""
    lines = [
        "// GENERATED by tests/vectors/make_health_vectors.py from wakeword/health.py.",
        "// Do not edit: change the Python module and run the script again.",
        "",
        "#ifndef WAKEWORD_FIRMWARE_SRC_HEALTH_LAYOUT_H_",
        "#define WAKEWORD_FIRMWARE_SRC_HEALTH_LAYOUT_H_",
        "",
        "#include <stddef.h>",
        "#include <stdint.h>",
        "",
        "namespace wakeword {",
        "",
        f"constexpr uint8_t kHealthPayloadVersion = {PAYLOAD_VERSION};",
        f"constexpr size_t kHealthPayloadBytes = {PAYLOAD_BYTES};",
        f"constexpr int kHealthPeakBins = {PEAK_BINS};",
        f"constexpr int kHealthPeakBinWidth = {PEAK_BIN_WIDTH};",
        f"constexpr int kHealthLevelBins = {LEVEL_BINS};",
        f"constexpr uint32_t kHealthSamplesPerSecond = {SAMPLE_RATE_HZ}u;",
        f"constexpr uint8_t kHealthNearMissMargin = {NEAR_MISS_MARGIN};",
        "// A second whose sum of squared samples is >= kHealthLevelEnergy[k - 1] is in level bin k or higher",
        "// (RMS level -100 + 10 k dBFS).",
        f"constexpr uint64_t kHealthLevelEnergy[{LEVEL_BINS - 1}] = {{"
        + ", ".join(f"{t}ull" for t in LEVEL_ENERGY_THRESHOLDS) + "};",
        "",
        "}  // namespace wakeword",
        "",
        "#endif  // WAKEWORD_FIRMWARE_SRC_HEALTH_LAYOUT_H_",
        "",
    ]
    return "\n".join(lines)


class HealthMonitor:
    """Wraps an :class:`wakeword.engine.Engine`: :meth:`feed` passes audio on and counts
    (:class:`HealthCounters`, at the engine's current threshold of the first keyword).

    near_miss_margin : a window mean within this many score steps below the threshold (of the
        first keyword) is a near miss.
    """

    def __init__(self, engine, *, near_miss_margin: int = NEAR_MISS_MARGIN) -> None:
        self.engine = engine
        detector = engine.detector
        self.counters = HealthCounters(threshold=detector.thresholds[0], window=detector.config.window,
                                       refractory_ms=detector.config.refractory_ms,
                                       near_miss_margin=near_miss_margin)
        self.model = f"{engine.manifest.name}@{engine.manifest.version}"
        self._last_t_ms: int | None = None  # stream time of the newest model call counted

    #: audio handed to the engine at a time: few enough model calls (33 a second) that the engine's
    #: score history (2,000 calls) always still holds every call the counters have not seen
    FEED_SAMPLES = SAMPLE_RATE_HZ

    def feed(self, samples: np.ndarray) -> list:
        """The engine's detections for ``samples``; the counters move with them.

        Events reach the counters in stream order, as on the board: the audio up to each model
        call's time, then the call, then the rest of the audio.
        """
        samples = np.asarray(samples)
        found_all: list = []
        for start in range(0, len(samples), self.FEED_SAMPLES):
            chunk = samples[start:start + self.FEED_SAMPLES]
            found = self.engine.feed(chunk)
            found_all.extend(found)
            self._count(chunk, found)
        return found_all

    def _count(self, chunk: np.ndarray, found: list) -> None:
        counters = self.counters
        counters.threshold = self.engine.detector.thresholds[0]     # the app's slider may move it
        per_call: dict[int, int] = {}
        for d in found:
            per_call[d.t_ms] = per_call.get(d.t_ms, 0) + 1
        chunk_start = self.engine.samples_seen - len(chunk)           # stream index of chunk[0]
        done = 0
        for t_ms, scores in self._new_calls():
            self._last_t_ms = t_ms
            upto = min(len(chunk), max(done, t_ms * SAMPLE_RATE_HZ // 1000 - chunk_start))
            counters.on_audio(chunk[done:upto])
            done = upto
            counters.on_call(int(scores[0]), t_ms, per_call.get(t_ms, 0))
        counters.on_audio(chunk[done:])

    def _new_calls(self) -> list:
        """The model calls of the engine's score history not counted yet, oldest first (read from
        the newest end: a feed adds a few calls to a history of thousands)."""
        new = []
        for t_ms, scores in reversed(self.engine.score_history):
            if self._last_t_ms is not None and t_ms <= self._last_t_ms:
                break
            new.append((t_ms, scores))
        return new[::-1]

    def new_stream(self) -> None:
        """The engine starts another stream (another file): its detector state restarts, the
        counters go on (a partial second is dropped)."""
        self.engine.reset()
        self.counters.new_stream()
        self._last_t_ms = None

    def add_dropped_ms(self, milliseconds: float) -> None:
        """Audio the microphone lost (e.g. its ring's overruns), reported by the application."""
        self.counters.add_dropped_ms(int(round(milliseconds)))

    def report(self) -> HealthReport:
        """The counters so far, as a report."""
        return self.counters.report(self.model)


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
