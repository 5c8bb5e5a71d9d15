"""The training pipeline as stages, each a function of what the stages before it made.

    check -> data -> teacher -> hard negatives (-> teacher on) -> more teachers -> distilled student
    (-> structured pruning) -> QAT -> export (int8 streaming, arena, budget) -> evaluation (operating
    point of every variant, instructions on the emulated Cortex-M4) -> bundle (+ cascade, firmware
    sources, ablation table)

:func:`run` only wires them: each stage reads the :class:`Run` (config, folders, seeds, the
training windows) and returns what it made. Every stage is timed (``Run.timer``); the stage
names are the trainer's output headings and the manifest's ``training.stage_seconds`` keys.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


class StageTimer:
    """Wall seconds per stage, printed as each one starts and ends."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        print(f"\n=== {name} ===", flush=True)
        start = time.monotonic()
        yield
        self.times[name] = time.monotonic() - start
        print(f"=== {name}: {self.times[name]:.1f} s ===", flush=True)


@dataclass
class Run:
    """One training run: its config, folders and seed, and the training windows as they grow."""

    config: Any
    out_dir: Path
    cache_dir: Path
    verbose: int = 2
    seed: int = 0
    timer: StageTimer = field(default_factory=StageTimer)
    strategy: Any = None
    train: Any = None
    val: Any = None
    data_stats: dict = field(default_factory=dict)
    _xy: tuple | None = None
    meter: Any = None  # training.m4_cost.Meter, its program built in the background after the data stage

    def seed_for(self, base: int) -> int:
        """The seed of one training step: ``--seed N`` moves every one of them, not the data."""
        return base + 1000 * self.seed

    @property
    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """The training windows as float features and float labels (computed once per window set)."""
        if self._xy is None:
            self._xy = (self.train.as_float(), self.train.y.astype(np.float32))
        return self._xy

    def add_windows(self, train, val) -> None:
        from training.data import WindowSet

        self.train = WindowSet.concatenate([self.train, train])
        self.val = WindowSet.concatenate([self.val, val])
        self._xy = None

    def can_train_beside(self) -> bool:
        """A second process may train a model beside this one (two or more cores, one device)."""
        replicas = 1 if self.strategy is None else self.strategy.num_replicas_in_sync
        return self.config.data.workers >= 2 and (os.cpu_count() or 1) >= 2 and replicas == 1

    def train_beside(self, arch, step, *, seed: int, name: str):
        """:func:`training.train.train_float` on the current windows in a second process (log: RUN/NAME.log)."""
        from training.train import BackgroundTraining

        return BackgroundTraining(arch, self.train.x, self.train.y, step=step, seed=seed, name=name,
                                  work_dir=self.out_dir, log_path=self.out_dir / f"{name}.log")


# --- check -----------------------------------------------------------------------------------

def check_inputs(config):
    """Before any work: a phrase the synthesizers cannot say stops here (``ConfigError``), a risky
    one is named with its cost, and each kind of real data the run lacks is said."""
    from training.phrase import require_trainable
    from training.quickstart import missing_data

    phrase_check = require_trainable(config.keyword.phrase)
    print(phrase_check.summary(), flush=True)
    for lack in missing_data(config):
        print(f"note: {lack}", flush=True)
    return phrase_check


# --- data and training -----------------------------------------------------------------------

def data_stage(run: Run) -> None:
    """Synthesized, spliced, real and noise windows, augmented, as features (cached)."""
    from training.data import build_windows

    with run.timer.stage("data"):
        run.train, run.val, run.data_stats = build_windows(run.config, cache_dir=run.cache_dir)
        print(json.dumps(run.data_stats, indent=2))


def teacher_stage(run: Run):
    from training.train import train_float

    config = run.config
    x, y = run.xy
    with run.timer.stage("teacher"):
        return train_float(config.teacher, x, y, step=config.teacher_training, seed=run.seed_for(1),
                           name="teacher", verbose=run.verbose, strategy=run.strategy)


