"""What a wake phrase sounds like, and whether it makes a safe wake word: checked before training.

``wakeword-phrase "hey mirror"`` prints the check; ``wakeword-train`` runs it before any
work and stops on an error.

* **Errors** (nothing can be trained): characters the synthesizers cannot say as words (digits,
  symbols, other scripts: write "route sixty six", not "route 66"), or text espeak-ng gives no
  phonemes for.
* **Warnings** (training goes on; the cost is stated): fewer than :data:`MIN_SYLLABLES` syllables,
  or nothing but very common words. Short and common phrases are hard to tell from speech: at the
  same false-accept rate they miss more (measured figures in ``docs/results.md``).

Phones: the recognizer dictionary's (CMUdict, through :func:`training.align.pronunciation`) where
it knows every word; an unknown word made of two known ones ("snowboy": snow + boy) takes theirs;
any other word is pronounced by espeak-ng and mapped to the dictionary's phone set
(:data:`ESPEAK_TO_ARPABET`), so keyword clips can still be spliced from real speakers.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

from wakeword.command import command
from wakeword.errors import ConfigError

#: a phrase with fewer syllables gets a warning (the shipped words have 2 and 3)
MIN_SYLLABLES = 3
_ALLOWED = re.compile(r"^[a-z]+(?:['-][a-z]+)*$")
_VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"})

#: eSpeak's English phoneme names (``espeak-ng -q -x``) to CMUdict's phones; r-coloured vowels,
#: which eSpeak writes as one phoneme, become two. Read off 10,599 words whose pronunciations have
#: as many phonemes in both (the most frequent counterpart of each)
ESPEAK_TO_ARPABET: dict[str, tuple[str, ...]] = {
    **{k: (v,) for k, v in {
        "b": "B", "d": "D", "D": "DH", "dZ": "JH", "f": "F", "g": "G", "h": "HH", "j": "Y", "k": "K", "l": "L",
        "l#": "L", "m": "M", "n": "N", "n-": "N", "N": "NG", "p": "P", "r": "R", "s": "S", "S": "SH", "t": "T",
        "t#": "T", "t2": "T", "?": "T", "tS": "CH", "T": "TH", "v": "V", "w": "W", "z": "Z", "Z": "ZH",
        "0": "AA", "3": "ER", "3:": "ER", "r-": "ER", "@": "AH", "@-": "AH", "@2": "AH", "a": "AE", "aa": "AE",
        "a#": "AH", "A:": "AA", "A~": "AA", "aI": "AY", "aU": "AW", "e": "EH", "E": "EH", "eI": "EY", "i": "IY",
        "i:": "IY", ";": "IY", "I": "IH", "I#": "IH", "I2": "IH", "O": "AO", "O:": "AO", "O2": "AO", "O~": "AO",
        "OI": "OY", "oU": "OW", "u:": "UW", "U": "UH", "V": "AH"}.items()},
    "A@": ("AA", "R"), "e@": ("EH", "R"), "i@": ("IH", "R"), "i@3": ("IH", "R"), "o@": ("AO", "R"),
    "O@": ("AO", "R"), "U@": ("UH", "R"), "aI@": ("AY", "ER"), "aI3": ("AY", "ER"), "@L": ("AH", "L"),
}

#: words so frequent in everyday speech that a phrase of nothing but them fires on conversation
COMMON_WORDS = frozenset("""
a about after again all also always an and any are around as ask at away back bad be because been before
best better big both but by call came can come could day did do does done down each even every find first
for from get give go going good got great had has have he hello help her here hey hi him his home how i if
in into is it its just keep know last let life like listen little long look lot made make man many me
might more morning most much must my never new next night no not nothing now of off oh ok okay old on
once one only open or other our out over people play please put right said same say see she should show
since so some something start stop take tell than thank thanks that the their them then there these they
thing think this those time to today too turn two up us use very wait want was way we well went were what
when where which while who why will with work would yeah yes yet you your
""".split())


@dataclass(frozen=True)
class PhraseCheck:
    """The result of :func:`check_phrase`.

    ``phones`` are CMUdict phones (None when the phrase cannot be pronounced); ``sources`` says per
    word where they came from (``"dictionary"``, ``"compound"`` or ``"espeak-ng"``).
    """

    phrase: str
    words: tuple[str, ...]
    phones: tuple[str, ...] | None
    sources: tuple[str, ...]
    syllables: int
    errors: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        lines = [f"phrase {self.phrase!r}: {self.syllables} syllable{'s' if self.syllables != 1 else ''}, phones "
                 + (" ".join(self.phones) if self.phones else "none")
                 + (f" ({', '.join(f'{w}: {s}' for w, s in zip(self.words, self.sources))})" if self.words else "")]
        lines += [f"error: {e}" for e in self.errors] + [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _dictionary(word: str) -> tuple[str, ...] | None:
    from .align import pronunciation

    return pronunciation(word)


def _compound(word: str) -> tuple[str, ...] | None:
    """Phones of ``word`` as two dictionary words ("snowboy" = "snow" + "boy"), longest first part first."""
    for cut in range(len(word) - 2, 1, -1):
        head, tail = _dictionary(word[:cut]), _dictionary(word[cut:])
        if head and tail:
            return head + tail
    return None


def espeak_phones(word: str) -> tuple[str, ...]:
    """CMUdict phones of ``word`` from espeak-ng's pronunciation (:data:`ESPEAK_TO_ARPABET`).

    Raises
    ------
    ConfigError
        espeak-ng gives no phonemes, or one this table does not know.
    """
    from .confusables import keyword_phonemes

    phones: list[str] = []
    for phoneme in keyword_phonemes(word):
        if phoneme not in ESPEAK_TO_ARPABET:
            raise ConfigError(f"espeak-ng pronounces {word!r} with the phoneme {phoneme!r}, which has no "
                              "English counterpart here")
        phones += ESPEAK_TO_ARPABET[phoneme]
    return tuple(phones)


def word_phones(word: str) -> tuple[tuple[str, ...], str]:
    """The phones of one word and where they came from: ``"dictionary"``, ``"compound"`` or ``"espeak-ng"``."""
    for source, find in (("dictionary", _dictionary), ("compound", _compound)):
        phones = find(word)
        if phones:
            return phones, source
    return espeak_phones(word), "espeak-ng"


def split_words(phrase: str) -> list[str]:
    """The words of a phrase as the rest of the pipeline reads it (lower case, hyphens split)."""
    return phrase.lower().replace("-", " ").split()


def pronounce(phrase: str) -> tuple[str, ...] | None:
    """CMUdict phones of a whole phrase (:func:`word_phones` of each word), or None if it cannot be said."""
    try:
        return tuple(p for word in split_words(phrase) for p in word_phones(word)[0]) or None
    except ConfigError:
        return None


def check_phrase(phrase: str) -> PhraseCheck:
    """Whether ``phrase`` can be trained, and what it will cost (see the module docstring)."""
    words = tuple(split_words(phrase))
    errors: list[str] = []
    if not words:
        errors.append("the phrase is empty")
    bad = [w for w in phrase.lower().split() if not _ALLOWED.match(w)]
    if bad:
        errors.append(f"the synthesizers cannot say {' '.join(map(repr, bad))} as words: use the letters a-z only "
                      "and write numbers out (\"route sixty six\", not \"route 66\")")
    phones: list[str] = []
    sources: list[str] = []
    if not errors:
        for word in words:
            try:
                found, source = word_phones(word)
            except ConfigError as exc:
                errors.append(f"the synthesizers cannot say {word!r}: {exc}")
                continue
            phones += found
            sources.append(source)
    syllables = sum(p in _VOWELS for p in phones)
    warnings: list[str] = []
    if not errors:
        if syllables < MIN_SYLLABLES:
            warnings.append(
                f"{syllables} syllable{'s' if syllables != 1 else ''}: a short phrase is hard to tell from speech, so "
                "at the same false accepts per hour it misses more (on unseen recordings at 0.5 false accepts an "
                "hour, the 2-syllable jarvis missed 34.9% where the 3-syllable alexa missed 9.1%; docs/results.md). "
                f"Phrases of {MIN_SYLLABLES} or more syllables, such as \"hey {phrase.strip()}\", work better")
        if all(w in COMMON_WORDS for w in words):
            warnings.append(f"{' '.join(words)!r} is made of very common words: people say it in conversation, so "
                            "the device will wake when they do (the false accepts an hour in the manifest count "
                            "speech without the phrase only). A rarer word or a name works better")
        unknown = [w for w, s in zip(words, sources) if s == "espeak-ng"]
        if unknown:
            warnings.append(f"{', '.join(map(repr, unknown))} not in the pronunciation dictionary: its phones come "
                            "from espeak-ng (" + " ".join(phones) + "); check them, as the real voices spliced "
                            "for training follow them")
    return PhraseCheck(phrase, words, tuple(phones) if phones and not errors else None, tuple(sources), syllables,
                       tuple(errors), tuple(warnings))


def require_trainable(phrase: str) -> PhraseCheck:
    """:func:`check_phrase`, raising on an error (before any training starts)."""
    check = check_phrase(phrase)
    if check.errors:
        raise ConfigError(f"keyword.phrase {phrase!r}: " + "; ".join(check.errors))
    return check


@command
def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="wakeword-phrase", description="Check a phrase before training it: how the synthesizers say it, "
        "its syllables, and the risks of a short or common phrase (with their measured cost).")
    parser.add_argument("phrase", nargs="+", help="the phrase, e.g. hey mirror (quotes optional)")
    args = parser.parse_args(argv)
    check = check_phrase(" ".join(args.phrase))
    if check.errors:
        print(check.summary().splitlines()[0])
        raise ConfigError("; ".join(check.errors))
    print(check.summary())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
