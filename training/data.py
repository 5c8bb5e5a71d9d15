"""Training data: synthesized positives and negatives, real speech and noise, augmented
on audio, turned into feature windows with ``wakeword.features`` (the one frontend).

Every example is a window of ``receptive_field_frames`` frames. Each synthesized
clip is placed in a longer buffer whose first second is "lead-in" audio, so the
frontend's noise estimate has settled as it has in a live stream; only the last
``receptive_field_frames`` frames are kept. Positives end 0-300 ms before the
window's end (the detector averages several calls). Negatives get the same
augmentation as positives, so noise alone never means "keyword".

Validation voices never appear in training (split by voice, not by clip).

Real voices: with ``data.spliced_positives_per_file`` > 0, the keyword's phones are cut
from the real speech files (phone-aligned by :mod:`training.align`) and joined into
keyword clips (:mod:`training.splice`), augmented like the synthesized positives; with
``data.spliced_negatives_per_file`` > 0, near misses and confusables are spliced from the
same speakers as negatives, augmented the same way. Real speech files are split into train
and validation once, for its negative windows and its spliced clips alike, so no validation
speaker is trained on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wakeword.atomic import write_atomically
from wakeword.audio import load_audio, to_int16
from wakeword.dsp import AUDIO_SUFFIXES
from wakeword.config import FeatureConfig, to_dict
from wakeword.features import compute_features, features_to_float

from .augment import burst_train
from .config import DataConfig, TrainConfig
from .parallel import map_clips

LEAD_IN_SAMPLES = 16000
POSITIVE_END_OFFSET_MS = (0, 300)
NEGATIVE_END_OFFSET_MS = (0, 900)
DATA_FORMAT_VERSION = 3
#: at most this many held-out synthesized keyword clips are kept for the operating point (spliced: all)
HELDOUT_SYNTHESIZED_CLIPS = 200


@dataclass
class WindowSet:
    """Feature windows: ``x`` uint16 (n, frames, 40), ``y`` uint8 (n,), ``source`` str (n,)."""

    x: np.ndarray
    y: np.ndarray
    source: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    def as_float(self) -> np.ndarray:
        """Model input: (n, frames, 1, 40) float32 (raw / 25.6)."""
        return features_to_float(self.x)[:, :, None, :]

    def counts(self) -> dict[str, int]:
        names, counts = np.unique(self.source, return_counts=True)
        return {str(n): int(c) for n, c in zip(names, counts)}

    @staticmethod
    def concatenate(parts: list["WindowSet"]) -> "WindowSet":
        parts = [p for p in parts if len(p)]
        return WindowSet(np.concatenate([p.x for p in parts]), np.concatenate([p.y for p in parts]),
                         np.concatenate([p.source for p in parts]))


def window_samples(frames: int, features: FeatureConfig | None = None) -> int:
    features = features or FeatureConfig()
    return (frames - 1) * features.step_samples + features.window_samples


def audio_files(folders: tuple[str, ...], *, required: bool) -> list[Path]:
    """Every audio file under the given folders (sorted), and the audio files named directly
    (a config may pick some recordings of a folder and leave the rest for measurement); missing
    ones warn or raise."""
    from wakeword.errors import ConfigError

    files: list[Path] = []
    for folder in folders:
        path = Path(folder)
        if path.is_file() and path.suffix.lower() in AUDIO_SUFFIXES:
            files.append(path)
            continue
        if not path.is_dir():
            if required:
                raise ConfigError(f"data folder {folder} does not exist")
            print(f"warning: data folder {folder} does not exist; skipped")
            continue
        files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES))
    return files


# --- per-example work (worker processes or Ray tasks: training.parallel) -----------------------

_WORKER: dict = {}


def _init_worker(config, noise_files: list[str], rir_files: list[str], seed: int,
                 positive_snr_db_range: tuple[float, float] | None = None) -> None:
    """Set up a worker's augmenters: ``config`` an :class:`training.augment.AugmentConfig`."""
    from .augment import Augmenter

    noises = [load_audio(f).astype(np.float32) / 32768.0 for f in noise_files]
    rirs = [load_audio(f).astype(np.float32) / 32768.0 for f in rir_files]
    _WORKER["augmenter"] = Augmenter(config, noises=noises, rirs=rirs, seed=seed)
    _WORKER["positive_augmenter"] = _WORKER["augmenter"] if positive_snr_db_range is None else Augmenter(
        dataclasses.replace(config, snr_db_range=tuple(positive_snr_db_range)), noises=noises, rirs=rirs, seed=seed)
    _WORKER["noises"] = noises


