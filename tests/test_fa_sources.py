"""evaluation.fa_sources: each false accept in noise traced to the noise, the speech, or both together."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from evaluation.fa_sources import attribute, main, report
from wakeword.audio import load_audio
from evaluation.suite import load_model
from wakeword.errors import ConfigError

SR = 16000


def _espeak(text: str, path: Path) -> np.ndarray:
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), text], check=True)
    return load_audio(path)


@pytest.fixture(scope="module")
def scene(tmp_path_factory, alexa_clip):
    """Negatives (espeak-ng sentences with silence between them, and one that holds the keyword) and
    a 6 s noise recording: quiet pink noise with the keyword in it at 2 s."""
    root = tmp_path_factory.mktemp("fa")
    (root / "neg").mkdir()
    gap = np.zeros(2 * SR, np.int16)
    texts = ["the weather is nice today", "a large coffee with oat milk please", "put it on the table",
             "we walked to the station in the rain"]
    for i, text in enumerate(texts):
        speech = _espeak(text, root / f"raw{i}.wav")
        sf.write(root / "neg" / f"{i}.wav", np.concatenate([gap, speech, gap]), SR, subtype="PCM_16")
    # and one "negative" that holds the keyword itself
    sf.write(root / "neg" / "4.wav", np.concatenate([gap, load_audio(alexa_clip), gap]), SR, subtype="PCM_16")
    rng = np.random.default_rng(0)
    pink = np.cumsum(rng.standard_normal(6 * SR))
    pink = (pink - np.convolve(pink, np.ones(400) / 400, "same")) * 2.0
    keyword = load_audio(alexa_clip).astype(np.float64)
    sf.write(root / "keyword.wav", keyword.astype(np.int16), SR, subtype="PCM_16")
    noise = pink.copy()
    noise[2 * SR:2 * SR + len(keyword)] += keyword * (4000 / np.abs(keyword).max())
    sf.write(root / "noise.wav", np.clip(noise, -32768, 32767).astype(np.int16), SR, subtype="PCM_16")
    return root


def test_false_accepts_are_traced_to_the_noise_event_and_to_the_speech(scene):
    bundle = load_model("alexa")
    negatives = sorted((scene / "neg").glob("*.wav"))
    noise = load_audio(scene / "noise.wav")
    result = attribute(bundle, negatives, noise, snr_db=10.0, threshold=150, runs=2, seed=1)
    found = result["false_accepts"]
    assert found and result["per_hour"] == pytest.approx(len(found) / result["hours"])
    by_noise = [f for f in found if f["source"] == "noise"]
    # the keyword in the noise recording, each time the loop brings it round: the detection falls
    # where the keyword's clip lies in the noise (from 2 s), or just after it
    end = 2.0 + len(load_audio(scene / "keyword.wav")) / SR + 1.0
    assert len(by_noise) >= 2 and all(2.0 <= f["noise_s"] <= end for f in by_noise)
    assert all(f["noise_alone"] >= 150 - 8 > f["speech_alone"] for f in by_noise)
    assert any(e["count"] >= 2 and 2.0 <= e["noise_s"] <= end for e in result["events"])
    # the negative that says the keyword fires whatever the noise does
    by_speech = [f for f in found if f["source"] in ("speech", "both")]
    assert by_speech and {f["file"] for f in by_speech} == {"4.wav"}
    assert sum(result["by_source"].values()) == len(found)
    # played alone, the noise recording peaks at its keyword
    top = result["noise_peaks"][0]
    assert top["mean"] >= 150 and 2.0 <= top["t_s"] <= end
    assert [p["mean"] for p in result["noise_peaks"]] == sorted((p["mean"] for p in result["noise_peaks"]), reverse=True)
    text = report(result, name="alexa")
    assert "the noise alone reaches the threshold" in text and "| 4.wav |" in text
    # the same seed gives the same answer; a threshold above every score gives none
    assert attribute(bundle, negatives, noise, snr_db=10.0, threshold=150, runs=2, seed=1) == result
    assert attribute(bundle, negatives, noise, snr_db=10.0, threshold=255, runs=1)["false_accepts"] == []


def test_bad_input_is_named(scene, tmp_path, capsys):
    bundle = load_model("alexa")
    with pytest.raises(ConfigError, match="no negative recordings"):
        attribute(bundle, [], load_audio(scene / "noise.wav"), snr_db=10.0, threshold=200)
    with pytest.raises(ConfigError, match="0.1 s"):
        attribute(bundle, [scene / "neg" / "0.wav"], np.zeros(100, np.int16), snr_db=10.0, threshold=200)
    assert main(["--bundle", "alexa", "--negatives", str(scene / "neg"), "--noise", str(tmp_path / "absent.flac")]) == 2
    assert "absent" in capsys.readouterr().err
    out = tmp_path / "out"
    assert main(["--bundle", "alexa", "--negatives", str(scene / "neg"), "--noise", str(scene / "noise.wav"),
                 "--threshold", "150", "--runs", "1", "--out", str(out)]) == 0
    assert (out / "report.md").read_text() in capsys.readouterr().out
    assert (out / "results.json").is_file()


def test_runs_as_a_module(scene):
    done = subprocess.run([sys.executable, "-m", "evaluation.fa_sources", "--bundle", "alexa", "--negatives",
                           str(scene / "neg"), "--noise", str(scene / "noise.wav"), "--runs", "0"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "--runs" in done.stderr
