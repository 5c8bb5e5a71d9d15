"""Negative phrases for training: words that sound like the keyword, and everyday sentences.

Pronunciations come from espeak-ng (American English voice, eSpeak's ASCII phoneme
names such as ``k @ m p j u: t# 3``). The word list (``wamerican`` by default:
lower-case entries only, so no proper nouns or possessives) is phonemised once and
cached (``phonemes-<hash>.npz``); later calls load it in well under a second.

The batch pronunciation of ~64 000 words uses libespeak-ng's ``espeak_TextToPhonemes``
through ctypes: the same engine and phoneme names as ``espeak-ng -q -x``, but about
20x faster than the command line (which also runs the waveform generator and needs
~80 s for the list). Without the library it falls back to one ``espeak-ng -q -x -f``
call per CPU on chunks of the list.

Confusable phrases come in five kinds (each a share of ``count``):

* near: single words within a small weighted phoneme edit distance of the keyword,
* prefix: words that start like the keyword (>= 2 shared leading phonemes),
* rhyme: words that end like the keyword (same phonemes from its last stressed vowel,
  or its last 2-3 phonemes),
* split: two-word phrases whose first word sounds like the start of the keyword and
  whose second sounds like its end ("come pewter"),
* partial: for multi-word keywords, each word alone or with one word swapped for a
  near word ("hey service").

Excluded: the keyword itself, homophones, and anything whose phonemes contain the
keyword's whole phoneme sequence (a streaming detector cannot and should not reject
"computers" before the /z/ arrives).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from wakeword.atomic import write_atomically
from wakeword.errors import ConfigError

DEFAULT_WORD_LIST = "/usr/share/dict/american-english"
ESPEAK_VOICE = "en-us"
#: bump when the cached pronunciation format changes
PHONEME_CACHE_VERSION = 1
_WORD_RE = re.compile(r"^(?=.*[aeiouy])[a-z]{2,}$")  # lower case, with a vowel letter (no "hrs")
_STRESS = "',%=!"
#: first characters of eSpeak's English vowel names (0 = the vowel of "lot", 3 = "nurse", @ = schwa)
_VOWEL_START = set("aeiouAEIOUV03@")
_CONSONANT_GROUPS = (
    ("p", "b", "t", "d", "k", "g", "t#", "d#", "?"),   # stops
    ("f", "v", "T", "D", "s", "z", "S", "Z", "h", "x"),  # fricatives
    ("tS", "dZ"),                                        # affricates
    ("m", "n", "N", "n-", "m-"),                         # nasals
    ("l", "r", "j", "w", "l/", "r-", "@L", "l-"),        # liquids and glides
)
SHARES = {"near": 0.35, "prefix": 0.15, "rhyme": 0.2, "split": 0.2, "partial": 0.1}


def default_cache_dir() -> Path:
    """``$WAKEWORD_CACHE_DIR`` or ``~/.cache/wakeword``."""
    return Path(os.environ.get("WAKEWORD_CACHE_DIR", Path.home() / ".cache" / "wakeword"))


def _clean_tokens(phonemes: str, *, stress: bool) -> list[str]:
    tokens = []
    for token in phonemes.split():
        if not stress:
            token = token.strip(_STRESS)
        if token and not token.startswith("_"):
            tokens.append(token)
    return tokens


def _espeak() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise ConfigError("espeak-ng is not installed (needed for pronunciations); apt-get install espeak-ng")
    return path


def keyword_phonemes(text: str, *, stress: bool = False) -> list[str]:
    """Pronunciation of ``text`` by ``espeak-ng -q -x`` (American English).

    Parameters
    ----------
    text : str
        One or more words.
    stress : bool
        Keep eSpeak's stress marks (``'`` primary, ``,`` secondary) on the vowels.

    Returns
    -------
    list of str
        eSpeak phoneme names across all words, e.g. ``["k", "@", "m", "p", "j", "u:", "t#", "3"]``
        for "computer".

    Raises
    ------
    ConfigError
        Empty text, text without letters, or espeak-ng missing.
    """
    if not isinstance(text, str) or not any(c.isalpha() for c in text):
        raise ConfigError(f"keyword must contain letters, got {text!r}")
    done = subprocess.run([_espeak(), "-q", "-x", "--sep= ", "-v", ESPEAK_VOICE, "--stdin"],
                          input=" ".join(text.split()), capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise ConfigError(f"espeak-ng could not phonemise {text!r}: {done.stderr.strip()}")
    tokens = _clean_tokens(done.stdout, stress=stress)
    if not tokens:
        raise ConfigError(f"espeak-ng gave no phonemes for {text!r}")
    return tokens


# --- batch pronunciation of a word list -------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _espeak_library() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    if lib.espeak_Initialize(0x02, 0, None, 0) <= 0:  # AUDIO_OUTPUT_SYNCHRONOUS, nothing is played
        return None
    if lib.espeak_SetVoiceByName(ESPEAK_VOICE.encode()) != 0:
        return None
    return lib


def _phonemize_library(lib: ctypes.CDLL, words: Sequence[str]) -> list[str]:
    mode = ord(" ") << 8  # ASCII phoneme names, separated by spaces (as `--sep=' '`)
    out = []
    for word in words:
        buffer = ctypes.c_char_p(word.encode())
        pointer = ctypes.cast(ctypes.pointer(buffer), ctypes.POINTER(ctypes.c_void_p))
        result = lib.espeak_TextToPhonemes(pointer, 1, mode)  # 1 = espeakCHARS_UTF8
        out.append(result.decode("utf-8", "replace") if result else "")
    return out


def _phonemize_cli(words: Sequence[str]) -> list[str]:
    """One ``espeak-ng -q -x -f`` call per chunk (one word per line, ending a clause)."""
    exe = _espeak()
    n_chunks = max(1, min(os.cpu_count() or 1, 8))
    chunks = [list(words[i::n_chunks]) for i in range(n_chunks)]

    def run(chunk: list[str]) -> list[str]:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("".join(f"{w}.\n" for w in chunk))
        try:
            done = subprocess.run([exe, "-q", "-x", "--sep= ", "-v", ESPEAK_VOICE, "-f", f.name],
                                  capture_output=True, text=True, timeout=3600)
        finally:
            os.unlink(f.name)
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        if done.returncode != 0 or len(lines) != len(chunk):
            raise ConfigError(f"espeak-ng batch phonemisation failed ({len(lines)} lines for {len(chunk)} words): "
                              f"{done.stderr.strip()[-300:]}")
        return lines

    with ThreadPoolExecutor(max_workers=n_chunks) as pool:
        results = list(pool.map(run, chunks))
    out = [""] * len(words)
    for i, lines in enumerate(results):
        out[i::n_chunks] = lines
    return out


def phonemize_words(words: Sequence[str]) -> list[list[str]]:
    """Stress-free eSpeak phonemes of many single words, in order (see the module docstring)."""
    lib = _espeak_library()
    raw = _phonemize_library(lib, words) if lib is not None else _phonemize_cli(words)
    return [_clean_tokens(r, stress=False) for r in raw]


def _espeak_version() -> str:
    done = subprocess.run([_espeak(), "--version"], capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


def read_word_list(path: str | os.PathLike) -> list[str]:
    """Lower-case alphabetic entries of a one-word-per-line list (no proper nouns, no possessives)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"word list {p} does not exist (Debian: apt-get install wamerican)")
    words = [w.strip() for w in p.read_text(encoding="utf-8", errors="replace").splitlines()]
    return sorted({w for w in words if _WORD_RE.match(w)})