def mining_rounds(run: Run) -> tuple[int, dict]:
    """How many mining rounds run, and the recordings they mine (none without negative recordings)."""
    from training.mining import mining_recordings

    config = run.config
    rounds = config.mining.rounds if config.mining.enabled else 0
    recordings = mining_recordings(config, cache_dir=run.cache_dir) if rounds else {}
    if rounds and not recordings["train"]:
        print("hard negatives: no negative recordings to mine; skipped")
        rounds = 0
    return rounds, recordings


def mining_stage(run: Run, teacher, recordings: dict, round_index: int) -> dict:
    """One round: the teacher's streaming form scores the negative recordings; its highest false
    peaks join the training (and validation) windows. Returns the round's statistics."""
    from training import export
    from training.mining import mine_hard_negatives
    from training.streaming import StreamingTCN, convert_streaming, extract_weights

    config = run.config
    suffix = f", round {round_index + 1}" if round_index else ""
    with run.timer.stage(f"hard negatives{suffix}"):
        teacher_bytes = convert_streaming(StreamingTCN(extract_weights(teacher), config.teacher), representative=None)
        spec = export.model_spec(teacher_bytes, receptive_field_frames=config.teacher.receptive_field_frames)
        mined = mine_hard_negatives(config, model_bytes=teacher_bytes, spec=spec, splits=recordings,
                                    seed=run.seed_for(round_index))
        run.add_windows(mined.train, mined.val)
    return mined.stats


def teacher_on_stage(run: Run, teacher, round_index: int):
    """More teacher epochs on the enlarged set (``[mining] teacher_epochs``)."""
    from training.train import continue_training

    config = run.config
    if not config.mining.teacher_epochs:
        return teacher
    suffix = f", round {round_index + 1}" if round_index else ""
    x, y = run.xy
    with run.timer.stage(f"teacher, with hard negatives{suffix}"):
        step = dataclasses.replace(config.teacher_training, epochs=config.mining.teacher_epochs,
                                   learning_rate=config.mining.teacher_learning_rate)
        return continue_training(teacher, x, y, step=step, seed=run.seed_for(5 + round_index), verbose=run.verbose,
                                 strategy=run.strategy)


def more_teachers_stage(run: Run, teacher) -> np.ndarray:
    """The students' soft targets: the mean logit of the trained teacher and ``distill.teachers -
    1`` more trained from scratch on the final windows (some in second processes)."""
    from training.train import teacher_logits, train_float

    config = run.config
    x, y = run.xy
    soft = teacher_logits(teacher, x)
    if config.distill.teachers <= 1:
        return soft
    with run.timer.stage("more teachers"):
        # the extra teachers depend on nothing but the final windows: some train in second processes
        # beside the ones trained here (a model's training keeps about one core busy; one process per
        # core beyond this one and the plain student's, at least one), the same models as one after another
        indices = list(range(1, config.distill.teachers))
        jobs = []
        if run.can_train_beside():
            beside = min(len(indices) - 1, max(1, (os.cpu_count() or 1) - 2))
            jobs = [(index, run.train_beside(config.teacher, config.teacher_training, seed=run.seed_for(100 + index),
                                             name=f"teacher_{index + 1}"))
                    for index in indices[len(indices) - beside:]]
            indices = indices[:len(indices) - beside]

        def extra_teachers():
            for index in indices:
                yield train_float(config.teacher, x, y, step=config.teacher_training, seed=run.seed_for(100 + index),
                                  name=f"teacher_{index + 1}", verbose=run.verbose, strategy=run.strategy)
            for index, job in jobs:
                model, seconds = job.result()
                print(f"teacher_{index + 1}: {seconds:.0f} s in a second process")
                yield model

        try:
            for extra in extra_teachers():
                soft = soft + teacher_logits(extra, x)
                del extra
        except BaseException:
            for _, job in jobs:
                job.cancel()
            raise
        return soft / np.float32(config.distill.teachers)


