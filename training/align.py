"""Phone alignment of real speech with an offline recognizer (PocketSphinx, its bundled en-US model).

Real speakers are what synthesized positives lack. Untranscribed real speech (here
LibriSpeech utterances with no transcripts) is decoded into words, then force-aligned
to the recognizer's own word hypothesis to get phone boundaries (CMUdict ARPAbet
phones, 10 ms resolution). :mod:`training.splice` cuts the keyword's phones from these
alignments and joins them into keyword clips spoken by real voices.

The recognizer is not perfect (it may hear "surprised" where "is surprised" was said),
but the phones it aligns are the ones it matched acoustically, which is what a splice
needs. Each file is aligned once: results are cached by the file's content hash.

>>> from training.align import Phone, Word
>>> Word("six", 1.0, 1.4, (Phone("S", 1.0, 1.1), Phone("IH", 1.1, 1.2), Phone("K", 1.2, 1.3), Phone("S", 1.3, 1.4)))
... # doctest: +ELLIPSIS
Word(text='six', start=1.0, end=1.4, phones=(Phone(name='S', ...
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wakeword.atomic import write_atomically
from wakeword.errors import ConfigError

from .parallel import map_clips

ALIGN_FORMAT_VERSION = 4
INSTALL_HINT = "pip install pocketsphinx==5.1.1 (part of the 'train' extra)"
FRAME_S = 0.01  # PocketSphinx frames: 10 ms
_DECODER: dict = {}


@dataclass(frozen=True)
class Phone:
    name: str  # ARPAbet without stress (CMUdict's phone set), "SIL" for silence
    start: float  # seconds
    end: float


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    phones: tuple[Phone, ...]


def _pocketsphinx():
    try:
        import pocketsphinx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError(f"phone alignment needs PocketSphinx: {INSTALL_HINT}") from exc
    return pocketsphinx


def recognizer_version() -> str:
    from importlib.metadata import version

    _pocketsphinx()
    return version("pocketsphinx")


def _decoder(kind: str = "dictionary"):
    """A decoder with the bundled en-US model: "dictionary" (word look-ups), "recognize" or "align".

    Results must not depend on which files a decoder saw before, and a PocketSphinx decoder keeps
    state from one utterance to the next (its acoustic model's Gaussian selection, noise estimates):
    :func:`align_audio` therefore decodes every file with decoders in the state they were created
    in, in a forked copy of this process (loading the language model takes a second, a quarter of a
    file's work), or with new decoders where there is no ``fork``.
    """
    ps = _pocketsphinx()
    if kind == "dictionary":
        if kind not in _DECODER:
            _DECODER[kind] = ps.Decoder(samprate=16000, loglevel="FATAL")
        return _DECODER[kind]
    if kind == "align":  # alignment needs no language model (loading it is most of a decoder's start)
        return ps.Decoder(samprate=16000, loglevel="FATAL", cmn="batch", lm=None)
    # one pass with capped active HMMs and words: about half the CPU of the default three passes,
    # and no worse for splicing (60 LibriSpeech files: spliced "alexa" clips that microWakeWord accepts
    # 69% with 5000 HMMs a frame vs 59% with the defaults; 180 files: 53% with 3000 vs 56% with 5000
    # at the same coverage, which is within the noise of 235 clips, for about a fifth less time)
    return ps.Decoder(samprate=16000, loglevel="FATAL", cmn="batch", maxhmmpf=3000, maxwpf=10, fwdflat=False,
                      bestpath=False)


def _pristine(kind: str):
    """A decoder of ``kind`` created once and never used in this process (forked copies use it)."""
    key = f"pristine-{kind}"
    if key not in _DECODER:
        _DECODER[key] = _decoder(kind)
    return _DECODER[key]


def pronunciation(word: str) -> tuple[str, ...] | None:
    """The recognizer dictionary's phones of ``word`` (first pronunciation), or None if it is unknown."""
    phones = _decoder().lookup_word(word.lower())
    return tuple(phones.split()) if phones else None


def align_audio(audio: np.ndarray) -> list[Word]:
    """Words and phones heard in 16 kHz int16 mono ``audio`` (silences as ``<sil>`` words)."""
    if audio.dtype != np.int16 or audio.ndim != 1:
        raise ConfigError("align_audio needs 16 kHz mono int16 samples")
    if len(audio) < 1600:
        return []
    if not hasattr(os, "fork"):
        return _align(audio, _decoder("recognize"), _decoder("align"))
    recognize, align = _pristine("recognize"), _pristine("align")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: decode with the untouched decoders, send the words, leave at once
        status = 0
        try:
            os.close(read_end)
            payload = json.dumps(_to_json(_align(audio, recognize, align))).encode()
        except BaseException as exc:  # noqa: BLE001 - reported by the parent
            payload, status = f"{type(exc).__name__}: {exc}".encode(), 1
        try:
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _, wait_status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(wait_status)
    if code != 0:
        detail = payload.decode(errors="replace") if code == 1 else f"exit status {code}"
        raise RuntimeError(f"phone alignment failed: {detail}")
    return _from_json(json.loads(payload))


def _align(audio: np.ndarray, recognize, align) -> list[Word]:
    raw = audio.tobytes()
    recognize.start_utt()
    recognize.process_raw(raw, full_utt=True)
    recognize.end_utt()
    hyp = recognize.hyp()
    text = " ".join(w for w in (hyp.hypstr.split() if hyp else []) if pronunciation(w))
    if not text:
        return []
    words: list[Word] = []
    try:
        align.set_align_text(text)
        align.start_utt()
        align.process_raw(raw, full_utt=True)
        align.end_utt()
        align.set_alignment()
        align.start_utt()
        align.process_raw(raw, full_utt=True)
        align.end_utt()
        alignment = align.get_alignment()
        for w in alignment or ():
            phones = tuple(Phone(p.name, round(p.start * FRAME_S, 2), round((p.start + p.duration) * FRAME_S, 2)) for p in w)
            name = w.name.split("(")[0]
            words.append(Word(name, round(w.start * FRAME_S, 2), round((w.start + w.duration) * FRAME_S, 2), phones))
    except RuntimeError:  # the alignment found no path: nothing usable in this file
        words = []
    return words


def _file_key(path: str, version: str) -> str:
    digest = hashlib.sha256()
    digest.update(f"align-v{ALIGN_FORMAT_VERSION}-{version}".encode())
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:24]


def _to_json(words: list[Word]) -> list:
    return [[w.text, w.start, w.end, [[p.name, p.start, p.end] for p in w.phones]] for w in words]


def _from_json(data: list) -> list[Word]:
    return [Word(t, s, e, tuple(Phone(n, a, b) for n, a, b in phones)) for t, s, e, phones in data]


def _align_task(task: tuple[str, str]) -> list:
    from wakeword.audio import load_audio

    path, cache_file = task
    words = _to_json(align_audio(load_audio(path)))
    write_atomically(cache_file, lambda fh: fh.write(json.dumps(words).encode()))
    return words


def align_files(files: list[str], *, cache_dir: str | os.PathLike, workers: int = 1, backend: str = "process",
                address: str = "") -> dict[str, list[Word]]:
    """Alignment of each file (cached by content under ``cache_dir/align``), keyed by path."""
    cache = Path(cache_dir) / "align"
    cache.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[Word]] = {}
    todo: list[tuple[str, str]] = []
    version = recognizer_version()
    for path in files:
        cache_file = cache / f"{_file_key(path, version)}.json"
        if cache_file.is_file():
            try:
                out[path] = _from_json(json.loads(cache_file.read_text()))
                continue
            except (ValueError, TypeError):
                pass  # a damaged cache entry is aligned again
        todo.append((path, str(cache_file)))
    results = map_clips(_align_task, todo, backend=backend, workers=workers, address=address,
                        desc="phone alignment", chunksize=1, done=len(out))
    for (path, _), words in zip(todo, results):
        out[path] = _from_json(words)
    return {p: out[p] for p in files}