@dataclass(frozen=True, eq=False)
class Lexicon:
    """A phonemised word list as integer arrays (the fast search structure).

    Attributes
    ----------
    words : tuple of str, length N
    phones : tuple of str
        The phoneme inventory; ids index into it.
    ids : ndarray of int16, shape (N, L)
        Phoneme ids, right-padded with -1.
    lengths : ndarray of int16, shape (N,)
    """

    words: tuple[str, ...]
    phones: tuple[str, ...]
    ids: np.ndarray
    lengths: np.ndarray

    def phonemes(self, index: int) -> list[str]:
        return [self.phones[i] for i in self.ids[index, :self.lengths[index]]]

    @functools.cached_property
    def row_of(self) -> dict[str, int]:
        """Word -> row index."""
        return {w: i for i, w in enumerate(self.words)}


def _build_lexicon(words: Sequence[str], prons: Sequence[Sequence[str]]) -> Lexicon:
    keep = [(w, p) for w, p in zip(words, prons) if p]
    inventory = sorted({ph for _, p in keep for ph in p})
    index = {ph: i for i, ph in enumerate(inventory)}
    width = max(len(p) for _, p in keep)
    ids = np.full((len(keep), width), -1, np.int16)
    lengths = np.zeros(len(keep), np.int16)
    for row, (_, p) in enumerate(keep):
        ids[row, :len(p)] = [index[ph] for ph in p]
        lengths[row] = len(p)
    return Lexicon(tuple(w for w, _ in keep), tuple(inventory), ids, lengths)


