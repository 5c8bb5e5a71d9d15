"""Scores of exported models on validation windows and on real recordings (through the Engine)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from tqdm import tqdm

from wakeword.audio import load_audio
from wakeword.bundle import Bundle
from wakeword.config import DetectorConfig
from wakeword.detector import replay
from wakeword.engine import Engine
from wakeword.model import ModelRunner

from .data import WindowSet, audio_files


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


def stream_scores(bundle: Bundle, files: list[Path], *, max_hours: float | None = None,
                  context_ms: int = 1000, desc: str = "streaming") -> tuple[np.ndarray, np.ndarray, float]:
    """Scores over files played back to back (with ``context_ms`` of silence after each): t_ms, scores, hours."""
    engine = Engine(bundle, history_size=10_000_000)
    gap = np.zeros(context_ms * 16, np.int16)
    seconds = 0.0
    for path in tqdm(files, desc=desc, unit="file"):
        audio = load_audio(path)
        engine.feed(audio)
        engine.feed(gap)
        seconds += (len(audio) + len(gap)) / 16000
        if max_hours is not None and seconds >= max_hours * 3600:
            break
    t, scores = engine.scores_array()
    return t, scores, seconds / 3600


def clip_max_scores(bundle: Bundle, files: list[Path], *, context_ms: int = 1000) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per positive clip (with silence before and after): its score sequence (t_ms, scores)."""
    engine = Engine(bundle, history_size=100_000)
    gap = np.zeros(context_ms * 16, np.int16)
    out = []
    for path in tqdm(files, desc="positives", unit="clip"):
        engine.reset()
        engine.feed(gap)
        engine.feed(load_audio(path))
        engine.feed(gap)
        out.append(engine.scores_array())
    return out


def operating_points(keyword: str, detector: DetectorConfig, *, positives, negatives, hours: float,
                     thresholds=range(1, 256, 2)) -> list[dict]:
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
