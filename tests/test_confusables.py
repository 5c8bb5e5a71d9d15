"""Confusable and general negative phrases (real espeak-ng, real word list)."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from training import confusables as C
from wakeword.errors import ConfigError

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
WORDS = Path(C.DEFAULT_WORD_LIST)
needs_words = pytest.mark.skipif(not WORDS.is_file(), reason="wamerican is not installed")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("confusables-cache")


@pytest.fixture(scope="module")
def first_call(cache_dir):
    """The first call phonemises the whole word list into an empty cache (timed)."""
    C._lexicon_cached.cache_clear()
    start = time.perf_counter()
    phrases = C.confusable_phrases("computer", count=200, seed=0, cache_dir=cache_dir)
    return phrases, time.perf_counter() - start


def test_keyword_phonemes():
    assert C.keyword_phonemes("computer")[:4] == ["k", "@", "m", "p"]
    stressed = C.keyword_phonemes("computer", stress=True)
    assert any(p.startswith("'") for p in stressed) and len(stressed) == len(C.keyword_phonemes("computer"))
    assert len(C.keyword_phonemes("hey jarvis")) > len(C.keyword_phonemes("jarvis"))
    with pytest.raises(ConfigError, match="letters"):
        C.keyword_phonemes("  ")


def test_batch_phonemes_equal_the_command_line():
    words = ["computer", "alexa", "weather", "yesterday", "rhythm"]
    assert C.phonemize_words(words) == [C.keyword_phonemes(w) for w in words]


def test_phoneme_distance():
    kw = C.keyword_phonemes("computer")
    assert C.phoneme_distance(kw, kw) == 0
    assert C.phoneme_distance(kw, C.keyword_phonemes("commuter")) < C.phoneme_distance(kw, C.keyword_phonemes("banana"))
    assert C.substitution_cost("i", "i:") < C.substitution_cost("i", "u:") < C.substitution_cost("i", "k")


@needs_words
def test_confusables_sound_like_the_keyword(first_call):
    phrases, _ = first_call
    assert len(phrases) == 200 and len(set(phrases)) == 200
    assert "computer" not in phrases and "computers" not in phrases
    assert all(re.fullmatch(r"[a-z]+( [a-z]+)?", p) for p in phrases)
    assert "commuter" in phrases[:20] and any(" " in p for p in phrases)
    kw = C.keyword_phonemes("computer")
    mean_near = np.mean([C.phoneme_distance(kw, C.keyword_phonemes(p)) for p in phrases[:15]])
    rng = np.random.default_rng(0)
    words = C.read_word_list(WORDS)
    mean_random = np.mean([C.phoneme_distance(kw, C.keyword_phonemes(words[i]))
                           for i in rng.choice(len(words), 15, replace=False)])
    assert mean_near < 0.6 * mean_random


@needs_words
def test_first_call_under_30_s_and_cached_under_1_s(first_call, cache_dir):
    _, first_s = first_call
    assert list(cache_dir.glob("phonemes-*.npz"))
    C._lexicon_cached.cache_clear()  # a fresh process: only the file cache is left
    start = time.perf_counter()
    again = C.confusable_phrases("computer", count=200, seed=0, cache_dir=cache_dir)
    cached_s = time.perf_counter() - start
    print(f"confusables: first call {first_s:.1f} s, cached {cached_s:.2f} s")
    assert again == first_call[0]
    assert first_s < 30 and cached_s < 1.0


@needs_words
def test_seed_and_multi_word_keywords(first_call, cache_dir):
    other = C.confusable_phrases("computer", count=200, seed=1, cache_dir=cache_dir)
    assert other != first_call[0] and len(set(other) & set(first_call[0])) > 100
    phrases = C.confusable_phrases("Hey Jarvis", count=60, seed=0, cache_dir=cache_dir)
    assert len(phrases) == 60 and "hey jarvis" not in phrases
    assert {"hey", "jarvis"} <= set(phrases)  # each word alone is a negative


def test_custom_word_list(tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("\n".join(["commuter", "compute", "tutor", "banana", "computer", "Computer's", "pewter",
                                "come", "cup", "mutter", "scooter", "hello", "window"]) + "\n")
    phrases = C.confusable_phrases("computer", word_list=words, count=8, cache_dir=tmp_path / "cache")
    assert len(phrases) == 8 and "computer" not in phrases
    assert set(" ".join(phrases).split()) <= {"commuter", "compute", "tutor", "banana", "pewter", "come", "cup",
                                             "mutter", "scooter", "hello", "window"}
    with pytest.raises(ConfigError, match="does not exist"):
        C.confusable_phrases("computer", word_list=tmp_path / "none.txt", cache_dir=tmp_path)
    with pytest.raises(ConfigError, match="count"):
        C.confusable_phrases("computer", word_list=words, count=-1, cache_dir=tmp_path)
    with pytest.raises(ConfigError, match="letters"):
        C.confusable_phrases("42", word_list=words, cache_dir=tmp_path)


@needs_words
def test_general_phrases():
    phrases = C.general_phrases(100, seed=3)
    assert len(phrases) == 100 and len(set(phrases)) == 100
    assert phrases == C.general_phrases(100, seed=3) and phrases != C.general_phrases(100, seed=4)
    assert all(3 <= len(p.split()) <= 12 and re.fullmatch(r"[a-z ]+", p) for p in phrases)
    assert not any("the" == p.split()[-1] for p in phrases)
    clean = C.general_phrases(300, seed=3, exclude=["the", "computer"])
    assert not any({"the", "computer"} & set(p.split()) for p in clean)