@functools.lru_cache(maxsize=4)
def _lexicon_cached(word_list: str, cache_dir: str, mtime_ns: int) -> Lexicon:
    content = Path(word_list).read_bytes()
    key = hashlib.sha256(content + _espeak_version().encode() + ESPEAK_VOICE.encode()
                         + str(PHONEME_CACHE_VERSION).encode()).hexdigest()[:20]
    path = Path(cache_dir) / f"phonemes-{key}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as data:
                return Lexicon(tuple(str(data["words"]).split("\n")), tuple(str(data["phones"]).split(" ")),
                               data["ids"], data["lengths"])
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file: rebuild it
    words = read_word_list(word_list)
    lex = _build_lexicon(words, phonemize_words(words))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda fh: np.savez(fh, words=np.array("\n".join(lex.words)),
                                               phones=np.array(" ".join(lex.phones)), ids=lex.ids, lengths=lex.lengths))
    return lex


def load_lexicon(*, word_list: str | os.PathLike = DEFAULT_WORD_LIST,
                 cache_dir: str | os.PathLike | None = None) -> Lexicon:
    """The phonemised word list, from ``cache_dir`` when it was built before.

    Parameters
    ----------
    word_list : path
        One word per line; only lower-case alphabetic entries are used.
    cache_dir : path or None
        Where ``phonemes-<hash>.npz`` lives (None: :func:`default_cache_dir`). The hash
        covers the list's content, the espeak-ng version and voice.
    """
    p = Path(word_list)
    if not p.is_file():
        raise ConfigError(f"word list {p} does not exist (Debian: apt-get install wamerican)")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return _lexicon_cached(str(p.resolve()), str(cache.resolve()), p.stat().st_mtime_ns)


# --- phoneme distance -------------------------------------------------------------------------------

def _base(phone: str) -> str:
    return re.sub(r"[#:0-9;/-]", "", phone).lower() or phone


def _is_vowel(phone: str) -> bool:
    return phone[0] in _VOWEL_START and phone not in ("@L",)


def substitution_cost(a: str, b: str) -> float:
    """Cost of hearing phoneme ``b`` for ``a``: 0 same, 0.3 same base sound (``I``/``I2``,
    ``i``/``i:``), 0.6 both vowels or same consonant class, 1 otherwise."""
    if a == b:
        return 0.0
    if _base(a) == _base(b):
        return 0.3
    if _is_vowel(a) and _is_vowel(b):
        return 0.6
    for group in _CONSONANT_GROUPS:
        if a in group and b in group:
            return 0.6
    return 1.0


def _indel_cost(phone: str) -> float:
    """Inserting or dropping a phoneme; weak vowels (schwa, reduced i) are easily missed."""
    return 0.5 if phone in ("@", "I2", "I#", "a#", "@2", "@5", "i", "t#", "d#") else 1.0


def phoneme_distance(a: Sequence[str], b: Sequence[str]) -> float:
    """Weighted Levenshtein distance between two phoneme sequences (see :func:`substitution_cost`)."""
    prev = np.concatenate([[0.0], np.cumsum([_indel_cost(p) for p in b])])
    for pa in a:
        cur = np.empty_like(prev)
        cur[0] = prev[0] + _indel_cost(pa)
        for j, pb in enumerate(b, start=1):
            cur[j] = min(prev[j] + _indel_cost(pa), cur[j - 1] + _indel_cost(pb),
                         prev[j - 1] + substitution_cost(pa, pb))
        prev = cur
    return float(prev[-1])


