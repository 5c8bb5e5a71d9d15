"""Build the negative speech that personalization ships with: frontend features, not audio.

``wakeword.personalize`` needs examples of ordinary speech that is not the wake word, to
keep a personalized model from firing for everyone else. A phone has none, so the package
carries a few minutes of them as the one feature definition's frames (uint16, 40 channels,
10 ms step): any model, whatever its phrase, can be run over them on the device.

One utterance per speaker, in sorted order, until ``minutes`` of audio are used, so the
file holds as many voices as the minutes allow. The source must be training data (never
evaluation data): ``../shared/data/train/speech/librispeech-train-clean-100`` (CC-BY-4.0)
gives the file in the package::

    python -m wakeword_datasets.negative_speech ../shared/data/train/speech/librispeech-train-clean-100 \\
        --minutes 8 --out wakeword/data/negative_speech.npz
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from wakeword.audio import SAMPLE_RATE_HZ, load_audio
from wakeword.dsp import AUDIO_SUFFIXES
from wakeword.errors import AudioError
from wakeword.features import compute_features


def speaker_of(path: Path) -> str:
    """LibriSpeech-style ``SPEAKER-CHAPTER-UTTERANCE`` names give the speaker; otherwise the file is its own."""
    return path.stem.split("-")[0] if path.stem.count("-") >= 2 else path.stem


def build(speech_dir: str | Path, *, minutes: float, licence: str) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz``: ``frames`` (n, 40) uint16, ``lengths`` (segments,), ``meta`` (JSON)."""
    files = sorted(p for p in Path(speech_dir).rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    if not files:
        raise AudioError(f"{speech_dir}: no audio files")
    seen: set[str] = set()
    segments, names = [], []
    budget = int(minutes * 60 * SAMPLE_RATE_HZ)
    with tqdm(total=budget, unit="sample", unit_scale=True, desc="negative speech") as bar:
        for path in files:
            speaker = speaker_of(path)
            if speaker in seen:
                continue
            seen.add(speaker)
            audio = load_audio(path)
            audio = audio[:budget]
            segments.append(compute_features(audio))
            names.append(path.name)
            budget -= len(audio)
            bar.update(len(audio))
            if budget <= 0:
                break
    meta = {"source": str(Path(speech_dir).name), "files": names, "licence": licence,
            "seconds": round(sum(len(s) for s in segments) / 100.0, 1)}
    return {"frames": np.concatenate(segments).astype(np.uint16),
            "lengths": np.array([len(s) for s in segments], np.int64),
            "meta": np.array(json.dumps(meta))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wakeword_datasets.negative_speech", description=__doc__.split("\n")[0])
    parser.add_argument("speech_dir", help="a folder of speech without the wake word (training data)")
    parser.add_argument("--minutes", type=float, default=8.0, help="how much audio to use (default 8)")
    parser.add_argument("--licence", default="CC-BY-4.0 (LibriSpeech)", help="the source's licence, kept in the file")
    parser.add_argument("--out", required=True, help="the .npz to write")
    args = parser.parse_args(argv)
    arrays = build(args.speech_dir, minutes=args.minutes, licence=args.licence)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(out)
    meta = json.loads(str(arrays["meta"]))
    print(f"wrote {out}: {meta['seconds']} s of features from {len(meta['files'])} speakers ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
