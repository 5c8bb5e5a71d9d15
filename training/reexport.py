"""Re-export a trained int8 streaming TCN bundle into the current streaming graph.

``wakeword-reexport BUNDLE|MODEL.tflite CONFIG.toml --out DIR [--cache cache] [--arch teacher]``

The int8 model holds the trained network exactly: per-channel int8 weights, int32 biases
and their scales. This tool reads them back (dequantized: ``w = q * scale``, batch norm is
already folded in), rebuilds :class:`training.streaming.StreamingTCN` from them and converts
it again with the trainer's calibration sequences, so a model trained with an older exporter
(e.g. the STRIDED_SLICE graph) runs in the current one without retraining. Requantizing a
dequantized int8 weight gives the same int8 weight (the per-channel scale is ``max|w| / 127``
either way); the activation scales come from calibration again, so outputs can move by a
few LSB. The tool checks the weights and reports the score agreement of the two models on
real audio, then chooses the operating point again (same rule as the trainer) and writes a
bundle whose manifest records where it came from. A float model from a run's ``variants/``
folder (e.g. ``float_teacher.tflite``) is quantized the same way: that is how a teacher becomes
an int8 bundle when the flash budget allows it. With ``--keep-model`` the bundle's int8 model
is kept byte for byte and only the operating point is chosen again (after the rule changed).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from wakeword.bundle import Bundle, open_bundle, save_bundle, sha256_hex
from wakeword.command import add_bundle_options, command
from wakeword.errors import WakewordError
from wakeword.model import make_interpreter

from . import evaluate as ev
from . import export
from .config import load_config
from .data import build_windows
from .streaming import StreamingTCN, convert_streaming

_WEIGHT_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


def _dequantized(interpreter, details_by_index: dict, index: int) -> np.ndarray:
    tensor = interpreter.get_tensor(index)
    q = details_by_index[index]["quantization_parameters"]
    scales = np.asarray(q["scales"], np.float64)
    zeros = np.asarray(q["zero_points"], np.float64)
    if scales.size == 0:
        return tensor.astype(np.float32)
    shape = [1] * tensor.ndim
    if scales.size > 1:
        shape[q["quantized_dimension"]] = scales.size
    return ((tensor.astype(np.float64) - zeros.reshape(shape)) * scales.reshape(shape)).astype(np.float32)


def _identity_bn(bias: np.ndarray) -> dict[str, np.ndarray]:
    n = bias.shape[0]
    return {"gamma": np.ones(n, np.float32), "beta": bias.astype(np.float32), "moving_mean": np.zeros(n, np.float32),
            "moving_variance": np.ones(n, np.float32), "epsilon": np.float32(0.0)}


def _weight_ops(interpreter) -> list[dict]:
    """The convolution and fully connected ops, in execution order."""
    return [op for op in interpreter._get_ops_details() if op["op_name"] in _WEIGHT_OPS]  # noqa: SLF001


def _tcn_weight_ops(model_bytes: bytes, arch) -> tuple:
    """(interpreter, tensor details by index, weight ops) of a streaming TCN of ``arch``'s blocks."""
    interpreter = make_interpreter(model_bytes, exact=True)
    details = {d["index"]: d for d in interpreter.get_tensor_details()}
    ops = _weight_ops(interpreter)
    block_ops = ["DEPTHWISE_CONV_2D", "CONV_2D"] if arch.separable else ["CONV_2D"]
    want = ["CONV_2D"] + block_ops * len(arch.dilations) + ["FULLY_CONNECTED"]
    if [op["op_name"] for op in ops] != want:
        raise WakewordError(f"the model is not the config's architecture ({len(arch.dilations)} "
                            f"{'separable' if arch.separable else 'full-convolution'} blocks; check [student] "
                            f"separable and dilations): its weight ops are {[op['op_name'] for op in ops]}")
    return interpreter, details, ops