def _distance_table(lex: Lexicon, target: Sequence[str], rows: np.ndarray, *, reverse: bool = False) -> np.ndarray:
    """:func:`phoneme_distance` of every prefix ``target[:i]`` to every word in ``rows``.

    One dynamic programme over the keyword gives all its prefixes at once (row ``i``
    of the table). With ``reverse`` both the target and the words are reversed, so row
    ``i`` holds the distances of the suffix ``target[-i:]`` (edit distance is unchanged
    by reversing both sequences).

    Returns
    -------
    ndarray of float32, shape (len(target) + 1, len(rows))
    """
    phones = lex.phones
    if reverse:
        target = list(target)[::-1]
    sub = np.array([[substitution_cost(t, p) for p in phones] + [0.0] for t in target], np.float32)  # (m, P+1)
    indel_t = np.array([_indel_cost(t) for t in target], np.float32)
    indel_p = np.array([_indel_cost(p) for p in phones] + [0.0], np.float32)
    lengths = lex.lengths[rows].astype(np.int64)
    n = len(rows)
    table = np.zeros((len(target) + 1, n), np.float32)
    if n == 0:
        return table
    width = int(lengths.max())
    ids = lex.ids[rows, :width].astype(np.int64)
    if reverse:
        source = lengths[:, None] - 1 - np.arange(width)[None, :]
        ids = np.where(source >= 0, np.take_along_axis(ids, np.maximum(source, 0), axis=1), -1)
    # (width, n) layout: the programme walks the word positions, each step a contiguous row
    ids = np.ascontiguousarray(ids.T)
    ids[ids < 0] = len(phones)  # padding: cost 0, read past by the length below
    word_indel = indel_p[ids]  # (width, n)
    prev = np.concatenate([np.zeros((1, n), np.float32), np.cumsum(word_indel, axis=0)], axis=0)
    cur = np.empty_like(prev)
    columns = np.arange(n)
    table[0] = prev[lengths, columns]
    for i in range(len(target)):
        best = np.minimum(prev[:-1] + np.take(sub[i], ids), prev[1:] + indel_t[i])  # diagonal, up
        cur[0] = prev[0] + indel_t[i]
        for j in range(width):
            np.minimum(best[j], cur[j] + word_indel[j], out=cur[j + 1])
        prev, cur = cur, prev
        table[i + 1] = prev[lengths, columns]
    return table


# --- confusable phrases -----------------------------------------------------------------------------

def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    return any(list(haystack[i:i + n]) == list(needle) for i in range(len(haystack) - n + 1))


def _rhyme(phonemes_with_stress: list[str]) -> list[str]:
    """Phonemes from the last stressed vowel to the end (stress marks removed)."""
    last = 0
    for i, p in enumerate(phonemes_with_stress):
        if p[0] in "'," and _is_vowel(p.strip(_STRESS) or "x"):
            last = i
    return _clean_tokens(" ".join(phonemes_with_stress[last:]), stress=False)


