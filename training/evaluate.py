"""Scores of exported models on validation windows and on real recordings (same frontend, model runner and detector as the engine)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

import numpy as np
from tqdm import tqdm

from wakeword.audio import load_audio
from wakeword.bundle import Bundle
from evaluation.metrics import (DetCurve, OperatingPoint, PositiveTrial, ScoreStream, count_false_accepts,
                                det_curve, frr_at_fa_per_hour, median_latency, trial_hits)
from wakeword.config import DetectorConfig, FeatureConfig
from wakeword.features import FeatureExtractor, compute_features
from wakeword.model import ModelRunner

from .data import WindowSet, audio_files
from .parallel import map_clips

#: thresholds swept for operating points: coarse below 128, every 2 above
DEFAULT_THRESHOLDS = tuple(range(1, 128, 8)) + tuple(range(128, 256, 2))


def window_scores(bundle: Bundle, windows: WindowSet, *, limit: int | None = None,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Last streaming score (uint8) of each window, model state reset per window, and the indices of
    the windows scored (a seeded sample of ``limit`` windows when there are more)."""
    spec = bundle.manifest.model
    runner = ModelRunner(bundle.model_bytes, spec, source=bundle.source)
    index = np.arange(len(windows))
    if limit is not None and len(index) > limit:
        index = np.sort(np.random.default_rng(seed).choice(len(index), limit, replace=False))
    out = np.zeros(len(index), np.uint8)
    # silence frames (raw 0) in front, so the last call ends at the window's last frame and every
    # frame of the window is inside the model's receptive field (as the first layer's state)
    pad = np.zeros(((-windows.x.shape[1]) % spec.stride_frames, windows.x.shape[2]), np.uint16)
    for i, k in enumerate(index):
        runner.reset()
        out[i] = runner.push_frames(np.concatenate([pad, np.asarray(windows.x[k])]))[-1][1][0]
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


#: generated noise colours always in the threshold's noise pool (a config without noise folders has them too)
NOISE_POOL_COLOURS = ("white", "pink", "brown")


def noise_pool(folders: tuple[str, ...], *, seed: int = 0, colour_seconds: float = 30.0) -> list[np.ndarray]:
    """Noises (float32 in [-1, 1]) to check a threshold in: every recording under ``folders`` (the
    training noise, never the evaluation suite's) and :data:`NOISE_POOL_COLOURS`, generated, seeded."""
    from .augment import colored_noise, load_audio_folder

    pool = [noise for folder in folders if Path(folder).is_dir() for noise in load_audio_folder(folder)]
    rng = np.random.default_rng([seed, 7])
    pool += [colored_noise(kind, num_samples=int(colour_seconds * 16000), rng=rng) for kind in NOISE_POOL_COLOURS]
    return [noise for noise in pool if len(noise) and np.any(noise)]


def noisy_stream_frames(files: list[Path], noises: list[np.ndarray], *, snr_db: float, passes: int, seed: int = 0,
                        max_hours: float | None = None, context_ms: int = 1000,
                        desc: str = "negatives in noise") -> tuple[np.ndarray, float]:
    """Feature frames of ``files`` played back to back ``passes`` times, each file with its
    ``context_ms`` of silence after it mixed with a random stretch of a random noise of ``noises`` at
    ``snr_db`` (active speech power over noise power, :func:`wakeword.dsp.mix_at_snr`: the
    training's own definition), and the hours played. A silent file is played as it is.

    ``max_hours`` caps the hours of each pass (as :func:`stream_frames` caps its one pass).
    """
    from wakeword.errors import AudioError

    from wakeword.dsp import mix_at_snr

    if not noises:
        raise ValueError("noisy_stream_frames needs at least one noise")
    rng = np.random.default_rng([seed, 11])
    extractor = FeatureExtractor()
    gap = np.zeros(context_ms * 16, np.float32)
    parts, seconds = [], 0.0
    with tqdm(total=passes * len(files), desc=desc, unit="file") as bar:
        for _ in range(passes):
            pass_seconds = 0.0
            for path in files:
                clip = np.concatenate([load_audio(path).astype(np.float32) / np.float32(32768.0), gap])
                try:
                    mixed = mix_at_snr(clip, noises[int(rng.integers(len(noises)))], snr_db=snr_db, rng=rng)
                except AudioError:  # no active speech to set a level against
                    mixed = clip
                parts.append(extractor.process(np.clip(np.round(mixed * 32768.0), -32768, 32767).astype(np.int16)))
                pass_seconds += len(clip) / 16000
                bar.update(1)
                if max_hours is not None and pass_seconds >= max_hours * 3600:
                    break
            seconds += pass_seconds
    frames = np.concatenate(parts) if parts else np.zeros((0, 40), np.uint16)
    return frames, seconds / 3600


def threshold_noise_frames(config, negatives: list[Path]) -> tuple[np.ndarray | None, float]:
    """The real ``negatives`` in noise for the threshold check of ``config.export`` (see
    :class:`training.config.ExportConfig`): ``(frames, hours)``, or ``(None, 0.0)`` when it is off
    (``noise_passes = 0``) or there are no negatives."""
    export = config.export
    if not negatives or export.noise_passes == 0:
        return None, 0.0
    noises = noise_pool(tuple(config.data.noise_dirs), seed=config.data.seed)
    return noisy_stream_frames(negatives, noises, snr_db=export.noise_snr_db, passes=export.noise_passes,
                               seed=config.data.seed, max_hours=config.evaluation.max_negative_hours)