def float_weights_from_int8(model_bytes: bytes, arch) -> dict[str, dict[str, np.ndarray]]:
    """Weights of a streaming TCN int8 model, in :func:`training.streaming.extract_weights`' layout."""
    interpreter, details, ops = _tcn_weight_ops(model_bytes, arch)

    def filt(op):
        return _dequantized(interpreter, details, int(op["inputs"][1]))

    def bias(op):
        return _dequantized(interpreter, details, int(op["inputs"][2]))

    weights: dict[str, dict[str, np.ndarray]] = {}
    conv_in = ops[0]
    weights["conv_in"] = {"kernel": filt(conv_in).transpose(1, 2, 3, 0)}  # (out,kh,kw,in) -> (kh,kw,in,out)
    weights["conv_in_bn"] = _identity_bn(bias(conv_in))
    for i in range(len(arch.dilations)):
        if not arch.separable:
            conv = ops[1 + i]
            weights[f"block{i}_conv"] = {"kernel": filt(conv).transpose(1, 2, 3, 0)}
            weights[f"block{i}_conv_bn"] = _identity_bn(bias(conv))
            continue
        dw, pw = ops[1 + 2 * i], ops[2 + 2 * i]
        weights[f"block{i}_dw"] = {"depthwise_kernel": filt(dw)[0][..., None]}  # (1,kh,kw,C) -> (kh,kw,C,1)
        weights[f"block{i}_dw_bn"] = _identity_bn(bias(dw))
        weights[f"block{i}_pw"] = {"kernel": filt(pw).transpose(1, 2, 3, 0)}
        weights[f"block{i}_pw_bn"] = _identity_bn(bias(pw))
    fc = ops[-1]
    weights["logit"] = {"kernel": filt(fc).T, "bias": bias(fc)}
    return weights


def model_arch(model_bytes: bytes, arch):
    """``arch`` with the layer widths the model has: a structured-pruned variant
    (``int8_PTQ__channels_pruned.tflite``) is narrower than its config's student."""
    import dataclasses

    _, details, ops = _tcn_weight_ops(model_bytes, arch)
    shapes = [tuple(int(v) for v in details[int(op["inputs"][1])]["shape"]) for op in ops[:-1]]
    # filters: CONV_2D (out, kh, kw, in), DEPTHWISE_CONV_2D (1, kh, kw, channels)
    taps = [shape[1] for shape in shapes]
    if taps[0] != arch.first_kernel or any(t not in (1, arch.kernel) for t in taps[1:]):
        raise WakewordError(f"the model's kernels ({taps}) are not the config's (first_kernel {arch.first_kernel}, "
                            f"kernel {arch.kernel})")
    outputs = [shape[-1] if op["op_name"] == "DEPTHWISE_CONV_2D" else shape[0] for op, shape in zip(ops, shapes)]
    per_block = 2 if arch.separable else 1
    widths = (outputs[0], *outputs[per_block::per_block])
    return arch if widths == arch.layer_widths else dataclasses.replace(arch, widths=widths)


def int8_weights(model_bytes: bytes) -> list[np.ndarray]:
    """The int8 filters of the weight ops, in execution order (to compare two exports)."""
    interpreter = make_interpreter(model_bytes, exact=True)
    return [interpreter.get_tensor(int(op["inputs"][1])) for op in _weight_ops(interpreter)]


def _source_bundle(path: Path, config, arch, *, allow_unsigned: bool = False,
                   trusted_key_files: tuple = ()) -> Bundle:
    """A bundle (loaded like everywhere else: :func:`wakeword.bundle.open_bundle`), or a bare streaming
    ``.tflite`` of a run's ``variants/`` (manifest fields from the config)."""
    if path.suffix != ".tflite":
        return open_bundle(path, allow_unsigned=allow_unsigned, trusted_key_files=trusted_key_files)
    model_bytes = path.read_bytes()
    manifest = export.build_manifest(
        model_bytes, name=config.keyword.name, version=config.keyword.version, keywords=(config.keyword.name,),
        receptive_field_frames=arch.receptive_field_frames, macs_per_inference=arch.macs_per_call(),
        arena_bytes=0, detector=config.export.detector, training={"source_file": str(path)}, metrics={})
    return Bundle(source=str(path), manifest=manifest, model_bytes=model_bytes, files={})


