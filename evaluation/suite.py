"""Run models x conditions over positive clips and negative streams; aggregate the results.

Work is cut into *tasks* (one condition, one shard of positives or negatives). A
task renders its audio once (:mod:`evaluation.conditions`), feeds it in 1 s chunks
to one :class:`wakeword.engine.Engine` per model (so every model hears exactly
the same audio), keeps only the uint8 scores with their ``t_ms``, and replays
them through the detector for every threshold (:mod:`evaluation.metrics`). Tasks
run in worker processes; memory per task is bounded by the shard size, never by
the total stream length. Only per-threshold counts travel back.

Where two or more noise types share an SNR, a *pooled* condition (``all noise@10dB``)
counts their trials and negative hours together under one threshold: the figure
for "noise at 10 dB" when the noise type is not known in advance.

>>> results = run_suite(models=[microwakeword_bundle("alexa")], positives=["pos/alexa"],
...                     negatives=["neg"], out_dir="eval_out")   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from wakeword.bundle import Bundle, open_bundle
from wakeword.dsp import SAMPLE_RATE_HZ
from wakeword.engine import Engine

from . import EvaluationError
from .conditions import (CONTEXT_MS, POOLED_NOISE, Ambience, Condition, build_conditions, condition_rng,
                         noise_type_name, pooled_conditions, positive_seconds, render_negative, render_positive)
from .metrics import (ALL_THRESHOLDS, PositiveTrial, ScoreStream, count_false_accepts, curve_from_counts,
                      frr_at_fa_per_hour, peak_window_mean, trial_hits, window_mean_histogram)
from .cascade import cascade_false_accepts, cascade_first_hits
from .mixing import NoiseMixer, check_snr_reference
from .sources import (HALVES, AudioInfo, Piece, find_audio_files, select_half, negative_shards, probe_audio, read_clip,
                      resolve_input)

DEFAULT_SNRS_DB = (20.0, 10.0, 5.0, 0.0, -5.0)
FA_PER_HOUR_TARGETS = (0.1, 0.5, 1.0, 2.0)
FEED_SAMPLES = 16000          # 1 s per Engine.feed call
HISTORY_SIZE = 1024           # > model calls per 1 s chunk (100 frames)
NEGATIVE_SHARD_SECONDS = 1800.0
POSITIVES_PER_SHARD = 40
RESULTS_FORMAT = "wakeword-eval/1"

PEER_FAMILIES = ("microwakeword",)


def load_peer(spec: str) -> Bundle:
    """A peer model as a Bundle (``--peer microwakeword:NAME``): :func:`wakeword.bundle.open_bundle`
    resolves it like any bundle name; a spec that names no peer family is refused here."""
    if spec.split(":", 1)[0] not in PEER_FAMILIES or ":" not in spec or not spec.split(":", 1)[1]:
        raise EvaluationError(f"peer {spec!r}: expected FAMILY:NAME with FAMILY one of {', '.join(PEER_FAMILIES)}")
    return open_bundle(spec)


def load_model(spec: str | os.PathLike | Bundle, *, allow_unsigned: bool = False,
               trusted_key_files: tuple = ()) -> Bundle:
    """A bundle path/name (signature verified as in the runtime), ``microwakeword:NAME``, or a loaded
    Bundle: :func:`wakeword.bundle.open_bundle`, the one place a bundle is named."""
    if isinstance(spec, Bundle):
        return spec
    return open_bundle(spec, allow_unsigned=allow_unsigned, trusted_key_files=trusted_key_files)


def model_from_args(args) -> Bundle:
    """The bundle of a command's ``--bundle``, ``--allow-unsigned`` and ``--trusted-key``
    (:func:`wakeword.command.add_bundle_options`)."""
    return load_model(args.bundle, allow_unsigned=args.allow_unsigned, trusted_key_files=tuple(args.trusted_key))


def with_detector_window(bundle: Bundle, window: int) -> Bundle:
    """The same model with another detector window (its threshold and the rest of its manifest kept)."""
    detector = dataclasses.replace(bundle.manifest.detector, window=window)
    return Bundle(bundle.source, dataclasses.replace(bundle.manifest, detector=detector), bundle.model_bytes,
                  bundle.files)


# ----------------------------------------------------------------------------- tasks

@dataclass(frozen=True)
class _Task:
    kind: str                       # "positives" or "negatives"
    condition: Condition
    shard: int
    seconds: float
    clips: tuple[tuple[AudioInfo, str], ...] = ()   # (file, label)
    pieces: tuple[Piece, ...] = ()


@dataclass
class _WorkerState:
    bundles: list[Bundle]
    label_keywords: list[dict[str, str]]   # per model: positives label -> keyword
    noise_paths: list[str]
    rir_paths: list[str]
    thresholds: np.ndarray
    seed: int
    context_ms: int
    snr_reference: str = "speech"
    #: per model: the bundle as a cascade (its verifier confirms; thresholds sweep the verifier's)
    cascades: list[bool] = field(default_factory=list)
    engines: list[Engine] | None = None
    ambience: Ambience | None = None


_STATE: _WorkerState | None = None


def _init_worker(state: _WorkerState) -> None:
    global _STATE
    _STATE = state


def _state() -> _WorkerState:
    state = _STATE
    assert state is not None, "worker not initialised"
    if state.engines is None:
        cascades = state.cascades or [False] * len(state.bundles)
        state.engines = [Engine(b, history_size=HISTORY_SIZE, cascade=c, verify_every_candidate=c)
                         for b, c in zip(state.bundles, cascades)]
    if state.ambience is None:
        state.ambience = Ambience.load(noise_paths=state.noise_paths, rir_paths=state.rir_paths)
    return state


def _run_engines(engines: Sequence[Engine], blocks: Iterable[np.ndarray]
                 ) -> tuple[list[ScoreStream], int, list[list[tuple[str, int, int, int]]]]:
    """Feed the same blocks to every engine (fresh streams); their scores, the sample count, and
    each cascade's candidates (``Engine.candidates``; empty for the others)."""
    for engine in engines:
        engine.reset()
    times: list[list[np.ndarray]] = [[] for _ in engines]
    scores: list[list[np.ndarray]] = [[] for _ in engines]
    candidates: list[list[tuple[str, int, int, int]]] = [[] for _ in engines]
    samples = 0
    for block in blocks:
        samples += len(block)
        for start in range(0, len(block), FEED_SAMPLES):
            chunk = block[start:start + FEED_SAMPLES]
            for i, engine in enumerate(engines):
                engine.feed(chunk)
                if engine.candidates:
                    candidates[i] += engine.candidates
                    engine.candidates.clear()
                history = engine.score_history
                if history:
                    if len(history) == history.maxlen:  # pragma: no cover - guarded by HISTORY_SIZE
                        raise RuntimeError("score history overflowed; scores would be lost")
                    t, s = engine.scores_array()
                    history.clear()
                    times[i].append(t)
                    scores[i].append(s)
    duration_ms = samples * 1000 // SAMPLE_RATE_HZ
    streams = []
    for engine, t, s in zip(engines, times, scores):
        if t:
            streams.append(ScoreStream(np.concatenate(t), np.concatenate(s), duration_ms))
        else:
            streams.append(ScoreStream(np.zeros(0, np.int64), np.zeros((0, len(engine.keywords)), np.uint8),
                                       duration_ms))
    return streams, samples, candidates


