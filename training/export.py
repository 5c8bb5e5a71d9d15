"""Export: int8 streaming TFLite -> measured TFLM arena -> budget check -> bundle + C array.

Everything the firmware needs is generated from the manifest (see
:func:`firmware_sources`), so no constant is typed twice.
"""

from __future__ import annotations

import datetime as _dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from wakeword.bundle import sha256_hex
from wakeword.config import FORMAT_VERSION, DetectorConfig, FeatureConfig, Manifest, ModelSpec, VerifierConfig
from wakeword.errors import ConfigError
from wakeword.model import describe_model
from wakeword.model_slot import HEADER_BYTES, model_slot_for_manifest

from .config import BudgetConfig

ARENA_MARGIN = 1.1
ARENA_ALIGN = 64


class BudgetError(ConfigError):
    """The exported model does not fit the configured hardware budget."""


#: one probe of :func:`_tflm_runs`, in a child process (argv: model, arena, frames, channels)
_TFLM_PROBE = """
import os, sys
import numpy as np
from tflite_micro import runtime
devnull = os.open(os.devnull, os.O_WRONLY)
os.dup2(devnull, 2)  # TFLM prints allocation failures to C stderr
try:
    interpreter = runtime.Interpreter.from_file(sys.argv[1], arena_size=int(sys.argv[2]))
    interpreter.set_input(np.zeros((1, int(sys.argv[3]), int(sys.argv[4])), np.int8), 0)
    interpreter.invoke()
except (RuntimeError, ValueError):
    sys.exit(3)
"""


def _tflm_runs(model_path: str, arena_size: int, stride_frames: int, channels: int) -> bool:
    """Whether the tflite-micro interpreter runs the model with this arena. Each probe runs in a child
    process: for some arena sizes that are too small the interpreter crashes (SIGSEGV) instead of
    raising (full convolutions with dilations 1,2,4,4 at 24 channels: 8,192 bytes and 256 or less),
    and a crash must mean "does not run", not the end of the training run."""
    result = subprocess.run([sys.executable, "-c", _TFLM_PROBE, model_path, str(arena_size), str(stride_frames),
                             str(channels)], capture_output=True, text=True, timeout=300)
    if result.returncode == 0:
        return True
    if result.returncode == 3 or result.returncode < 0:  # refused, or crashed on a signal
        return False
    raise RuntimeError(f"the tflite-micro probe failed: {result.stderr.strip()[-500:]}")


def measure_arena_bytes(model_bytes: bytes, *, stride_frames: int, channels: int = 40,
                        upper: int = 256 * 1024) -> int:
    """Smallest tensor arena (bytes) with which the tflite-micro interpreter runs the model (bisection).

    ``stride_frames``: frames per call (a streaming model's stride, a window model's window).
    """
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".tflite", delete=False) as fh:
        fh.write(model_bytes)
        path = fh.name
    try:
        if not _tflm_runs(path, upper, stride_frames, channels):
            raise BudgetError(f"the model does not run in TFLite Micro even with a {upper}-byte arena")
        lo, hi = 0, upper
        while hi - lo > 16:
            mid = (lo + hi) // 2
            if _tflm_runs(path, mid, stride_frames, channels):
                hi = mid
            else:
                lo = mid
        return hi
    finally:
        os.unlink(path)


def tflm_and_litert_outputs(model_bytes: bytes, inputs: np.ndarray, *, arena_bytes: int) -> np.ndarray:
    """Run the same calls through the tflite-micro interpreter and LiteRT's exact kernels.

    Parameters
    ----------
    inputs : (calls, frames, channels) model inputs (already quantized), fed in order, so a
        streaming model's state evolves the same way in both.

    Returns
    -------
    (calls, 2) int array: LiteRT's and TFLM's first output value per call.
    """
    from tflite_micro import runtime

    from wakeword.model import make_interpreter

    lite = make_interpreter(model_bytes, exact=True)
    inp, out = lite.get_input_details()[0], lite.get_output_details()[0]
    tflm = runtime.Interpreter.from_bytes(model_bytes, arena_size=arena_bytes)
    results = np.zeros((len(inputs), 2), np.int64)
    for call, x in enumerate(inputs):
        lite.set_tensor(inp["index"], x[None])
        lite.invoke()
        tflm.set_input(x[None], 0)
        tflm.invoke()
        results[call] = (int(lite.get_tensor(out["index"]).reshape(-1)[0]),
                         int(np.asarray(tflm.get_output(0)).reshape(-1)[0]))
    return results