def _background(rng: np.random.Generator, length: int) -> np.ndarray:
    """Quiet room tone: a piece of a noise file or coloured noise, at -70..-40 dBFS."""
    from .augment import colored_noise

    noises = _WORKER["noises"]
    if noises and rng.random() < 0.6:
        noise = noises[int(rng.integers(len(noises)))]
        if len(noise) < length:
            noise = np.tile(noise, length // max(1, len(noise)) + 1)
        start = int(rng.integers(0, len(noise) - length + 1))
        piece = noise[start:start + length].astype(np.float32)
    else:
        piece = colored_noise(str(rng.choice(["white", "pink", "brown"])), num_samples=length, rng=rng)
    rms = float(np.sqrt(np.mean(piece ** 2))) or 1.0
    level = 10 ** (rng.uniform(-70, -40) / 20)
    return (piece / rms * level).astype(np.float32)


def _clip_window(task: tuple) -> np.ndarray:
    """Features of one synthesized clip placed in a window, augmented (a pure function of ``task``;
    ``augment``: False, True, or ``"positive"`` for a keyword clip's augmentation)."""
    clip, frames, offset_ms, seed, augment = task
    rng = np.random.default_rng(seed)
    span = window_samples(frames)
    total = LEAD_IN_SAMPLES + span
    buffer = _background(rng, total)
    speech = clip.astype(np.float32) / 32768.0
    end = total - int(rng.uniform(*offset_ms) * 16)
    start = max(0, end - len(speech))
    stop = min(end, total)  # a negative offset ends the window inside the clip: its last samples are cut
    if stop > start:
        buffer[start:stop] += speech[len(speech) - (end - start):len(speech) - (end - stop)]
    if augment:
        buffer = _WORKER["positive_augmenter" if augment == "positive" else "augmenter"](buffer, rng=rng)
    audio = np.clip(np.rint(buffer * 32767), -32768, 32767).astype(np.int16)
    return compute_features(audio)[-frames:]


def _burst_window(task: tuple) -> np.ndarray:
    """Features of a window holding a train of non-speech sounds (:func:`training.augment.burst_train`)
    at a random level, with the noise windows' augmentation."""
    seed, frames = task
    rng = np.random.default_rng([seed, 1])
    length = int(rng.uniform(0.3, 1.0) * window_samples(frames))
    sounds = burst_train(num_samples=length, rng=rng, level_db=float(rng.uniform(-35.0, -15.0)))
    clip = np.clip(np.rint(sounds * 32767), -32768, 32767).astype(np.int16)
    return _clip_window((clip, frames, NEGATIVE_END_OFFSET_MS, seed, True))


def _stream_windows(task: tuple) -> np.ndarray:
    """Feature windows cut from one long real recording (augmented as a whole)."""
    path, frames, hop_frames, seed, augment = task
    rng = np.random.default_rng(seed)
    audio = load_audio(path).astype(np.float32) / 32768.0
    if augment:
        audio = _WORKER["augmenter"](audio, rng=rng)
    feats = compute_features(np.clip(np.rint(audio * 32767), -32768, 32767).astype(np.int16))
    # skip the first 100 frames (frontend settling), then cut windows every hop
    starts = range(min(100, max(0, len(feats) - frames)), len(feats) - frames + 1, hop_frames)
    if not len(starts):
        return np.zeros((0, frames, feats.shape[1] if feats.ndim == 2 else 40), np.uint16)
    return np.stack([feats[s:s + frames] for s in starts])


def _run_clips(fn, tasks: list, *, init_args: tuple, data: DataConfig, desc: str) -> list:
    """``fn`` over ``tasks`` on the configured executor (``data.executor``), workers set up by ``_init_worker``."""
    return map_clips(fn, tasks, backend=data.executor, workers=data.workers, address=data.ray_address, desc=desc,
                     init=_init_worker, init_args=init_args)


# --- the dataset --------------------------------------------------------------------------------

def select_voices(voices: list, *, max_voices: int, validation_fraction: float,
                  rng: np.random.Generator) -> tuple[list, set[str]]:
    """Every voice of the engines other than espeak-ng (flite, festival, kokoro) plus espeak-ng
    voices up to ``max_voices``; validation voices are drawn per engine, so each engine is
    represented on both sides."""
    by_engine: dict[str, list] = {}
    for voice in voices:
        by_engine.setdefault(voice.engine, []).append(voice)
    chosen = [v for engine, group in by_engine.items() if engine != "espeak-ng" for v in group]
    espeak = by_engine.get("espeak-ng", [])
    take = max(0, max_voices - len(chosen))
    chosen += [espeak[i] for i in rng.permutation(len(espeak))[:take]]
    val_ids: set[str] = set()
    for engine in sorted({v.engine for v in chosen}):
        group = [v for v in chosen if v.engine == engine]
        if len(group) < 2:
            continue
        n_val = max(1, int(round(len(group) * validation_fraction)))
        val_ids.update(group[i].voice_id for i in rng.permutation(len(group))[:n_val])
    return chosen, val_ids


def real_speech_split(files: list[str], *, seed: int) -> dict[str, list[str]]:
    """Real speech recordings split by file, seeded: 1 in 7 (at least one) to ``"val"``, the rest to
    ``"train"`` (in input order). Its negative windows, spliced clips and mined hard negatives all
    follow this split, so no validation speaker is trained on."""
    if not files:
        return {"train": [], "val": []}
    perm = np.random.default_rng([seed, 2]).permutation(len(files))
    val = set(perm[:max(1, len(files) // 7)].tolist())
    return {"train": [f for i, f in enumerate(files) if i not in val],
            "val": [f for i, f in enumerate(files) if i in val]}


def _cache_key(config: TrainConfig, extra: dict) -> str:
    data = to_dict(config.data)
    for key in ("executor", "ray_address"):  # where the work runs never changes the windows
        data.pop(key)
    if data.get("positive_snr_db_range") is None:  # unset: the same windows (and cache) as before it existed
        data.pop("positive_snr_db_range", None)
    if not data.get("burst_windows"):  # likewise
        data.pop("burst_windows", None)
    if data.get("positive_end_offset_ms") is None:  # likewise
        data.pop("positive_end_offset_ms", None)
    payload = json.dumps({"v": DATA_FORMAT_VERSION, "keyword": config.keyword.phrase, "data": data,
                          "augment": to_dict(config.augment), "frames": config.student.receptive_field_frames, **extra},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass
class _Plan:
    """What shapes a config's windows, found before any of them is made."""

    voices: list
    val_ids: set[str]
    noise_files: list[str]
    rir_files: list[str]
    speech_files: list[str]
    splice_files: list[str]
    cache: Path


def _plan(config: TrainConfig, cache_dir: Path, rng: np.random.Generator) -> _Plan:
    from .synth import list_voices

    data = config.data
    voices, val_ids = select_voices(list_voices(engines=data.engines), max_voices=data.max_voices,
                                    validation_fraction=data.validation_voice_fraction, rng=rng)
    noise_files = [str(p) for p in audio_files(data.noise_dirs, required=data.require_data_dirs)]
    rir_files = [str(p) for p in audio_files(data.rir_dirs, required=data.require_data_dirs)]
    speech_files = [str(p) for p in audio_files(data.real_speech_dirs, required=data.require_data_dirs)]
    splice_files = ([str(p) for p in audio_files(data.splice_speech_dirs, required=data.require_data_dirs)]
                    if data.splice_speech_dirs else speech_files) if data.spliced_positives_per_file else []
    extra = {"voices": sorted(v.voice_id for v in voices), "noise": noise_files, "rir": rir_files,
             "speech": speech_files}
    if splice_files:  # the aligner and splicer versions shape the spliced clips
        from .align import ALIGN_FORMAT_VERSION
        from .splice import SPLICE_FORMAT_VERSION

        extra.update(splice=splice_files, align_version=ALIGN_FORMAT_VERSION, splice_version=SPLICE_FORMAT_VERSION)
    cache = Path(cache_dir) / f"windows-{_cache_key(config, extra)}"
    return _Plan(voices, val_ids, noise_files, rir_files, speech_files, splice_files, cache)


def _save_clips(path: Path, clips: list[np.ndarray], **columns: np.ndarray) -> None:
    """int16 clips of any length (and per-clip ``columns``) in one ``.npz``, written atomically."""
    write_atomically(path, lambda fh: np.savez(
        fh, audio=np.concatenate(clips) if clips else np.zeros(0, np.int16),
        ends=np.cumsum([len(a) for a in clips]).astype(np.int64), **columns))


def _load_clips(config: TrainConfig, cache_dir: Path, name: str, columns: tuple[str, ...]):
    """The clips (and columns) :func:`_save_clips` stored under ``name`` in ``config``'s window cache."""
    cache = _plan(config, Path(cache_dir), np.random.default_rng(config.data.seed)).cache
    path = cache / name
    if not path.is_file():
        from wakeword.errors import ConfigError

        raise ConfigError(f"{cache}: no {name} stored; build the windows first (build_windows)")
    with np.load(path) as stored:
        audio, ends = stored["audio"], stored["ends"]
        values = [stored[c] for c in columns]
    return (np.split(audio, ends[:-1]) if len(ends) else []), values


def synthesized_negatives(config: TrainConfig, *, cache_dir: Path) -> dict[str, list[np.ndarray]]:
    """The synthesized negative clips (confusable and general phrases, int16, not augmented) of the
    windows :func:`build_windows` made for ``config``, by split (their voices' split)."""
    clips, (is_val,) = _load_clips(config, cache_dir, "synth_negatives.npz", ("validation",))
    return {"train": [c for c, v in zip(clips, is_val) if not v], "val": [c for c, v in zip(clips, is_val) if v]}


def heldout_positives(config: TrainConfig, *, cache_dir: Path) -> tuple[list[np.ndarray], list[str]]:
    """Keyword clips no model was trained on (int16, not augmented), and each one's source:
    ``"synthesized"`` (validation voices, at most :data:`HELDOUT_SYNTHESIZED_CLIPS`) and ``"spliced"``
    (the validation speakers' spliced clips), as :func:`build_windows` stored them for ``config``.
    They stand in for real recordings of the keyword, which a user training a new phrase has not got."""
    clips, (sources,) = _load_clips(config, cache_dir, "heldout_positives.npz", ("source",))
    return clips, [str(s) for s in sources]


#: silence (room tone) after each held-out keyword clip in its stream, so the detector's window can fill
HELDOUT_TAIL_MS = 1000


def heldout_positive_streams(config: TrainConfig, *, cache_dir: Path
                             ) -> tuple[list[np.ndarray], list[str], list[int]]:
    """Feature streams of the held-out keyword clips (:func:`heldout_positives`), each played twice:
    once over quiet room tone, once through the positives' training augmentation (noise, rooms, the
    device), with :data:`HELDOUT_TAIL_MS` after it and a settled frontend; each stream's kind
    (``"synthesized"`` or ``"spliced"``, ``"+augmented"`` for the second copy); and the stream time
    (ms) at which its speech ends (the energy gate of :func:`evaluation.mixing.speech_bounds` on the
    dry clip, as the evaluation suite measures latency). Seeded: the same streams every time for the
    same config and cache."""
    from evaluation.mixing import speech_bounds

    clips, sources = heldout_positives(config, cache_dir=cache_dir)
    plan = _plan(config, Path(cache_dir), np.random.default_rng(config.data.seed))
    rng = np.random.default_rng([config.data.seed, 13])
    features = FeatureConfig()
    tasks, kinds, speech_end_ms = [], [], []
    for clip, source in zip(clips, sources):
        frames = -(-(len(clip) + HELDOUT_TAIL_MS * 16 + 4000) // features.step_samples)
        # the clip ends HELDOUT_TAIL_MS before the stream's last frame does (see _clip_window)
        after_speech = len(clip) - (speech_bounds(clip) or (0, len(clip)))[1]
        end = features.frame_end_ms(frames - 1) - HELDOUT_TAIL_MS - after_speech * 1000 // features.sample_rate_hz
        for augment in (False, "positive"):
            tasks.append((clip, frames, (HELDOUT_TAIL_MS, HELDOUT_TAIL_MS), int(rng.integers(2**31)), augment))
            kinds.append(source + ("+augmented" if augment else ""))
            speech_end_ms.append(end)
    init = (config.augment, plan.noise_files, plan.rir_files, config.data.seed, config.data.positive_snr_db_range)
    streams = _run_clips(_clip_window, tasks, init_args=init, data=config.data, desc="held-out positives")
    return streams, kinds, speech_end_ms


def _synthesis_jobs(config: TrainConfig, voices: list, rare: set, rng: np.random.Generator) -> tuple[list, list]:
    """Synthesis jobs: the phrase by every voice with rate/pitch variants (many for the engines with
    few voices, ``rare``), and ``(tag, job)`` for confusable and everyday phrases by random voices."""
    from .confusables import confusable_phrases, general_phrases
    from .synth import SynthesisJob

    data = config.data
    pos_jobs, neg_jobs = [], []
    for voice in voices:
        variants = data.rare_voice_variants if voice.voice_id in rare else data.positive_variants_per_voice
        for _ in range(variants):
            pos_jobs.append(SynthesisJob(text=config.keyword.phrase, voice=voice,
                                         rate_variation=float(rng.uniform(-0.25, 0.25)),
                                         pitch_variation=float(rng.uniform(-0.3, 0.3))))
    phrases = [("confusable", p) for p in confusable_phrases(config.keyword.phrase, count=data.confusable_phrases,
                                                              seed=data.seed)]
    phrases += [("general", p) for p in general_phrases(data.general_phrases, seed=data.seed,
                                                        exclude=(config.keyword.phrase,))]
    for tag, phrase in phrases:
        voice = voices[int(rng.integers(len(voices)))]
        neg_jobs.append((tag, SynthesisJob(text=phrase, voice=voice, rate_variation=float(rng.uniform(-0.2, 0.2)),
                                           pitch_variation=float(rng.uniform(-0.3, 0.3)))))
    return pos_jobs, neg_jobs


def _real_speech_windows(paths: list, data: DataConfig, frames: int, init, rng: np.random.Generator,
                         split: str) -> list[np.ndarray]:
    """Negative windows every ``real_speech_window_hop_ms`` through whole real speech files, clean
    and augmented copies, at most ``max_real_speech_windows`` (a fifth of it for validation)."""
    hop = max(1, data.real_speech_window_hop_ms // 10)
    tasks = [(path, frames, hop, int(rng.integers(2**31)), copy > 0)
             for path in paths for copy in range(data.negative_augment_copies)]
    windows = [w for w in _run_clips(_stream_windows, tasks, init_args=init, data=data, desc=f"real speech {split}")
               if len(w)]
    if not windows:
        return []
    stacked = np.concatenate(windows)
    cap = data.max_real_speech_windows if split == "train" else data.max_real_speech_windows // 5
    if len(stacked) > cap:
        stacked = stacked[np.sort(rng.choice(len(stacked), cap, replace=False))]
    return list(stacked)


def _sound_windows(data: DataConfig, frames: int, init: tuple, rng: np.random.Generator) -> list[tuple]:
    """Negative windows without speech, as (split, features, source): noise or silence alone
    (``data.noise_windows``) and trains of non-speech sounds (``data.burst_windows``), a fifth of
    each for validation."""
    tasks = [(np.zeros(0, np.int16), frames, (0, 0), int(rng.integers(2**31)), True) for _ in range(data.noise_windows)]
    noise = _run_clips(_clip_window, tasks, init_args=init, data=data, desc="noise")
    out = [("val", noise[:len(noise) // 5], "noise"), ("train", noise[len(noise) // 5:], "noise")]
    if data.burst_windows:  # their own random stream: every other window stays as it was without them
        seeds = np.random.default_rng([data.seed, 5]).integers(2**31, size=data.burst_windows)
        bursts = _run_clips(_burst_window, [(int(s), frames) for s in seeds], init_args=init, data=data,
                            desc="bursts")
        out += [("val", bursts[:len(bursts) // 5], "bursts"), ("train", bursts[len(bursts) // 5:], "bursts")]
    return out


def build_windows(config: TrainConfig, *, cache_dir: Path) -> tuple[WindowSet, WindowSet, dict]:
    """Train and validation windows, cached (memory-mapped) by a hash of everything that shapes them.

    Returns
    -------
    train, validation : WindowSet
    stats : dict with voice counts per engine and example counts per source
    """
    from .synth import run_jobs

    data = config.data
    rng = np.random.default_rng(data.seed)
    frames = config.student.receptive_field_frames
    plan = _plan(config, Path(cache_dir), rng)
    voices, val_ids, cache = plan.voices, plan.val_ids, plan.cache
    noise_files, rir_files, speech_files, splice_files = (plan.noise_files, plan.rir_files, plan.speech_files,
                                                          plan.splice_files)
    # the engines with a handful of voices get many rate/pitch variants of each
    from .synth import FEW_VOICE_ENGINES

    rare = {v.voice_id for v in voices if v.engine in FEW_VOICE_ENGINES}
    if (cache / "stats.json").is_file():
        print(f"data: using cached windows {cache}")
        return _load_split(cache, "train"), _load_split(cache, "val"), json.loads((cache / "stats.json").read_text())

    pos_jobs, neg_jobs = _synthesis_jobs(config, voices, rare, rng)
    synth_cache = Path(cache_dir) / "synth"
    pos_audio = run_jobs(pos_jobs, cache_dir=synth_cache, workers=data.workers, backend=data.executor,
                         address=data.ray_address)
    neg_audio = run_jobs([j for _, j in neg_jobs], cache_dir=synth_cache, workers=data.workers,
                         backend=data.executor, address=data.ray_address)
    cache.mkdir(parents=True, exist_ok=True)  # kept for hard-negative mining (synthesized_negatives)
    _save_clips(cache / "synth_negatives.npz", neg_audio,
                validation=np.array([j.voice.voice_id in val_ids for _, j in neg_jobs], bool))

    init = (config.augment, noise_files, rir_files, data.seed, data.positive_snr_db_range)
    splits: dict[str, list[WindowSet]] = {"train": [], "val": []}

    def add(split: str, feats: list[np.ndarray], label: int, source: str) -> None:
        feats = [f for f in feats if len(f) == frames]
        if feats:
            splits[split].append(WindowSet(np.stack(feats).astype(np.uint16), np.full(len(feats), label, np.uint8),
                                           np.full(len(feats), source)))

    positive_offset = tuple(data.positive_end_offset_ms or POSITIVE_END_OFFSET_MS)

    def clip_tasks(clips, jobs, copies, offset_ms, augment):
        tasks = {"train": [], "val": []}
        for clip, job in zip(clips, jobs):
            split = "val" if job.voice.voice_id in val_ids else "train"
            for copy in range(copies):
                tasks[split].append((clip, frames, offset_ms, int(rng.integers(2**31)), augment if copy > 0 else False))
        return tasks

    for label, source, clips, jobs, copies, offset in (
            (1, "positive", pos_audio, pos_jobs, data.positive_augment_copies, positive_offset),
            (0, "synth_negative", neg_audio, [j for _, j in neg_jobs], data.negative_augment_copies,
             NEGATIVE_END_OFFSET_MS)):
        tasks = clip_tasks(clips, jobs, copies, offset, "positive" if label else True)
        for split in ("train", "val"):
            add(split, _run_clips(_clip_window, tasks[split], init_args=init, data=data,
                                 desc=f"{source} {split}"), label, source)

    for split, feats, source in _sound_windows(data, frames, init, rng):
        add(split, feats, 0, source)

    # real speech: whole files, split by file, clean and augmented copies
    speech_split = real_speech_split(speech_files, seed=data.seed)
    spliced = _spliced_clips(config, splice_files, {path: split for split, paths in speech_split.items()
                                                    for path in paths},
                             cache_dir=Path(cache_dir), rng=np.random.default_rng([data.seed, 1]))
    for (split, label), clips in spliced.items():
        # negatives get the positives' copies and offsets: the two differ only in their phones
        kind = "positive" if label else True
        tasks = [(clip, frames, positive_offset, int(rng.integers(2**31)), kind if copy > 0 else False)
                 for clip in clips for copy in range(data.positive_augment_copies)]
        source = "spliced_positive" if label else "spliced_negative"
        add(split, _run_clips(_clip_window, tasks, init_args=init, data=data, desc=f"{source} {split}"),
            label, source)
    # keyword clips of voices and speakers never trained on, for the operating point (heldout_positives)
    heldout = [clip for clip, job in zip(pos_audio, pos_jobs) if job.voice.voice_id in val_ids]
    if len(heldout) > HELDOUT_SYNTHESIZED_CLIPS:
        keep = np.random.default_rng([data.seed, 3]).choice(len(heldout), HELDOUT_SYNTHESIZED_CLIPS, replace=False)
        heldout = [heldout[i] for i in np.sort(keep)]
    spliced_val = spliced.get(("val", 1), [])
    _save_clips(cache / "heldout_positives.npz", heldout + spliced_val,
                source=np.array(["synthesized"] * len(heldout) + ["spliced"] * len(spliced_val)))
    if speech_files:
        for split in ("val", "train"):
            add(split, _real_speech_windows(speech_split[split], data, frames, init, rng, split), 0, "real_speech")

    train = WindowSet.concatenate(splits["train"])
    val = WindowSet.concatenate(splits["val"])
    engines: dict[str, int] = {}
    for v in voices:
        engines[v.engine] = engines.get(v.engine, 0) + 1
    stats = {"voices": len(voices), "voices_by_engine": engines, "validation_voices": len(val_ids),
             "train_examples": train.counts(), "validation_examples": val.counts(),
             "noise_files": len(noise_files), "rir_files": len(rir_files), "real_speech_files": len(speech_files),
             "spliced_clips": {split: len(clips) for (split, label), clips in spliced.items() if label},
             "spliced_negative_clips": {split: len(clips) for (split, label), clips in spliced.items() if not label},
             "heldout_positives": {"synthesized": len(heldout), "spliced": len(spliced_val)}}
    _save_split(cache, "train", train)
    _save_split(cache, "val", val)
    (cache / "stats.json").write_text(json.dumps(stats, indent=2))  # written last: the cache is complete
    return train, val, stats


def _spliced_clips(config: TrainConfig, files: list[str], known_split: dict[str, str], *,
                   cache_dir: Path, rng: np.random.Generator) -> dict[tuple[str, int], list[np.ndarray]]:
    """Clips spliced from each real speech file's aligned phones, keyed by (split, label): the
    keyword (label 1), and near misses and confusables (label 0) from the same speakers. A file that
    is also a real speech negative keeps that split; the others go 1 in 7 to validation (at least one)."""
    data = config.data
    if not data.spliced_positives_per_file or not files:
        return {}
    from .align import align_files
    from .confusables import confusable_phrases
    from .phrase import pronounce
    from .splice import near_misses, phrase_phones, splice_clips

    # the keyword's phones: the dictionary's, a compound's, or espeak-ng's (training.phrase)
    target = pronounce(config.keyword.phrase)
    if target is None:
        print(f"warning: {config.keyword.phrase!r} cannot be pronounced; no spliced positives")
        return {}
    wrong = near_misses(target, rng=rng, count=60)
    if data.spliced_negatives_per_file:
        wrong += phrase_phones(confusable_phrases(config.keyword.phrase, count=200, seed=data.seed))
    wrong = [w for w in dict.fromkeys(wrong) if w != target]
    alignments = align_files(files, cache_dir=cache_dir, workers=data.workers, backend=data.executor,
                             address=data.ray_address)
    unknown = [f for f in files if f not in known_split]
    perm = rng.permutation(len(unknown))
    split = dict(known_split)
    split.update({unknown[i]: "val" if k < max(1, len(unknown) // 7) else "train" for k, i in enumerate(perm)})
    out: dict[tuple[str, int], list[np.ndarray]] = {(s, label): [] for s in ("train", "val") for label in (1, 0)}
    for path in files:
        audio = load_audio(path)
        for label, targets, count in ((1, target, data.spliced_positives_per_file),
                                      (0, wrong, data.spliced_negatives_per_file)):
            if not count:
                continue
            clips = splice_clips(audio, alignments[path], targets, count=count,
                                 max_segments=data.splice_max_segments, rng=rng)
            out[(split[path], label)] += [to_int16(c, source=path) for c in clips]  # render's exact inverse
    print(f"data: clips spliced from real speech (phones {' '.join(target)}): "
          + ", ".join(f"{'keyword' if label else 'near miss'} {s} {len(v)}" for (s, label), v in out.items()))
    return out


def _save_split(cache: Path, name: str, windows: WindowSet) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    for field in ("x", "y", "source"):
        write_atomically(cache / f"{name}_{field}.npy", lambda fh: np.save(fh, getattr(windows, field)))


def _load_split(cache: Path, name: str) -> WindowSet:
    return WindowSet(np.load(cache / f"{name}_x.npy", mmap_mode="r"), np.load(cache / f"{name}_y.npy"),
                     np.load(cache / f"{name}_source.npy"))