def distill_stage(run: Run, soft: np.ndarray):
    """The student learns the teachers' soft targets (and the labels)."""
    from training.train import train_distilled

    config = run.config
    x, y = run.xy
    with run.timer.stage("student (distilled)"):
        return train_distilled(config.student, x, y, soft, step=config.student_training, distill=config.distill,
                               seed=run.seed_for(3), verbose=run.verbose, strategy=run.strategy)


def pruning_stage(run: Run, student, soft: np.ndarray):
    """The distilled student with each layer's least useful channels removed, then distilled on
    (:mod:`training.structured`). Returns (model, architecture), or (None, None) when off."""
    from training.train import structured_prune

    config = run.config
    if not config.prune.enabled:
        return None, None
    x, y = run.xy
    with run.timer.stage("structured pruning"):
        model, arch = structured_prune(student, config.student, x, y, soft, config=config.prune,
                                       step=config.student_training, distill=config.distill, seed=run.seed_for(6),
                                       verbose=run.verbose, strategy=run.strategy)
    print(f"structured pruning: widths {list(config.student.layer_widths)} -> {list(arch.layer_widths)}, "
          f"{config.student.macs_per_call()} -> {arch.macs_per_call()} MACs a call", flush=True)
    return model, arch


def qat_stage(run: Run, student, soft: np.ndarray):
    from training.train import quantization_aware

    config = run.config
    x, y = run.xy
    with run.timer.stage("quantization-aware training"):
        return quantization_aware(student, x, y, soft, step=config.qat_training, distill=config.distill,
                                  seed=run.seed_for(4), verbose=run.verbose, strategy=run.strategy)


class PlainStudent:
    """The ablation's "no distillation" row: the student trained on the labels alone. With two or
    more cores it trains in a second process once the training windows are final (after the
    last mining round), else here when :meth:`result` asks for it."""

    def __init__(self, run: Run) -> None:
        self.run, self.job, self.seconds = run, None, None

    def start(self) -> None:
        config = self.run.config
        if self.run.can_train_beside():
            self.job = self.run.train_beside(config.student, config.student_training, seed=self.run.seed_for(2),
                                             name="student_plain")
            print(f"student (no distillation): training in a second process; its log: {self.job.log_path}")

    def result(self):
        from training.train import train_float

        run, config = self.run, self.run.config
        if self.job is None:
            x, y = run.xy
            with run.timer.stage("student (no distillation)"):
                return train_float(config.student, x, y, step=config.student_training, seed=run.seed_for(2),
                                   name="student_plain", verbose=run.verbose, strategy=run.strategy)
        with run.timer.stage("student (no distillation), rest of its training"):
            model, self.seconds = self.job.result()
        print(f"student (no distillation): {self.seconds:.0f} s in the second process")
        return model

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()  # no orphan left training


@dataclass
class Trained:
    """What the training stages made."""

    teacher: Any
    student_plain: Any        # None without ablation
    student: Any
    qat: Any                  # None without ablation (unless it ships)
    mining_stats: dict
    rounds: int
    concurrent_seconds: dict
    pruned: Any = None        # the structured-pruned student (prune.enabled), and its architecture
    pruned_arch: Any = None


def training_stages(run: Run) -> Trained:
    """Teacher, hard negatives, more teachers, the distilled student; with ``ablation`` (or when
    they ship) QAT, the plain student and (``prune.enabled``) the channel-pruned student."""
    config = run.config
    rounds, recordings = mining_rounds(run)
    plain = PlainStudent(run) if config.ablation else None
    mining_stats: dict = {}
    student_plain = None
    try:
        if plain is not None and not rounds:
            plain.start()
        teacher = teacher_stage(run)
        for round_index in range(rounds):
            mining_stats[f"round {round_index + 1}"] = mining_stage(run, teacher, recordings, round_index)
            if plain is not None and round_index == rounds - 1:
                plain.start()
            teacher = teacher_on_stage(run, teacher, round_index)
        if plain is not None and plain.job is None:
            student_plain = plain.result()
        soft = more_teachers_stage(run, teacher)
        student = distill_stage(run, soft)
        pruned, pruned_arch = pruning_stage(run, student, soft)
        qat = qat_stage(run, student, soft) if builds_variant(config, "qat") else None
        if plain is not None and plain.job is not None:
            student_plain = plain.result()
    except BaseException:
        if plain is not None:
            plain.cancel()
        raise
    concurrent = {"student (no distillation)": plain.seconds} if plain is not None and plain.seconds is not None \
        else {}
    return Trained(teacher=teacher, student_plain=student_plain, student=student, qat=qat,
                   mining_stats=mining_stats, rounds=rounds, concurrent_seconds=concurrent, pruned=pruned,
                   pruned_arch=pruned_arch)