def _to_ms(samples: int) -> int:
    """Stream time in ms of a 16 kHz sample index (floor)."""
    return samples * 1000 // SAMPLE_RATE_HZ


def _run_task(task: _Task) -> dict:
    """Render, score and replay one task (in a worker). Returns per-model counts."""
    state = _state()
    rng = condition_rng(state.seed, task.condition, task.kind, task.shard)
    if task.kind == "negatives":
        blocks = render_negative(task.pieces, condition=task.condition, ambience=state.ambience, rng=rng,
                                 snr_reference=state.snr_reference)
        streams, samples, candidates = _run_engines(state.engines, blocks)
        out = []
        for bundle, stream, found, engine in zip(state.bundles, streams, candidates, state.engines):
            detector = bundle.manifest.detector
            if engine.verifier is None:
                out.append({
                    "false_accepts": count_false_accepts(stream, keywords=bundle.manifest.keywords, detector=detector,
                                                         thresholds=state.thresholds),
                    "histogram": window_mean_histogram(stream, window=detector.window),
                })
                continue
            # a cascade: its detections are the candidates the verifier accepts, per verifier threshold
            by_keyword = [[(t, v) for kw, t, _, v in found if kw == keyword] for keyword in bundle.manifest.keywords]
            out.append({
                "false_accepts": sum(cascade_false_accepts(c, thresholds=state.thresholds,
                                                           refractory_ms=detector.refractory_ms) for c in by_keyword),
                "histogram": np.bincount([v for *_, v in found], minlength=256)[:256].astype(np.int64),
                "candidates": len(found),
            })
        return {"kind": task.kind, "condition": task.condition.name, "duration_ms": samples * 1000 // SAMPLE_RATE_HZ,
                "models": out, "seconds": task.seconds}

    segments: list[tuple[int, int, int, int, str]] = []   # start, end, speech start, speech end (samples), label

    mixer = (NoiseMixer(snr_db=task.condition.snr_db, rng=rng, reference=state.snr_reference)
             if task.condition.noise is not None else None)

    def blocks():
        offset = 0
        for info, label in task.clips:
            clip = render_positive(read_clip(info), condition=task.condition, ambience=state.ambience, rng=rng,
                                   context_ms=state.context_ms, mixer=mixer)
            segments.append((offset, offset + len(clip.samples), offset + clip.speech_start,
                             offset + clip.speech_end, label))
            offset += len(clip.samples)
            yield clip.samples

    streams, _, candidates = _run_engines(state.engines, blocks())
    out = []
    for bundle, stream, labels, found, engine in zip(state.bundles, streams, state.label_keywords, candidates,
                                                      state.engines):
        keywords = bundle.manifest.keywords
        detector = bundle.manifest.detector
        hits, speech_end, peaks = [], [], []
        for start, end, speech_start, speech_stop, label in segments:
            keyword = labels.get(label)
            if keyword is None:
                continue
            trial = PositiveTrial(stream.segment(_to_ms(start), _to_ms(end)), keyword,
                                  hit_start_ms=_to_ms(speech_start), hit_end_ms=_to_ms(end),
                                  speech_end_ms=_to_ms(speech_stop))
            if engine.verifier is None:
                hits.append(trial_hits(trial, keywords=keywords, detector=detector, thresholds=state.thresholds))
                peaks.append(peak_window_mean(trial, keywords=keywords, window=detector.window))
            else:  # the cascade's candidates of this clip, replayed for every verifier threshold
                mine = [(t, v) for kw, t, _, v in found if kw == keyword and _to_ms(start) < t <= _to_ms(end)]
                hits.append(cascade_first_hits(mine, hit_start_ms=trial.hit_start_ms, hit_end_ms=trial.hit_end_ms,
                                               thresholds=state.thresholds, refractory_ms=detector.refractory_ms))
                peaks.append(max((v for t, v in mine if trial.hit_start_ms <= t <= trial.hit_end_ms), default=-1))
            speech_end.append(trial.speech_end_ms)
        out.append({"hits": np.asarray(hits, dtype=np.int64).reshape(len(hits), len(state.thresholds)),
                    "speech_end_ms": np.asarray(speech_end, dtype=np.int64),
                    "peaks": np.asarray(peaks, dtype=np.int64)})
    return {"kind": task.kind, "condition": task.condition.name, "models": out, "seconds": task.seconds}


