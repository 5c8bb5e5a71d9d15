"""Hard negatives: the windows of negative audio that a trained model confuses with the keyword.

Negative windows cut from real speech every ``data.real_speech_window_hop_ms`` are a sample of
that speech at arbitrary alignments; the windows a model mistakes for the keyword are rare and sit
at particular alignments (a stretch whose phones end much like the keyword, right at the window's
end). At the operating point a single such window decides the threshold (with 0.77 h of real
negatives, one false accept is already 1.3 FA/h), so they are worth finding one by one.

Mining plays each negative recording (real speech and noise files, and the synthesized negative
phrases; once clean, then ``mining.passes - 1`` times through the training augmentation, each with
its own seed) through a trained model's streaming form, with
the runtime's own model runner: a score every ``stride_frames`` frames, exactly the scores a
deployed model would give. The highest score peaks at or above ``mining.min_score`` (at most
``mining.peaks_per_pass`` per recording and pass, at least ``mining.min_gap_ms`` apart) become
training windows labelled negative; the highest ``mining.max_windows`` are kept. Like every data
step each recording is a pure per-item task (process pool or Ray, :mod:`training.parallel`).

Validation recordings are mined the same way into the validation set (never trained on), so the
validation figures see the same hard cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wakeword.audio import load_audio
from wakeword.config import ModelSpec, from_dict, to_dict
from wakeword.features import compute_features
from wakeword.model import ModelRunner

from . import data as data_module
from .config import TrainConfig
from .data import LEAD_IN_SAMPLES, WindowSet
from .parallel import map_clips

#: frames at the start of a recording whose windows are not used (the frontend settles)
SETTLE_FRAMES = 100
#: silence-like room tone appended after each recording, so a keyword-like ending is followed as in a stream
TAIL_SAMPLES = 8000

_MINER: dict = {}


@dataclass
class MiningResult:
    """Mined windows (``train`` and ``val``) and what the mining saw."""

    train: WindowSet
    val: WindowSet
    stats: dict


def _init_miner(augment, noise_files: list[str], rir_files: list[str], seed: int,
                model_bytes: bytes, spec: dict) -> None:
    data_module._init_worker(augment, noise_files, rir_files, seed)
    _MINER["runner"] = ModelRunner(model_bytes, from_dict(ModelSpec, spec), source="mining model")


def _mine_recording(task: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The highest-scoring windows of one recording (a pure function of ``task``).

    Returns ``(windows, scores)``: uint16 ``(k, frames, 40)`` and uint8 ``(k,)``, highest first.
    """
    recording, frames, seed, augment, min_score, max_peaks, gap_calls = task
    rng = np.random.default_rng(seed)
    samples = load_audio(recording) if isinstance(recording, str) else np.asarray(recording, np.int16)
    speech = samples.astype(np.float32) / 32768.0
    lead = data_module._background(rng, LEAD_IN_SAMPLES)
    tail = data_module._background(rng, TAIL_SAMPLES)
    audio = np.concatenate([lead, speech, tail])
    if augment:
        audio = data_module._WORKER["augmenter"](audio, rng=rng)
    feats = compute_features(np.clip(np.rint(audio * 32767), -32768, 32767).astype(np.int16))
    runner: ModelRunner = _MINER["runner"]
    runner.reset()
    results = runner.push_frames(feats)
    first = max(frames - 1, SETTLE_FRAMES)
    ends = np.array([i for i, _ in results], np.int64)
    scores = np.array([int(s[0]) for _, s in results], np.int64)
    usable = ends >= first
    ends, scores = ends[usable], scores[usable]
    chosen: list[int] = []
    for k in np.argsort(-scores, kind="stable"):
        if scores[k] < min_score or len(chosen) >= max_peaks:
            break
        if all(abs(k - c) >= gap_calls for c in chosen):
            chosen.append(int(k))
    if not chosen:
        return np.zeros((0, frames, feats.shape[1]), np.uint16), np.zeros(0, np.uint8)
    windows = np.stack([feats[ends[k] - frames + 1:ends[k] + 1] for k in chosen]).astype(np.uint16)
    return windows, scores[chosen].astype(np.uint8)


