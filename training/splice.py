"""Keyword clips spoken by real voices: the keyword's phones cut from aligned real speech and joined.

Spliced negatives are made the same way from the same speakers (near misses of the keyword:
one consonant or vowel changed, the keyword cut short; and confusable words), so that
"a real voice, spliced" never means "keyword" by itself: only the phone sequence does.

For each aligned utterance (one speaker) the keyword's phone sequence is covered by as
few runs of consecutive phones from that utterance as possible ("L EH K S" from
"necks", "AH" from "a"), so the clip keeps that speaker's voice, channel and as much of
the natural coarticulation as the utterance offers. Runs never cross a pause. Close
vowels may stand in for each other (a schwa for a schwa-like vowel) at a cost. Joins
get a short raised-cosine crossfade; the clip gets 10 ms fades at its ends.

>>> cover_phones(("AH", "L", "EH", "K", "S", "AH"),
...              [Phone("DH", 0.0, 0.1), Phone("AH", 0.1, 0.2), Phone("N", 0.2, 0.3), Phone("EH", 0.3, 0.4),
...               Phone("K", 0.4, 0.5), Phone("S", 0.5, 0.6), Phone("L", 0.7, 0.8), Phone("EH", 0.8, 0.9)],
...              rng=np.random.default_rng(0), max_segments=6) is not None
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .align import Phone, Word, pronunciation

#: bump when a change here changes the clips (part of the training data's cache key)
SPLICE_FORMAT_VERSION = 3
#: phones that may stand in for each other (cost SUBSTITUTION_COST each): reduced and close vowels
SIMILAR = {
    "AH": ("IH", "UH", "ER", "AA"), "IH": ("AH", "IY", "EH"), "UH": ("AH", "UW"), "ER": ("AH",),
    "EH": ("AE", "IH"), "AE": ("EH",), "AA": ("AO", "AH"), "AO": ("AA",), "IY": ("IH",), "UW": ("UH",),
    "Z": ("S",), "S": ("Z",),
}
SUBSTITUTION_COST = 0.6
PAUSES = {"SIL", "+NSN+", "+SPN+", "+BREATH+", "+COUGH+", "+NOISE+", "+UM+", "+UH+", "+SMACK+"}
CROSSFADE_S = 0.005
EDGE_FADE_S = 0.01


@dataclass(frozen=True)
class Segment:
    """Phones ``first..last`` (inclusive indices into the utterance's phone list)."""

    first: int
    last: int


def keyword_phones(phrase: str) -> tuple[str, ...] | None:
    """The phrase's phones from the recognizer's dictionary, or None if a word is unknown."""
    phones: list[str] = []
    for word in phrase.lower().replace("-", " ").split():
        pron = pronunciation(word)
        if pron is None:
            return None
        phones += pron
    return tuple(phones)


VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}
REDUCED = {"AH", "IH", "ER"}
CONSONANTS = {"B", "CH", "D", "DH", "F", "G", "HH", "JH", "K", "L", "M", "N", "NG", "P", "R", "S", "SH", "T", "TH",
              "V", "W", "Y", "Z", "ZH"}


def near_misses(target: tuple[str, ...], *, rng: np.random.Generator, count: int) -> list[tuple[str, ...]]:
    """Phone sequences one step from ``target``: a consonant or a full vowel replaced by one that is
    not close to it (consonant by consonant, vowel by vowel), a consonant inserted inside it, or the
    sequence cut short by its last phones. Reduced vowels (AH, IH, ER) are left alone: speakers say
    them in many ways."""
    out: list[tuple[str, ...]] = []
    changeable = [i for i, p in enumerate(target) if p not in REDUCED]
    for _ in range(count * 4):
        if len(out) == count:
            break
        kind = rng.random()
        if len(target) > 3 and (kind < 0.2 or not changeable):
            candidate = target[:len(target) - int(rng.integers(1, 3))]
        elif len(target) > 1 and kind < 0.4:
            i = int(rng.integers(1, len(target)))
            pool = sorted(CONSONANTS - {target[i - 1], target[i]})
            candidate = target[:i] + (pool[int(rng.integers(len(pool)))],) + target[i:]
        else:
            i = changeable[int(rng.integers(len(changeable)))]
            pool = sorted((VOWELS if target[i] in VOWELS else CONSONANTS) - {target[i]} - set(SIMILAR.get(target[i], ())))
            candidate = target[:i] + (pool[int(rng.integers(len(pool)))],) + target[i + 1:]
        if candidate != target and candidate not in out:
            out.append(candidate)
    return out