# --- export, evaluation, bundle --------------------------------------------------------------

#: the ablation's variants, in the table's order; "ptq" and "qat" name the int8 ones
SHIPPED_VARIANT = {"ptq": "int8 PTQ (no QAT)", "qat": "int8 QAT", "pruned": "int8 PTQ, channels pruned"}


def builds_variant(config, ship: str) -> bool:
    """Whether a run of ``config`` builds the int8 variant ``ship`` ("ptq" or "qat"): the one it
    ships, and every one with ``ablation``."""
    return config.ablation or config.export.ship == ship


@dataclass
class Exported:
    """Every variant as a streaming TFLite model, and the shipped one's cost on the device."""

    models: dict  # variant name -> (architecture, model bytes)
    shipped_name: str
    arena_measured: int
    arena: int
    macs_per_second: int
    m4: dict = field(default_factory=dict)  # int8 variant name -> training.m4_cost.Measured (when measured)

    @property
    def shipped(self) -> tuple:
        return self.models[self.shipped_name]


def export_stage(run: Run, trained: Trained) -> Exported:
    """Streaming TFLite models of every variant (RUN/variants/), the shipped one's TFLM arena
    (measured) and the budget check."""
    from training import export
    from training.streaming import StreamingTCN, convert_streaming, extract_weights

    config = run.config
    with run.timer.stage("export"):
        # calibration sequences: training windows played one after another, so the state sees real streams
        calibration = export.calibration_sequences(run.xy[0])
        # the float teacher (the cascade's verifier) and what ships always; the rest with ablation
        variants = {"float teacher": (config.teacher, extract_weights(trained.teacher), None)}
        if trained.student_plain is not None:
            variants["float student"] = (config.student, extract_weights(trained.student_plain), None)
        if config.ablation:
            variants["student + distillation"] = (config.student, extract_weights(trained.student), None)
        if builds_variant(config, "ptq"):
            variants[SHIPPED_VARIANT["ptq"]] = (config.student, extract_weights(trained.student), calibration)
        if trained.qat is not None:
            variants[SHIPPED_VARIANT["qat"]] = (config.student, extract_weights(trained.qat), calibration)
        if trained.pruned is not None:
            variants[SHIPPED_VARIANT["pruned"]] = (trained.pruned_arch, extract_weights(trained.pruned), calibration)
        models = {name: (arch, convert_streaming(StreamingTCN(weights, arch), representative=calib))
                  for name, (arch, weights, calib) in variants.items()}
        # every variant's streaming model (the float ones hold the trained float weights, batch norm
        # folded), so any of them can be quantized or re-exported later (wakeword-reexport)
        (run.out_dir / "variants").mkdir(exist_ok=True)
        for name, (_arch, model_bytes) in models.items():
            slug = "".join(c if c.isalnum() else "_" for c in name).strip("_")
            (run.out_dir / "variants" / f"{slug}.tflite").write_bytes(model_bytes)
        shipped_name = SHIPPED_VARIANT[config.export.ship]
        arch, model_bytes = models[shipped_name]
        arena_measured = export.measure_arena_bytes(model_bytes, stride_frames=arch.stride_frames)
        arena = export.arena_with_margin(arena_measured)
        macs_per_second = arch.macs_per_call() * 100 // arch.stride_frames
        export.check_budget(size_bytes=len(model_bytes), arena_bytes=arena, macs_per_second=macs_per_second,
                            budget=config.budget)
        m4 = measure_variants_on_m4(models, run.meter) if config.export.measure_on_m4 else {}
    return Exported(models=models, shipped_name=shipped_name, arena_measured=arena_measured, arena=arena,
                    macs_per_second=macs_per_second, m4=m4)


