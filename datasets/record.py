"""Record your own wake-word samples: prompt, countdown, one 16 kHz mono int16 WAV per take.

Takes are written as ``<out>/<index>.wav`` (``0000.wav``, ``0001.wav`` ...), continuing
after the highest index already in the folder, so sessions can be resumed. Each take
is checked for level: a warning is printed when it is clipped or very quiet.

Sources: the default microphone (``sounddevice``), or ``--source FILE`` which reads
consecutive pieces of an audio file instead (for tests and for cutting a long
recording into takes). ``--dry-run`` walks through the prompts without recording or
writing anything.

Examples
--------
    wakeword-data record --keyword "hey nova" --out recordings/alice --count 20
    wakeword-data record --keyword "hey nova" --out /tmp/t --count 3 --source take.wav --countdown 0 --no-wait
"""

from __future__ import annotations

import argparse
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from wakeword.dsp import SAMPLE_RATE_HZ
from wakeword.errors import AudioError, ConfigError

QUIET_DBFS = -40.0
CLIP_LEVEL = 32767


class AudioSource(Protocol):
    """Something that returns ``num_samples`` of 16 kHz mono int16 audio per call."""

    def read(self, num_samples: int) -> np.ndarray: ...


class MicrophoneSource:
    """The default input device through ``sounddevice`` (blocking recording)."""

    def __init__(self, *, device: int | str | None = None) -> None:
        try:
            import sounddevice
        except (ImportError, OSError) as exc:
            raise ConfigError("recording needs the sounddevice package and PortAudio "
                              "(pip install sounddevice; apt-get install libportaudio2), "
                              f"or use --source FILE ({exc})") from exc
        self._sd = sounddevice
        self._device = device

    def read(self, num_samples: int) -> np.ndarray:
        try:
            data = self._sd.rec(num_samples, samplerate=SAMPLE_RATE_HZ, channels=1, dtype="int16",
                                device=self._device)
            self._sd.wait()
        except Exception as exc:  # PortAudio errors have no common base class
            raise AudioError(f"microphone recording failed: {exc}") from exc
        return np.asarray(data, dtype=np.int16).reshape(-1)


class FileSource:
    """Consecutive ``num_samples`` pieces of an audio file (any format :func:`wakeword.audio.load_audio`
    reads), starting over at the end."""

    def __init__(self, path: str | os.PathLike) -> None:
        from wakeword.audio import load_audio

        self.path = Path(path)
        self._audio = load_audio(self.path)
        self._pos = 0

    def read(self, num_samples: int) -> np.ndarray:
        out = np.empty(num_samples, np.int16)
        filled = 0
        while filled < num_samples:
            piece = self._audio[self._pos:self._pos + num_samples - filled]
            out[filled:filled + len(piece)] = piece
            filled += len(piece)
            self._pos = (self._pos + len(piece)) % len(self._audio)
        return out


@dataclass(frozen=True)
class TakeReport:
    """One recorded take: where it went and its peak level in dBFS."""

    path: Path
    peak_dbfs: float
    clipped: bool
    quiet: bool


def next_index(out_dir: str | os.PathLike) -> int:
    """One more than the highest ``<digits>.wav`` in ``out_dir`` (0 when none)."""
    folder = Path(out_dir)
    if not folder.is_dir():
        return 0
    indices = [int(p.stem) for p in folder.glob("*.wav") if re.fullmatch(r"\d+", p.stem)]
    return max(indices) + 1 if indices else 0


def peak_dbfs(audio: np.ndarray) -> float:
    """Peak level of int16 audio in dB re full scale (-inf for silence)."""
    peak = int(np.max(np.abs(audio.astype(np.int32)))) if len(audio) else 0
    return 20.0 * np.log10(peak / 32768.0) if peak else float("-inf")


