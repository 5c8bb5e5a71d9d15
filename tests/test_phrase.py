"""The phrase check before training (training/phrase.py): what a phrase sounds like, and its risks."""

import pytest

from training.phrase import ESPEAK_TO_ARPABET, check_phrase, espeak_phones, pronounce, require_trainable
from wakeword.errors import ConfigError

CMU_PHONES = {"AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY",
              "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y",
              "Z", "ZH"}
VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}


def test_a_dictionary_word_of_three_syllables_passes_quietly():
    check = check_phrase("alexa")
    assert check.phones == ("AH", "L", "EH", "K", "S", "AH") and check.sources == ("dictionary",)
    assert check.syllables == 3 and not check.errors and not check.warnings


def test_a_compound_takes_its_parts_phones_and_a_short_phrase_is_warned_with_its_cost():
    check = check_phrase("snowboy")
    assert check.phones == ("S", "N", "OW", "B", "OY") and check.sources == ("compound",)
    assert check.syllables == 2 and not check.errors
    assert len(check.warnings) == 1 and "2 syllables" in check.warnings[0] and "%" in check.warnings[0]
    assert pronounce("hey snowboy") == ("HH", "EY", "S", "N", "OW", "B", "OY")
    assert not check_phrase("hey snowboy").warnings


def test_common_words_and_unknown_words_are_warned():
    common = check_phrase("okay stop")
    assert any("very common words" in w for w in common.warnings)
    unknown = check_phrase("blorptastic")
    assert unknown.sources == ("espeak-ng",) and set(unknown.phones) <= CMU_PHONES
    assert any("not in the pronunciation dictionary" in w for w in unknown.warnings)


@pytest.mark.parametrize("phrase, problem", [("route 66", "write numbers out"), ("hey @home", "'@home'"),
                                             ("привет", "letters a-z only"), ("   ", "empty")])
def test_what_the_synthesizers_cannot_say_is_an_error(phrase, problem):
    check = check_phrase(phrase)
    assert check.errors and problem in " ".join(check.errors) and check.phones is None
    with pytest.raises(ConfigError, match="keyword.phrase"):
        require_trainable(phrase)


def test_espeak_phones_keep_the_dictionarys_consonants_and_syllables():
    from training.align import pronunciation

    words = ["kitchen", "mirror", "window", "garden", "photo", "river", "yellow", "jarvis", "computer", "thursday",
             "measure", "church", "judge", "singing", "boy", "house", "cure", "fire", "hair", "north"]
    for word in words:
        mapped, known = espeak_phones(word), pronunciation(word)
        assert set(mapped) <= CMU_PHONES, (word, mapped)
        # vowels may be reduced differently; consonants and syllables agree
        assert [p for p in mapped if p not in VOWELS] == [p for p in known if p not in VOWELS], (word, mapped, known)
        assert sum(p in VOWELS for p in mapped) == sum(p in VOWELS for p in known), (word, mapped, known)
    assert all(set(v) <= CMU_PHONES for v in ESPEAK_TO_ARPABET.values())


def test_the_trainer_stops_on_an_unsayable_phrase_before_any_work(tmp_path, capsys):
    from training.cli import main

    config = tmp_path / "bad.toml"
    config.write_text('[keyword]\nphrase = "route 66"\nname = "route"\n')
    out = tmp_path / "run"
    assert main([str(config), "--out", str(out), "--cache", str(tmp_path / "cache")]) == 2
    err = capsys.readouterr().err
    assert "keyword.phrase 'route 66'" in err and "write numbers out" in err
    assert not out.exists() and not (tmp_path / "cache").exists()