def measure_variants_on_m4(models: dict, meter=None) -> dict:
    """Instructions of one call of each int8 variant on the emulated Cortex-M4F (CMSIS-NN), or {}
    with a note when the ARM toolchain or QEMU is missing. ``meter``: a :class:`training.m4_cost.Meter`
    whose build may have started earlier."""
    from training.m4_cost import Meter

    meter = meter or Meter()
    reason = meter.missing()
    if reason:
        print(f"note: the variants' instructions are not measured: {reason}", flush=True)
        return {}
    measured = {}
    for name, (_arch, model_bytes) in models.items():
        if "int8" in name:
            try:
                measured[name] = meter.measure(model_bytes)
            except Exception as exc:  # noqa: BLE001 (a figure of the table: never worth the trained models)
                print(f"note: {name}: not measured on the emulated Cortex-M4: {exc}", flush=True)
    return measured


@dataclass
class Evaluated:
    """The ablation rows, the shipped variant's operating point, and the scores behind them."""

    rows: list
    shipped_point: tuple | None  # (window, OperatingPoint, manifest metrics) or None without negatives
    scored: dict  # variant name -> score_variants result
    inputs: Any


def _variant_bundle(run: Run, exported: Exported, name: str):
    from training import export
    from wakeword.bundle import Bundle

    config = run.config
    arch, model_bytes = exported.models[name]
    manifest = export.build_manifest(
        model_bytes, name=config.keyword.name, version=config.keyword.version, keywords=(config.keyword.name,),
        receptive_field_frames=arch.receptive_field_frames, macs_per_inference=arch.macs_per_call(),
        arena_bytes=exported.arena if name == exported.shipped_name else 0, detector=config.export.detector,
        training={}, metrics={})
    return Bundle(source=name, manifest=manifest, model_bytes=model_bytes, files={})


def _ablation_row(run: Run, name: str, arch, model_bytes: bytes, result: dict, inputs, shipped: bool,
                  m4: dict) -> tuple:
    """One variant's row (validation figures at the config threshold, its own operating point by
    the shipped rule, real recordings' FRR) and, for the shipped variant, its operating point."""
    from training import evaluate as ev

    config = run.config
    scores, labels = result["window_scores"], run.val.y[result["window_index"]]
    predicted = scores >= config.export.detector.threshold
    row = {"variant": name, "val_accuracy": float(np.mean(predicted == (labels > 0))),
           "val_frr": float(np.mean(~predicted[labels > 0])) if labels.any() else float("nan"),
           "val_fpr": float(np.mean(predicted[labels == 0])),
           "size_bytes": len(model_bytes), "dtype": "int8" if "int8" in name else "float32",
           "widths": "/".join(map(str, arch.layer_widths)), "macs_per_call": arch.macs_per_call(),
           "shipped": shipped}
    if name in m4:
        row["m4_instructions"] = m4[name].instructions
        row["m4_instructions_per_second"] = round(m4[name].instructions_per_second(arch.stride_frames))
    if inputs is None:
        return row, None
    window, point, chosen = ev.operating_point_metrics(
        result["curves"], config.export, negative_hours=inputs.negative_hours, positives=len(inputs.heldout_frames),
        noise_curves=result["noise_curves"], noise_hours=inputs.noise_hours, real_curves=result["real_curves"],
        real_half=inputs.real_half)
    operating = chosen["operating_point"]
    row.update({"threshold": point.threshold, "window": window, "heldout_frr": point.frr,
                "fa_h": point.fa_per_hour, "fa_h_in_noise": operating.get("fa_per_hour_in_noise"),
                "negative_hours": round(inputs.negative_hours, 3)})
    if result["real_curves"] is not None:
        real = result["real_curves"]
        # the best real points (a threshold chosen on the real clips themselves: optimistic)
        _, best, met = ev.best_operating_point(real, 0.5)
        _, best_2, met_2 = ev.best_operating_point(real, 2.0)
        row.update({"real_frr": operating["real_frr"], "real_positives": operating["real_positives"],
                    "real_frr_at_0.5_fa_h": best.frr if met else 1.0, "real_frr_at_2_fa_h": best_2.frr if met_2 else 1.0})
    return row, ((window, point, chosen) if shipped else None)


