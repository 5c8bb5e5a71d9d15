"""Personal enrollment: per-user threshold calibration, and personalization, from a few recordings.

The user records a few samples of the wake word and about a minute of ordinary
room sound. :func:`calibrate` runs the engine over them and picks the highest
threshold that still detects all samples (or all but ``allow_misses``) while
staying above the highest score the room sound reaches, so that the room
produces no false accept. Every "is it detected at threshold T" question is
answered by the runtime's own :class:`~wakeword.detector.StreamingDetector`
(window, refractory period and all), never by a re-implementation.

:meth:`Enrollment.personalize` goes further: it re-fits the model's last layer to the
user's voice (:mod:`wakeword.personalize`); the app saves the result as a personal bundle
signed with the device's key, and can roll back to the original in one step.

Raw audio stays in memory on the device: nothing here writes or sends it anywhere;
only the chosen threshold (or the personal bundle) is kept by the app.

Pure numpy plus the ``wakeword`` runtime (no Kivy), so it is tested directly.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from wakeword.audio import SAMPLE_RATE_HZ
from wakeword.bundle import Bundle
from wakeword.config import DetectorConfig
from wakeword.detector import StreamingDetector
from wakeword.engine import Engine
from wakeword.errors import AudioError, EnrollmentError
from wakeword.mic import AudioSource
from wakeword.personalize import TAIL_SILENCE_MS, Personalized, personalize

SAMPLE_SECONDS = 2.5
ROOM_SECONDS = 60.0
DEFAULT_SAMPLE_COUNT = 4


__all__ = ["EnrollmentError", "Enrollment", "Calibration", "calibrate", "record"]


def record(source: AudioSource, seconds: float, *, on_progress: Callable[[float], None] | None = None,
           cancel: threading.Event | None = None, start_source: bool = True) -> np.ndarray:
    """Read ``seconds`` of 16 kHz int16 audio from ``source`` (blocking; run it off the UI thread).

    ``on_progress`` gets the fraction done (0..1). Returns what was read when ``cancel`` is set
    or a finite source ends early.
    """
    want = int(round(seconds * SAMPLE_RATE_HZ))
    if want <= 0:
        raise AudioError(f"cannot record {seconds} s")
    parts: list[np.ndarray] = []
    got = 0
    if start_source:
        source.start()
    try:
        while got < want and not (cancel is not None and cancel.is_set()):
            chunk = source.read(min(want - got, SAMPLE_RATE_HZ // 10), timeout_s=0.2)
            if len(chunk):
                parts.append(np.array(chunk, dtype=np.int16))
                got += len(chunk)
                if on_progress is not None:
                    on_progress(min(1.0, got / want))
            elif source.finished:
                break
    finally:
        if start_source:
            source.stop()
    return np.concatenate(parts) if parts else np.zeros(0, np.int16)


def keyword_scores(bundle: Bundle, audio: np.ndarray, *, tail_silence_ms: int = TAIL_SILENCE_MS
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Run a fresh engine over ``audio``: ``t_ms`` (n,) and uint8 ``scores`` (n, keywords)."""
    audio = np.asarray(audio)
    if audio.dtype != np.int16 or audio.ndim != 1:
        raise AudioError(f"enrollment audio must be 1-D int16, got {audio.dtype} {audio.shape}")
    padded = np.concatenate([audio, np.zeros(SAMPLE_RATE_HZ * tail_silence_ms // 1000, np.int16)])
    m = bundle.manifest
    calls = len(padded) // (m.features.step_samples * m.model.stride_frames) + 16
    engine = Engine(bundle, history_size=calls)
    engine.process_samples(padded)
    return engine.scores_array()


def _detector(keyword: str, config: DetectorConfig, threshold: int) -> StreamingDetector:
    return StreamingDetector((keyword,), config, thresholds=[threshold])


def count_detections(t_ms: np.ndarray, scores: np.ndarray, *, keyword: str, config: DetectorConfig,
                     threshold: int) -> int:
    """How many times the runtime's detector fires on one keyword's score stream."""
    detector = _detector(keyword, config, threshold)
    count = 0
    for t, s in zip(t_ms.tolist(), scores.tolist()):
        count += len(detector.push((s,), t))
    return count


def peak_threshold(t_ms: np.ndarray, scores: np.ndarray, *, keyword: str, config: DetectorConfig) -> int:
    """The highest threshold (1..255) at which the detector still fires on this stream; 0 if none.

    "Fires at least once" can only stop being true as the threshold rises, so a
    binary search over the real detector finds it in 8 runs.
    """
    def fires(threshold: int) -> bool:
        detector = _detector(keyword, config, threshold)
        return any(detector.push((s,), t) for t, s in zip(t_ms.tolist(), scores.tolist()))

    if not fires(1):
        return 0
    lo, hi = 1, 255                     # fires(lo) is true
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fires(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass(frozen=True)
class Calibration:
    """The outcome of :func:`calibrate`; ``threshold`` is what the app applies (when ``ok``)."""

    keyword: str
    ok: bool
    message: str
    previous_threshold: int
    threshold: int
    sample_peaks: tuple[int, ...]
    room_peak: int
    room_seconds: float
    samples_detected_before: int
    samples_detected_after: int
    room_false_accepts_before: int
    room_false_accepts_after: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary_lines(self) -> list[str]:
        """Before/after lines for the UI."""
        n = len(self.sample_peaks)
        lines = [
            f"samples: peak scores {', '.join(str(p) for p in self.sample_peaks)}",
            f"room sound ({self.room_seconds:.0f} s): peak score {self.room_peak}",
            f"before: threshold {self.previous_threshold}, {self.samples_detected_before}/{n} samples detected, "
            f"{self.room_false_accepts_before} room false accepts",
            f"after:  threshold {self.threshold}, {self.samples_detected_after}/{n} samples detected, "
            f"{self.room_false_accepts_after} room false accepts",
            self.message,
        ]
        return lines + list(self.notes)


def calibrate(bundle: Bundle, samples: Sequence[np.ndarray], room: np.ndarray, *,
              keyword: str | None = None, previous_threshold: int | None = None,
              allow_misses: int = 0, margin: int = 0) -> Calibration:
    """Choose a per-user threshold.

    Parameters
    ----------
    bundle : Bundle
    samples : sequence of int16 arrays
        Recordings of the user saying the wake word (one utterance each).
    room : int16 array
        Ordinary room sound without the wake word (about a minute).
    keyword : str, optional
        Which keyword to calibrate (default: the bundle's first).
    previous_threshold : int, optional
        The threshold in use now (default: the manifest's).
    allow_misses : int
        How many samples may go undetected (0: all must be detected; 1: N-1).
    margin : int
        Lower the chosen threshold by this much (but never to the room's peak), trading
        a few more false accepts for headroom on quieter utterances. 0 picks exactly the
        highest threshold that detects the samples.

    Returns
    -------
    Calibration
        ``ok`` is false (and ``threshold == previous_threshold``) when the samples cannot be
        separated from the room sound.
    """
    manifest = bundle.manifest
    keyword = keyword or manifest.keywords[0]
    if keyword not in manifest.keywords:
        raise EnrollmentError(f"unknown keyword {keyword!r}; the model knows {', '.join(manifest.keywords)}")
    k = manifest.keywords.index(keyword)
    samples = [np.asarray(s) for s in samples]
    if not samples:
        raise EnrollmentError("record at least one sample of the wake word")
    if not 0 <= allow_misses < len(samples):
        raise EnrollmentError(f"allow_misses={allow_misses} must be in 0..{len(samples) - 1}")
    if len(room) < SAMPLE_RATE_HZ:
        raise EnrollmentError("record at least a second of room sound")
    config = manifest.detector
    previous = int(previous_threshold if previous_threshold is not None else config.threshold)

    sample_streams = []
    for s in samples:
        t, sc = keyword_scores(bundle, s)
        sample_streams.append((t, sc[:, k]))
    room_t, room_sc = keyword_scores(bundle, np.asarray(room))
    room_stream = (room_t, room_sc[:, k])

    peaks = tuple(peak_threshold(t, s, keyword=keyword, config=config) for t, s in sample_streams)
    room_peak = peak_threshold(*room_stream, keyword=keyword, config=config)

    needed = len(samples) - allow_misses
    highest_detecting = sorted(peaks, reverse=True)[needed - 1]   # detects `needed` samples
    lowest_quiet = room_peak + 1                                   # the room never reaches it
    notes = []
    if highest_detecting >= 1 and highest_detecting >= lowest_quiet and lowest_quiet <= 255:
        threshold = max(lowest_quiet, highest_detecting - max(0, margin))
        ok = True
        message = (f"calibrated: threshold {threshold} detects {needed}/{len(samples)} or more samples "
                   f"and stays above the room's peak {room_peak}")
    else:
        threshold = previous
        ok = False
        if highest_detecting == 0:
            message = "not calibrated: the model did not respond to the samples; record them again, closer"
        else:
            message = (f"not calibrated: the room sound scores up to {room_peak}, as high as the samples "
                       f"({highest_detecting}); keeping threshold {previous}")
    if ok and threshold == 255:
        notes.append("note: threshold 255 is the maximum; the samples score very high")

    def detected(threshold_value: int) -> int:
        return sum(count_detections(t, s, keyword=keyword, config=config, threshold=threshold_value) > 0
                   for t, s in sample_streams)

    return Calibration(
        keyword=keyword, ok=ok, message=message, previous_threshold=previous, threshold=threshold,
        sample_peaks=peaks, room_peak=room_peak, room_seconds=len(room) / SAMPLE_RATE_HZ,
        samples_detected_before=detected(previous), samples_detected_after=detected(threshold),
        room_false_accepts_before=count_detections(*room_stream, keyword=keyword, config=config, threshold=previous),
        room_false_accepts_after=count_detections(*room_stream, keyword=keyword, config=config, threshold=threshold),
        notes=tuple(notes),
    )


class Enrollment:
    """The recordings of one enrollment session, held in memory only.

    >>> session = Enrollment(bundle)                                  # doctest: +SKIP
    >>> session.add_sample(record(source, SAMPLE_SECONDS))            # doctest: +SKIP
    >>> session.set_room(record(source, ROOM_SECONDS))                # doctest: +SKIP
    >>> result = session.calibrate(previous_threshold=engine.detector.thresholds[0])  # doctest: +SKIP
    """

    def __init__(self, bundle: Bundle, *, sample_count: int = DEFAULT_SAMPLE_COUNT) -> None:
        self.bundle = bundle
        self.sample_count = sample_count
        self.samples: list[np.ndarray] = []
        self.room: np.ndarray | None = None

    def add_sample(self, audio: np.ndarray) -> int:
        audio = np.asarray(audio, dtype=np.int16)
        if len(audio) < SAMPLE_RATE_HZ // 4:
            raise EnrollmentError("the sample is shorter than 0.25 s")
        self.samples.append(audio)
        return len(self.samples)

    def set_room(self, audio: np.ndarray) -> None:
        self.room = np.asarray(audio, dtype=np.int16)

    @property
    def ready(self) -> bool:
        return len(self.samples) >= self.sample_count and self.room is not None

    def calibrate(self, **kwargs) -> Calibration:
        if self.room is None:
            raise EnrollmentError("record the room sound first")
        return calibrate(self.bundle, self.samples, self.room, **kwargs)

    def personalize(self, **kwargs) -> Personalized:
        """Fit the model's last layer to these recordings (:func:`wakeword.personalize.personalize`)."""
        if self.room is None:
            raise EnrollmentError("record the room sound first")
        return personalize(self.bundle, self.samples, self.room, **kwargs)

    def discard(self) -> None:
        """Forget the recordings."""
        self.samples.clear()
        self.room = None