def check_budget(*, size_bytes: int, arena_bytes: int, macs_per_second: int, budget: BudgetConfig) -> None:
    problems = []
    if size_bytes > budget.model_flash_bytes:
        problems.append(f"model is {size_bytes} bytes, budget.model_flash_bytes is {budget.model_flash_bytes}")
    if arena_bytes > budget.arena_bytes:
        problems.append(f"TFLM arena needs {arena_bytes} bytes, budget.arena_bytes is {budget.arena_bytes}")
    if macs_per_second > budget.macs_per_second:
        problems.append(f"model needs {macs_per_second} MACs per second of audio, "
                        f"budget.macs_per_second is {budget.macs_per_second}")
    if problems:
        raise BudgetError("the model breaks its hardware budget: " + "; ".join(problems) +
                          ". Use fewer model channels or raise the budget in the config.")


def model_spec(model_bytes: bytes, *, receptive_field_frames: int, kind: str = "streaming",
               stride_frames: int | None = None, arena_bytes: int = 0, macs_per_inference: int = 0,
               file: str = "model.tflite") -> ModelSpec:
    """How the runtime drives ``model_bytes`` (shapes, dtypes, quantization and ops read from it),
    stored in the bundle as ``file``.

    ``stride_frames`` is needed for window models (a streaming model's stride is its input length).
    """
    info = describe_model(model_bytes)
    if stride_frames is None:
        stride_frames = info["input_shape"][1]
    return ModelSpec(
        file=file, sha256=sha256_hex(model_bytes), kind=kind,
        input_shape=tuple(info["input_shape"]), output_shape=tuple(info["output_shape"]),
        input_dtype=info["input_dtype"], output_dtype=info["output_dtype"],
        input_scale=info["input_scale"], input_zero_point=info["input_zero_point"],
        output_scale=info["output_scale"], output_zero_point=info["output_zero_point"],
        stride_frames=stride_frames, receptive_field_frames=receptive_field_frames,
        size_bytes=len(model_bytes), ops=tuple(info["ops"]), tflm_arena_bytes=arena_bytes,
        macs_per_inference=macs_per_inference,
    )


def build_manifest(model_bytes: bytes, *, name: str, version: str, keywords: tuple[str, ...],
                   receptive_field_frames: int, macs_per_inference: int, arena_bytes: int,
                   detector: DetectorConfig, training: dict[str, Any], metrics: dict[str, Any],
                   kind: str = "streaming", stride_frames: int | None = None,
                   verifier: VerifierConfig | None = None) -> Manifest:
    """The manifest of an exported model; shapes, dtypes, quantization and ops are read from it.

    ``stride_frames`` is needed for window models (a streaming model's stride is its input length);
    ``verifier`` is the cascade's second stage, if any (its file goes into the bundle beside the model).
    """
    spec = model_spec(model_bytes, receptive_field_frames=receptive_field_frames, kind=kind,
                      stride_frames=stride_frames, arena_bytes=arena_bytes, macs_per_inference=macs_per_inference)
    return Manifest(format_version=FORMAT_VERSION, name=name, version=version, keywords=keywords,
                    features=FeatureConfig(), model=spec, detector=detector, training=training, metrics=metrics,
                    created=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), verifier=verifier)


def arena_with_margin(measured: int) -> int:
    size = int(measured * ARENA_MARGIN)
    return (size + ARENA_ALIGN - 1) // ARENA_ALIGN * ARENA_ALIGN


# --- firmware sources, generated from the manifest -------------------------------------------

_OP_REGISTRATION = {  # TFLite builtin op name -> MicroMutableOpResolver method
    "ASSIGN_VARIABLE": "AddAssignVariable", "CALL_ONCE": "AddCallOnce", "CONCATENATION": "AddConcatenation",
    "CONV_2D": "AddConv2D", "DEPTHWISE_CONV_2D": "AddDepthwiseConv2D", "FULLY_CONNECTED": "AddFullyConnected",
    "LOGISTIC": "AddLogistic", "QUANTIZE": "AddQuantize", "READ_VARIABLE": "AddReadVariable",
    "RESHAPE": "AddReshape", "SLICE": "AddSlice", "STRIDED_SLICE": "AddStridedSlice",
    "VAR_HANDLE": "AddVarHandle",
    "DEQUANTIZE": "AddDequantize", "AVERAGE_POOL_2D": "AddAveragePool2D", "MAX_POOL_2D": "AddMaxPool2D",
    "SOFTMAX": "AddSoftmax", "ADD": "AddAdd", "MUL": "AddMul", "MEAN": "AddMean", "PAD": "AddPad",
}