# ----------------------------------------------------------------------------- inputs

@dataclass
class _Inputs:
    positives: list[tuple[AudioInfo, str]]
    positive_dirs: list[dict]
    negatives: list[AudioInfo]
    negative_dirs: list[dict]
    noise_paths: list[str]
    noise_names: list[str]
    rir_paths: list[str]


def _probe_all(files: Sequence[Path]) -> list[AudioInfo]:
    return [probe_audio(f) for f in files]


def collect_inputs(*, positives: Sequence[str | os.PathLike], negatives: Sequence[str | os.PathLike],
                   noises: Sequence[str | os.PathLike] = (), rirs: Sequence[str | os.PathLike] = (),
                   positives_half: str = "all") -> _Inputs:
    """Find and header-check every input file; one clear error for the first bad input.

    ``positives_half`` keeps one fixed half of each positives folder (:func:`evaluation.sources.clip_half`).

    Raises
    ------
    EvaluationError, AudioError
    """
    if not positives:
        raise EvaluationError("no positives given (--positives DIR)")
    if not negatives:
        raise EvaluationError("no negatives given (--negatives DIR)")
    clips: list[tuple[AudioInfo, str]] = []
    positive_dirs = []
    for path in positives:
        resolved = resolve_input(path, what="positives")
        label = resolved.name if resolved.is_dir() else resolved.parent.name
        files = select_half(find_audio_files(resolved, what="positives"), positives_half)
        if not files:
            raise EvaluationError(f"positives {path}: no clip in its {positives_half} half")
        infos = _probe_all(files)
        clips.extend((info, label) for info in infos)
        positive_dirs.append({"path": str(path), "label": label, "clips": len(infos), "half": positives_half})
    negative_infos: list[AudioInfo] = []
    negative_dirs = []
    for path in negatives:
        infos = _probe_all(find_audio_files(path, what="negatives"))
        negative_infos.extend(infos)
        negative_dirs.append({"path": str(path), "files": len(infos),
                              "hours": sum(i.samples_16k for i in infos) / SAMPLE_RATE_HZ / 3600})
    noise_paths, noise_names = [], []
    for path in noises:
        resolved = resolve_input(path, what="noise")
        _probe_all(find_audio_files(resolved, what="noise"))
        name = noise_type_name(resolved)
        if name == POOLED_NOISE:
            raise EvaluationError(f"noise {path}: {POOLED_NOISE!r} names the pooled conditions; rename the noise")
        if name in noise_names:
            raise EvaluationError(f"noise {path}: a noise type named {name!r} was already given")
        noise_paths.append(str(resolved))
        noise_names.append(name)
    rir_paths = []
    for path in rirs:
        resolved = resolve_input(path, what="rir")
        _probe_all(find_audio_files(resolved, what="rir"))
        rir_paths.append(str(resolved))
    return _Inputs(clips, positive_dirs, negative_infos, negative_dirs, noise_paths, noise_names, rir_paths)


