"""Personalization on the device: adapt a bundle's last layer to one user's voice.

From 3-10 recordings of the wake word and some seconds of the user's room, the model's
final layer (``FULLY_CONNECTED -> LOGISTIC``, 41 numbers per keyword for our students) is
re-fitted on the model's own last hidden layer, in numpy, and written back into the int8
model (:mod:`wakeword.tflite_head`). The result is an ordinary bundle: the engine, the app and
the firmware's model slots run it unchanged.

The steps, all on the device:

1. Every recording is checked (long enough, not silence, not clipped, and it must sound like
   the wake word to the shipped model) and, with copies mixed with the room sound at
   ``augment_snr_db``, run through the model; the detector window with the highest mean score
   in each gives the positive examples (hidden-layer vectors).
2. Negatives: every model call over the room sound and over the packaged negative speech
   (``wakeword/data/negative_speech.npz``: 8 minutes of 41 LibriSpeech speakers, as features).
3. A logistic layer is fitted by Newton's method with an L2 pull towards the shipped layer.
4. Its bias is then lowered until, under the detector's window mean, the negative speech and
   the room peak no higher than under the shipped layer, or than half the threshold when the shipped
   layer peaked lower (and at least ``negative_margin`` below the threshold unless the shipped layer
   was already nearer), and their hardest 0.5% of windows score no higher on average than before: a personalized model must not fire for everyone else more
   often, and a layer that lifts every score (not only the user's) gains nothing.

Privacy: the recordings are only held in memory by the caller; nothing here writes audio or
features anywhere. :class:`PersonalStore` writes the new bundle (manifest, model, signature)
next to the original's name, signed with this device's own key, and :meth:`PersonalStore.rollback`
removes it (the original bundle is never touched).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import zipfile
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np

from .audio import SAMPLE_RATE_HZ, to_int16
from .bundle import Bundle, open_bundle, save_bundle, sha256_hex
from .config import PersonalizationConfig
from .dsp import as_audio, mix_at_snr
from .errors import EnrollmentError
from .features import compute_features
from .model import ModelRunner
from .tflite_head import Head, find_head, patch_head

NEGATIVE_SPEECH = Path(__file__).parent / "data" / "negative_speech.npz"
MIN_SAMPLES = 3
MAX_SAMPLES = 10
MIN_ROOM_SECONDS = 3.0
#: silence after each sample so a word at the very end still fills the detector window
TAIL_SILENCE_MS = 500
SILENCE_DBFS = -50.0
CLIPPED_FRACTION = 0.005
PERSONAL_SUFFIX = "-personal"


def base_name(name: str) -> str:
    """A bundle name without the personal suffix (``alexa-personal`` -> ``alexa``)."""
    return name[: -len(PERSONAL_SUFFIX)] if name.endswith(PERSONAL_SUFFIX) else name


@dataclass
class CallStream:
    """One run of the model: a uint8 score and the int8 last hidden layer per call."""

    scores: np.ndarray       # (n,) uint8, the keyword's score
    hidden: np.ndarray       # (n, dim) int8


def _runner(bundle: Bundle, head: Head) -> ModelRunner:
    return ModelRunner(bundle.model_bytes, bundle.manifest.model, source=bundle.source, exact_kernels=True,
                       capture_tensor=head.embedding_tensor)


def run_frames(bundle: Bundle, head: Head, frames: np.ndarray, keyword_index: int = 0) -> CallStream:
    """The model over raw frontend frames (from a fresh start, as the engine begins a stream)."""
    runner = _runner(bundle, head)
    results = runner.push_frames(np.asarray(frames, np.uint16))
    dim = head.weights.shape[1]
    hidden = np.array(runner.captured, np.int8).reshape(-1, dim)
    scores = np.array([s[keyword_index] for _, s in results], np.uint8)
    return CallStream(scores, hidden)


def run_audio(bundle: Bundle, head: Head, audio: np.ndarray, keyword_index: int = 0) -> CallStream:
    """The model over int16 audio, with ``TAIL_SILENCE_MS`` of silence appended."""
    tail = np.zeros(SAMPLE_RATE_HZ * TAIL_SILENCE_MS // 1000, np.int16)
    frames = compute_features(np.concatenate([np.asarray(audio, np.int16), tail]), bundle.manifest.features)
    return run_frames(bundle, head, frames, keyword_index)


def window_means(scores: np.ndarray, window: int) -> np.ndarray:
    """The detector's window mean (integer, as it compares) at every full window."""
    s = np.asarray(scores, np.int64)
    if len(s) < window:
        return np.zeros(0, np.int64)
    c = np.concatenate([[0], np.cumsum(s)])
    return (c[window:] - c[:-window]) // window


