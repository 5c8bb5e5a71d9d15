"""Android microphone capture: ``android.media.AudioRecord`` through pyjnius.

The same :class:`wakeword.mic.AudioSource` interface as the desktop microphone: a
reader thread copies 16 kHz mono PCM16 from AudioRecord into a
:class:`wakeword.mic.SampleRing`, which drops (and counts) the oldest audio when
inference falls behind. Needs the RECORD_AUDIO permission (requested by the app).

Only importable on Android (pyjnius and the Android classes are missing elsewhere);
it is not exercised by the desktop test suite.
"""

from __future__ import annotations

import threading

import numpy as np

from wakeword.audio import SAMPLE_RATE_HZ
from wakeword.errors import AudioError
from wakeword.mic import AudioSource, SampleRing

try:  # pragma: no cover - Android only
    from jnius import autoclass
except ImportError:  # pragma: no cover
    autoclass = None


class AndroidMicSource(AudioSource):  # pragma: no cover - Android only
    """Microphone on Android via AudioRecord (VOICE_RECOGNITION input: no AGC/noise suppression).

    Parameters
    ----------
    block_ms : int
        How much audio each AudioRecord.read() returns.
    buffer_ms : int
        Ring capacity; older audio is dropped when the reader is this far behind.
    """

    name = "android microphone"

    def __init__(self, *, block_ms: int = 20, buffer_ms: int = 5000) -> None:
        if autoclass is None:
            raise AudioError("AndroidMicSource needs pyjnius on Android")
        self.block_samples = SAMPLE_RATE_HZ * block_ms // 1000
        self._ring = SampleRing(SAMPLE_RATE_HZ * buffer_ms // 1000)
        self._record = None
        self._thread: threading.Thread | None = None
        self._running = threading.Event()
        self.read_errors = 0

    def start(self) -> None:
        if self._record is not None:
            return
        AudioRecord = autoclass("android.media.AudioRecord")
        AudioFormat = autoclass("android.media.AudioFormat")
        MediaRecorderAudioSource = autoclass("android.media.MediaRecorder$AudioSource")
        channel = AudioFormat.CHANNEL_IN_MONO
        encoding = AudioFormat.ENCODING_PCM_16BIT
        min_bytes = AudioRecord.getMinBufferSize(SAMPLE_RATE_HZ, channel, encoding)
        if min_bytes <= 0:
            raise AudioError(f"AudioRecord does not support 16 kHz mono PCM16 here (code {min_bytes})")
        record = AudioRecord(MediaRecorderAudioSource.VOICE_RECOGNITION, SAMPLE_RATE_HZ, channel, encoding,
                             max(min_bytes, 8 * self.block_samples * 2))
        if record.getState() != AudioRecord.STATE_INITIALIZED:
            record.release()
            raise AudioError("AudioRecord did not initialise (is the RECORD_AUDIO permission granted?)")
        record.startRecording()
        self._record = record
        self._running.set()
        self._thread = threading.Thread(target=self._pump, name="android-audiorecord", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        from jnius import detach

        buffer = bytearray(self.block_samples * 2)      # pyjnius copies byte[] results back into it
        try:
            while self._running.is_set():
                n = self._record.read(buffer, 0, len(buffer))
                if n < 0:
                    self.read_errors += 1
                    continue
                if n:
                    self._ring.push(np.frombuffer(bytes(buffer[:n - n % 2]), dtype="<i2"))
        finally:
            detach()

    def stop(self) -> None:
        self._running.clear()
        if self._thread is not None:
            self._thread.join(1.0)
            self._thread = None
        record, self._record = self._record, None
        if record is not None:
            record.stop()
            record.release()

    def read(self, max_samples: int, timeout_s: float | None = 0.1) -> np.ndarray:
        return self._ring.pop(max_samples, timeout_s)

    @property
    def overruns(self) -> int:
        return self._ring.overruns