def phrase_phones(phrases: list[str]) -> list[tuple[str, ...]]:
    """Dictionary phones of each phrase whose words are all known (others are dropped)."""
    return [p for p in (keyword_phones(text) for text in phrases) if p]


def utterance_phones(words: list[Word]) -> list[Phone]:
    return [p for w in words for p in w.phones]


def _match_cost(target: str, heard: str) -> float | None:
    if target == heard:
        return 0.0
    return SUBSTITUTION_COST if heard in SIMILAR.get(target, ()) else None


def cover_phones(target: tuple[str, ...], phones: list[Phone], *, rng: np.random.Generator,
                 max_segments: int) -> list[Segment] | None:
    """Fewest runs of consecutive non-pause ``phones`` that spell ``target`` (ties broken at random).

    Returns the segments in target order, or None when no cover with at most ``max_segments`` runs exists.
    """
    n, m = len(target), len(phones)
    if n == 0 or m == 0:
        return None
    # runs[i]: (cost, length, start index) for every run that matches target[i:i+length]
    runs: list[list[tuple[float, int, int]]] = [[] for _ in range(n)]
    for i in range(n):
        for j in range(m):
            cost = 0.0
            for length in range(1, n - i + 1):
                k = j + length - 1
                if k >= m or phones[k].name in PAUSES:
                    break
                c = _match_cost(target[i + length - 1], phones[k].name)
                if c is None:
                    break
                cost += c
                runs[i].append((cost, length, j))
    # best[i]: lowest cost of covering target[i:], a segment costs 1 plus its substitutions
    best = [np.inf] * (n + 1)
    choice: list[list[tuple[int, int]]] = [[] for _ in range(n + 1)]
    best[n] = 0.0
    for i in range(n - 1, -1, -1):
        for cost, length, j in runs[i]:
            total = 1.0 + cost + best[i + length]
            if total < best[i] - 1e-9:
                best[i], choice[i] = total, [(length, j)]
            elif abs(total - best[i]) <= 1e-9:
                choice[i].append((length, j))
    if not np.isfinite(best[0]):
        return None
    segments: list[Segment] = []
    i = 0
    while i < n:
        length, j = choice[i][int(rng.integers(len(choice[i])))]
        segments.append(Segment(j, j + length - 1))
        i += length
    return segments if len(segments) <= max_segments else None


def render(audio: np.ndarray, phones: list[Phone], segments: list[Segment], *, sample_rate: int = 16000) -> np.ndarray:
    """The segments' audio (float32, -1..1) joined with crossfades."""
    x = audio.astype(np.float32) / 32768.0 if audio.dtype == np.int16 else audio.astype(np.float32)
    fade = max(1, int(CROSSFADE_S * sample_rate))
    ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, fade))).astype(np.float32)
    out = np.zeros(0, np.float32)
    for s in segments:
        a = max(0, int(round(phones[s.first].start * sample_rate)) - fade // 2)
        b = min(len(x), int(round(phones[s.last].end * sample_rate)) + fade // 2)
        piece = x[a:b].copy()
        if len(out) >= fade and len(piece) >= fade:
            out[-fade:] = out[-fade:] * ramp[::-1] + piece[:fade] * ramp
            out = np.concatenate([out, piece[fade:]])
        else:
            out = np.concatenate([out, piece])
    edge = min(len(out) // 2, int(EDGE_FADE_S * sample_rate))
    if edge:
        ramp = np.linspace(0.0, 1.0, edge, dtype=np.float32)
        out[:edge] *= ramp
        out[-edge:] *= ramp[::-1]
    return out


def splice_clips(audio: np.ndarray, words: list[Word], target: tuple[str, ...] | list[tuple[str, ...]], *, count: int,
                 max_segments: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Up to ``count`` different clips of ``target`` (or of targets drawn from a list of phone
    sequences) from one aligned utterance; fewer when it offers fewer."""
    phones = utterance_phones(words)
    targets = target if isinstance(target, list) else [target]
    if not targets:
        return []
    clips, seen = [], set()
    for _ in range(count * 3):
        segments = cover_phones(targets[int(rng.integers(len(targets)))], phones, rng=rng, max_segments=max_segments)
        if segments is None:
            if len(targets) == 1:
                break
            continue
        key = tuple((s.first, s.last) for s in segments)
        if key in seen:
            continue
        seen.add(key)
        clip = render(audio, phones, segments)
        if len(clip) >= 1600:
            clips.append(clip)
        if len(clips) == count:
            break
    return clips