def positive_keywords(keywords: Sequence[str], labels: Sequence[str]) -> dict[str, str]:
    """Which positives folders count for a model: label -> keyword.

    A folder named like one of the model's keywords holds that keyword. A
    one-keyword model whose keyword names no folder takes every folder as its keyword.
    """
    mapping = {label: label for label in labels if label in keywords}
    if not mapping and len(keywords) == 1:
        mapping = {label: keywords[0] for label in labels}
    return mapping


def _unique_names(bundles: Sequence[Bundle]) -> list[str]:
    names: list[str] = []
    for bundle in bundles:
        name, n = bundle.name, 2
        while name in names:
            name, n = f"{bundle.name}-{n}", n + 1
        names.append(name)
    return names


# ----------------------------------------------------------------------------- aggregation

def latency_stats(latencies_ms: Sequence[int] | np.ndarray) -> dict:
    """count, mean, median, p90, min, max of latencies (ms); None values when empty."""
    x = np.asarray(latencies_ms, dtype=np.float64)
    if len(x) == 0:
        return {"count": 0, "mean": None, "median": None, "p90": None, "min": None, "max": None}
    return {"count": int(len(x)), "mean": round(float(x.mean()), 1), "median": round(float(np.median(x)), 1),
            "p90": round(float(np.percentile(x, 90)), 1), "min": int(x.min()), "max": int(x.max())}


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass
class _Accumulator:
    hits: list[np.ndarray] = field(default_factory=list)
    speech_end_ms: list[np.ndarray] = field(default_factory=list)
    peaks: list[np.ndarray] = field(default_factory=list)
    false_accepts: np.ndarray | None = None
    histogram: np.ndarray = field(default_factory=lambda: np.zeros(256, np.int64))
    duration_ms: int = 0
    candidates: int = 0   # a cascade's first-stage candidates on the negatives (verifier runs)