def peak(scores: np.ndarray, window: int) -> int:
    """The highest threshold at which the detector would fire on this stream (0: never)."""
    means = window_means(scores, window)
    return int(means.max()) if len(means) else 0


def layer_scores(head: Head, hidden: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    """uint8 scores of a float layer on int8 hidden vectors, as the int8 model computes them
    (logits saturate at the output tensor's range; within an LSB or two of the real model)."""
    x = (hidden.astype(np.float64) - head.embedding_zero_point) * head.embedding_scale
    lo, hi = head.logit_range
    z = np.clip(x @ weights + bias, lo, hi)
    return np.clip(np.rint(256.0 / (1.0 + np.exp(-z))), 0, 255).astype(np.uint8)


def check_recording(audio: np.ndarray, *, name: str, min_seconds: float = 0.25, quiet_ok: bool = False) -> np.ndarray:
    """int16 mono audio that is long enough, not silence (unless ``quiet_ok``: a quiet room is fine)
    and not clipped; else EnrollmentError."""
    audio = np.asarray(audio)
    if audio.dtype != np.int16 or audio.ndim != 1:
        raise EnrollmentError(f"{name}: enrollment audio must be 1-D int16 at 16 kHz, got {audio.dtype} {audio.shape}")
    if len(audio) < min_seconds * SAMPLE_RATE_HZ:
        raise EnrollmentError(f"{name} is {len(audio) / SAMPLE_RATE_HZ:.2f} s; record at least {min_seconds:g} s")
    x = as_audio(audio, name=name)
    frames = x[: len(x) // 320 * 320].reshape(-1, 320)
    loudest = 10 * np.log10(max(float(np.max(np.mean(frames ** 2, axis=1))), 1e-20))
    if loudest < SILENCE_DBFS and not quiet_ok:
        raise EnrollmentError(f"{name} is silence (loudest 20 ms at {loudest:.0f} dBFS); check the microphone "
                              "and speak closer")
    clipped = float(np.mean(np.abs(audio.astype(np.int32)) >= 32767))
    if clipped > CLIPPED_FRACTION:
        raise EnrollmentError(f"{name} is clipped ({100 * clipped:.1f}% of samples at full scale); speak softer or "
                              "further from the microphone")
    return audio


def load_negative_speech(path: str | os.PathLike = NEGATIVE_SPEECH) -> list[np.ndarray]:
    """The packaged negative speech: a list of (n, 40) uint16 frame segments."""
    try:
        with np.load(path) as data:
            frames, lengths = data["frames"], data["lengths"]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise EnrollmentError(f"{path}: the negative speech personalization needs is missing or corrupt ({exc})") \
            from exc
    if frames.ndim != 2 or int(lengths.sum()) != len(frames) or np.any(lengths <= 0):
        raise EnrollmentError(f"{path}: frames and lengths disagree")
    return np.split(frames, np.cumsum(lengths)[:-1])


def fit_layer(head: Head, k: int, positives: np.ndarray, negatives: np.ndarray,
              config: PersonalizationConfig, *, init: tuple[np.ndarray, float] | None = None,
              max_steps: int = 50) -> tuple[np.ndarray, float]:
    """Logistic regression (Newton's method) with an L2 pull towards the shipped layer ``k``, from ``init``
    (a (weights, bias) pair; default: the shipped layer) for at most ``max_steps`` Newton steps (a federated
    round takes one step from the round's global layer)."""
    x = np.concatenate([positives, negatives]).astype(np.float64)
    x = (x - head.embedding_zero_point) * head.embedding_scale
    x = np.hstack([x, np.ones((len(x), 1))])
    y = np.concatenate([np.ones(len(positives)), np.zeros(len(negatives))])
    sample_w = np.concatenate([np.full(len(positives), config.positive_weight / len(positives)),
                               np.full(len(negatives), 1.0 / len(negatives))])
    theta0 = np.append(head.weights[k].astype(np.float64), float(head.bias[k]))
    penalty = config.prior_weight * np.ones(len(theta0))
    theta = theta0.copy() if init is None else np.append(np.asarray(init[0], np.float64), float(init[1]))
    for _ in range(max_steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ theta, -30, 30)))
        grad = x.T @ (sample_w * (p - y)) + penalty * (theta - theta0)
        hess = (x * (sample_w * p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.max(np.abs(step)) < 1e-6:
            break
    return theta[:-1], float(theta[-1])


#: the hardest fraction of the negatives' detector windows whose mean score must not rise
TAIL_FRACTION = 0.005


def tail_score(means: np.ndarray) -> float:
    """Mean of the highest ``TAIL_FRACTION`` of window means (at least one)."""
    k = max(1, int(round(TAIL_FRACTION * len(means))))
    return float(np.mean(np.partition(means, len(means) - k)[-k:])) if len(means) else 0.0


def negative_limit(threshold: int, margin: int, peak_before: int) -> int:
    """The highest peak the negatives may reach under the new layer (see the module's step 4): no higher than
    under the shipped layer, but never forced under half the threshold, nor allowed nearer than ``margin`` to the
    threshold than the shipped layer already was."""
    if peak_before >= threshold - margin:
        return peak_before
    return max(peak_before, min(threshold // 2, threshold - margin))


def lower_bias(head: Head, weights: np.ndarray, bias: float, negatives: Sequence[np.ndarray], window: int,
               limit: int, tail_limit: float) -> float:
    """The highest bias <= ``bias`` at which no negative stream's window peak exceeds ``limit`` and the
    hardest windows (:func:`tail_score`) score no higher on average than ``tail_limit``."""
    def ok(b: float) -> bool:
        means = [window_means(layer_scores(head, h, weights, b), window) for h in negatives]
        return max(int(m.max()) if len(m) else 0 for m in means) <= limit and \
            tail_score(np.concatenate(means)) <= tail_limit

    if ok(bias):
        return bias
    lo, hi = bias - 1.0, bias
    while not ok(lo):
        lo -= 2 * (hi - lo)
        if lo < bias - 64:
            raise EnrollmentError("personalization could not keep the negative speech under the threshold")
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


@dataclass(frozen=True)
class Personalized:
    """The outcome of :func:`personalize`: a new model and manifest, and what changed."""

    manifest: "object"
    model_bytes: bytes
    extra_files: dict
    report: dict

    def summary_lines(self) -> list[str]:
        r = self.report
        n = r["samples"]
        return [
            f"your samples: {r['samples_detected_before']}/{n} detected before, {r['samples_detected_after']}/{n} after "
            f"(threshold {r['threshold']}); peak scores {r['sample_peaks_before']} -> {r['sample_peaks_after']}",
            f"room sound ({r['room_seconds']:.0f} s): peak {r['room_peak_before']} -> {r['room_peak_after']}",
            f"other people's speech ({r['negative_speech_seconds']:.0f} s): peak {r['negative_peak_before']} -> "
            f"{r['negative_peak_after']} (kept <= {r['negative_limit']})",
        ] + ([f"your-voice stage: also detects from {r['band_threshold']} when a window matches your samples "
              f"(cosine >= {r['template_cutoff']})"] if r.get("band_threshold") else [])


def positive_windows(stream: CallStream, window: int, offsets: int = 0) -> np.ndarray:
    """The hidden vectors of the best detector window, and of the windows ``offsets`` calls either side."""
    means = window_means(stream.scores, window)
    best = int(np.argmax(means)) if len(means) else 0
    starts = range(max(0, best - offsets), min(max(len(means), 1), best + offsets + 1))
    return np.concatenate([stream.hidden[s:s + window] for s in starts])


def augmented(sample: np.ndarray, room: np.ndarray, config: PersonalizationConfig,
              rng: np.random.Generator) -> list[np.ndarray]:
    """Copies of one enrollment sample: in the room at each SNR, at each speed, at each gain."""
    from .audio import resample

    x = as_audio(sample)
    out = [to_int16(mix_at_snr(x, as_audio(room), snr_db=snr, rng=rng)) for snr in config.augment_snr_db]
    out += [resample(sample, from_hz=int(round(SAMPLE_RATE_HZ * f)), to_hz=SAMPLE_RATE_HZ)
            for f in config.augment_speed]
    out += [to_int16(x * 10 ** (g / 20)) for g in config.augment_gain_db]
    return out


def personalize(bundle: Bundle, samples: Sequence[np.ndarray], room: np.ndarray, *, keyword: str | None = None,
                config: PersonalizationConfig | None = None, seed: int = 0) -> Personalized:
    """Fit the bundle's last layer to these recordings (see the module docstring).

    samples : 3-10 int16 recordings of the wake word, one utterance each.
    room : int16, at least ``MIN_ROOM_SECONDS`` of the user's room without the wake word.

    Raises EnrollmentError naming the recording that cannot be used.
    """
    config = config or PersonalizationConfig()
    manifest = bundle.manifest
    keyword = keyword or manifest.keywords[0]
    if keyword not in manifest.keywords:
        raise EnrollmentError(f"unknown keyword {keyword!r}; the model knows {', '.join(manifest.keywords)}")
    k = manifest.keywords.index(keyword)
    if not MIN_SAMPLES <= len(samples) <= MAX_SAMPLES:
        raise EnrollmentError(f"record {MIN_SAMPLES}-{MAX_SAMPLES} samples of the wake word, not {len(samples)}")
    samples = [check_recording(s, name=f"sample {i + 1}") for i, s in enumerate(samples)]
    room = check_recording(room, name="the room recording", min_seconds=MIN_ROOM_SECONDS, quiet_ok=True)
    head = find_head(bundle.model_bytes)
    window, threshold = manifest.detector.window, manifest.detector.threshold
    rng = np.random.default_rng(seed)
    streams = [run_audio(bundle, head, s, k) for s in samples]
    peaks_before = [peak(s.scores, window) for s in streams]
    for i, p in enumerate(peaks_before):
        if p < config.sample_floor:
            raise EnrollmentError(f"sample {i + 1} does not sound like \u201c{keyword}\u201d to the model (best score "
                                  f"{p}, needs {config.sample_floor}); record it again, saying only the wake word")
    offsets = config.positive_offsets
    positives = [positive_windows(s, window, offsets) for s in streams]
    for s in samples:
        for copy in augmented(s, room, config, rng):
            positives.append(positive_windows(run_audio(bundle, head, copy, k), window, offsets))
    room_stream = run_audio(bundle, head, room, k)
    speech = [run_frames(bundle, head, f, k) for f in load_negative_speech()]
    negatives = [room_stream, *speech]
    weights, bias = fit_layer(head, k, np.concatenate(positives), np.concatenate([n.hidden for n in negatives]),
                              config)
    neg_before = max(peak(n.scores, window) for n in speech)
    room_before = peak(room_stream.scores, window)
    limit = negative_limit(threshold, config.negative_margin, max(neg_before, room_before))
    tail_before = tail_score(np.concatenate([window_means(n.scores, window) for n in negatives]))
    bias = lower_bias(head, weights, bias, [n.hidden for n in negatives], window, limit, tail_before)
    all_w, all_b = head.weights.astype(np.float64).copy(), head.bias.astype(np.float64).copy()
    all_w[k], all_b[k] = weights, bias
    model_bytes = patch_head(bundle.model_bytes, all_w, all_b)
    new = dataclasses.replace(bundle, model_bytes=model_bytes)
    sample_streams = [run_audio(new, head, s, k) for s in samples]
    negative_streams = [run_frames(new, head, n, k) for n in load_negative_speech()] + [run_audio(new, head, room, k)]
    after = [peak(st.scores, window) for st in sample_streams]
    neg_after = max(peak(st.scores, window) for st in negative_streams[:-1])
    room_after = peak(negative_streams[-1].scores, window)
    stage = None
    if config.template_stage and k == 0:
        template, cutoff = fit_template(sample_streams, window, head.embedding_zero_point, config.template_margin)
        stage = choose_band(manifest, negative_streams, template, cutoff, head, config)
    report = {
        "keyword": keyword, "threshold": threshold, "samples": len(samples),
        "sample_peaks_before": peaks_before, "sample_peaks_after": after,
        "samples_detected_before": sum(p >= threshold for p in peaks_before),
        "samples_detected_after": sum(p >= threshold for p in after) if stage is None else
        sum(bool(replay_stream(manifest, st, stage)) for st in sample_streams),
        "room_seconds": len(room) / SAMPLE_RATE_HZ, "room_peak_before": room_before, "room_peak_after": room_after,
        "negative_speech_seconds": sum(len(n.scores) for n in speech) * manifest.model.stride_frames / 100.0,
        "negative_peak_before": neg_before, "negative_peak_after": neg_after, "negative_limit": limit,
        "negative_tail_before": round(tail_before, 1),
        "band_threshold": None if stage is None else stage.band_threshold,
        "template_cutoff": None if stage is None else round(stage.cutoff, 4),
    }
    return Personalized(_personal_manifest(bundle, model_bytes, config, report, stage), model_bytes,
                        _verifier_files(bundle), report)


def _verifier_files(bundle: Bundle) -> dict:
    v = bundle.manifest.verifier
    return {} if v is None else {v.model.file: bundle.files[v.model.file]}


def _personal_manifest(bundle: Bundle, model_bytes: bytes, config: PersonalizationConfig, report: dict, stage=None):
    m = bundle.manifest
    base = base_name(m.name)
    provenance = {
        "from": {"name": m.name, "version": m.version, "model_sha256": m.model.sha256},
        "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "config": dataclasses.asdict(config),
        "report": {k: v for k, v in report.items() if k != "keyword"},
        "raw_audio_kept": False,
    }
    model = dataclasses.replace(m.model, sha256=sha256_hex(model_bytes), size_bytes=len(model_bytes))
    training = {**m.training, "personalization": provenance}
    # the shipped model's measured figures (FRR, FA/h) describe that model, not this one
    return dataclasses.replace(m, name=base + PERSONAL_SUFFIX, model=model, training=training, metrics={},
                               personal=stage)


def default_store_dir() -> Path:
    """``$WAKEWORD_PERSONAL_DIR``, else ``~/.local/share/wakeword/personal``."""
    env = os.environ.get("WAKEWORD_PERSONAL_DIR")
    return Path(env) if env else Path.home() / ".local" / "share" / "wakeword" / "personal"


class PersonalStore:
    """Personalized bundles on this device, signed with the device's own key.

    ``save`` writes ``<root>/<name>-personal/`` (the original bundle is never touched),
    ``open`` loads it with the device key trusted, ``rollback`` deletes it: back to the original.
    """

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else default_store_dir()

    @property
    def key_dir(self) -> Path:
        return self.root / "device_key"

    def _keys(self) -> tuple[Path, Path]:
        from .signing import PRIVATE_KEY_NAME, PUBLIC_KEY_NAME, generate_keypair

        private, public = self.key_dir / PRIVATE_KEY_NAME, self.key_dir / PUBLIC_KEY_NAME
        if not private.exists():
            generate_keypair(self.key_dir)
        return private, public

    def path(self, name: str) -> Path:
        return self.root / (base_name(name) + PERSONAL_SUFFIX)

    def has(self, name: str) -> bool:
        return (self.path(name) / "manifest.json").is_file()

    def save(self, result: Personalized) -> Path:
        """Write and sign the personal bundle; an earlier one is replaced only once the new one is signed."""
        from .signing import sign_bundle

        private, _ = self._keys()
        target = self.path(result.manifest.name)
        staging = target.with_name(f".{target.name}.new")
        if staging.exists():
            shutil.rmtree(staging)
        try:
            save_bundle(staging, result.manifest, result.model_bytes, extra_files=result.extra_files)
            sign_bundle(staging, private)
            old = target.with_name(f".{target.name}.old")
            if old.exists():
                shutil.rmtree(old)
            if target.exists():
                target.rename(old)
            staging.rename(target)
            if old.exists():
                shutil.rmtree(old)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
        return target

    def open_for(self, original: Bundle) -> Bundle:
        """The personal version of ``original``; refused when it was made from another model (the original
        was updated since: personalize again, or roll back)."""
        bundle = self.open(original.manifest.name)
        made_from = bundle.manifest.training.get("personalization", {}).get("from", {})
        if made_from.get("model_sha256") != original.manifest.model.sha256:
            raise EnrollmentError(
                f"the personal {original.manifest.name} was made from {made_from.get('name')} "
                f"{made_from.get('version')}, not from the installed {original.manifest.version}: personalize again "
                "or roll back")
        return bundle

    def open(self, name: str) -> Bundle:
        _, public = self._keys()
        return open_bundle(self.path(name), trusted_key_files=(public,))

    def rollback(self, name: str) -> bool:
        """Delete the personalized bundle of ``name``; True when there was one."""
        path = self.path(name)
        if not path.exists():
            return False
        shutil.rmtree(path)
        return True

    def provenance(self, name: str) -> dict:
        return json.loads((self.path(name) / "manifest.json").read_text())["training"]["personalization"]


# --- the template stage: detections in a band under the threshold that look like the user's word ---------

def hidden_mean(hidden: np.ndarray, zero_point: int) -> np.ndarray:
    """The mean hidden vector of a window (int8 rows, zero point removed), as float64."""
    return np.asarray(hidden, np.float64).mean(axis=0) - zero_point


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0


class PersonalDetector:
    """The runtime's detector with a personal bundle's template stage (:class:`wakeword.config.PersonalStage`).

    ``push(scores, hidden, t_ms)`` per model call: the detector's own detections stand; besides, while the
    first keyword's full-window mean is at or above the stage's ``band_threshold`` (and below the detector's
    threshold), the window's mean hidden vector is compared with the template, and a cosine of at least
    ``cutoff`` is a detection. After any detection nothing more is reported for ``refractory_ms``.
    """

    def __init__(self, detector, stage) -> None:
        self.detector = detector          # a wakeword.detector.StreamingDetector (its threshold may be moved)
        self.stage = stage
        self.template = np.asarray(stage.template, np.float64)
        self.reset()

    def reset(self) -> None:
        self.detector.reset()
        window = self.detector.config.window
        self._scores: deque[int] = deque(maxlen=window)
        self._hidden: deque[np.ndarray] = deque(maxlen=window)
        self._quiet_until_ms = -1

    def push(self, scores, hidden: np.ndarray, t_ms: int) -> list:
        from .detector import Detection

        window = self.detector.config.window
        hits = [d for d in self.detector.push(scores, t_ms) if t_ms >= self._quiet_until_ms]
        self._scores.append(int(scores[0]))
        self._hidden.append(np.asarray(hidden))
        if hits:
            self._quiet_until_ms = t_ms + self.detector.config.refractory_ms
            return hits
        full = len(self._scores) == window
        mean = sum(self._scores) // window if full else 0
        if (full and self.stage.band_threshold <= mean < self.detector.thresholds[0]
                and t_ms >= self._quiet_until_ms
                and cosine(hidden_mean(np.stack(self._hidden), self.stage.hidden_zero_point), self.template)
                >= self.stage.cutoff):
            self._quiet_until_ms = t_ms + self.detector.config.refractory_ms
            return [Detection(self.detector.keywords[0], int(t_ms), int(mean))]
        return []


def replay_personal(manifest, t_ms: np.ndarray, scores: np.ndarray, hidden: np.ndarray, *,
                    stage=None) -> list:
    """Detections of a fresh :class:`PersonalDetector` over a recorded stream (``scores`` (n, keywords),
    ``hidden`` (n, dim) int8), for ``stage`` (default: the manifest's)."""
    from .detector import StreamingDetector

    det = PersonalDetector(StreamingDetector(manifest.keywords, manifest.detector), stage or manifest.personal)
    found = []
    for t, row, h in zip(np.asarray(t_ms).tolist(), np.asarray(scores).tolist(), hidden):
        found.extend(det.push(row, h, t))
    return found


def choose_band(manifest, negatives: list[CallStream], template: np.ndarray, cutoff: float, head: Head,
                config: PersonalizationConfig):
    """The lowest band threshold (down from the detector's threshold in ``band_step`` steps, at most
    ``band_max_depth`` under it) at which the template stage fires on none of the negatives, even with
    its cutoff lowered by ``band_cosine_margin``; None when even the first step fires. The stage
    returned keeps ``cutoff``."""
    from .config import PersonalStage

    threshold = manifest.detector.threshold
    best = None
    for band in range(threshold - config.band_step, threshold - config.band_max_depth - 1, -config.band_step):
        if band < 1:
            break
        stage = PersonalStage(tuple(float(v) for v in template), float(cutoff), band, head.embedding_tensor,
                              head.embedding_zero_point)
        check = dataclasses.replace(stage, cutoff=max(-1.0, float(cutoff) - config.band_cosine_margin))
        if any(any(d.score < threshold for d in replay_stream(manifest, n, check)) for n in negatives):
            break
        best = stage
    return best


def replay_stream(manifest, stream: CallStream, stage=None) -> list:
    """:func:`replay_personal` over one :class:`CallStream` of a single-keyword model (call times from its
    stride); with no stage at all, the detector alone."""
    from .detector import replay

    stride_ms = manifest.model.stride_frames * manifest.features.step_ms
    t_ms = (np.arange(len(stream.scores)) + 1) * stride_ms
    stage = stage if stage is not None else manifest.personal
    if stage is None:
        return replay(manifest.keywords, manifest.detector, t_ms, stream.scores[:, None])
    return replay_personal(manifest, t_ms, stream.scores[:, None], stream.hidden, stage=stage)


def fit_template(streams: list[CallStream], window: int, zero_point: int, margin: float) -> tuple[np.ndarray, float]:
    """The template (mean of the recordings' best-window hidden means) and its cosine cutoff: the lowest
    leave-one-out cosine of a recording to the others' mean, less ``margin``."""
    means = [hidden_mean(positive_windows(s, window), zero_point) for s in streams]
    template = np.mean(means, axis=0)
    loo = [cosine(m, np.mean([o for j, o in enumerate(means) if j != i], axis=0)) for i, m in enumerate(means)]
    return template, min(loo) - margin