def evaluation_stage(run: Run, exported: Exported) -> Evaluated:
    """Every variant scored on the validation windows, the real negatives (clean and in noise),
    the held-out keyword clips the pipeline made, and real keyword recordings when the config has
    some (they only measure); the operating point of each by the shipped rule."""
    from training import evaluate as ev

    config = run.config
    with run.timer.stage("evaluation"):
        inputs = ev.threshold_inputs(config, cache_dir=run.cache_dir)
        if inputs is None:
            print("warning: no real negatives ([evaluation] negatives_dirs): the threshold stays at the "
                  f"config's {config.export.detector.threshold}, with no false-accept figure", flush=True)
        bundles = [_variant_bundle(run, exported, name) for name in exported.models]
        scored = ev.score_variants(bundles, run.val, limit=4000, keyword=config.keyword.name,
                                   detector=config.export.detector, detector_windows=config.export.windows,
                                   inputs=inputs, workers=config.data.workers)
        rows, shipped_point = [], None
        for (name, (arch, model_bytes)), result in zip(exported.models.items(), scored):
            row, point = _ablation_row(run, name, arch, model_bytes, result, inputs, name == exported.shipped_name,
                                       exported.m4)
            shipped_point = point or shipped_point
            rows.append(row)
            print(f"{name}: {row}", flush=True)
    return Evaluated(rows=rows, shipped_point=shipped_point, scored=dict(zip(exported.models, scored)), inputs=inputs)


def _pipeline_line(config, rounds: int, shipped_name: str) -> str:
    teachers = config.distill.teachers
    return ("teacher -> " + (f"hard negatives and more teacher epochs (x{rounds}) -> " if rounds else "")
            + (f"{teachers - 1} more teacher{'s' if teachers > 2 else ''} on the final set -> " if teachers > 1 else "")
            + "distilled student" + (" (mean teacher logit)" if teachers > 1 else "")
            + (" -> QAT (measured)" if builds_variant(config, "qat") else "")
            + (" -> channels pruned (measured)" if config.prune.enabled else "")
            + f" -> int8 streaming (calibrated, int8 state); shipped: {shipped_name}")


ABLATION_COLUMNS = [("variant", "variant"), ("dtype", "dtype"), ("size_bytes", "bytes"), ("widths", "widths"),
                    ("macs_per_call", "MACs/call"), ("m4_instructions", "M4 instructions/call"),
                    ("val_accuracy", "val acc"), ("threshold", "threshold"),
                    ("window", "window"), ("heldout_frr", "held-out FRR"), ("fa_h", "FA/h"),
                    ("fa_h_in_noise", "FA/h in noise"), ("real_frr", "real FRR"),
                    ("real_frr_at_0.5_fa_h", "best real FRR @0.5 FA/h"), ("real_frr_at_2_fa_h", "@2 FA/h"),
                    ("negative_hours", "neg. hours"), ("shipped", "shipped")]