def _pool(parts: Sequence[_Accumulator]) -> _Accumulator:
    """The accumulators of several conditions as one: trials side by side, negative hours added."""
    out = _Accumulator()
    for a in parts:
        out.hits += a.hits
        out.speech_end_ms += a.speech_end_ms
        out.peaks += a.peaks
        if a.false_accepts is not None:
            out.false_accepts = a.false_accepts if out.false_accepts is None else out.false_accepts + a.false_accepts
        out.histogram = out.histogram + a.histogram
        out.duration_ms += a.duration_ms
        out.candidates += a.candidates
    return out


def _condition_result(acc: _Accumulator, thresholds: np.ndarray, manifest_threshold: int) -> dict:
    hits = np.concatenate(acc.hits) if acc.hits else np.zeros((0, len(thresholds)), np.int64)
    speech_end = np.concatenate(acc.speech_end_ms) if acc.speech_end_ms else np.zeros(0, np.int64)
    peaks = np.concatenate(acc.peaks) if acc.peaks else np.zeros(0, np.int64)
    false_accepts = acc.false_accepts if acc.false_accepts is not None else np.zeros(len(thresholds), np.int64)
    hours = acc.duration_ms / 3_600_000
    curve = curve_from_counts(thresholds, hits=list(hits), false_accepts=[false_accepts], hours=hours)
    point = curve.at(manifest_threshold)
    column = int(np.flatnonzero(thresholds == manifest_threshold)[0])
    hit_times = hits[:, column]
    latencies = (hit_times - speech_end)[hit_times >= 0]
    at_target, threshold_at_target, latency_at_target = {}, {}, {}
    for target in FA_PER_HOUR_TARGETS:
        best = frr_at_fa_per_hour(curve, target)
        at_target[f"{target:g}"] = None if best is None else _finite(best.frr)
        threshold_at_target[f"{target:g}"] = None if best is None else best.threshold
        if best is not None:
            times = hits[:, int(np.flatnonzero(thresholds == best.threshold)[0])]
            latency_at_target[f"{target:g}"] = latency_stats((times - speech_end)[times >= 0])
        else:
            latency_at_target[f"{target:g}"] = latency_stats([])
    return {
        "positives": int(curve.positives),
        "hours_negative": hours,
        "frr_at_threshold": _finite(point.frr),
        "fa_per_hour_at_threshold": _finite(point.fa_per_hour),
        "false_accepts_at_threshold": int(false_accepts[column]),
        "false_rejects_at_threshold": int(curve.false_rejects[column]),
        "frr_at_fa_per_hour": at_target,
        "threshold_at_fa_per_hour": threshold_at_target,
        "latency_ms": latency_stats(latencies),
        "latency_ms_at_fa_per_hour": latency_at_target,
        "det": {"thresholds": thresholds.tolist(), "frr": [_finite(v) for v in curve.frr],
                "fa_per_hour": [_finite(v) for v in curve.fa_per_hour],
                "false_accepts": curve.false_accepts.tolist(), "false_rejects": curve.false_rejects.tolist()},
        "histograms": {"positive_peak": np.bincount(peaks[peaks >= 0], minlength=256)[:256].tolist(),
                       "negative_window_mean": acc.histogram.tolist()},
    }


# ----------------------------------------------------------------------------- the suite

def _promised(manifest, threshold: int, window: int) -> dict | None:
    """The manifest's ``operating_point`` when it describes ``threshold`` and ``window`` (a bundle the
    trainer made and the suite runs unchanged), else None."""
    point = manifest.metrics.get("operating_point") if isinstance(manifest.metrics, dict) else None
    if not isinstance(point, dict) or point.get("threshold") != threshold or point.get("window") != window:
        return None
    return point


