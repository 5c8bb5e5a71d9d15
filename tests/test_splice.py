"""Real-voice keyword clips: phone alignment of real speech (PocketSphinx) and the splicer."""

import json
import subprocess

import numpy as np
import pytest

from training.align import Phone, align_audio, align_files, pronunciation
from training.splice import cover_phones, keyword_phones, render, splice_clips
from wakeword.audio import load_audio


def phones_of(spec: str, step: float = 0.1) -> list[Phone]:
    """'DH AH | N EH K S' -> consecutive phones, '|' as a silence."""
    out, t = [], 0.0
    for name in spec.split():
        out.append(Phone("SIL" if name == "|" else name, round(t, 3), round(t + step, 3)))
        t += step
    return out


def test_cover_uses_the_fewest_runs_and_never_crosses_a_pause():
    rng = np.random.default_rng(0)
    target = ("AH", "L", "EH", "K", "S", "AH")
    # "L EH K S" exists only across a pause; "L EH" and "K S AH" exist as runs
    phones = phones_of("AH | L EH | K S | B L EH T | N K S AH")
    for _ in range(20):
        segs = cover_phones(target, phones, rng=rng, max_segments=6)
        assert segs is not None and len(segs) == 3
        spelled = [phones[i].name for s in segs for i in range(s.first, s.last + 1)]
        assert spelled == list(target)
        for s in segs:  # no run contains a pause
            assert all(phones[i].name != "SIL" for i in range(s.first, s.last + 1))


def test_cover_prefers_exact_phones_and_accepts_close_vowels():
    rng = np.random.default_rng(1)
    target = ("AH", "L", "EH")
    exact = cover_phones(target, phones_of("IH L EH | AH L EH"), rng=rng, max_segments=3)
    assert [(s.first, s.last) for s in exact] == [(4, 6)]
    close = cover_phones(target, phones_of("IH L EH"), rng=rng, max_segments=3)
    assert [(s.first, s.last) for s in close] == [(0, 2)]


def test_cover_fails_when_a_phone_is_missing_or_too_many_joins():
    rng = np.random.default_rng(2)
    assert cover_phones(("K", "S"), phones_of("AH L EH"), rng=rng, max_segments=4) is None
    assert cover_phones(("AH", "L", "EH"), phones_of("AH | L | EH"), rng=rng, max_segments=2) is None
    assert cover_phones(("AH", "L", "EH"), phones_of("AH | L | EH"), rng=rng, max_segments=3) is not None


