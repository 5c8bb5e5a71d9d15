"""Live audio in: microphone capture, file replay, and a listener thread running an Engine.

The pieces, one job each:

* :class:`SampleRing` -- a bounded single-producer/single-consumer queue of int16
  blocks. The producer (an audio callback) never waits: when the queue is full it
  drops the *oldest* audio and counts the drop (an overrun).
* :class:`AudioSource` -- what the listener reads from: ``start()``, ``stop()``,
  ``read(max_samples, timeout_s)`` returning 16 kHz mono int16, ``overruns``,
  ``finished``.
* :class:`MicrophoneSource` -- PortAudio (``sounddevice.InputStream``) capture into a
  :class:`SampleRing`. The Android app has its own source with the same interface
  (``mobile_app/android_source.py``).
* :class:`FileSource` -- replays a file or an array, as fast as it is read or paced at
  real time.
* :class:`Listener` -- a worker thread: source -> :meth:`Engine.feed` -> callbacks.

>>> listener = Listener(Engine.from_bundle("alexa"), MicrophoneSource(),
...                     on_detection=print)              # doctest: +SKIP
>>> listener.start(); ...; listener.stop()                # doctest: +SKIP
"""

from __future__ import annotations

import collections
import os
import threading
import time
from typing import Callable

import numpy as np

from .audio import SAMPLE_RATE_HZ, load_audio
from .detector import Detection
from .errors import AudioError, WakewordError

_EMPTY = np.zeros(0, dtype=np.int16)


class SampleRing:
    """Bounded single-producer/single-consumer queue of int16 sample blocks.

    ``push`` (the audio callback) never waits: it appends a copy of the block and,
    while more than ``max_samples`` are queued, drops the oldest blocks, counting
    each as an overrun. ``pop`` (the consumer) returns up to ``max_samples`` of the
    oldest queued samples. No lock is shared between the two sides: the block
    queue is a :class:`collections.deque` (whose ``append``/``popleft`` are atomic)
    and every counter has a single writer.

    Parameters
    ----------
    max_samples : int
        Capacity in samples (> 0).
    """

    def __init__(self, max_samples: int) -> None:
        if max_samples <= 0:
            raise AudioError(f"ring capacity must be > 0 samples, got {max_samples}")
        self.max_samples = int(max_samples)
        self._blocks: collections.deque[np.ndarray] = collections.deque()
        self._pending = _EMPTY          # consumer side: rest of a partly read block
        self._ready = threading.Event()
        # single-writer counters: producer writes _written/_dropped/_overruns, consumer writes _read
        self._written = 0
        self._dropped = 0
        self._overruns = 0
        self._read = 0

    # -- producer side (audio callback) --------------------------------------------------
    def push(self, block: np.ndarray) -> None:
        """Queue a copy of ``block`` (1-D int16); never blocks."""
        block = np.array(block, dtype=np.int16, copy=True).reshape(-1)
        if not len(block):
            return
        self._blocks.append(block)
        self._written += len(block)
        while self._written - self._dropped - self._read > self.max_samples:
            try:
                old = self._blocks.popleft()
            except IndexError:          # the consumer emptied it meanwhile
                break
            self._dropped += len(old)
            self._overruns += 1
        self._ready.set()

    # -- consumer side -------------------------------------------------------------------
    def pop(self, max_samples: int, timeout_s: float | None = 0.0) -> np.ndarray:
        """Up to ``max_samples`` of the oldest queued samples (int16, possibly empty).

        Waits up to ``timeout_s`` seconds (``None``: forever) for at least one sample.
        """
        if max_samples <= 0:
            return _EMPTY
        if not len(self._pending) and not self._blocks and timeout_s != 0:
            self._ready.clear()
            if not self._blocks:
                self._ready.wait(timeout_s)
        parts = []
        need = max_samples
        if len(self._pending):
            take = self._pending[:need]
            self._pending = self._pending[need:]
            parts.append(take)
            need -= len(take)
        while need > 0:
            try:
                block = self._blocks.popleft()
            except IndexError:
                break
            self._read += len(block)
            if len(block) > need:
                self._pending = block[need:]
                block = block[:need]
            parts.append(block)
            need -= len(block)
        if not parts:
            return _EMPTY
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def clear(self) -> None:
        """Consumer side: forget everything queued (counted as read, not dropped)."""
        self._pending = _EMPTY
        while True:
            try:
                self._read += len(self._blocks.popleft())
            except IndexError:
                break

    @property
    def queued_samples(self) -> int:
        """Samples waiting to be read (a snapshot)."""
        return max(0, self._written - self._dropped - self._read) + len(self._pending)

    @property
    def overruns(self) -> int:
        """Blocks dropped because the consumer fell behind."""
        return self._overruns

    @property
    def dropped_samples(self) -> int:
        return self._dropped