def _model_set(models, *, allow_unsigned: bool, trusted_key_files: tuple, detector_window: int | None,
               cascade: bool) -> tuple[list[Bundle], list[bool], list[str]]:
    """The bundles measured, whether each is measured as a cascade, and their names: a bundle with a
    verifier is measured twice, its first stage alone and as a cascade (``NAME+verifier``)."""
    bundles = [load_model(m, allow_unsigned=allow_unsigned, trusted_key_files=trusted_key_files) for m in models]
    if detector_window is not None:
        if isinstance(detector_window, bool) or not isinstance(detector_window, int) or not 1 <= detector_window <= 255:
            raise EvaluationError(f"detector_window={detector_window!r} must be an integer in 1..255")
        bundles = [with_detector_window(b, detector_window) for b in bundles]
    with_verifier = [b for b in bundles if cascade and b.manifest.verifier is not None]
    names = _unique_names(bundles)
    names += [f"{name}+verifier" for name, b in zip(list(names), bundles) if b.manifest.verifier is not None and cascade]
    return bundles + with_verifier, [False] * len(bundles) + [True] * len(with_verifier), names


def _plan_tasks(conditions, positives, shards, *, context_ms: int, positives_per_shard: int) -> list[_Task]:
    """One task per condition and shard of positives or negatives, longest first (load balance)."""
    tasks: list[_Task] = []
    for condition in conditions:
        for i in range(0, len(positives), positives_per_shard):
            clips = tuple(positives[i:i + positives_per_shard])
            tasks.append(_Task("positives", condition, i // positives_per_shard,
                               sum(positive_seconds(c, context_ms=context_ms) for c, _ in clips), clips=clips))
        for i, pieces in enumerate(shards):
            tasks.append(_Task("negatives", condition, i, sum(p.seconds for p in pieces), pieces=tuple(pieces)))
    tasks.sort(key=lambda t: -t.seconds)
    return tasks


def _collect(acc: dict, result: dict) -> None:
    """Add one task's result to the accumulators of its condition."""
    for m, part in enumerate(result["models"]):
        a = acc[(m, result["condition"])]
        if result["kind"] == "negatives":
            a.false_accepts = part["false_accepts"] if a.false_accepts is None else a.false_accepts + part["false_accepts"]
            a.histogram += part["histogram"]
            a.duration_ms += result["duration_ms"]
            a.candidates += part.get("candidates", 0)
        else:
            a.hits.append(part["hits"])
            a.speech_end_ms.append(part["speech_end_ms"])
            a.peaks.append(part["peaks"])


def _results(bundles, names, cascades, conditions, acc, swept, manifest_thresholds, label_maps, *, inputs,
             shards, settings: dict) -> dict:
    """The content of ``results.json``: settings, inputs, conditions, and per model its figures
    for each condition and pooled condition (and, for a cascade, how often its verifier ran)."""
    pooled = pooled_conditions(conditions)
    results = {
        "format": RESULTS_FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "settings": settings,
        "inputs": {"positives": inputs.positive_dirs, "negatives": inputs.negative_dirs,
                   "positive_clips": len(inputs.positives),
                   "hours_negative": sum(p.seconds for s in shards for p in s) / 3600,
                   "noise": dict(zip(inputs.noise_names, inputs.noise_paths)), "rir": inputs.rir_paths},
        "conditions": [c.to_dict() for c in conditions],
        "pooled_conditions": [p.to_dict() for p in pooled],
        "models": {},
    }
    for m, (bundle, name) in enumerate(zip(bundles, names)):
        detector, threshold = bundle.manifest.detector, manifest_thresholds[m]
        results["models"][name] = {
            "source": bundle.source, "keywords": list(bundle.manifest.keywords),
            "threshold": threshold, "window": detector.window, "refractory_ms": detector.refractory_ms,
            "positive_folders": label_maps[m],
            # what the trainer promised at this operating point (evaluation.results_page compares)
            "promised": _promised(bundle.manifest, threshold, detector.window) if not cascades[m] else None,
            "conditions": {c.name: _condition_result(acc[(m, c.name)], swept, threshold) for c in conditions},
            "pooled": {p.name: _condition_result(_pool([acc[(m, name)] for name in p.members]), swept, threshold)
                       for p in pooled},
        }
        if cascades[m]:  # thresholds sweep the verifier's; the first stage runs at its own
            verifier = bundle.manifest.verifier
            results["models"][name]["cascade"] = {
                "first_stage_threshold": verifier.first_stage_threshold, "verifier_window": verifier.window,
                "verifier_file": verifier.model.file,
                "candidates_per_hour": {c.name: acc[(m, c.name)].candidates / (acc[(m, c.name)].duration_ms / 3.6e6)
                                        for c in conditions if acc[(m, c.name)].duration_ms}}
    return results