def _cascade_again(config, source: Bundle, *, new_bundle_streams: dict, inputs, first_stage: dict):
    """:func:`training.evaluate.choose_cascade` for a re-exported bundle, with the source's verifier
    (the float teacher of its run: ``config.teacher``'s architecture)."""
    spec = source.manifest.verifier.model
    verifier = Bundle(source=f"{source.source}/{spec.file}", model_bytes=source.verifier_bytes, files={},
                      manifest=export.build_manifest(
                          source.verifier_bytes, name=source.manifest.name, version=source.manifest.version,
                          keywords=source.manifest.keywords, receptive_field_frames=spec.receptive_field_frames,
                          macs_per_inference=spec.macs_per_inference, arena_bytes=0,
                          detector=config.export.detector, training={}, metrics={}))
    streams = ev.bundle_curves(verifier, inputs, keyword=source.manifest.name, detector=config.export.detector,
                               windows=config.export.windows)["streams"]
    return ev.choose_cascade(config, stage1_streams=new_bundle_streams, verifier_streams=streams,
                             verifier_bytes=source.verifier_bytes, verifier_arch=config.teacher, inputs=inputs,
                             first_stage=first_stage)


def reexport(bundle_path: Path, config_path: Path, out_dir: Path, cache_dir: Path, *, arch_name: str = "student",
             keep_model: bool = False, allow_unsigned: bool = False, trusted_key_files: tuple = ()) -> dict:
    """Convert ``bundle_path`` (a bundle, or a float/int8 ``.tflite`` from a run's ``variants/``) again.

    arch_name : "student" or "teacher": which architecture of the config the model has.
    keep_model : keep the source's model bytes as they are and only choose the operating point again
        (with the config's current ``[export]`` rule), e.g. after the threshold rule changed.
    """
    config = load_config(config_path)
    if arch_name not in ("student", "teacher"):
        raise WakewordError(f"arch must be 'student' or 'teacher', not {arch_name!r}")
    arch = getattr(config, arch_name)
    source = _source_bundle(Path(bundle_path), config, arch, allow_unsigned=allow_unsigned,
                            trusted_key_files=trusted_key_files)
    if source.manifest.model.kind != "streaming":
        raise WakewordError(f"{bundle_path}: only streaming TCN bundles can be re-exported")
    arch = model_arch(source.model_bytes, arch)  # a pruned variant is narrower than the config says
    if keep_model:
        if source.manifest.model.input_dtype != "int8":
            raise WakewordError(f"{bundle_path}: keep_model needs an int8 bundle (a float model must be quantized)")
        model_bytes = source.model_bytes
    else:
        weights = float_weights_from_int8(source.model_bytes, arch)
        train, _val, _stats = build_windows(config, cache_dir=cache_dir)  # the calibration sequences
        model_bytes = convert_streaming(StreamingTCN(weights, arch),
                                        representative=export.calibration_sequences(train.as_float()))
    same = ([np.array_equal(a, b) for a, b in zip(int8_weights(source.model_bytes), int8_weights(model_bytes))]
            if source.manifest.model.input_dtype == "int8" else [])  # a float source has no int8 weights yet
    print(f"int8 weights identical in {sum(same)} of {len(same)} weight ops")
    arena_measured = export.measure_arena_bytes(model_bytes, stride_frames=arch.stride_frames)
    arena = export.arena_with_margin(arena_measured)

    def bundle_of(detector, training: dict, metrics: dict, verifier=None) -> Bundle:
        manifest = export.build_manifest(
            model_bytes, name=source.manifest.name, version=config.keyword.version,
            keywords=source.manifest.keywords, receptive_field_frames=arch.receptive_field_frames,
            macs_per_inference=arch.macs_per_call(), arena_bytes=arena, detector=detector, training=training,
            metrics=metrics, verifier=verifier)
        return Bundle(source=str(out_dir), manifest=manifest, model_bytes=model_bytes, files={})

    if config.keyword.version != source.manifest.version:
        print(f"version {source.manifest.version} -> {config.keyword.version} (from {config_path})")
    detector = source.manifest.detector
    metrics = dict(source.manifest.metrics)
    training = dict(source.manifest.training)
    report: dict = {"keep_model": keep_model,
                    "weights_identical_ops": int(sum(same)), "weight_ops": len(same), "arena_measured": arena_measured,
                    "size_bytes": len(model_bytes), "source_size_bytes": len(source.model_bytes)}
    build_windows(config, cache_dir=cache_dir)  # the held-out keyword clips of the operating point (cached)
    inputs = ev.threshold_inputs(config, cache_dir=cache_dir)
    # a cascade's second stage stays as it was, unless it is chosen again below
    verifier = source.manifest.verifier
    extra_files = {} if verifier is None else {verifier.model.file: source.verifier_bytes}
    if inputs is not None:
        old_scores = ev.model_scores(source, inputs.negative_frames)[1]
        new_bundle = bundle_of(detector, training, metrics)
        new_scores = ev.model_scores(new_bundle, inputs.negative_frames)[1]
        diff = np.abs(old_scores.astype(int) - new_scores.astype(int))
        report.update({"score_max_abs_diff": int(diff.max()), "score_equal_fraction": float(np.mean(diff == 0)),
                       "score_mean_abs_diff": float(diff.mean())})
        print(f"scores on {inputs.negative_hours:.2f} h of real negatives: equal {np.mean(diff == 0):.1%}, "
              f"mean |diff| {diff.mean():.3f}, max |diff| {diff.max()}")
        curves = ev.bundle_curves(new_bundle, inputs, keyword=source.manifest.name, detector=config.export.detector,
                                  windows=config.export.windows)
        window, point, chosen = ev.operating_point_metrics(
            curves["curves"], config.export, negative_hours=inputs.negative_hours,
            positives=len(inputs.heldout_frames), noise_curves=curves["noise_curves"],
            noise_hours=inputs.noise_hours, real_curves=curves["real_curves"], real_half=inputs.real_half)
        # the fast path is chosen again below, for this window
        detector = dataclasses.replace(detector, threshold=point.threshold, window=window, fast_window=0)
        metrics.update(chosen)
        report["operating_point"] = metrics["operating_point"]
        if source.verifier_bytes is not None:  # the cascade is chosen again too, with the same verifier
            metrics.pop("cascade", None)
            verifier, extra_files = None, {}
            if config.cascade.enabled:
                verifier, extra_files, metrics["cascade"] = _cascade_again(
                    config, source, new_bundle_streams=curves["streams"], inputs=inputs,
                    first_stage=metrics["operating_point"])
                report["cascade"] = {k: v for k, v in metrics["cascade"].items() if not k.endswith("by_threshold")}
        if verifier is None:  # a cascade keeps the window alone
            detector = ev.with_fast_path(metrics, curves["streams"], detector, config.export,
                                         keyword=source.manifest.name, inputs=inputs)
            report["operating_point"] = metrics["operating_point"]
    training["arena_measured_bytes"] = arena_measured
    training["reexported_from"] = {"model_sha256": sha256_hex(source.model_bytes), "tool": "training/reexport.py",
                                   "report": report}
    save_bundle(out_dir, bundle_of(detector, training, metrics, verifier).manifest, model_bytes,
                extra_files=extra_files)
    print(json.dumps(report, indent=2))
    return report


@command
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="wakeword-reexport", description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="a bundle (folder or .wwb), or a model.tflite of a run's variants/")
    parser.add_argument("config", type=Path, help="the training config the bundle was trained with")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cache", type=Path, default=Path("cache"))
    parser.add_argument("--arch", choices=("student", "teacher"), default="student",
                        help="the config's architecture the model has (default student)")
    parser.add_argument("--keep-model", action="store_true",
                        help="keep the bundle's int8 model bytes; only choose the operating point again")
    add_bundle_options(parser, bundle=False)
    args = parser.parse_args(argv)
    reexport(args.bundle, args.config, args.out, args.cache, arch_name=args.arch, keep_model=args.keep_model,
             allow_unsigned=args.allow_unsigned, trusted_key_files=tuple(args.trusted_key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