class AudioSource:
    """Interface of the audio sources a :class:`Listener` reads (16 kHz mono int16).

    Subclasses implement :meth:`start`, :meth:`stop` and :meth:`read`; ``overruns``
    counts audio lost because the reader fell behind, ``finished`` becomes true when
    a finite source has delivered everything.
    """

    sample_rate_hz: int = SAMPLE_RATE_HZ
    name: str = "audio"

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def read(self, max_samples: int, timeout_s: float | None = 0.1) -> np.ndarray:
        """Up to ``max_samples`` new samples; an empty array when none came within ``timeout_s``."""
        raise NotImplementedError

    @property
    def overruns(self) -> int:
        return 0

    @property
    def finished(self) -> bool:
        return False

    def __enter__(self) -> "AudioSource":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def list_input_devices() -> list[dict]:
    """Input devices PortAudio sees: dicts with ``index``, ``name``, ``channels``,
    ``default_samplerate``, ``hostapi`` and ``is_default``. Empty if PortAudio is missing."""
    try:
        import sounddevice as sd
    except (ImportError, OSError):
        return []
    try:
        devices = sd.query_devices()
        default_in = sd.default.device[0]
        hostapis = sd.query_hostapis()
    except Exception:  # PortAudio errors differ between versions
        return []
    found = []
    for index, dev in enumerate(devices):
        if dev["max_input_channels"] > 0:
            found.append({"index": index, "name": dev["name"], "channels": int(dev["max_input_channels"]),
                          "default_samplerate": float(dev["default_samplerate"]),
                          "hostapi": hostapis[dev["hostapi"]]["name"], "is_default": index == default_in})
    return found


def _device_arg(device: int | str | None) -> int | str | None:
    if isinstance(device, str) and device.strip().isdigit():
        return int(device)
    return device