def run_suite(*, models: Sequence[str | os.PathLike | Bundle], positives: Sequence[str | os.PathLike],
              negatives: Sequence[str | os.PathLike], noises: Sequence[str | os.PathLike] = (),
              rirs: Sequence[str | os.PathLike] = (), snrs_db: Sequence[float] = DEFAULT_SNRS_DB,
              out_dir: str | os.PathLike | None = None, workers: int = 1, max_negative_hours: float | None = None,
              seed: int = 0, thresholds: Iterable[int] | None = None, context_ms: int = CONTEXT_MS,
              progress: bool = True, negative_shard_seconds: float = NEGATIVE_SHARD_SECONDS,
              positives_per_shard: int = POSITIVES_PER_SHARD, allow_unsigned: bool = False,
              snr_reference: str = "speech", positives_half: str = "all",
              detector_window: int | None = None, cascade: bool = True, trusted_key_files: tuple = ()) -> dict:
    """Evaluate models under every condition; write ``results.json``, ``report.md`` and PNGs.

    Parameters
    ----------
    models : sequence of bundle path/name, ``microwakeword:NAME`` or Bundle
    positives : folders (or files) of keyword clips; a folder's name is its keyword
        (see :func:`positive_keywords`).
    positives_half : ``"all"``, or ``"dev"`` / ``"test"``: one fixed half of every positives
        folder (:func:`evaluation.sources.clip_half`): choices on the dev half, figures on the test half.
    detector_window : replaces every model's detector window (model calls averaged), to measure what
        the window costs in accuracy and latency; None keeps each manifest's.
    trusted_key_files : public keys trusted besides the release keys (``--trusted-key``).
    cascade : a bundle with a verifier (``manifest.verifier``) is also measured as a cascade,
        ``NAME+verifier`` (:mod:`wakeword.cascade`): its thresholds are the verifier's, the first
        stage runs at ``first_stage_threshold``, and ``cascade.candidates_per_hour`` says how often
        the verifier ran on the negatives.
    negatives : folders (or files) of audio without the keywords, played back to back.
    noises : noise files or folders (a folder is one noise type), for ``NOISE@SNRdB`` conditions.
    rirs : impulse-response files or folders, for ``reverb`` conditions.
    snrs_db : SNRs in dB for each noise type.
    snr_reference : how an SNR is measured (:mod:`evaluation.mixing`): ``"speech"`` (active speech
        power, the project's definition), ``"peak"`` (loudest 512-sample windows, the
        convention of Picovoice's wake-word benchmark) or ``"clip"`` (mean power of the whole clip).
    out_dir : where outputs go (None: nothing written).
    workers : worker processes (1: in this process).
    max_negative_hours : use at most this many hours of negatives (in file order).
    seed : seeds every noise offset and impulse-response choice.
    thresholds : swept thresholds (default 1..255; manifest thresholds are always added).
    context_ms : silence before and after each positive clip, in ms.
    progress : show a tqdm bar (audio minutes done / total, tasks, ETA) on stderr.

    Returns
    -------
    dict
        The content of ``results.json``.

    Raises
    ------
    EvaluationError, AudioError, BundleError
        Bad inputs, named in the message.
    """
    started = time.perf_counter()
    snrs_db = list(dict.fromkeys(float(s) for s in snrs_db))  # in the given order, without repeats
    if workers < 1:
        raise EvaluationError(f"workers={workers} must be >= 1")
    check_snr_reference(snr_reference)   # here, before any worker starts
    if positives_half not in HALVES:
        raise EvaluationError(f"positives_half {positives_half!r} is not one of {', '.join(HALVES)}")
    if max_negative_hours is not None and not max_negative_hours > 0:
        raise EvaluationError(f"max_negative_hours={max_negative_hours} must be > 0")
    if not models:
        raise EvaluationError("no model given (--bundle or --peer)")
    bundles, cascades, names = _model_set(models, allow_unsigned=allow_unsigned, trusted_key_files=trusted_key_files,
                                          detector_window=detector_window, cascade=cascade)
    inputs = collect_inputs(positives=positives, negatives=negatives, noises=noises, rirs=rirs,
                            positives_half=positives_half)
    labels = sorted({label for _, label in inputs.positives})
    label_maps = [positive_keywords(b.manifest.keywords, labels) for b in bundles]
    for bundle, mapping in zip(bundles, label_maps):
        if not mapping:
            raise EvaluationError(f"model {bundle.name} (keywords {', '.join(bundle.manifest.keywords)}): "
                                  f"no positives folder is named after one of its keywords (folders: {', '.join(labels)})")
    manifest_thresholds = [b.manifest.verifier.threshold if c else b.manifest.detector.threshold
                           for b, c in zip(bundles, cascades)]
    swept = np.asarray(sorted(set(ALL_THRESHOLDS if thresholds is None else thresholds) | set(manifest_thresholds)),
                       dtype=np.int64)
    if swept[0] < 1 or swept[-1] > 255:
        raise EvaluationError("thresholds must be in 1..255")
    conditions = build_conditions(noise_names=inputs.noise_names, snrs_db=[float(s) for s in snrs_db],
                                  reverb=bool(inputs.rir_paths))

    shards = negative_shards(inputs.negatives, shard_seconds=negative_shard_seconds,
                             max_seconds=None if max_negative_hours is None else max_negative_hours * 3600)
    tasks = _plan_tasks(conditions, inputs.positives, shards, context_ms=context_ms,
                        positives_per_shard=positives_per_shard)
    acc = {(m, c.name): _Accumulator() for m in range(len(bundles)) for c in conditions}
    state = _WorkerState(bundles, label_maps, inputs.noise_paths, inputs.rir_paths, swept, seed, context_ms,
                         snr_reference, cascades)
    _execute(tasks, state, workers=workers, progress=progress, collect=lambda result: _collect(acc, result))
    results = _results(bundles, names, cascades, conditions, acc, swept, manifest_thresholds, label_maps,
                       inputs=inputs, shards=shards,
                       settings={"seed": seed, "snrs_db": [float(s) for s in snrs_db], "snr_reference": snr_reference,
                                 "context_ms": context_ms, "positives_half": positives_half,
                                 "detector_window": detector_window, "workers": workers,
                                 "max_negative_hours": max_negative_hours, "thresholds": swept.tolist(),
                                 "fa_per_hour_targets": list(FA_PER_HOUR_TARGETS)})
    results["wall_s"] = round(time.perf_counter() - started, 2)
    if out_dir is not None:
        from .report import write_outputs

        write_outputs(results, out_dir)
    return results