def test_render_joins_the_segments_audio_with_crossfades():
    sr = 16000
    t = np.arange(4 * sr // 10) / sr
    audio = np.rint(10000 * np.sin(2 * np.pi * 100 * t)).astype(np.int16)  # 4 "phones" of 100 ms
    phones = phones_of("A B C D")
    from training.splice import CROSSFADE_S, Segment

    out = render(audio, phones, [Segment(0, 0), Segment(2, 3)])
    fade = int(CROSSFADE_S * sr)
    # each segment keeps half a crossfade of context on both sides where the audio has it
    assert abs(len(out) - (0.1 * sr + fade // 2 + 0.2 * sr - fade // 2)) <= 2
    x = audio.astype(np.float32) / 32768
    # away from the join and the faded ends the samples are the source's own
    assert np.allclose(out[400:1400], x[400:1400], atol=1e-6)
    start2 = 2 * sr // 10 - fade // 2  # the second segment's first source sample
    o2 = (sr // 10 + fade // 2) - fade  # where it starts in the output (after the first, overlapped)
    end = len(out) - 400
    assert np.allclose(out[o2 + fade:end], x[start2 + fade:start2 + end - o2], atol=1e-6)
    step = np.abs(np.diff(x)).max()
    assert np.abs(np.diff(out)).max() < 2.5 * step  # no click at the join
    assert out[0] == 0.0 and out[-1] == 0.0  # faded ends


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    folder = tmp_path_factory.mktemp("speech")
    texts = ["the man said it was the next best thing", "six boxes of rice were left on the table"]
    for i, text in enumerate(texts):
        subprocess.run(["flite", "-voice", "slt", "-t", text, "-o", str(folder / f"{i}.wav")], check=True)
    return folder, texts


def test_dictionary_knows_the_shipped_keywords():
    assert keyword_phones("alexa") == ("AH", "L", "EH", "K", "S", "AH")
    assert keyword_phones("hey jarvis")[:2] == ("HH", "EY")
    assert pronunciation("xqzzyplk") is None and keyword_phones("hey xqzzyplk") is None


def test_alignment_finds_words_and_ordered_phones_in_speech(spoken):
    folder, texts = spoken
    audio = load_audio(folder / "0.wav")
    words = align_audio(audio)
    heard = [w.text for w in words if not w.text.startswith("<") and w.text != "</s>"]
    assert len(set(heard) & set(texts[0].split())) >= 5, heard  # the recognizer hears the sentence
    phones = [p for w in words for p in w.phones]
    assert len(phones) >= 15
    assert all(a.end <= b.start + 1e-6 for a, b in zip(phones, phones[1:]))
    assert all(p.start < p.end for p in phones)
    assert phones[-1].end <= len(audio) / 16000 + 0.011
    assert align_audio(np.zeros(100, np.int16)) == []


def test_alignment_does_not_depend_on_what_was_decoded_before(spoken):
    folder, _ = spoken
    first, second = load_audio(folder / "0.wav"), load_audio(folder / "1.wav")
    alone = align_audio(second)
    align_audio(first)
    assert align_audio(second) == alone
    assert align_audio(first) == align_audio(first)


def test_alignments_are_cached_by_content(spoken, tmp_path):
    folder, _ = spoken
    files = [str(folder / "0.wav"), str(folder / "1.wav")]
    first = align_files(files, cache_dir=tmp_path, workers=1)
    cached = sorted((tmp_path / "align").glob("*.json"))
    assert len(cached) == 2
    stamps = [p.stat().st_mtime_ns for p in cached]
    second = align_files(files, cache_dir=tmp_path, workers=2)
    assert second == first
    assert [p.stat().st_mtime_ns for p in cached] == stamps
    cached[0].write_text("{broken")  # a damaged entry is aligned again
    assert align_files(files, cache_dir=tmp_path, workers=1) == first
    json.loads(cached[0].read_text())


def test_spliced_clips_are_made_of_the_speakers_audio(spoken):
    folder, _ = spoken
    audio = load_audio(folder / "1.wav")
    words = align_audio(audio)
    # "six boxes ... left": every phone of "alexa" or a close vowel is in this sentence
    clips = splice_clips(audio, words, ("AH", "L", "EH", "K", "S", "AH"), count=3, max_segments=6,
                         rng=np.random.default_rng(0))
    assert clips, [p.name for w in words for p in w.phones]
    for clip in clips:
        assert clip.dtype == np.float32 and 0.15 < len(clip) / 16000 < 1.5
        assert np.abs(clip).max() <= np.abs(audio).max() / 32768 + 1e-6
    assert len({len(c) for c in clips}) == len(clips) or len(clips) == 1  # different covers


def test_bad_splice_settings_are_refused():
    from training.config import DataConfig
    from wakeword.config import from_dict
    from wakeword.errors import ConfigError

    with pytest.raises(ConfigError, match="spliced_positives_per_file"):
        from_dict(DataConfig, {"spliced_positives_per_file": -1})
    with pytest.raises(ConfigError, match="splice_max_segments"):
        from_dict(DataConfig, {"splice_max_segments": 0})


def test_near_misses_are_one_step_from_the_keyword_and_never_the_keyword():
    from training.splice import REDUCED, near_misses, phrase_phones

    target = keyword_phones("alexa")
    misses = near_misses(target, rng=np.random.default_rng(3), count=30)
    assert {len(m) - len(target) for m in misses} >= {-1, 0, 1}  # cut short, changed, inserted
    assert len(misses) == len(set(misses)) >= 20 and target not in misses
    for miss in misses:
        if len(miss) < len(target):  # cut short
            assert miss == target[:len(miss)] and len(miss) >= len(target) - 2
        elif len(miss) > len(target):  # a consonant inserted inside
            assert len(miss) == len(target) + 1
            assert any(miss[:i] + miss[i + 1:] == target and 0 < i < len(target) for i in range(len(miss)))
        else:
            changed = [i for i, (a, b) in enumerate(zip(target, miss)) if a != b]
            assert len(miss) == len(target) and len(changed) == 1
            assert target[changed[0]] not in REDUCED  # schwas are left alone
    assert phrase_phones(["flex", "xqzzyplk tea", "a flex"]) == [("F", "L", "EH", "K", "S"),
                                                                 ("AH", "F", "L", "EH", "K", "S")]