class MicrophoneSource(AudioSource):
    """Microphone capture through PortAudio (``sounddevice``).

    The stream is opened at 16 kHz mono int16. Devices that refuse 16 kHz are opened at
    their default rate and resampled (soxr, streaming) on the reading side. The audio
    callback only copies into a :class:`SampleRing`; it never blocks.

    Parameters
    ----------
    device : int or str, optional
        PortAudio device index or (part of a) name; default input device if omitted.
    block_ms : int
        Callback block size (10..100 ms).
    buffer_ms : int
        Capacity of the ring; when the reader falls this far behind, the oldest audio
        is dropped and counted in :attr:`overruns`.
    """

    def __init__(self, *, device: int | str | None = None, block_ms: int = 20, buffer_ms: int = 5000) -> None:
        if not 10 <= block_ms <= 100:
            raise AudioError(f"block_ms={block_ms} must be in 10..100")
        if buffer_ms < 2 * block_ms:
            raise AudioError(f"buffer_ms={buffer_ms} must hold at least two blocks ({2 * block_ms} ms)")
        self.device = _device_arg(device)
        self.block_ms = int(block_ms)
        self.buffer_ms = int(buffer_ms)
        self.input_overflows = 0      # PortAudio reported input overflow (samples lost before us)
        self.stream_rate_hz = SAMPLE_RATE_HZ
        self._ring: SampleRing | None = None
        self._stream = None
        self._resampler = None
        self.name = f"microphone {device}" if device is not None else "microphone"

    def _callback(self, indata, frames, time_info, status) -> None:
        if status and status.input_overflow:
            self.input_overflows += 1
        ring = self._ring
        if ring is not None:
            ring.push(indata[:, 0])

    def start(self) -> None:
        if self._stream is not None:
            return
        try:
            import sounddevice as sd
        except (ImportError, OSError) as exc:
            raise AudioError(f"microphone capture needs PortAudio and the sounddevice package ({exc})") from exc
        rate = SAMPLE_RATE_HZ
        try:
            sd.check_input_settings(device=self.device, channels=1, dtype="int16", samplerate=rate)
        except Exception:
            try:
                info = sd.query_devices(self.device, "input")
            except Exception as exc:
                raise AudioError(f"no usable input device {self.device!r}: {exc}") from exc
            rate = int(info["default_samplerate"])
        self.stream_rate_hz = rate
        if rate != SAMPLE_RATE_HZ:
            import soxr

            self._resampler = soxr.ResampleStream(rate, SAMPLE_RATE_HZ, 1, dtype="int16", quality="HQ")
        self._ring = SampleRing(rate * self.buffer_ms // 1000)
        try:
            stream = sd.InputStream(samplerate=rate, channels=1, dtype="int16", device=self.device,
                                    blocksize=rate * self.block_ms // 1000, callback=self._callback)
            stream.start()
        except Exception as exc:
            self._ring = None
            raise AudioError(f"cannot open input device {self.device!r} at {rate} Hz: {exc}") from exc
        self._stream = stream

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
            finally:
                stream.close()

    @property
    def running(self) -> bool:
        return self._stream is not None

    def read(self, max_samples: int, timeout_s: float | None = 0.1) -> np.ndarray:
        ring = self._ring
        if ring is None:
            raise AudioError("read() before start()")
        if self._resampler is None:
            return ring.pop(max_samples, timeout_s)
        want = max(1, max_samples * self.stream_rate_hz // SAMPLE_RATE_HZ)
        raw = ring.pop(want, timeout_s)
        if not len(raw):
            return _EMPTY
        return np.asarray(self._resampler.resample_chunk(raw), dtype=np.int16)

    @property
    def overruns(self) -> int:
        return self._ring.overruns if self._ring is not None else 0

    @property
    def queued_samples(self) -> int:
        return self._ring.queued_samples if self._ring is not None else 0


class FileSource(AudioSource):
    """Replays an audio file (any format :func:`wakeword.audio.load_audio` reads) or an array.

    Parameters
    ----------
    audio : path or ndarray
        A file, or 16 kHz mono int16 samples.
    realtime : bool
        Pace reads at the speed of sound (``read`` waits for audio "to arrive");
        otherwise audio is delivered as fast as it is read.
    tail_silence_ms : int
        Zeros appended after the audio, so a keyword at the very end completes its window.
    """

    def __init__(self, audio: str | os.PathLike | np.ndarray, *, realtime: bool = False,
                 tail_silence_ms: int = 500) -> None:
        if isinstance(audio, np.ndarray):
            samples = np.asarray(audio)
            if samples.dtype != np.int16 or samples.ndim != 1:
                raise AudioError(f"FileSource needs 1-D int16 samples, got {samples.dtype} {samples.shape}")
            self.name = "samples"
        else:
            samples = load_audio(audio)
            self.name = os.path.basename(os.fspath(audio))
        tail = np.zeros(SAMPLE_RATE_HZ * max(0, tail_silence_ms) // 1000, dtype=np.int16)
        self.samples = np.concatenate([samples, tail])
        self.realtime = realtime
        self.position = 0
        self._t0: float | None = None

    def start(self) -> None:
        self.position = 0
        self._t0 = time.monotonic()

    def stop(self) -> None:
        self._t0 = None

    def read(self, max_samples: int, timeout_s: float | None = 0.1) -> np.ndarray:
        if self._t0 is None:
            raise AudioError("read() before start()")
        end = min(len(self.samples), self.position + max(0, max_samples))
        if self.realtime:
            due = int((time.monotonic() - self._t0) * SAMPLE_RATE_HZ)
            if due < end:
                wait = (end - due) / SAMPLE_RATE_HZ
                time.sleep(wait if timeout_s is None else min(wait, timeout_s))
                due = int((time.monotonic() - self._t0) * SAMPLE_RATE_HZ)
            end = min(end, max(due, self.position))
        chunk = self.samples[self.position:end]
        self.position = end
        return chunk

    @property
    def finished(self) -> bool:
        return self.position >= len(self.samples)


DetectionCallback = Callable[[Detection], None]


class Listener:
    """Runs an :class:`~wakeword.engine.Engine` over an :class:`AudioSource` on a worker thread.

    Callbacks run on the worker thread; a GUI must hand them to its own thread
    (Kivy: ``Clock.schedule_once``). The engine's ``score_history`` grows as audio is fed.

    Parameters
    ----------
    engine : Engine
    source : AudioSource
    on_detection : callable(Detection), optional
    on_error : callable(Exception), optional
        Called once if the worker fails; the exception is also kept in :attr:`error`.
    on_finished : callable(), optional
        Called when the worker ends (stopped, finished source, or error).
    chunk_ms : int
        Most audio fed to the engine per call. Each call feeds whatever the source has
        ready, up to this much: small chunks (low latency) while keeping up, large ones
        (cheaper per sample) when catching up after a stall.
    reset_engine : bool
        Reset the engine before listening (a new stream starts at t_ms = 0).

    Attributes
    ----------
    stop_after_ms : int or None
        The worker stops by itself once this much stream time has been fed (may be set
        from a callback, e.g. "stop 1.5 s after the first detection").
    """

    def __init__(self, engine, source: AudioSource, *, on_detection: DetectionCallback | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 on_finished: Callable[[], None] | None = None, chunk_ms: int = 1000,
                 reset_engine: bool = True) -> None:
        if not 10 <= chunk_ms <= 2000:
            raise AudioError(f"chunk_ms={chunk_ms} must be in 10..2000")
        self.engine = engine
        self.source = source
        self.on_detection = on_detection
        self.on_error = on_error
        self.on_finished = on_finished
        self.chunk_samples = SAMPLE_RATE_HZ * chunk_ms // 1000
        self.reset_engine = reset_engine
        self.error: BaseException | None = None
        self.detections: list[Detection] = []
        self.samples_processed = 0
        self.stop_after_ms: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the source and start the worker thread (errors opening the source raise here)."""
        if self._thread is not None:
            raise WakewordError("this listener was already started")
        if self.reset_engine:
            self.engine.reset()
        self.source.start()
        self._thread = threading.Thread(target=self._run, name="wakeword-listener", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            feed = self.engine.feed
            while not self._stop.is_set():
                chunk = self.source.read(self.chunk_samples, timeout_s=0.1)
                if len(chunk):
                    self.samples_processed += len(chunk)
                    for detection in feed(chunk):
                        self.detections.append(detection)
                        if self.on_detection is not None:
                            self.on_detection(detection)
                    if self.stop_after_ms is not None and self.stream_ms >= self.stop_after_ms:
                        break
                elif self.source.finished:
                    break
        except BaseException as exc:  # reported to the owner, never lost in the thread
            self.error = exc
            if self.on_error is not None:
                self.on_error(exc)
        finally:
            if self.on_finished is not None:
                self.on_finished()

    def request_stop(self) -> None:
        """Ask the worker to stop after the current chunk; returns at once (safe from callbacks)."""
        self._stop.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the worker, wait for it, and close the source."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
        self.source.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def overruns(self) -> int:
        """Audio blocks the source dropped because inference fell behind."""
        return self.source.overruns

    @property
    def stream_ms(self) -> int:
        return self.samples_processed * 1000 // SAMPLE_RATE_HZ