def record_takes(*, source: AudioSource | None, out_dir: str | os.PathLike, keyword: str, count: int,
                 seconds: float, countdown_s: int = 3, wait_for_enter: bool = True, dry_run: bool = False,
                 ask: Callable[[str], str] = input, say: Callable[[str], None] = print,
                 sleep: Callable[[float], None] = time.sleep) -> list[TakeReport]:
    """Prompt for and record ``count`` takes of ``keyword``.

    Parameters
    ----------
    source : AudioSource or None
        Where audio comes from; None only with ``dry_run``.
    out_dir : path
        Created if needed; files are numbered after the highest existing index.
    keyword : str
        Shown in the prompt.
    count : int
        Number of takes (>= 1).
    seconds : float
        Length of each take, 0.5-10 s.
    countdown_s : int
        Seconds counted down before each take (0: none).
    wait_for_enter : bool
        Wait for Enter before each take.
    dry_run : bool
        Prompt and count down but record and write nothing.
    ask, say, sleep : callables
        Console input, output and waiting (replaceable for scripted use).

    Returns
    -------
    list of TakeReport (empty for a dry run)
    """
    if not keyword.strip():
        raise ConfigError("keyword must not be empty")
    if count < 1:
        raise ConfigError(f"count must be >= 1, got {count}")
    if not 0.5 <= seconds <= 10.0:
        raise ConfigError(f"seconds must be within 0.5..10, got {seconds}")
    if countdown_s < 0:
        raise ConfigError(f"countdown must be >= 0 s, got {countdown_s}")
    if source is None and not dry_run:
        raise ConfigError("no audio source: give a microphone or file source, or use dry run")
    from wakeword.audio import save_wav

    folder = Path(out_dir)
    start = next_index(folder)
    num_samples = int(round(seconds * SAMPLE_RATE_HZ))
    reports = []
    say(f"Recording {count} takes of '{keyword}' ({seconds:g} s each) into {folder}"
        + (" [dry run: nothing is recorded]" if dry_run else ""))
    for i in range(count):
        path = folder / f"{start + i:04d}.wav"
        if wait_for_enter:
            ask(f"[{i + 1}/{count}] Press Enter, then say '{keyword}' once, at a natural pace ... ")
        for n in range(countdown_s, 0, -1):
            say(f"  {n} ...")
            sleep(1.0)
        say("  speak now")
        if dry_run:
            say(f"  (dry run) would record {seconds:g} s to {path}")
            continue
        audio = source.read(num_samples)
        folder.mkdir(parents=True, exist_ok=True)
        save_wav(path, audio)
        level = peak_dbfs(audio)
        report = TakeReport(path, level, bool(np.any(np.abs(audio.astype(np.int32)) >= CLIP_LEVEL)),
                            level < QUIET_DBFS)
        reports.append(report)
        note = " CLIPPED: move away from the microphone" if report.clipped else \
            (" too quiet: speak up or move closer" if report.quiet else "")
        say(f"  saved {path} (peak {level:.1f} dBFS){note}")
    return reports


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``record`` command's options."""
    parser.add_argument("--keyword", required=True, help="the phrase to say")
    parser.add_argument("--out", required=True, type=Path, help="folder for <index>.wav files")
    parser.add_argument("--count", type=int, default=10, help="number of takes (default 10)")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each take in s (default 2)")
    parser.add_argument("--countdown", type=int, default=3, help="countdown before each take in s (default 3)")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for Enter between takes")
    parser.add_argument("--source", type=Path, help="read audio from this file instead of the microphone")
    parser.add_argument("--device", help="sounddevice input device (name or index)")
    parser.add_argument("--dry-run", action="store_true", help="prompt only: record and write nothing")


def run(args: argparse.Namespace) -> int:
    """Run the ``record`` command from parsed arguments."""
    if args.dry_run:
        source = FileSource(args.source) if args.source else None
    elif args.source:
        source = FileSource(args.source)
    else:
        device = int(args.device) if args.device and args.device.isdigit() else args.device
        source = MicrophoneSource(device=device)
    reports = record_takes(source=source, out_dir=args.out, keyword=args.keyword, count=args.count,
                           seconds=args.seconds, countdown_s=args.countdown, wait_for_enter=not args.no_wait,
                           dry_run=args.dry_run)
    bad = [r for r in reports if r.clipped or r.quiet]
    if bad:
        print(f"{len(bad)} of {len(reports)} takes are clipped or quiet; consider recording them again")
    return 0
