"""``wakeword-train CONFIG.toml`` (or ``--phrase "hey mirror"``): a wake word from its text to a deployable bundle.

Stages (each timed): data -> teacher (-> hard negatives mined with it, more teacher epochs on
them: ``[mining]``) -> student (plain and distilled) -> QAT (-> pruning) -> int8 streaming export
-> TFLM arena + budget -> threshold choice -> bundle + firmware sources -> ablation table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from wakeword.errors import WakewordError


class StageTimer:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        print(f"\n=== {name} ===", flush=True)
        start = time.monotonic()
        yield
        self.times[name] = time.monotonic() - start
        print(f"=== {name}: {self.times[name]:.1f} s ===", flush=True)


def _format_table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    header = "| " + " | ".join(title for _, title in columns) + " |"
    lines = [header, "|" + "|".join("---" for _ in columns) + "|"]
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


def run(config_path, *, out_dir: Path, cache_dir: Path, firmware_dir: Path | None, verbose: int,
        seed: int = 0) -> dict:
    """Train, export and measure the wake word of ``config_path``. ``seed`` moves every training
    seed (model initialisation, batch order, mining passes), not the data: runs of one recipe
    with seeds 0, 1, ... show its spread on the same windows."""
    from training.config import TrainConfig, load_config

    def run_seed(base: int) -> int:
        return base + 1000 * seed

    config = config_path if isinstance(config_path, TrainConfig) else load_config(config_path)
    from training.phrase import require_trainable
    from training.quickstart import missing_data

    # before any work: a phrase the synthesizers cannot say stops here, a risky one is named with its cost
    phrase_check = require_trainable(config.keyword.phrase)
    print(phrase_check.summary(), flush=True)
    for lack in missing_data(config):
        print(f"note: {lack}", flush=True)
    from training import evaluate as ev
    from training import export
    from training.data import WindowSet, build_windows
    from training.mining import mine_hard_negatives, mining_recordings
    from training.streaming import StreamingTCN, convert_streaming, extract_weights
    from training.train import (BackgroundTraining, continue_training, make_strategy, prune, quantization_aware,
                                teacher_logits, train_distilled, train_float)
    from wakeword.bundle import Bundle, save_bundle, sha256_hex
    from wakeword.config import to_dict

    timer = StageTimer()
    out_dir.mkdir(parents=True, exist_ok=True)
    keyword = config.keyword.name
    with timer.stage("data"):
        train, val, data_stats = build_windows(config, cache_dir=cache_dir)
        print(json.dumps(data_stats, indent=2))
        x_train, y_train = train.as_float(), train.y.astype(np.float32)

    strategy = make_strategy(config.distribute)
    print(f"training: {type(strategy).__name__}, {strategy.num_replicas_in_sync} replica(s) "
          f"(distribute = {config.distribute!r})")
    # the plain student (the ablation's "no distillation" row) waits for nothing: with two or more
    # cores and one training device it trains in a second process beside the teacher and the
    # distilled student (a small model's training keeps about one core busy)
    # (with hard-negative mining it starts once the mined windows have joined the training set)
    background = None

    def can_train_beside() -> bool:
        return config.data.workers >= 2 and (os.cpu_count() or 1) >= 2 and strategy.num_replicas_in_sync == 1

    def train_beside(arch, step, *, seed: int, name: str) -> BackgroundTraining:
        """:func:`train_float` on the current training windows in a second process; its log is RUN/NAME.log."""
        return BackgroundTraining(arch, train.x, train.y, step=step, seed=seed, name=name, work_dir=out_dir,
                                  log_path=out_dir / f"{name}.log")

    def start_background():
        if can_train_beside():
            job = train_beside(config.student, config.student_training, seed=run_seed(2), name="student_plain")
            print(f"student (no distillation): training in a second process; its log: {job.log_path}")
            return job
        return None

    mining_stats: dict = {}
    rounds = config.mining.rounds if config.mining.enabled else 0
    recordings = mining_recordings(config, cache_dir=cache_dir) if rounds else {}
    if rounds and not recordings["train"]:
        print("hard negatives: no negative recordings to mine; skipped")
        rounds = 0
    try:
        if not rounds:
            background = start_background()
        with timer.stage("teacher"):
            teacher = train_float(config.teacher, x_train, y_train, step=config.teacher_training,
                                  seed=run_seed(1), name="teacher", verbose=verbose, strategy=strategy)
        for round_index in range(rounds):
            suffix = f", round {round_index + 1}" if round_index else ""
            with timer.stage(f"hard negatives{suffix}"):
                teacher_bytes = convert_streaming(StreamingTCN(extract_weights(teacher), config.teacher),
                                                  representative=None)
                spec = export.model_spec(teacher_bytes, receptive_field_frames=config.teacher.receptive_field_frames)
                mined = mine_hard_negatives(config, model_bytes=teacher_bytes, spec=spec,
                                            splits=recordings, seed=run_seed(round_index))
                mining_stats[f"round {round_index + 1}"] = mined.stats
                train = WindowSet.concatenate([train, mined.train])
                val = WindowSet.concatenate([val, mined.val])
                x_train, y_train = train.as_float(), train.y.astype(np.float32)
            if round_index == rounds - 1:
                background = start_background()
            if config.mining.teacher_epochs:
                with timer.stage(f"teacher, with hard negatives{suffix}"):
                    step = dataclasses.replace(config.teacher_training, epochs=config.mining.teacher_epochs,
                                               learning_rate=config.mining.teacher_learning_rate)
                    teacher = continue_training(teacher, x_train, y_train, step=step,
                                                seed=run_seed(5 + round_index), verbose=verbose, strategy=strategy)
        if background is None:
            with timer.stage("student (no distillation)"):
                student_plain = train_float(config.student, x_train, y_train, step=config.student_training,
                                            seed=run_seed(2), name="student_plain", verbose=verbose,
                                            strategy=strategy)
        soft = teacher_logits(teacher, x_train)
        if config.distill.teachers > 1:
            with timer.stage("more teachers"):
                # the extra teachers depend on nothing but the final windows: some train in second
                # processes beside the ones trained here (a model's training keeps about one core
                # busy; one process per core beyond this one and the plain student's, at least one),
                # the same models as one after another
                indices = list(range(1, config.distill.teachers))
                jobs = []
                if can_train_beside():
                    beside = min(len(indices) - 1, max(1, (os.cpu_count() or 1) - 2))
                    jobs = [(index, train_beside(config.teacher, config.teacher_training,
                                                 seed=run_seed(100 + index), name=f"teacher_{index + 1}"))
                            for index in indices[len(indices) - beside:]]
                    indices = indices[:len(indices) - beside]

                def extra_teachers():
                    for index in indices:
                        yield train_float(config.teacher, x_train, y_train, step=config.teacher_training,
                                          seed=run_seed(100 + index), name=f"teacher_{index + 1}", verbose=verbose,
                                          strategy=strategy)
                    for index, job in jobs:
                        model, seconds = job.result()
                        print(f"teacher_{index + 1}: {seconds:.0f} s in a second process")
                        yield model

                try:
                    for extra in extra_teachers():
                        soft = soft + teacher_logits(extra, x_train)
                        del extra
                except BaseException:
                    for _, job in jobs:
                        job.cancel()
                    raise
                soft = soft / np.float32(config.distill.teachers)
        with timer.stage("student (distilled)"):
            student = train_distilled(config.student, x_train, y_train, soft, step=config.student_training,
                                      distill=config.distill, seed=run_seed(3), verbose=verbose, strategy=strategy)
        if config.prune.enabled:
            with timer.stage("pruning"):
                student = prune(student, x_train, y_train, config=config.prune, step=config.student_training,
                                verbose=verbose, strategy=strategy)
        with timer.stage("quantization-aware training"):
            qat = quantization_aware(student, x_train, y_train, soft, step=config.qat_training, distill=config.distill,
                                     seed=run_seed(4), verbose=verbose, strategy=strategy)

        if background is not None:
            with timer.stage("student (no distillation), rest of its training"):
                student_plain, seconds = background.result()
            print(f"student (no distillation): {seconds:.0f} s in the second process")
            concurrent_seconds = {"student (no distillation)": seconds}
        else:
            concurrent_seconds = {}
    except BaseException:
        if background is not None:
            background.cancel()  # no orphan left training
        raise

    with timer.stage("export"):
        # calibration sequences: training windows played one after another, so the state sees real streams
        calibration = export.calibration_sequences(x_train)
        variants = {
            "float teacher": (config.teacher, extract_weights(teacher), None),
            "float student": (config.student, extract_weights(student_plain), None),
            "student + distillation": (config.student, extract_weights(student), None),
            "int8 PTQ (no QAT)": (config.student, extract_weights(student), calibration),
            "int8 QAT": (config.student, extract_weights(qat), calibration),
        }
        shipped_name = {"ptq": "int8 PTQ (no QAT)", "qat": "int8 QAT"}[config.export.ship]
        models = {}
        for name, (arch, weights, calib) in variants.items():
            models[name] = (arch, convert_streaming(StreamingTCN(weights, arch), representative=calib))
        # every variant's streaming model (the float ones hold the trained float weights, batch norm
        # folded), so any of them can be quantized or re-exported later (python -m training.reexport)
        (out_dir / "variants").mkdir(exist_ok=True)
        for name, (_arch, model_bytes) in models.items():
            slug = "".join(c if c.isalnum() else "_" for c in name).strip("_")
            (out_dir / "variants" / f"{slug}.tflite").write_bytes(model_bytes)
        shipped_arch, shipped_bytes = models[shipped_name]
        arena_measured = export.measure_arena_bytes(shipped_bytes, stride_frames=shipped_arch.stride_frames)
        arena = export.arena_with_margin(arena_measured)
        macs_per_second = shipped_arch.macs_per_call() * 100 // shipped_arch.stride_frames
        export.check_budget(size_bytes=len(shipped_bytes), arena_bytes=arena, macs_per_second=macs_per_second,
                            budget=config.budget)

    def bundle_for(name: str, arch, model_bytes: bytes, *, detector=None, metrics=None) -> Bundle:
        manifest = export.build_manifest(
            model_bytes, name=keyword, version=config.keyword.version, keywords=(keyword,),
            receptive_field_frames=arch.receptive_field_frames, macs_per_inference=arch.macs_per_call(),
            arena_bytes=arena if model_bytes is shipped_bytes else 0,
            detector=detector or config.export.detector, training={}, metrics=metrics or {})
        return Bundle(source=name, manifest=manifest, model_bytes=model_bytes, files={})

    with timer.stage("evaluation"):
        # the operating point comes from real negatives and keyword clips the pipeline made itself;
        # real recordings of the keyword, when the config names some, only measure it
        inputs = ev.threshold_inputs(config, cache_dir=cache_dir)
        if inputs is None:
            print("warning: no real negatives ([evaluation] negatives_dirs): the threshold stays at the "
                  f"config's {config.export.detector.threshold}, with no false-accept figure", flush=True)
        rows, shipped_metrics = [], None
        bundles = [bundle_for(name, arch, model_bytes) for name, (arch, model_bytes) in models.items()]
        scored = ev.score_variants(bundles, val, limit=4000, keyword=keyword, detector=config.export.detector,
                                   detector_windows=config.export.windows, inputs=inputs,
                                   workers=config.data.workers)
        for (name, (arch, model_bytes)), result in zip(models.items(), scored):
            scores, labels = result["window_scores"], val.y[result["window_index"]]
            threshold = config.export.detector.threshold
            predicted = scores >= threshold
            row = {"variant": name, "val_accuracy": float(np.mean(predicted == (labels > 0))),
                   "val_frr": float(np.mean(~predicted[labels > 0])) if labels.any() else float("nan"),
                   "val_fpr": float(np.mean(predicted[labels == 0])),
                   "size_bytes": len(model_bytes), "dtype": "int8" if "int8" in name else "float32",
                   "macs_per_call": arch.macs_per_call(), "shipped": name == shipped_name}
            if inputs is not None:
                # every variant's own operating point by the shipped rule, and what it measures
                window, point, chosen = ev.operating_point_metrics(
                    result["curves"], config.export, negative_hours=inputs.negative_hours,
                    positives=len(inputs.heldout_frames), noise_curves=result["noise_curves"],
                    noise_hours=inputs.noise_hours, real_curves=result["real_curves"], real_half=inputs.real_half)
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
                                "real_frr_at_0.5_fa_h": best.frr if met else 1.0,
                                "real_frr_at_2_fa_h": best_2.frr if met_2 else 1.0})
                if name == shipped_name:
                    shipped_metrics = (window, point, chosen)
            rows.append(row)
            print(f"{name}: {row}", flush=True)

    with timer.stage("bundle"):
        detector = config.export.detector
        metrics: dict = {"ablation": rows}
        if shipped_metrics is not None:
            window, point, chosen = shipped_metrics
            detector = dataclasses.replace(detector, threshold=point.threshold, window=window)
            metrics.update(chosen)
        verifier, extra_files = None, {}
        if config.cascade.enabled and shipped_metrics is not None:
            scored_by_name = dict(zip(models, scored))
            teacher_arch, teacher_bytes = models["float teacher"]
            verifier, extra_files, metrics["cascade"] = ev.choose_cascade(
                config, stage1_streams=scored_by_name[shipped_name]["streams"],
                verifier_streams=scored_by_name["float teacher"]["streams"], verifier_bytes=teacher_bytes,
                verifier_arch=teacher_arch, inputs=inputs, first_stage=metrics["operating_point"])
        manifest = export.build_manifest(
            shipped_bytes, name=keyword, version=config.keyword.version, keywords=(keyword,),
            receptive_field_frames=shipped_arch.receptive_field_frames,
            macs_per_inference=shipped_arch.macs_per_call(), arena_bytes=arena, detector=detector,
            training={"config": to_dict(config), "data": data_stats, "hard_negatives": mining_stats,
                      "phrase_check": {"phones": list(phrase_check.phones or ()), "syllables": phrase_check.syllables,
                                       "sources": list(phrase_check.sources),
                                       "warnings": list(phrase_check.warnings)},
                      "stage_seconds": timer.times, "seed": seed,
                      "concurrent_stage_seconds": concurrent_seconds,
                      "arena_measured_bytes": arena_measured, "shipped_variant": shipped_name,
                      "pipeline": "teacher -> " + (f"hard negatives and more teacher epochs (x{rounds}) -> "
                                                   if rounds else "")
                      + (f"{config.distill.teachers - 1} more teacher{'s' if config.distill.teachers > 2 else ''} "
                         "on the final set -> "
                         if config.distill.teachers > 1 else "")
                      + "distilled student" + (" (mean teacher logit)" if config.distill.teachers > 1 else "")
                      + " -> QAT (measured) -> int8 streaming "
                      f"(calibrated, int8 state); shipped: {shipped_name}"},
            metrics=metrics, verifier=verifier)
        bundle_dir = save_bundle(out_dir / "bundle", manifest, shipped_bytes, extra_files=extra_files)
        if firmware_dir is not None:
            export.write_firmware_sources(firmware_dir, manifest, shipped_bytes)
        table = _format_table(rows, [("variant", "variant"), ("dtype", "dtype"), ("size_bytes", "bytes"),
                                     ("macs_per_call", "MACs/call"), ("val_accuracy", "val acc"),
                                     ("threshold", "threshold"), ("window", "window"),
                                     ("heldout_frr", "held-out FRR"), ("fa_h", "FA/h"),
                                     ("fa_h_in_noise", "FA/h in noise"), ("real_frr", "real FRR"),
                                     ("real_frr_at_0.5_fa_h", "best real FRR @0.5 FA/h"),
                                     ("real_frr_at_2_fa_h", "@2 FA/h"),
                                     ("negative_hours", "neg. hours"), ("shipped", "shipped")])
        (out_dir / "ablation.md").write_text(table + "\n")
        (out_dir / "ablation.json").write_text(json.dumps(rows, indent=2))
    print("\nAblation (validation voices never seen in training; real folders never used for training):")
    print(table)
    print(f"\nTFLM arena: {arena_measured} bytes measured, {arena} in the manifest; "
          f"model {len(shipped_bytes)} bytes; {macs_per_second} MACs/s; threshold {detector.threshold}, "
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
    print("stage seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in timer.times.items()) +
          f", total {sum(timer.times.values()):.0f}")
    print(f"bundle: {bundle_dir} (sha256 {sha256_hex(shipped_bytes)[:16]}...)")
    return {"bundle": str(bundle_dir), "ablation": rows, "stage_seconds": timer.times}


def _folder_options(parser: argparse.ArgumentParser) -> None:
    from training.quickstart import FOLDERS

    for option, (table, key, meaning) in FOLDERS.items():
        parser.add_argument(f"--{option}", nargs="+", default=[], metavar="DIR",
                            help=f"{meaning} ([{table}] {key})")


def init_main(argv) -> int:
    """``wakeword-train init NAME``: write a commented config to edit."""
    from training.quickstart import config_text, write_config

    parser = argparse.ArgumentParser(prog="wakeword-train init",
                                     description="Write a commented training config for a new wake word.")
    parser.add_argument("name", help="keyword name (a-z, 0-9, _), e.g. hey_mirror")
    parser.add_argument("--phrase", default=None, help="what is said (default: the name's words)")
    parser.add_argument("--version", default="0.1.0")
    parser.add_argument("--out", type=Path, default=None, help="config file to write (default configs/NAME.toml)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    _folder_options(parser)
    args = parser.parse_args(argv)
    name = args.name
    out = args.out or Path("configs") / f"{name}.toml"
    folders = {k: getattr(args, k) for k in ("speech", "noise", "rir", "negatives", "positives")}
    text = config_text(name, phrase=args.phrase, version=args.version, folders=folders, base=out.parent)
    write_config(out, text, force=args.force)
    print(f"wrote {out}: edit it, then  wakeword-train {out} --out runs/{name}")
    return 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["init"]:
            return init_main(argv[1:])
        return train_main(argv)
    except WakewordError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def train_main(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="wakeword-train", description=__doc__.splitlines()[0],
        epilog="wakeword-train init NAME [--phrase ...] writes a commented config to start from.")
    parser.add_argument("config", nargs="?", default=None, help="training config (TOML); or give --phrase")
    parser.add_argument("--phrase", default=None,
                        help="train this phrase with the default recipe and the folders given below, no config")
    parser.add_argument("--name", default=None, help="with --phrase: the keyword name (default from the phrase)")
    _folder_options(parser)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default runs/NAME)")
    parser.add_argument("--cache", type=Path, default=Path("cache"), help="cache for synthesized audio and features")
    parser.add_argument("--firmware-dir", type=Path, default=None,
                        help="also write model_data.cc/h and model_settings.h here (e.g. firmware/generated)")
    parser.add_argument("--sign-key", type=Path, default=None,
                        help="sign the bundle with this Ed25519 private key (see `wakeword keygen`)")
    parser.add_argument("--verbose", type=int, default=2, help="Keras verbosity (0, 1, 2)")
    parser.add_argument("--seed", type=int, default=0,
                        help="training seed (the data stays the same): another run of the same recipe")
    args = parser.parse_args(argv)
    from training.config import load_config
    from training.quickstart import config_for_phrase

    folders = {k: getattr(args, k) for k in ("speech", "noise", "rir", "negatives", "positives")}
    if (args.config is None) == (args.phrase is None):
        parser.error("give a config file or --phrase (not both)")
    if args.config is not None and (args.name or any(folders.values())):
        parser.error("--name and the folder options go with --phrase; a config names its own folders")
    if args.config is not None:
        config = load_config(args.config)
    else:
        config = config_for_phrase(args.phrase, name=args.name, folders=folders)
    out = args.out or Path("runs") / config.keyword.name
    result = run(config, out_dir=out, cache_dir=args.cache, firmware_dir=args.firmware_dir,
                 verbose=args.verbose, seed=args.seed)
    if args.sign_key is not None:
        from wakeword.signing import sign_bundle

        sign_bundle(result["bundle"], args.sign_key)
        print(f"signed {result['bundle']} with {args.sign_key}")
    else:
        print("the bundle is unsigned: load it with --allow-unsigned, or sign it (wakeword sign)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