def _pick(ranked: list[str], quota: int, rng: np.random.Generator) -> list[str]:
    """The best half of the quota, then a seeded sample from the next 3 x quota candidates."""
    if quota <= 0 or not ranked:
        return []
    best = ranked[: (quota + 1) // 2]
    pool = ranked[len(best): len(best) + 3 * quota]
    rest = quota - len(best)
    if rest > 0 and pool:
        chosen = sorted(rng.choice(len(pool), size=min(rest, len(pool)), replace=False))
        best += [pool[i] for i in chosen]
    return best


def confusable_phrases(keyword: str, *, word_list: str | os.PathLike = DEFAULT_WORD_LIST, count: int = 200,
                       seed: int = 0, cache_dir: str | os.PathLike | None = None) -> list[str]:
    """Words and two-word phrases that sound like ``keyword`` (hard negatives).

    Parameters
    ----------
    keyword : str
        The wake word or phrase.
    word_list : path
        One word per line (default: wamerican's list).
    count : int
        How many phrases to return (fewer only if the list runs out).
    seed : int
        Chooses among near-equal candidates; the same seed gives the same list.
    cache_dir : path or None
        Cache of the phonemised word list (see :func:`load_lexicon`).

    Returns
    -------
    list of str
        Distinct lower-case phrases, most confusable kinds first; never the keyword,
        a homophone of it, or a phrase containing its full pronunciation.
    """
    if count < 0:
        raise ConfigError(f"count must be >= 0, got {count}")
    kw_words = [w.lower() for w in re.findall(r"[A-Za-z']+", keyword)]
    if not kw_words:
        raise ConfigError(f"keyword must contain letters, got {keyword!r}")
    if count == 0:
        return []
    rng = np.random.default_rng(seed)
    lex = load_lexicon(word_list=word_list, cache_dir=cache_dir)
    target_stressed = keyword_phonemes(keyword, stress=True)
    target = _clean_tokens(" ".join(target_stressed), stress=False)
    m = len(target)
    keyword_text = " ".join(kw_words)
    all_rows = np.arange(len(lex.words))

    def allowed(text: str, phones: Sequence[str]) -> bool:
        return text != keyword_text and list(phones) != target and not _contains(phones, target)

    lengths = lex.lengths.astype(np.int64)
    # near: whole-word distance, normalised by length (row m of the forward table)
    forward_rows = all_rows[lengths <= m + max(2, m // 2)]
    forward = _distance_table(lex, target, forward_rows)
    near_rows = forward_rows[np.abs(lengths[forward_rows] - m) <= max(2, m // 2)]
    near_d = forward[m][np.abs(lengths[forward_rows] - m) <= max(2, m // 2)] / np.maximum(lengths[near_rows], m)
    order = np.argsort(near_d, kind="stable")
    near = [lex.words[near_rows[i]] for i in order[:2000] if near_d[i] < 0.6]
    # prefix: shared leading phonemes (>= 2, and not the whole word)
    target_ids = np.array([lex.phones.index(p) if p in lex.phones else -2 for p in target])
    k = min(m, lex.ids.shape[1])
    same = lex.ids[:, :k] == target_ids[None, :k]
    shared_prefix = np.cumprod(same, axis=1).sum(axis=1)
    prefix_rows = np.flatnonzero(shared_prefix >= min(2, m - 1))
    prefix_rows = prefix_rows[np.lexsort((np.abs(lengths[prefix_rows] - m), -shared_prefix[prefix_rows]))]
    prefix = [lex.words[r] for r in prefix_rows[:2000]]
    rhyme = _rhyming_words(lex, target_stressed, target)
    split_texts = _split_phrases(lex, target, forward, forward_rows)
    partial = _partial_phrases(lex, kw_words)
    row_of = lex.row_of

    def phones_of(text: str) -> list[str]:
        out: list[str] = []
        for w in text.split():
            out += lex.phonemes(row_of[w]) if w in row_of else keyword_phonemes(w)
        return out

    kinds = {"near": near, "prefix": prefix, "rhyme": rhyme, "split": split_texts, "partial": partial}
    return _choose(kinds, count, rng, allowed=lambda t: allowed(t, phones_of(t)))


def _rhyming_words(lex, target_stressed: list[str], target: list[str]) -> list[str]:
    """Words with the keyword's ending from its last stressed vowel (else its last 2-3 phonemes)."""
    m, lengths = len(target), lex.lengths.astype(np.int64)
    rhyme_tail = _rhyme(target_stressed)
    if len(rhyme_tail) < 2 or len(rhyme_tail) == m:
        rhyme_tail = target[-min(3, max(2, m - 1)):]
    tail_ids = np.array([lex.phones.index(p) if p in lex.phones else -2 for p in rhyme_tail])
    r = len(tail_ids)
    ends = np.full((len(lex.words), r), -3, np.int64)
    for j in range(r):
        pos = lengths - r + j
        ok = pos >= 0
        ends[ok, j] = lex.ids[ok, pos[ok]]
    rhyme_rows = np.flatnonzero(np.all(ends == tail_ids[None, :], axis=1) & (lengths > r))
    rhyme_rows = rhyme_rows[np.argsort(np.abs(lengths[rhyme_rows] - m), kind="stable")]
    return [lex.words[r_] for r_ in rhyme_rows[:2000]]


def _split_phrases(lex, target: list[str], forward, forward_rows) -> list[str]:
    """Two words covering the start and the end of the keyword, closest first."""
    m, lengths = len(target), lex.lengths.astype(np.int64)
    backward_rows = np.arange(len(lex.words))[lengths <= m + 1]
    backward = _distance_table(lex, target, backward_rows, reverse=True)
    split: list[tuple[float, str]] = []
    for cut in range(1, m):
        best = []
        for table, table_rows, size in ((forward, forward_rows, cut), (backward, backward_rows, m - cut)):
            fits = (lengths[table_rows] >= max(1, size - 1)) & (lengths[table_rows] <= size + 1)
            d, rows = table[size][fits], table_rows[fits]
            top = np.argsort(d, kind="stable")[:6]
            best.append([(float(d[i]), rows[i]) for i in top])
        for da, ra in best[0]:
            for db, rb in best[1]:
                split.append(((da + db) / m, f"{lex.words[ra]} {lex.words[rb]}"))
    split.sort()
    return [t for score, t in split if score < 0.6]


def _partial_phrases(lex, kw_words: list[str]) -> list[str]:
    """For a multi-word keyword: each word alone, and each word swapped for a near word."""
    partial: list[str] = []
    if len(kw_words) < 2:
        return partial
    lengths = lex.lengths.astype(np.int64)
    all_rows = np.arange(len(lex.words))
    partial += kw_words
    for i, word in enumerate(kw_words):
        phones = keyword_phonemes(word)
        rows = all_rows[np.abs(lengths - len(phones)) <= 1]
        d = _distance_table(lex, phones, rows)[-1]
        for j in np.argsort(d, kind="stable")[:5]:
            swapped = kw_words[:i] + [lex.words[rows[j]]] + kw_words[i + 1:]
            partial.append(" ".join(swapped))
    return partial


def _choose(kinds: dict[str, list[str]], count: int, rng: np.random.Generator, *, allowed) -> list[str]:
    """``count`` distinct phrases, each kind its :data:`SHARES` of them (chosen by :func:`_pick`),
    then the leftovers in order; only phrases ``allowed`` says may be used."""
    chosen: list[str] = []
    seen: set[str] = set()
    leftovers: list[str] = []
    shares = {k: v for k, v in SHARES.items() if kinds[k]}
    total = sum(shares.values())
    for kind, share in shares.items():
        candidates = [t for t in dict.fromkeys(kinds[kind]) if t not in seen and allowed(t)]
        quota = int(round(count * share / total))
        picked = _pick(candidates, quota, rng)
        for t in picked:
            if t not in seen and len(chosen) < count:
                seen.add(t)
                chosen.append(t)
        leftovers += [t for t in candidates if t not in seen]
    for t in leftovers:
        if len(chosen) >= count:
            break
        if t not in seen:
            seen.add(t)
            chosen.append(t)
    return chosen


# --- general sentences -----------------------------------------------------------------------------

_FUNCTION = {
    "det": ("the", "a", "my", "your", "this", "that", "our", "their", "every", "some"),
    "pronoun": ("i", "you", "we", "they", "she", "he"),
    "prep": ("in", "on", "under", "near", "behind", "with", "from", "after", "before", "around", "into"),
    "aux": ("was", "is", "will be", "has been", "might be", "kept"),
    "time": ("yesterday", "today", "tomorrow", "last night", "this morning", "every day", "on monday",
             "at noon", "after dinner", "again"),
    "number": ("two", "three", "four", "five", "six", "ten", "twelve", "twenty", "a hundred", "several"),
    "opener": ("well", "so", "honestly", "by the way", "you know", "okay", "anyway", "actually"),
}
_TEMPLATES = (
    "the {adj} {noun} {verb_past} {prep} the {noun}",
    "{pronoun} {verb_past} {det} {noun} {adv}",
    "can you {verb} {det} {noun} {prep} {det} {noun}",
    "{pronoun} {aux} {verb_ing} {det} {adj} {nouns}",
    "why did {det} {noun} {verb} {time}",
    "please {verb} {det} {adj} {noun}",
    "{det} {nouns} {verb_past} {prep} {det} {adj} {noun} {time}",
    "i think {det} {noun} is {adj}",
    "{pronoun} {verb_past} {number} {nouns} {time}",
    "{opener} {pronoun} {verb_past} the {noun} {adv}",
    "do not {verb} the {noun}",
    "where is {det} {adj} {noun}",
    "{pronoun} never {verb_past} {det} {noun} {prep} {det} {nouns}",
    "{number} {adj} {nouns} {verb_past} {adv} {time}",
    "{opener} let us {verb} {det} {nouns} {prep} the {noun}",
)


@functools.lru_cache(maxsize=4)
def _word_classes(word_list: str) -> dict[str, tuple[str, ...]]:
    """Rough parts of speech from spelling, for plausible-sounding sentences."""
    words = [w for w in read_word_list(word_list) if 3 <= len(w) <= 8]
    s = set(words)
    verbs, past, ing = set(), set(), set()
    for w in words:
        if w.endswith("ed"):
            for stem in (w[:-2], w[:-1], w[:-3] if len(w) > 5 and w[-3] == w[-4] else ""):
                if len(stem) >= 3 and stem in s:
                    past.add(w)
                    verbs.add(stem)
                    break
        elif w.endswith("ing"):
            for stem in (w[:-3], w[:-3] + "e", w[:-4] if len(w) > 6 and w[-4] == w[-5] else ""):
                if len(stem) >= 3 and stem in s:
                    ing.add(w)
                    verbs.add(stem)
                    break
    adj = {w for w in words if w.endswith(("ful", "ous", "ive", "able", "less", "ish", "ic", "al"))}
    adv = {w for w in words if w.endswith("ly") and w[:-2] in adj}
    taken = verbs | past | ing | adj | adv
    nouns = {w for w in words if w + "s" in s and w not in taken and not w.endswith(("ly", "ing", "ed", "s"))}
    classes = {"verb": verbs, "verb_past": past, "verb_ing": ing, "adj": adj, "adv": adv, "noun": nouns,
               "nouns": {w + "s" for w in nouns}}
    out = {k: tuple(sorted(v)) for k, v in classes.items()}
    empty = [k for k, v in out.items() if not v]
    if empty:
        raise ConfigError(f"word list {word_list} is too small to make sentences (no {', '.join(empty)})")
    return out


def general_phrases(count: int, *, seed: int, word_list: str | os.PathLike = DEFAULT_WORD_LIST,
                    exclude: Sequence[str] = ()) -> list[str]:
    """Random everyday-sounding sentences (3-10 words) for general-speech negatives.

    Sentences fill templates ("the {adj} {noun} {verb_past} {prep} the {noun}") with
    function words and with words of the list sorted into rough parts of speech by
    their spelling (``-ed`` with a known stem is a past verb, ``-ous`` an adjective,
    a word whose plural is listed a noun ...).

    Parameters
    ----------
    count : int
    seed : int
    word_list : path
    exclude : sequence of str
        Words that must not appear (pass the keyword's words).

    Returns
    -------
    list of str, length ``count``, lower case, distinct where the vocabulary allows
    """
    if count < 0:
        raise ConfigError(f"count must be >= 0, got {count}")
    p = Path(word_list)
    if not p.is_file():
        raise ConfigError(f"word list {p} does not exist (Debian: apt-get install wamerican)")
    classes = _word_classes(str(p.resolve()))
    banned = {w.lower() for phrase in exclude for w in re.findall(r"[A-Za-z']+", phrase)}
    rng = np.random.default_rng(seed)
    out: list[str] = []
    seen: set[str] = set()
    attempts = 0
    while len(out) < count and attempts < 20 * count + 100:
        attempts += 1
        template = _TEMPLATES[int(rng.integers(len(_TEMPLATES)))]

        def fill(match: re.Match) -> str:
            slot = match.group(1)
            pool = classes.get(slot) or _FUNCTION[slot]
            return pool[int(rng.integers(len(pool)))]

        sentence = re.sub(r"\{(\w+)\}", fill, template)
        if sentence in seen or banned & set(sentence.split()):
            continue
        seen.add(sentence)
        out.append(sentence)
    return out