def mine_hard_negatives(config: TrainConfig, *, model_bytes: bytes, spec: ModelSpec,
                        splits: dict[str, list], seed: int = 0) -> MiningResult:
    """Mine every recording of ``splits`` (``{"train": [...], "val": [...]}``: file paths, or 16 kHz
    int16 clips) with one model.

    Parameters
    ----------
    config : TrainConfig
        ``config.mining`` sets passes, score floor, peaks per pass, gap and cap; ``config.augment``
        and the noise / impulse-response folders of ``config.data`` augment the passes after the first.
    model_bytes, spec : the model's ``.tflite`` and its ModelSpec (a streaming or window model)
    splits : recordings per split; validation is capped at a fifth of ``mining.max_windows``.
    seed : int
        Seeds every pass of every recording (the same seed gives the same windows).
    """
    from .data import audio_files

    mining, data = config.mining, config.data
    frames = config.student.receptive_field_frames
    noise_files = [str(p) for p in audio_files(data.noise_dirs, required=False)]
    rir_files = [str(p) for p in audio_files(data.rir_dirs, required=False)]
    gap_calls = max(1, -(-mining.min_gap_ms // (10 * spec.stride_frames)))
    rng = np.random.default_rng([seed, data.seed, 3])
    init = (config.augment, noise_files, rir_files, data.seed, bytes(model_bytes), to_dict(spec))
    out: dict[str, WindowSet] = {}
    stats: dict = {"passes": mining.passes, "min_score": mining.min_score}
    for split, cap in (("train", mining.max_windows), ("val", mining.max_windows // 5)):
        paths = list(splits.get(split, ()))
        tasks = [(path, frames, int(rng.integers(2**31)), p > 0, mining.min_score, mining.peaks_per_pass, gap_calls)
                 for p in range(mining.passes) for path in paths]
        found = map_clips(_mine_recording, tasks, backend=data.executor, workers=data.workers,
                          address=data.ray_address, desc=f"hard negatives {split}",
                          init=_init_miner, init_args=init)
        windows = [w for w, _ in found if len(w)]
        scores = np.concatenate([s for _, s in found]) if found else np.zeros(0, np.uint8)
        augmented = np.concatenate([np.full(len(s), task[3]) for task, (_, s) in zip(tasks, found)]) \
            if found else np.zeros(0, bool)
        x = np.concatenate(windows) if windows else np.zeros((0, frames, 40), np.uint16)
        order = np.argsort(-scores.astype(np.int64), kind="stable")[:cap]
        kept = scores[order]
        out[split] = WindowSet(x[np.sort(order)], np.zeros(len(order), np.uint8),
                               np.full(len(order), "mined_negative"))
        stats[split] = {"recordings": len(paths), "peaks": int(len(scores)), "kept": int(len(order)),
                        "kept_augmented": int(augmented[order].sum()),
                        "kept_score_range": [int(kept.min()), int(kept.max())] if len(kept) else [],
                        "peaks_by_score": {f">={t}": int((scores >= t).sum()) for t in (64, 128, 192, 230)}}
    print(f"hard negatives: {stats}")
    return MiningResult(out["train"], out["val"], stats)


def mining_recordings(config: TrainConfig, *, cache_dir=None) -> dict[str, list]:
    """The negative recordings to mine, by split: the real speech of ``data.real_speech_dirs`` split
    as the data step splits it (:func:`training.data.real_speech_split`); with
    ``mining.include_noise`` the noise recordings of ``data.noise_dirs`` (training side only: they
    are the augmentation's noise too); with ``cache_dir`` and ``mining.include_synthesized`` the
    synthesized negative phrases of the windows built there (int16 clips, split by voice), so a
    config without any real recording still has negatives to mine."""
    from .data import audio_files, real_speech_split, synthesized_negatives

    data = config.data
    speech = [str(p) for p in audio_files(data.real_speech_dirs, required=data.require_data_dirs)]
    splits: dict[str, list] = dict(real_speech_split(speech, seed=data.seed))
    if config.mining.include_noise:
        splits["train"] = splits["train"] + [str(p) for p in audio_files(data.noise_dirs, required=False)]
    if cache_dir is not None and config.mining.include_synthesized:
        for split, clips in synthesized_negatives(config, cache_dir=cache_dir).items():
            splits[split] = splits[split] + [c for c in clips if len(c)]
    return splits
