"""Does personalization help real speakers? Per-speaker FRR before and after, FA/h on others' speech.

The Picovoice clips carry no speaker ids: they are grouped by voice with the offline speaker
encoder of :mod:`evaluation.speakers` (Resemblyzer's weights, run in numpy), clustering the
clips of every keyword folder together so a speaker's clips of all words help find them.

Protocol, per speaker (a cluster) of one keyword:

* enrollment: the speaker's first ``enroll`` clips (sorted by name) from the **dev** half;
* the speaker's room: the quiet parts of those same clips (what the phone hears around the
  word), looped to ``ROOM_SECONDS``;
* held-out: the speaker's clips of ``measure_half`` that were not used to enroll (``test`` for
  reported figures; ``dev`` for choices such as the personalization config);
* the model, before and after, at the bundle's shipped threshold: FRR on the held-out clips,
  the detection rate on every other speaker's clips of the same half (a personal model may
  prefer its owner), and false accepts per hour over the negative speech.

Command::

    python -m evaluation.personalization --bundle alexa --positives ../shared/data/eval/positives/alexa \\
        --speaker-clips ../shared/data/eval/positives --negatives ../shared/data/eval/negatives \\
        --measure-half test --out docs/eval/personal-alexa
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np
from tqdm import tqdm

from wakeword.audio import SAMPLE_RATE_HZ, load_audio
from wakeword.bundle import Bundle
from wakeword.command import add_bundle_options, command
from wakeword.config import PersonalizationConfig
from wakeword.dsp import active_mask
from wakeword.features import compute_features
from wakeword.personalize import personalize, run_audio

from .sources import clip_half, find_audio_files
from .suite import model_from_args

ROOM_SECONDS = 6.0


def speaker_labels(clip_dirs: Sequence[str | Path], cache: Path, *, threshold: float | None = None) -> dict[str, int]:
    """Speaker label of every clip under ``clip_dirs`` (by file path), cached in ``cache`` (.npz)."""
    from .speakers import SpeakerEncoder, cluster_speakers

    files = [str(p) for d in clip_dirs for p in find_audio_files(d, what="speaker clips")]
    if cache.is_file():
        with np.load(cache) as data:
            if list(data["paths"]) == files:
                emb = data["embeddings"]
            else:
                emb = None
    else:
        emb = None
    if emb is None:
        emb = SpeakerEncoder().embed_files(files)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cache, paths=np.array(files), embeddings=emb)
    labels = cluster_speakers(emb) if threshold is None else cluster_speakers(emb, threshold=threshold)
    return {Path(f).resolve().as_posix(): int(lab) for f, lab in zip(files, labels)}


def room_from_clips(clips: Sequence[np.ndarray], seconds: float = ROOM_SECONDS) -> np.ndarray:
    """The quiet parts of the clips (outside the energy gate, with 100 ms kept clear of the word)."""
    parts = []
    guard = SAMPLE_RATE_HZ // 10
    for clip in clips:
        active = active_mask(clip)
        spread = np.convolve(active.astype(np.int32), np.ones(2 * guard + 1, np.int32), mode="same") > 0
        parts.append(clip[~spread])
    quiet = np.concatenate(parts) if parts else np.zeros(0, np.int16)
    if len(quiet) < SAMPLE_RATE_HZ // 2:
        quiet = np.concatenate([quiet, np.zeros(SAMPLE_RATE_HZ // 2, np.int16)])
    reps = -(-int(seconds * SAMPLE_RATE_HZ) // len(quiet))
    return np.tile(quiet, reps)[: int(seconds * SAMPLE_RATE_HZ)]


def detected(bundle: Bundle, clips: Sequence[np.ndarray]) -> np.ndarray:
    """Whether the bundle's detector (with a personal bundle's template stage) fires on each clip."""
    from wakeword.personalize import replay_stream
    from wakeword.tflite_head import find_head

    head = find_head(bundle.model_bytes)
    m = bundle.manifest
    return np.array([bool(replay_stream(m, run_audio(bundle, head, c))) for c in clips], bool)


def false_accepts(bundle: Bundle, negative_frames: np.ndarray) -> int:
    """Detections of the bundle's detector (with a personal bundle's template stage) over the negative
    speech, played back to back (the reference kernels, as the stage runs)."""
    from wakeword.personalize import replay_stream, run_frames
    from wakeword.tflite_head import find_head

    return len(replay_stream(bundle.manifest, run_frames(bundle, find_head(bundle.model_bytes), negative_frames)))


def _groups(files: Sequence[Path], labels: dict[str, int]) -> dict[int, list[Path]]:
    groups: dict[int, list[Path]] = {}
    for f in sorted(files, key=lambda p: p.name):
        groups.setdefault(labels[f.resolve().as_posix()], []).append(f)
    return groups


def evaluate(bundle: Bundle, positives: Path, labels: dict[str, int], negative_frames: np.ndarray, *,
             enroll: int, min_heldout: int, measure_half: str, config: PersonalizationConfig, seed: int = 0) -> dict:
    """Every usable speaker of one keyword: before/after figures (see the module docstring)."""
    files = find_audio_files(positives, what="positives")
    clip = {f: load_audio(f) for f in files}
    groups = _groups(files, labels)
    hours = len(negative_frames) / 100.0 / 3600.0
    fa_before = false_accepts(bundle, negative_frames)
    measured = [f for f in files if clip_half(f) == measure_half]
    base_hits = dict(zip(measured, detected(bundle, [clip[f] for f in measured])))
    speakers = []
    usable = {g: fs for g, fs in groups.items()
              if len([f for f in fs if clip_half(f) == "dev"]) >= enroll + (min_heldout if measure_half == "dev" else 0)
              and len([f for f in fs if clip_half(f) == measure_half]) >= (min_heldout + enroll
                                                                            if measure_half == "dev" else min_heldout)}
    for g, fs in tqdm(sorted(usable.items()), desc=f"speakers of {positives.name}", unit="speaker"):
        dev = [f for f in fs if clip_half(f) == "dev"]
        # run 0 enrolls with the first clips by name; other runs with a random choice of the dev clips
        enroll_files = dev[:enroll] if seed == 0 else sorted(
            np.random.default_rng([seed, g]).choice(np.array(dev, object), enroll, replace=False).tolist(),
            key=lambda p: p.name)
        held = [f for f in fs if clip_half(f) == measure_half and f not in enroll_files]
        others = [f for f in measured if labels[f.resolve().as_posix()] != g]
        samples = [clip[f] for f in enroll_files]
        t0 = time.perf_counter()
        result = personalize(bundle, samples, room_from_clips(samples), config=config, seed=seed)
        seconds = time.perf_counter() - t0
        personal = Bundle(source=f"{bundle.source}+speaker{g}", manifest=result.manifest,
                          model_bytes=result.model_bytes, files={})
        after = detected(personal, [clip[f] for f in held])
        before = np.array([base_hits[f] for f in held])
        others_after = detected(personal, [clip[f] for f in others])
        speakers.append({
            "speaker": g, "enrolled": [f.name for f in enroll_files], "heldout": len(held),
            "frr_before": float(1 - before.mean()), "frr_after": float(1 - after.mean()),
            "others_detected_before": float(np.mean([base_hits[f] for f in others])),
            "others_detected_after": float(others_after.mean()),
            "fa_after": false_accepts(personal, negative_frames), "seconds": seconds,
            "report": result.report,
        })
    return {"bundle": bundle.manifest.name, "version": bundle.manifest.version, "keyword": positives.name,
            "measure_half": measure_half, "enroll": enroll, "seed": seed, "negative_hours": hours, "fa_before": fa_before,
            "config": config.__dict__, "speakers": speakers, "summary": summarize(speakers, fa_before, hours)}


def summarize(speakers: Sequence[dict], fa_before: int, hours: float) -> dict:
    """Pooled figures: mean per-speaker FRR before/after, clips pooled, FA/h before and after."""
    if not speakers:
        return {"speakers": 0}
    held = np.array([s["heldout"] for s in speakers])
    before = np.array([s["frr_before"] for s in speakers])
    after = np.array([s["frr_after"] for s in speakers])
    fa_after = np.array([s["fa_after"] for s in speakers])
    return {
        "speakers": len(speakers), "heldout_clips": int(held.sum()),
        "frr_before_mean": float(before.mean()), "frr_after_mean": float(after.mean()),
        "frr_before_pooled": float((before * held).sum() / held.sum()),
        "frr_after_pooled": float((after * held).sum() / held.sum()),
        "speakers_better": int((after < before).sum()), "speakers_worse": int((after > before).sum()),
        "fa_per_hour_before": fa_before / hours,
        "fa_per_hour_after_mean": float(fa_after.mean() / hours), "fa_per_hour_after_max": float(fa_after.max() / hours),
        "others_detected_before": float(np.mean([s["others_detected_before"] for s in speakers])),
        "others_detected_after": float(np.mean([s["others_detected_after"] for s in speakers])),
        "seconds_per_personalization": float(np.mean([s["seconds"] for s in speakers])),
    }


def plot(results: dict, path: Path) -> None:
    """Per-speaker FRR before (x) and after (y): points under the diagonal improved."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    sp = results["speakers"]
    rng = np.random.default_rng(0)
    jitter = rng.uniform(-0.01, 0.01, (2, len(sp)))
    ax.scatter(100 * np.array([s["frr_before"] for s in sp]) + 100 * jitter[0],
               100 * np.array([s["frr_after"] for s in sp]) + 100 * jitter[1],
               s=[10 + 6 * s["heldout"] for s in sp], alpha=0.6)
    ax.plot([0, 100], [0, 100], color="grey", lw=0.8)
    ax.set_xlim(-3, 103)
    ax.set_ylim(-3, 103)
    ax.set_xlabel("FRR before (%)")
    ax.set_ylabel("FRR after personalization (%)")
    s = results["summary"]
    ax.set_title(f"{results['bundle']}: {s['speakers']} speakers, {results['measure_half']} half\n"
                 f"FA/h {s['fa_per_hour_before']:.2f} before, {s['fa_per_hour_after_mean']:.2f} after (mean)",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def negative_features(dirs: Sequence[str]) -> np.ndarray:
    files = [p for d in dirs for p in find_audio_files(d, what="negatives")]
    return np.concatenate([compute_features(load_audio(f)) for f in tqdm(files, desc="negatives", unit="file")])


def config_overrides(items: Sequence[str]) -> dict:
    """``KEY=VALUE`` strings as PersonalizationConfig fields (a comma makes a tuple of floats)."""
    fields = PersonalizationConfig.__dataclass_fields__
    out: dict = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key not in fields:
            raise ValueError(f"--set {item!r}: expected KEY=VALUE with KEY one of {', '.join(fields)}")
        if isinstance(getattr(PersonalizationConfig(), key), tuple):
            out[key] = tuple(float(v) for v in value.split(",") if v.strip())
        else:
            out[key] = type(getattr(PersonalizationConfig(), key))(value)
    return out


def add_speaker_data_options(parser: argparse.ArgumentParser) -> None:
    """``--positives``, ``--speaker-clips``, ``--negatives``: the real clips grouped into speakers and the
    speech without the keyword (this module and ``wakeword-federated``)."""
    parser.add_argument("--positives", required=True, help="one keyword's folder of real clips")
    parser.add_argument("--speaker-clips", nargs="+", required=True, metavar="DIR",
                        help="folders clustered together into speakers (include --positives)")
    parser.add_argument("--negatives", nargs="+", required=True, metavar="DIR", help="speech without the keyword")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evaluation.personalization", description=__doc__.split("\n")[0])
    add_bundle_options(parser)
    add_speaker_data_options(parser)
    parser.add_argument("--measure-half", choices=("dev", "test"), default="dev")
    parser.add_argument("--enroll", type=int, default=4, help="enrollment clips per speaker (default 4)")
    parser.add_argument("--min-heldout", type=int, default=2, help="held-out clips a speaker needs (default 2)")
    parser.add_argument("--prior-weight", type=float, default=PersonalizationConfig.prior_weight)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="another PersonalizationConfig field, e.g. augment_speed=0.94,1.06 (repeatable)")
    parser.add_argument("--seed", type=int, default=0,
                        help="0: enroll with each speaker's first dev clips by name; N: a random choice (run N)")
    parser.add_argument("--out", required=True, help="folder for results.json and frr.png")
    return parser


@command
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    bundle = model_from_args(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    labels = speaker_labels(args.speaker_clips, out.parent / "speaker_embeddings.npz")
    config = PersonalizationConfig(prior_weight=args.prior_weight, **config_overrides(args.set))
    results = evaluate(bundle, Path(args.positives), labels, negative_features(args.negatives), enroll=args.enroll,
                       min_heldout=args.min_heldout, measure_half=args.measure_half, config=config, seed=args.seed)
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    if results["speakers"]:
        plot(results, out / "frr.png")
    print(json.dumps(results["summary"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