def _execute(tasks: Sequence[_Task], state: _WorkerState, *, workers: int, progress: bool,
             collect: Callable[[dict], None]) -> None:
    """Run tasks in this process or in ``workers`` processes, with a progress bar."""
    from tqdm import tqdm

    minutes = {id(t): round(t.seconds / 60, 3) for t in tasks}
    bar = tqdm(total=round(sum(minutes.values()), 3), unit="min", desc="audio", disable=not progress, dynamic_ncols=True,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} min "
                          "[{elapsed}<{remaining}, {rate_fmt}{postfix}]")
    done = 0

    def finished(task: _Task, result: dict) -> None:
        nonlocal done
        done += 1
        collect(result)
        bar.update(minutes[id(task)])
        bar.set_postfix_str(f"tasks {done}/{len(tasks)}")

    try:
        bar.set_postfix_str(f"tasks 0/{len(tasks)}")
        if workers == 1 or len(tasks) == 1:
            _init_worker(state)
            for task in tasks:
                finished(task, _run_task(task))
            return
        pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=get_context("spawn"),
                                   initializer=_init_worker, initargs=(state,))
        try:
            pending = {pool.submit(_run_task, task): task for task in tasks}
            while pending:
                complete, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in complete:
                    finished(pending.pop(future), future.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    finally:
        bar.close()
        _init_worker(None)  # type: ignore[arg-type]


__all__ = ["DEFAULT_SNRS_DB", "FA_PER_HOUR_TARGETS", "collect_inputs", "latency_stats", "load_model",
           "load_peer", "positive_keywords", "run_suite"]