def format_table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    """A markdown table of ``rows`` (floats with 3 decimals, booleans as "yes" or blank)."""
    lines = ["| " + " | ".join(title for _, title in columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key, "")
            if value is None:
                value = ""
            elif isinstance(value, bool):
                value = "yes" if value else ""
            cells.append(f"{value:.3f}" if isinstance(value, float) else str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


@dataclass
class Shipped:
    bundle_dir: Path
    manifest: Any
    metrics: dict
    table: str


def bundle_stage(run: Run, trained: Trained, exported: Exported, evaluated: Evaluated, phrase_check,
                 firmware_dir: Path | None) -> Shipped:
    """The shipped variant at its operating point, with the cascade's verifier when it helps, as
    RUN/bundle (manifest: config, data, mining, phrase check, timings, metrics); the firmware's
    model sources when asked; the ablation table (RUN/ablation.md and .json)."""
    from training import evaluate as ev
    from training import export
    from wakeword.bundle import save_bundle
    from wakeword.config import to_dict

    config = run.config
    with run.timer.stage("bundle"):
        detector = config.export.detector
        metrics: dict = {"ablation": evaluated.rows}
        if evaluated.shipped_point is not None:
            window, point, chosen = evaluated.shipped_point
            # the fast path is chosen below, for this window
            detector = dataclasses.replace(detector, threshold=point.threshold, window=window, fast_window=0)
            metrics.update(chosen)
        verifier, extra_files = None, {}
        if config.cascade.enabled and evaluated.shipped_point is not None:
            teacher_arch, teacher_bytes = exported.models["float teacher"]
            verifier, extra_files, metrics["cascade"] = ev.choose_cascade(
                config, stage1_streams=evaluated.scored[exported.shipped_name]["streams"],
                verifier_streams=evaluated.scored["float teacher"]["streams"], verifier_bytes=teacher_bytes,
                verifier_arch=teacher_arch, inputs=evaluated.inputs, first_stage=metrics["operating_point"])
        if verifier is None and evaluated.shipped_point is not None:  # a cascade keeps the window alone
            detector = ev.with_fast_path(metrics, evaluated.scored[exported.shipped_name]["streams"], detector,
                                         config.export, keyword=config.keyword.name, inputs=evaluated.inputs)
        arch, model_bytes = exported.shipped
        training = {"config": to_dict(config), "data": run.data_stats, "hard_negatives": trained.mining_stats,
                    "phrase_check": {"phones": list(phrase_check.phones or ()), "syllables": phrase_check.syllables,
                                     "sources": list(phrase_check.sources), "warnings": list(phrase_check.warnings)},
                    "stage_seconds": run.timer.times, "seed": run.seed,
                    "concurrent_stage_seconds": trained.concurrent_seconds,
                    "arena_measured_bytes": exported.arena_measured, "shipped_variant": exported.shipped_name,
                    "pipeline": _pipeline_line(config, trained.rounds, exported.shipped_name)}
        manifest = export.build_manifest(
            model_bytes, name=config.keyword.name, version=config.keyword.version, keywords=(config.keyword.name,),
            receptive_field_frames=arch.receptive_field_frames, macs_per_inference=arch.macs_per_call(),
            arena_bytes=exported.arena, detector=detector, training=training, metrics=metrics, verifier=verifier)
        bundle_dir = save_bundle(run.out_dir / "bundle", manifest, model_bytes, extra_files=extra_files)
        if firmware_dir is not None:
            export.write_firmware_sources(firmware_dir, manifest, model_bytes)
        table = format_table(evaluated.rows, ABLATION_COLUMNS)
        (run.out_dir / "ablation.md").write_text(table + "\n")
        (run.out_dir / "ablation.json").write_text(json.dumps(evaluated.rows, indent=2))
    return Shipped(bundle_dir=bundle_dir, manifest=manifest, metrics=metrics, table=table)


def print_summary(run: Run, exported: Exported, shipped: Shipped) -> None:
    """The ablation table, the device cost, the operating point and the cascade, the timings."""
    from wakeword.bundle import sha256_hex

    detector, metrics = shipped.manifest.detector, shipped.metrics
    model_bytes = exported.shipped[1]
    print("\nAblation (validation voices never seen in training; real folders never used for training):")
    print(shipped.table)
    print(f"\nTFLM arena: {exported.arena_measured} bytes measured, {exported.arena} in the manifest; "
          f"model {len(model_bytes)} bytes; {exported.macs_per_second} MACs/s; threshold {detector.threshold}, "
          f"window {detector.window}")
    point = metrics.get("operating_point", {})
    if point:
        print(f"at that threshold: FRR {point['frr']:.1%} on {point['positives']} held-out keyword clips, "
              f"{point['fa_per_hour']:.2f} FA/h on {point['negative_hours']:.2f} h of real speech"
              + (f", {point['fa_per_hour_in_noise']:.2f} FA/h with training noise at {point['noise_snr_db']:g} dB "
                 f"(target {point['noise_target_fa_per_hour']:g}"
                 + ("" if point["noise_target_met"] else ", not met") + ")" if "fa_per_hour_in_noise" in point else "")
              + (f"; measured on {point['real_positives']} real recordings ({point['real_positives_half']}): "
                 f"FRR {point['real_frr']:.1%}" if "real_frr" in point else ""))
    cascade = metrics.get("cascade", {})
    if cascade.get("met"):
        print(f"cascade (float teacher confirms, phones and desktops): first stage {cascade['first_stage_threshold']}, "
              f"verifier {cascade['threshold']} over {cascade['window']} calls: FRR {cascade['frr']:.1%} on the "
              f"held-out clips (first stage alone {point.get('frr', float('nan')):.1%}), "
              f"{cascade['fa_per_hour']:.2f} FA/h clean"
              + (f", {cascade['fa_per_hour_in_noise']:.2f} in noise" if "fa_per_hour_in_noise" in cascade else "")
              + (f"; real FRR {cascade['real_frr']:.1%}" if "real_frr" in cascade else "")
              + ("; shipped in the bundle" if cascade["shipped"] else "; not shipped: " + cascade["why_not"]))
    times = run.timer.times
    print("stage seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in times.items()) +
          f", total {sum(times.values()):.0f}")
    print(f"bundle: {shipped.bundle_dir} (sha256 {sha256_hex(model_bytes)[:16]}...)")


def run(config, *, out_dir: Path, cache_dir: Path, firmware_dir: Path | None = None, verbose: int = 2,
        seed: int = 0) -> dict:
    """Train, export and measure a wake word: ``config`` is a :class:`training.config.TrainConfig`
    or the path of its TOML file. ``seed`` moves every training seed (initialisation, batch order,
    mining passes), not the data: runs of one recipe with seeds 0, 1, ... show its spread on the
    same windows. Returns the bundle folder, the ablation rows and the stage seconds."""
    from training.config import TrainConfig, load_config
    from training.train import make_strategy

    config = config if isinstance(config, TrainConfig) else load_config(config)
    phrase_check = check_inputs(config)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    state = Run(config=config, out_dir=out_dir, cache_dir=Path(cache_dir), verbose=verbose, seed=seed)
    try:
        data_stage(state)
        if config.export.measure_on_m4:
            from training.m4_cost import Meter

            # the measuring program (TFLite Micro for the Cortex-M4F: about 80 s of 2 cores on a new
            # checkout) builds at low priority beside the training stages, which leave CPU spare
            # (the data stage does not), instead of at export
            state.meter = Meter()
            state.meter.start_build()
        state.strategy = make_strategy(config.distribute)
        print(f"training: {type(state.strategy).__name__}, {state.strategy.num_replicas_in_sync} replica(s) "
              f"(distribute = {config.distribute!r})")
        trained = training_stages(state)
        exported = export_stage(state, trained)
    finally:
        if state.meter is not None:
            state.meter.cancel()
    evaluated = evaluation_stage(state, exported)
    shipped = bundle_stage(state, trained, exported, evaluated, phrase_check, firmware_dir)
    print_summary(state, exported, shipped)
    return {"bundle": str(shipped.bundle_dir), "ablation": evaluated.rows, "stage_seconds": state.timer.times}