def calibration_sequences(x_train: np.ndarray, *, windows: int = 300, per_stream: int = 20) -> list[np.ndarray]:
    """Calibration streams for int8 conversion: ``windows`` training windows (seeded choice) played
    ``per_stream`` at a time back to back, so a streaming model's state sees stream-like input.

    x_train : (n, frames, 1, channels) float features.
    """
    rng = np.random.default_rng(0)
    index = rng.choice(len(x_train), min(windows, len(x_train)), replace=False)
    return [np.concatenate([x_train[i, :, 0, :] for i in index[j:j + per_stream]])
            for j in range(0, len(index), per_stream)]


def firmware_sources(manifest: Manifest, model_bytes: bytes) -> dict[str, str]:
    """``model_data.h``, ``model_data.cc`` and ``model_settings.h`` for the sketch.

    ``model_data.cc`` holds the model as a model slot (:func:`wakeword.model_slot.pack_model_slot`:
    header, then the model bytes), so the board checks its own built-in model exactly as it
    checks one received over BLE.
    """
    unknown = [op for op in manifest.model.ops if op not in _OP_REGISTRATION]
    if unknown:
        raise BudgetError(f"no TFLite Micro registration known for op(s) {', '.join(unknown)}")
    m, f, d = manifest.model, manifest.features, manifest.detector
    keywords = ", ".join(f'"{k}"' for k in manifest.keywords)
    frontend = frontend_constants(f)
    ops = "".join(f"  X({_OP_REGISTRATION[op]}) \\\n" for op in m.ops)
    settings = f"""// Generated from {manifest.name} {manifest.version} manifest.json by training/export.py. Do not edit.
#pragma once
#include <cstdint>

namespace wakeword_model {{
constexpr int kSampleRateHz = {f.sample_rate_hz};
constexpr int kWindowMs = {f.window_ms};
constexpr int kStepMs = {f.step_ms};
constexpr int kFeatureChannels = {f.channels};
{frontend}
constexpr int kStrideFrames = {m.stride_frames};
constexpr int kReceptiveFieldFrames = {m.receptive_field_frames};
constexpr int kKeywordCount = {len(manifest.keywords)};
constexpr const char* kKeywords[kKeywordCount] = {{{keywords}}};
constexpr float kInputScale = {m.input_scale!r}f;
constexpr int kInputZeroPoint = {m.input_zero_point};
constexpr float kOutputScale = {m.output_scale!r}f;
constexpr int kOutputZeroPoint = {m.output_zero_point};
constexpr uint8_t kDetectionThreshold = {d.threshold};
constexpr int kDetectionWindow = {d.window};
constexpr uint32_t kRefractoryMs = {d.refractory_ms};
constexpr int kFastWindow = {d.fast_window};  // 0: no fast path
constexpr int kFastMargin = {d.fast_margin};
constexpr int kTensorArenaBytes = {m.tflm_arena_bytes};
constexpr int kModelBytes = {m.size_bytes};
constexpr long kMacsPerInference = {m.macs_per_inference};
constexpr int kOpCount = {len(m.ops)};
}}  // namespace wakeword_model

// X-macro of the MicroMutableOpResolver registrations the model needs.
#define WAKEWORD_MODEL_OPS(X) \\
{ops}
"""
    header = f"""// Generated by training/export.py. Do not edit.
// The built-in model as a model slot (wakeword/model_slot.py, firmware/MODEL_UPDATES.md):
// a {HEADER_BYTES}-byte header (magic, version, length, sha256, CRC-32), then the .tflite bytes.
// The sketch runs it only after CheckModelSlot accepts it (wakeword::SelectModel).
#pragma once
#include <cstdint>

extern const unsigned char g_wakeword_model_slot[];
extern const unsigned int g_wakeword_model_slot_len;
"""
    # The array is 16-byte aligned and TFLite Micro wants the model (after the header) so too.
    if HEADER_BYTES % 16:
        raise BudgetError(f"a {HEADER_BYTES}-byte slot header would misalign the model in model_data.cc")
    slot = model_slot_for_manifest(manifest, model_bytes)

    def rows(data: bytes, per_row: int) -> list[str]:
        return ["  " + ", ".join(f"0x{b:02x}" for b in data[start:start + per_row]) + ","
                for start in range(0, len(data), per_row)]

    data = (f"// Generated by training/export.py from {manifest.name} {manifest.version} "
            f"(sha256 {m.sha256}). Do not edit.\n"
            '#include "model_data.h"\n\n'
            "alignas(16) const unsigned char g_wakeword_model_slot[] = {\n"
            f"  // slot header ({HEADER_BYTES} bytes): version {manifest.version}, "
            f"format {manifest.format_version}, model length {len(model_bytes)}\n"
            + "\n".join(rows(slot[:HEADER_BYTES], 16)) + "\n"
            f"  // model ({len(model_bytes)} bytes, sha256 {m.sha256})\n"
            + "\n".join(rows(slot[HEADER_BYTES:], 12)) + "\n};\n"
            f"const unsigned int g_wakeword_model_slot_len = {len(slot)};\n")
    return {"model_settings.h": settings, "model_data.h": header, "model_data.cc": data}