def clip_frames(files: list[Path], *, context_ms: int = 1000) -> tuple[list[np.ndarray], list[int]]:
    """Per positive clip: frames of silence + clip + silence, from a fresh frontend; and the stream
    time (ms) at which each clip's speech ends (:func:`evaluation.mixing.speech_bounds`)."""
    from evaluation.mixing import speech_bounds

    gap = np.zeros(context_ms * 16, np.int16)
    frames, speech_end_ms = [], []
    for path in tqdm(files, desc="positives", unit="clip"):
        audio = load_audio(path)
        frames.append(compute_features(np.concatenate([gap, audio, gap])))
        speech_end_ms.append(context_ms + (speech_bounds(audio) or (0, len(audio)))[1] * 1000 // 16000)
    return frames, speech_end_ms


def model_scores(bundle: Bundle, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores of a fresh model over frames: t_ms (n,) and uint8 scores (n, keywords)."""
    runner = ModelRunner(bundle.model_bytes, bundle.manifest.model, source=bundle.source)
    results = runner.push_frames(frames)
    features = bundle.manifest.features
    t = np.fromiter((features.frame_end_ms(i) for i, _ in results), dtype=np.int64, count=len(results))
    scores = np.stack([s for _, s in results]) if results else np.zeros((0, len(bundle.manifest.keywords)), np.uint8)
    return t, scores


@dataclasses.dataclass
class ThresholdInputs:
    """What a model's operating point is chosen on, and what measures it: feature frames computed
    once and shared by every model variant (they all see identical frames).

    The choice uses only what a user who trains a new phrase has: real negative recordings
    (``negative_frames``, and the same in noise, ``noise_frames``) and keyword clips the pipeline made
    itself (``heldout_frames``: synthesized voices and spliced speakers never trained on,
    :func:`training.data.heldout_positive_streams`). Real recordings of the keyword (``real_frames``,
    when the config names some) only measure the result.
    """

    negative_frames: np.ndarray
    negative_hours: float
    heldout_frames: list[np.ndarray]
    noise_frames: np.ndarray | None = None
    noise_hours: float = 0.0
    real_frames: list[np.ndarray] = dataclasses.field(default_factory=list)
    #: the real clips' half of their folders ("all", "dev" or "test": evaluation.sources.clip_half)
    real_half: str = "all"
    #: stream time (ms) at which the speech of each held-out / real stream ends, for latency (the
    #: detection's t_ms minus it, as the evaluation suite measures it); empty: unknown
    heldout_speech_end_ms: list[int] = dataclasses.field(default_factory=list)
    real_speech_end_ms: list[int] = dataclasses.field(default_factory=list)


def threshold_inputs(config, *, cache_dir: Path) -> ThresholdInputs | None:
    """:class:`ThresholdInputs` for ``config`` (its windows must be built: the held-out keyword clips
    come from their cache), or None when it names no real negatives (``[evaluation] negatives_dirs``):
    then no operating point can be chosen."""
    from evaluation.sources import select_half

    from .data import heldout_positive_streams

    negatives = real_files(config.evaluation.negatives_dirs)
    if not negatives:
        return None
    negative_frames, negative_hours = stream_frames(negatives, max_hours=config.evaluation.max_negative_hours,
                                                    desc="negatives")
    heldout, _kinds, heldout_ends = heldout_positive_streams(config, cache_dir=cache_dir)
    noise_frames, noise_hours = threshold_noise_frames(config, negatives)
    half = config.evaluation.positives_half
    real, real_ends = clip_frames(select_half(real_files(config.evaluation.positives_dirs), half))
    return ThresholdInputs(negative_frames, negative_hours, heldout, noise_frames, noise_hours, real, half,
                           heldout_speech_end_ms=heldout_ends, real_speech_end_ms=real_ends)


def bundle_curves(bundle: Bundle, inputs: ThresholdInputs, *, keyword: str, detector: DetectorConfig,
                  windows: tuple[int, ...]) -> dict:
    """A bundle's DET curves by detector window (:func:`curves_by_window`) on ``inputs``: ``curves``
    (held-out positives, clean negatives), ``noise_curves`` (held-out positives, negatives in noise;
    None without them) and ``real_curves`` (real keyword clips, clean negatives; None without them);
    and the score ``streams`` they come from (``clean``, ``noise``, ``heldout``, ``real``), for the
    cascade (:func:`cascade_operating_point`)."""
    def streams(frames_list):
        return [score_stream(*model_scores(bundle, frames), frames=len(frames)) for frames in frames_list]

    def curves(positives, negatives, ends):
        return curves_by_window(keyword, detector, positives=positives, negatives=negatives, windows=windows,
                                speech_end_ms=ends or None)

    heldout = streams(inputs.heldout_frames)
    clean = streams([inputs.negative_frames])[0]
    noisy = None if inputs.noise_frames is None else streams([inputs.noise_frames])[0]
    real = streams(inputs.real_frames)
    held_ends, real_ends = inputs.heldout_speech_end_ms, inputs.real_speech_end_ms
    return {"curves": curves(heldout, clean, held_ends),
            "noise_curves": None if noisy is None else curves(heldout, noisy, held_ends),
            "real_curves": curves(real, clean, real_ends) if real else None,
            "streams": {"clean": clean, "noise": noisy, "heldout": heldout, "real": real}}


#: what every variant is scored on, set once per worker process by :func:`score_variants`
_SHARED: dict = {}


def _share(shared: dict) -> None:
    _SHARED.clear()
    _SHARED.update(shared)


def _score_variant(bundle: Bundle) -> dict:
    scores, index = window_scores(bundle, _SHARED["windows"], limit=_SHARED["limit"])
    out = {"window_scores": scores, "window_index": index, "curves": None, "noise_curves": None, "real_curves": None,
           "streams": None}
    if _SHARED["inputs"] is not None:
        out.update(bundle_curves(bundle, _SHARED["inputs"], keyword=_SHARED["keyword"], detector=_SHARED["detector"],
                                 windows=_SHARED["detector_windows"]))
    return out


def score_variants(bundles: list[Bundle], windows: WindowSet, *, limit: int | None = None,
                   keyword: str = "", detector: DetectorConfig | None = None,
                   detector_windows: tuple[int, ...] = (), inputs: ThresholdInputs | None = None,
                   workers: int = 1) -> list[dict]:
    """Each bundle's scores, one variant per worker process (the models are independent and each
    runs on one core): ``window_scores`` and ``window_index`` (:func:`window_scores` with ``limit``),
    and with ``inputs`` the curves of :func:`bundle_curves` (``curves``, ``noise_curves``,
    ``real_curves``; else None) for each of ``detector_windows``."""
    shared = {"windows": windows, "limit": limit, "keyword": keyword, "detector": detector or DetectorConfig(),
              "detector_windows": tuple(detector_windows), "inputs": inputs}
    return map_clips(_score_variant, bundles, workers=workers, init=_share, init_args=(shared,), chunksize=1,
                     desc="variants scored")


def score_stream(t_ms: np.ndarray, scores: np.ndarray, *, frames: int) -> ScoreStream:
    """Scores of a stream of ``frames`` feature frames (it lasts until the last frame ends)."""
    return ScoreStream(t_ms, scores, duration_ms=FeatureConfig().frame_end_ms(frames - 1) if frames else 0)


def curves_by_window(keyword: str, detector: DetectorConfig, *, positives: list[ScoreStream],
                     negatives: ScoreStream, windows: tuple[int, ...],
                     speech_end_ms: Sequence[int] | None = None) -> dict[int, DetCurve]:
    """DET curve (FRR and FA/h per threshold, by detector replay) for each detector window; with each
    positive stream's ``speech_end_ms``, also the median latency per threshold."""
    if speech_end_ms is not None and len(speech_end_ms) != len(positives):
        raise ValueError(f"{len(speech_end_ms)} speech ends for {len(positives)} positive streams")
    ends = speech_end_ms if speech_end_ms is not None else [p.duration_ms for p in positives]
    trials = [PositiveTrial(stream=p, keyword=keyword, hit_start_ms=0, hit_end_ms=p.duration_ms,
                            speech_end_ms=int(end)) for p, end in zip(positives, ends)]
    out = {window: det_curve(trials, [negatives], keywords=(keyword,),
                             detector=dataclasses.replace(detector, window=window), thresholds=DEFAULT_THRESHOLDS)
           for window in windows}
    if speech_end_ms is None:
        out = {w: dataclasses.replace(c, median_latency_ms=None) for w, c in out.items()}
    return out


def best_operating_point(curves: dict[int, DetCurve], target_fa_per_hour: float) -> tuple[int, OperatingPoint, bool]:
    """(window, point, target met): the lowest FRR with FA/h <= target over all windows (on a tie, the
    fewest false accepts, then the longest window: more smoothing holds up better in noise, e.g. alexa
    runs/mine5 at no false accept in the suite, window 3 vs 16: running tap 10 dB 15.2% vs 4.2%, its
    false accepts at the threshold 7 vs 3, the same 4.2% clean FRR in the trainer's choice); when no
    point meets the target, the point with the fewest false accepts (then the lowest FRR)."""
    found = [(window, point) for window, curve in curves.items()
             if (point := frr_at_fa_per_hour(curve, target_fa_per_hour)) is not None]
    if found:
        window, point = min(found, key=lambda wp: (wp[1].frr, wp[1].fa_per_hour, -wp[0]))
        return window, point, True
    candidates = [(window, curve.at(int(t))) for window, curve in curves.items() for t in curve.thresholds]
    window, point = min(candidates, key=lambda wp: (wp[1].fa_per_hour, wp[1].frr, wp[0]))
    return window, point, False


def _restrict(curve: DetCurve, keep: np.ndarray) -> DetCurve:
    latency = None if curve.median_latency_ms is None else curve.median_latency_ms[keep]
    return DetCurve(curve.thresholds[keep], curve.false_rejects[keep], curve.false_accepts[keep],
                    curve.positives, curve.hours, latency)


def latency_capped_curves(curves: dict[int, DetCurve], max_latency_ms: float) -> dict[int, DetCurve]:
    """``curves`` cut to the thresholds whose median latency on the held-out keyword clips is at most
    ``max_latency_ms`` (a curve without latencies is kept whole; thresholds that detect nothing go)."""
    out = {}
    for window, curve in curves.items():
        if curve.median_latency_ms is None:
            out[window] = curve
            continue
        keep = np.isfinite(curve.median_latency_ms) & (curve.median_latency_ms <= max_latency_ms)
        if keep.any():
            out[window] = _restrict(curve, keep)
    return out


def noise_constrained_curves(curves: dict[int, DetCurve], noise_curves: dict[int, DetCurve],
                             noise_target_fa_per_hour: float) -> tuple[dict[int, DetCurve], bool]:
    """``curves`` cut to the thresholds whose FA/h on the negatives in noise (``noise_curves``, the
    same windows and thresholds) is at most ``noise_target_fa_per_hour``, and whether any met it.
    When none does, the thresholds with the fewest false accepts in noise (over all windows) are kept."""
    if set(curves) != set(noise_curves):
        raise ValueError(f"noise curves for windows {sorted(noise_curves)}, clean ones for {sorted(curves)}")
    for window, curve in curves.items():
        if not np.array_equal(curve.thresholds, noise_curves[window].thresholds):
            raise ValueError(f"window {window}: the noise curve sweeps other thresholds")
    ok = {w: np.isfinite(c.fa_per_hour) & (c.fa_per_hour <= noise_target_fa_per_hour)
          for w, c in noise_curves.items()}
    met = any(mask.any() for mask in ok.values())
    if not met:
        fewest = min(float(np.nanmin(c.fa_per_hour)) for c in noise_curves.values())
        ok = {w: c.fa_per_hour <= fewest for w, c in noise_curves.items()}
    return {w: _restrict(curves[w], mask) for w, mask in ok.items() if mask.any()}, met


def real_files(folders: tuple[str, ...]) -> list[Path]:
    return audio_files(folders, required=False)


def noise_held_point(curves: dict[int, DetCurve], noise_curves: dict[int, DetCurve], target_fa_per_hour: float,
                     noise_target_fa_per_hour: float, max_frr_increase: float) -> tuple[int, OperatingPoint, dict]:
    """The operating point for ``target_fa_per_hour`` on the clean negatives that also holds in noise.

    The lowest-FRR point (:func:`best_operating_point`) among the thresholds with at most
    ``noise_target_fa_per_hour`` on the negatives in noise (:func:`noise_constrained_curves`),
    unless that costs more than ``max_frr_increase`` (a fraction, 0.03: three points) of FRR over
    the best clean point: then, among the points that meet the clean target within that FRR, the one
    with the fewest false accepts in noise (then the lowest FRR, then the longest window). When the
    clean target cannot be met at all, the clean choice stands.

    Returns ``(window, point, info)``; ``info`` has ``target_met``, ``noise_target_met`` and
    ``frr_capped`` (the noise target was reachable, but not within the FRR budget).
    """
    window, point, met = best_operating_point(curves, target_fa_per_hour)
    if not met:
        noise_fa = noise_curves[window].at(point.threshold).fa_per_hour
        return window, point, {"target_met": False, "noise_target_met": noise_fa <= noise_target_fa_per_hour,
                               "frr_capped": False}
    budget = point.frr + max_frr_increase + 1e-9
    allowed, noise_met = noise_constrained_curves(curves, noise_curves, noise_target_fa_per_hour)
    if noise_met:
        held_window, held, held_met = best_operating_point(allowed, target_fa_per_hour)
        if held_met and held.frr <= budget:
            return held_window, held, {"target_met": True, "noise_target_met": True, "frr_capped": False}
    candidates = []
    for w, curve in curves.items():
        fa, frr, noise_fa = curve.fa_per_hour, curve.frr, noise_curves[w].fa_per_hour
        for i in np.flatnonzero((fa <= target_fa_per_hour) & (frr <= budget)):
            candidates.append((float(noise_fa[i]), float(frr[i]), -w, int(curve.thresholds[i])))
    noise_fa, _frr, negative_window, threshold = min(candidates)  # the best clean point is one of them
    return -negative_window, curves[-negative_window].at(threshold), {
        "target_met": True, "noise_target_met": noise_fa <= noise_target_fa_per_hour, "frr_capped": noise_met}


def _targets_point(curves, noise_curves, export) -> tuple[int, OperatingPoint, dict]:
    """The operating point for the false-accept targets alone (clean, and in noise when given)."""
    if noise_curves is not None:
        return noise_held_point(curves, noise_curves, export.target_fa_per_hour, export.noise_target_fa_per_hour,
                                export.noise_max_frr_increase)
    window, point, met = best_operating_point(curves, export.target_fa_per_hour)
    return window, point, {"target_met": met}


def latency_held_point(curves: dict[int, DetCurve], noise_curves: dict[int, DetCurve] | None, export
                       ) -> tuple[int, OperatingPoint, dict]:
    """The operating point for ``export``'s false-accept targets (:func:`_targets_point`) that answers
    within ``export.max_latency_ms`` (median on the held-out keyword clips).

    When the point for the targets alone is slower: the same rule on the thresholds within the limit
    (:func:`latency_capped_curves`), if that meets the targets the first point met and costs at most
    ``export.latency_max_frr_increase`` of FRR; else, among the points that meet those targets within
    that FRR, the fastest (then the lowest FRR, then the longest window). Curves without latencies, or
    a limit of 0, leave the first point.

    Returns ``(window, point, info)``: ``info`` as the targets' rule gives it, plus ``latency_ms``
    (None when unknown) and ``latency_target_met`` (None without a limit or latencies).
    """
    window, point, info = _targets_point(curves, noise_curves, export)
    latency = curves[window].latency_at(point.threshold)
    limit = export.max_latency_ms
    if not limit or all(c.median_latency_ms is None for c in curves.values()) or not info["target_met"]:
        return window, point, {**info, "latency_ms": latency, "latency_target_met": None}
    if latency is not None and latency <= limit:
        return window, point, {**info, "latency_ms": latency, "latency_target_met": True}
    noise_met = info.get("noise_target_met", False)
    budget = point.frr + export.latency_max_frr_increase + 1e-9
    capped = latency_capped_curves(curves, limit)
    if capped:
        capped_noise = None if noise_curves is None else latency_capped_curves(noise_curves, limit)
        w, p, i = _targets_point(capped, capped_noise, export)
        if i["target_met"] and (i.get("noise_target_met", False) or not noise_met) and p.frr <= budget:
            return w, p, {**i, "latency_ms": capped[w].latency_at(p.threshold), "latency_target_met": True}
    candidates = []
    for w, curve in curves.items():
        if curve.median_latency_ms is None:
            continue
        ok = (curve.fa_per_hour <= export.target_fa_per_hour) & (curve.frr <= budget) \
            & np.isfinite(curve.median_latency_ms)
        if noise_met:
            ok &= noise_curves[w].fa_per_hour <= export.noise_target_fa_per_hour
        for k in np.flatnonzero(ok):
            candidates.append((float(curve.median_latency_ms[k]), float(curve.frr[k]), -w, int(curve.thresholds[k])))
    if not candidates:  # the first point detects nothing: no latency to improve on
        return window, point, {**info, "latency_ms": latency, "latency_target_met": False}
    fastest, _frr, negative_window, threshold = min(candidates)  # the first point is one of them
    w = -negative_window
    return w, curves[w].at(threshold), {**info, "latency_ms": fastest, "latency_target_met": False}


def _median_latency(streams: list[ScoreStream], speech_end_ms: Sequence[int], keyword: str,
                    detector: DetectorConfig) -> float | None:
    hits = [trial_hits(PositiveTrial(stream, keyword, hit_start_ms=0, hit_end_ms=stream.duration_ms,
                                     speech_end_ms=int(end)),
                       keywords=(keyword,), detector=detector, thresholds=[detector.threshold])
            for stream, end in zip(streams, speech_end_ms)]
    value = float(median_latency(hits, speech_end_ms, 1)[0])
    return None if np.isnan(value) else value


def choose_fast_path(streams: dict, detector: DetectorConfig, export, *, keyword: str,
                     heldout_speech_end_ms: Sequence[int], real_speech_end_ms: Sequence[int] = ()
                     ) -> tuple[DetectorConfig, dict]:
    """The detector's fast path (:class:`wakeword.config.DetectorConfig` ``fast_window``): for each
    ``k`` of ``export.fast_windows`` shorter than the window, the lowest margin above the main
    threshold (``fast_margin`` >= 1) that adds no false accept on the real negatives, clean or in the training noise,
    at the threshold and ``export.fast_safety`` steps below it (``streams["clean"]``, ``streams["noise"]``: the model's scores, :func:`bundle_curves`); of
    those, the one with the lowest median latency on the held-out keyword clips, kept when it is
    lower than the window's alone. It only adds detections, so no clip is missed that the window
    alone detects.

    Returns the detector (unchanged without a gain) and the manifest's record: ``fast_window``,
    ``fast_margin``, ``latency_ms`` (held-out, with it), ``latency_window_alone_ms``, and
    ``real_latency_ms`` on real clips when ``streams["real"]`` has them.
    """
    held = streams.get("heldout") or []
    if not export.fast_windows or not held or len(held) != len(heldout_speech_end_ms):
        return detector, {}
    negatives = [s for s in (streams.get("clean"), streams.get("noise")) if s is not None]

    # checked at the threshold and export.fast_safety steps below it (the fast threshold moves with it):
    # a fast path that only just adds nothing at the threshold adds false accepts in unseen noise
    checked = sorted({max(1, detector.threshold - export.fast_safety), detector.threshold})

    def false_accepts(d: DetectorConfig) -> list[int]:
        return [int(n) for s in negatives
                for n in count_false_accepts(s, keywords=(keyword,), detector=d, thresholds=checked)]

    base_fa = false_accepts(detector)
    base = _median_latency(held, heldout_speech_end_ms, keyword, detector)
    if base is None:
        return detector, {}
    found = []
    for k in sorted(set(export.fast_windows)):
        if not 1 <= k < detector.window:
            continue
        for margin in range(1, 256 - detector.threshold):
            candidate = dataclasses.replace(detector, fast_window=k, fast_margin=margin)
            if all(a <= b for a, b in zip(false_accepts(candidate), base_fa)):
                latency = _median_latency(held, heldout_speech_end_ms, keyword, candidate)
                if latency is not None:
                    found.append((latency, -margin, k, candidate))
                break
    if not found or min(found)[0] >= base:
        return detector, {"fast_window": 0, "latency_window_alone_ms": base}
    latency, _, _, chosen = min(found)
    info = {"fast_window": chosen.fast_window, "fast_margin": chosen.fast_margin, "latency_ms": latency,
            "latency_window_alone_ms": base}
    real = streams.get("real") or []
    if real and len(real) == len(real_speech_end_ms):
        real_latency = _median_latency(real, real_speech_end_ms, keyword, chosen)
        if real_latency is not None:
            info["real_latency_ms"] = real_latency
    return chosen, info


def with_fast_path(metrics: dict, streams: dict, detector: DetectorConfig, export, *, keyword: str,
                   inputs: ThresholdInputs) -> DetectorConfig:
    """:func:`choose_fast_path` for a bundle's ``metrics`` (their ``operating_point`` and
    ``threshold_choice`` gain its record); returns the detector to ship."""
    detector, fast = choose_fast_path(streams, detector, export, keyword=keyword,
                                      heldout_speech_end_ms=inputs.heldout_speech_end_ms,
                                      real_speech_end_ms=inputs.real_speech_end_ms)
    metrics["operating_point"].update(fast)
    if detector.fast_window:
        # the app's sensitivity slider reads these tables; with the fast path they are its own (it moves
        # with the threshold and adds false accepts below it)
        for key, stream, hours in (("fa_per_hour_by_threshold", streams.get("clean"), inputs.negative_hours),
                                   ("fa_per_hour_in_noise_by_threshold", streams.get("noise"), inputs.noise_hours)):
            if key in metrics and stream is not None and hours > 0:
                counts = count_false_accepts(stream, keywords=(keyword,), detector=detector,
                                             thresholds=DEFAULT_THRESHOLDS)
                metrics[key] = {str(t): float(n) / hours for t, n in zip(DEFAULT_THRESHOLDS, counts)}
        metrics["threshold_choice"] += (
            f"; fast path: also the newest {detector.fast_window} calls at the threshold + {detector.fast_margin}, "
            "the fastest "
            f"of {list(export.fast_windows)} calls that adds no false accept there (median latency on the "
            f"held-out clips {fast['latency_window_alone_ms']:.0f} -> {fast['latency_ms']:.0f} ms)")
    return detector


def operating_point_metrics(curves, export, *, negative_hours: float, positives: int, noise_curves=None,
                            noise_hours: float = 0.0, real_curves=None, real_half: str = "all"
                            ) -> tuple[int, object, dict]:
    """The shipped operating point under ``export``'s rule (a :class:`training.config.ExportConfig`)
    and the manifest metrics that describe it.

    ``curves`` pair the real negatives with ``positives`` keyword clips the pipeline made itself and
    never trained on (:class:`ThresholdInputs`): the choice needs no recording of the keyword.

    Returns ``(window, point, metrics)``: the detector window and :class:`OperatingPoint` with the
    lowest FRR at ``<= export.target_fa_per_hour`` (see :func:`best_operating_point`), and the
    manifest's ``fa_per_hour_by_threshold``, ``frr_by_threshold`` (that window's curve, for the app's
    sensitivity slider), ``operating_point`` and ``threshold_choice`` entries.

    With ``noise_curves`` (the same negatives in noise, :func:`threshold_noise_frames`) the point must
    also hold there (:func:`noise_held_point`, with ``export.noise_*``); the metrics then hold
    ``fa_per_hour_in_noise_by_threshold`` and the operating point's FA/h in noise. With
    ``real_curves`` (real keyword recordings, ``real_half`` of their folders) the operating point
    also records the FRR they measure at it (``real_frr``), which played no part in the choice.
    """
    target_fa_per_hour, windows = export.target_fa_per_hour, export.windows
    noise_target_fa_per_hour, noise_max_frr_increase = export.noise_target_fa_per_hour, export.noise_max_frr_increase
    noise_snr_db = export.noise_snr_db
    noise = noise_curves is not None
    window, point, info = latency_held_point(curves, noise_curves, export)
    met = info["target_met"]
    curve = curves[window]
    operating = {"threshold": point.threshold, "window": window, "frr": point.frr,
                 "fa_per_hour": point.fa_per_hour, "target_fa_per_hour": target_fa_per_hour,
                 "target_met": met, "negative_hours": negative_hours, "positives": positives,
                 "positives_kind": "held-out synthesized voices and spliced speakers (never trained on)"}
    choice = (f"lowest FRR with FA/h <= {target_fa_per_hour} over detector windows {list(windows)} "
              f"on {negative_hours:.2f} h of real negative speech, FRR on {positives} keyword clips of voices "
              "and speakers never trained on (no real recording of the keyword)"
              + ("" if met else "; not reachable: fewest false accepts instead"))
    metrics = {
        "fa_per_hour_by_threshold": {str(int(t)): float(f) for t, f in zip(curve.thresholds, curve.fa_per_hour)},
        "frr_by_threshold": {str(int(t)): float(f) for t, f in zip(curve.thresholds, curve.frr)},
    }
    if noise:
        in_noise = noise_curves[window]
        metrics["fa_per_hour_in_noise_by_threshold"] = {
            str(int(t)): float(f) for t, f in zip(in_noise.thresholds, in_noise.fa_per_hour)}
        operating.update({"fa_per_hour_in_noise": in_noise.at(point.threshold).fa_per_hour,
                          "noise_target_fa_per_hour": noise_target_fa_per_hour,
                          "noise_target_met": info["noise_target_met"], "noise_frr_capped": info["frr_capped"],
                          "noise_max_frr_increase": noise_max_frr_increase,
                          "noise_hours": noise_hours, "noise_snr_db": noise_snr_db})
        capped = met and noise_max_frr_increase < 1
        choice += (f", and FA/h <= {noise_target_fa_per_hour} on the same speech in the training noise at "
                   f"{noise_snr_db:g} dB SNR ({noise_hours:.2f} h)"
                   + (f", at most {100 * noise_max_frr_increase:g} FRR points above the best clean point"
                      if capped else "")
                   + ("" if info["noise_target_met"] or not met else
                      "; the noise target " + ("costs more FRR" if info["frr_capped"] else "is not reachable")
                      + ": the fewest false accepts in noise" + (" within that FRR" if capped else "") + " instead"))
    if info["latency_ms"] is not None:
        operating["latency_ms"] = info["latency_ms"]
    if info["latency_target_met"] is not None:
        limit = export.max_latency_ms
        operating.update({"max_latency_ms": limit, "latency_target_met": info["latency_target_met"]})
        choice += (f", with a median latency of at most {limit} ms on those clips"
                   + ("" if info["latency_target_met"] else
                      f" (not reachable within {100 * export.latency_max_frr_increase:g} FRR points: the "
                      f"fastest point within them, {info['latency_ms']:.0f} ms)"))
    if real_curves is not None:
        real = real_curves[window].at(point.threshold)
        operating.update({"real_frr": real.frr, "real_positives": int(real_curves[window].positives),
                          "real_positives_half": real_half})
        real_latency = real_curves[window].latency_at(point.threshold)
        if real_latency is not None:
            operating["real_latency_ms"] = real_latency
    metrics["operating_point"] = operating
    metrics["threshold_choice"] = choice
    return window, point, metrics


def cascade_operating_point(stage1: dict, verifier: dict, config, *, window: int, negative_hours: float,
                            noise_hours: float, first_stage: dict | None = None) -> dict:
    """The cascade's thresholds (first stage and verifier) under ``config.export``'s targets.

    ``stage1`` and ``verifier`` are the ``streams`` of :func:`bundle_curves` for the shipped model
    and the verifier (the same calls of the same streams); ``window`` is the shipped detector window
    (the verifier's, ``config.cascade.window``, is cut to it). Every first-stage threshold of
    :data:`DEFAULT_THRESHOLDS` and every verifier threshold is tried: the pair with the lowest FRR
    on the held-out keyword clips whose FA/h is at most ``export.target_fa_per_hour`` on the clean
    negatives and ``export.noise_target_fa_per_hour`` on them in noise (on a tie the higher first-
    stage threshold: the verifier runs less often). ``first_stage`` (the first stage alone's
    ``operating_point`` manifest entry) is copied beside it for comparison.

    Returns a dict: ``met`` (some pair holds both targets) and, when met, ``first_stage_threshold``,
    ``threshold``, ``window``, ``frr`` (held-out), ``fa_per_hour``, ``fa_per_hour_in_noise``,
    ``candidates_per_hour`` and ``candidates_per_hour_in_noise`` (how often the verifier runs),
    ``real_frr`` and ``real_positives`` (when real keyword clips were given), and the curves over
    the verifier threshold at that first-stage threshold (``fa_per_hour_by_threshold``,
    ``fa_per_hour_in_noise_by_threshold``, ``frr_by_threshold``: the app's sensitivity label).
    """
    from evaluation.cascade import candidates_from_streams, cascade_curve

    export = config.export
    detector = dataclasses.replace(export.detector, window=window)
    window = min(config.cascade.window, window)
    thresholds = DEFAULT_THRESHOLDS

    def candidates(name: str) -> list[dict[int, list]]:
        return [candidates_from_streams(a, b, keyword_index=0, detector=detector, first_stage_thresholds=thresholds,
                                        verifier_window=window)
                for a, b in zip(stage1[name], verifier[name])]

    def trials(found, streams):
        return lambda t1: [(0, s.duration_ms, c[t1]) for s, c in zip(streams, found)]

    refractory = detector.refractory_ms
    clean = candidates_from_streams(stage1["clean"], verifier["clean"], keyword_index=0, detector=detector,
                                    first_stage_thresholds=thresholds, verifier_window=window)
    noisy = (candidates_from_streams(stage1["noise"], verifier["noise"], keyword_index=0, detector=detector,
                                     first_stage_thresholds=thresholds, verifier_window=window)
             if stage1["noise"] is not None else None)
    heldout = trials(candidates("heldout"), stage1["heldout"])
    real = trials(candidates("real"), stage1["real"]) if stage1["real"] else None
    best = None
    for t1 in thresholds:
        fa = cascade_curve([], [clean[t1]], hours=negative_hours, refractory_ms=refractory, thresholds=thresholds)
        ok = fa.fa_per_hour <= export.target_fa_per_hour
        if noisy is not None:
            fa_noise = cascade_curve([], [noisy[t1]], hours=noise_hours, refractory_ms=refractory,
                                     thresholds=thresholds)
            ok &= fa_noise.fa_per_hour <= export.noise_target_fa_per_hour
        if not ok.any():
            continue
        frr = cascade_curve(heldout(t1), [], hours=0.0, refractory_ms=refractory, thresholds=thresholds).frr
        for i in np.flatnonzero(ok):
            key = (float(frr[i]), -t1, -int(thresholds[i]))
            if best is None or key < best[0]:
                best = (key, t1, i)
    out: dict = {"met": best is not None, "window": window, "verifier": "float teacher",
                 "first_stage_alone": first_stage or {}}
    if best is None:
        return out
    _, t1, i = best
    t2 = int(thresholds[i])

    def by_threshold(values) -> dict[str, float]:  # the app's sensitivity label reads these
        return {str(int(t)): float(v) for t, v in zip(thresholds, values)}

    fa = cascade_curve([], [clean[t1]], hours=negative_hours, refractory_ms=refractory, thresholds=thresholds)
    frr = cascade_curve(heldout(t1), [], hours=0.0, refractory_ms=refractory, thresholds=thresholds).frr
    out.update({"first_stage_threshold": int(t1), "threshold": t2, "frr": best[0][0],
                "fa_per_hour": float(fa.fa_per_hour[i]), "positives": len(stage1["heldout"]),
                "candidates_per_hour": len(clean[t1]) / negative_hours,
                "fa_per_hour_by_threshold": by_threshold(fa.fa_per_hour), "frr_by_threshold": by_threshold(frr)})
    if noisy is not None:
        in_noise = cascade_curve([], [noisy[t1]], hours=noise_hours, refractory_ms=refractory, thresholds=thresholds)
        out.update({"fa_per_hour_in_noise": float(in_noise.fa_per_hour[i]),
                    "candidates_per_hour_in_noise": len(noisy[t1]) / noise_hours,
                    "fa_per_hour_in_noise_by_threshold": by_threshold(in_noise.fa_per_hour)})
    if real is not None:
        measured = cascade_curve(real(t1), [], hours=0.0, refractory_ms=refractory, thresholds=[t2])
        out.update({"real_frr": float(measured.frr[0]), "real_positives": len(stage1["real"])})
    return out


def choose_cascade(config, *, stage1_streams: dict, verifier_streams: dict, verifier_bytes: bytes, verifier_arch,
                   inputs: ThresholdInputs, first_stage: dict):
    """The cascade for a bundle: its operating point (:func:`cascade_operating_point`, the streams of
    :func:`bundle_curves` for the first stage and the verifier) and, when it misses fewer held-out
    keyword clips than the first stage alone (``first_stage``: its ``operating_point`` entry), the
    verifier for the bundle (by at least ``config.cascade.min_frr_gain``). Returns
    ``(VerifierConfig or None, extra bundle files, metrics)``."""
    import time

    from wakeword.cascade import Verifier
    from wakeword.config import VerifierConfig

    from . import export

    point = cascade_operating_point(stage1_streams, verifier_streams, config, window=first_stage["window"],
                                    negative_hours=inputs.negative_hours, noise_hours=inputs.noise_hours,
                                    first_stage=first_stage)
    if not point["met"]:
        return None, {}, {**point, "shipped": False, "why_not": "no pair of thresholds holds the false-accept targets"}
    gain = config.cascade.min_frr_gain
    if point["frr"] > first_stage["frr"] - gain + 1e-9:
        return None, {}, {**point, "shipped": False,
                          "why_not": f"it misses less than {100 * gain:g} points fewer held-out clips than the first stage"}
    verifier = VerifierConfig(
        model=export.model_spec(verifier_bytes, receptive_field_frames=verifier_arch.receptive_field_frames,
                                macs_per_inference=verifier_arch.macs_per_call(), file="verifier.tflite"),
        threshold=point["threshold"], window=point["window"], first_stage_threshold=point["first_stage_threshold"])
    # what one confirmation costs here (the verifier runs on candidates only)
    runner, context = Verifier(verifier_bytes, verifier), inputs.negative_frames[:verifier.context_frames]
    runner.score(context)
    start = time.perf_counter()
    for _ in range(10):
        runner.score(context)
    point["verifier_ms_per_candidate"] = (time.perf_counter() - start) * 100
    point["verifier_cpu_seconds_per_hour"] = point["verifier_ms_per_candidate"] * point["candidates_per_hour"] / 1000
    return verifier, {"verifier.tflite": verifier_bytes}, {**point, "shipped": True}
