"""Scores of exported models on validation windows and on real recordings (same frontend, model runner and detector as the engine)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from tqdm import tqdm

from wakeword.audio import load_audio
from wakeword.bundle import Bundle
from wakeword.config import DetectorConfig
from wakeword.detector import replay
from wakeword.features import FeatureExtractor, compute_features
from wakeword.model import ModelRunner

from .data import WindowSet, audio_files

#: thresholds swept for operating points: coarse below 128, every 2 above
DEFAULT_THRESHOLDS = tuple(range(1, 128, 8)) + tuple(range(128, 256, 2))


def window_scores(bundle: Bundle, windows: WindowSet, *, limit: int | None = None, seed: int = 0) -> np.ndarray:
    """Last streaming score of each window (model state reset per window; uint8)."""
    spec = bundle.manifest.model
    runner = ModelRunner(bundle.model_bytes, spec, source=bundle.source)
    index = np.arange(len(windows))
    if limit is not None and len(index) > limit:
        index = np.sort(np.random.default_rng(seed).choice(len(index), limit, replace=False))
    out = np.zeros(len(index), np.uint8)
    skip = windows.x.shape[1] % spec.stride_frames  # align the last call with the window's last frame
    for i, k in enumerate(index):
        runner.reset()
        out[i] = runner.push_frames(np.asarray(windows.x[k, skip:]))[-1][1][0]
    return out, index


def stream_frames(files: list[Path], *, max_hours: float | None = None, context_ms: int = 1000,
                  desc: str = "features") -> tuple[np.ndarray, float]:
    """Feature frames of files played back to back (``context_ms`` of silence after each), and hours.

    Computed once and shared by every model variant (the models see identical frames).
    """
    extractor = FeatureExtractor()
    gap = np.zeros(context_ms * 16, np.int16)
    parts, seconds = [], 0.0
    for path in tqdm(files, desc=desc, unit="file"):
        audio = load_audio(path)
        parts.append(extractor.process(audio))
        parts.append(extractor.process(gap))
        seconds += (len(audio) + len(gap)) / 16000
        if max_hours is not None and seconds >= max_hours * 3600:
            break
    frames = np.concatenate(parts) if parts else np.zeros((0, 40), np.uint16)
    return frames, seconds / 3600


def clip_frames(files: list[Path], *, context_ms: int = 1000) -> list[np.ndarray]:
    """Per positive clip: frames of silence + clip + silence, from a fresh frontend."""
    gap = np.zeros(context_ms * 16, np.int16)
    return [compute_features(np.concatenate([gap, load_audio(path), gap]))
            for path in tqdm(files, desc="positives", unit="clip")]


def model_scores(bundle: Bundle, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores of a fresh model over frames: t_ms (n,) and uint8 scores (n, keywords)."""
    runner = ModelRunner(bundle.model_bytes, bundle.manifest.model, source=bundle.source)
    results = runner.push_frames(frames)
    features = bundle.manifest.features
    t = np.fromiter((features.frame_end_ms(i) for i, _ in results), dtype=np.int64, count=len(results))
    scores = np.stack([s for _, s in results]) if results else np.zeros((0, len(bundle.manifest.keywords)), np.uint8)
    return t, scores


def operating_points(keyword: str, detector: DetectorConfig, *, positives, negatives, hours: float,
                     thresholds=DEFAULT_THRESHOLDS) -> list[dict]:
    """FRR and FA/h for each threshold, by replaying the recorded scores through the detector."""
    t_neg, s_neg = negatives
    points = []
    for threshold in thresholds:
        config = dataclasses.replace(detector, threshold=threshold)
        # a window mean can't exceed the largest score: skip replays that can't detect anything
        false_accepts = len(replay((keyword,), config, t_neg, s_neg)) if len(t_neg) and s_neg.max() >= threshold else 0
        misses = sum(1 for t, s in positives if not (len(s) and s.max() >= threshold and replay((keyword,), config, t, s)))
        points.append({"threshold": threshold, "fa_per_hour": false_accepts / hours if hours else float("nan"),
                       "frr": misses / len(positives) if positives else float("nan")})
    return points


def frr_at_fa_per_hour(points: list[dict], target: float) -> tuple[float, int]:
    """Lowest FRR among thresholds whose FA/h <= target, and that threshold."""
    ok = [p for p in points if p["fa_per_hour"] <= target]
    if not ok:
        return 1.0, 255
    best = min(ok, key=lambda p: (p["frr"], p["threshold"]))
    return best["frr"], best["threshold"]


def real_files(folders: tuple[str, ...]) -> list[Path]:
    return audio_files(folders, required=False)