#: the frontend tuning's C++ names and types in model_settings.h (wakeword.features.TFLM_FRONTEND_TUNING)
FRONTEND_CONSTANTS = {
    "lower_band_limit_hz": ("float", "kFrontendLowerBandHz"),
    "upper_band_limit_hz": ("float", "kFrontendUpperBandHz"),
    "noise_smoothing_bits": ("int", "kFrontendNoiseSmoothingBits"),
    "noise_even_smoothing": ("float", "kFrontendNoiseEvenSmoothing"),
    "noise_odd_smoothing": ("float", "kFrontendNoiseOddSmoothing"),
    "noise_min_signal_remaining": ("float", "kFrontendNoiseMinSignalRemaining"),
    "pcan_enable": ("int", "kFrontendPcanEnable"),
    "pcan_strength": ("float", "kFrontendPcanStrength"),
    "pcan_offset": ("float", "kFrontendPcanOffset"),
    "pcan_gain_bits": ("int", "kFrontendPcanGainBits"),
    "log_enable": ("int", "kFrontendLogEnable"),
    "log_scale_shift": ("int", "kFrontendLogScaleShift"),
}


def frontend_constants(features) -> str:
    """The C++ constants of the feature definition the manifest names (``features.frontend``): the
    microfrontend's tuning and the raw units per feature unit, as the sketch's feature provider and
    input quantization use them."""
    from wakeword.features import FEATURE_RAW_PER_UNIT, TFLM_FRONTEND_TUNING

    if features.frontend != "tflm_microfrontend":
        raise BudgetError(f"no firmware frontend for features.frontend {features.frontend!r}")
    if set(TFLM_FRONTEND_TUNING) != set(FRONTEND_CONSTANTS):
        raise BudgetError("the frontend tuning and its C++ names differ: update export.FRONTEND_CONSTANTS")
    lines = [f"// the {features.frontend} tuning (wakeword.features.TFLM_FRONTEND_TUNING) and feature scale"]
    for key, (ctype, name) in FRONTEND_CONSTANTS.items():
        value = TFLM_FRONTEND_TUNING[key]
        lines.append(f"constexpr float {name} = {float(value)!r}f;" if ctype == "float"
                     else f"constexpr int {name} = {int(value)};")
    lines.append(f"constexpr double kFeatureRawPerUnit = {float(FEATURE_RAW_PER_UNIT)!r};")
    return "\n".join(lines)


def write_firmware_sources(out_dir: Path, manifest: Manifest, model_bytes: bytes) -> list[Path]:
    """Write the generated firmware files into ``out_dir`` (e.g. ``firmware/generated``)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in firmware_sources(manifest, model_bytes).items():
        tmp = out_dir / f".{name}.tmp"
        tmp.write_text(text)
        os.replace(tmp, out_dir / name)
        written.append(out_dir / name)
    return written
