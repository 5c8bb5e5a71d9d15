"""A model's cost on the Cortex-M4F, measured on the emulated board, and a cost model fitted to it.

:class:`Meter` runs ``firmware/m4/m4_cost.cc`` (built by ``make -C firmware m4-cost``: TFLite
Micro with CMSIS-NN, the kernels the sketch links) on QEMU's mps2-an386 with its instruction
trace: the exact instructions of one streaming model call (the second; the first initialises the
state), the arena TFLite Micro took (tensors and the streaming state), and the model's bytes.

:class:`CostModel` predicts those three from a :class:`training.models.tcn.TCNConfig` alone, so
the architecture search (:mod:`training.search`) can drop a candidate over budget before training
it: a least-squares fit (non-negative coefficients) on measured random architectures of the
search space, checked on fresh ones (:func:`fit`, :func:`relative_errors`; the search's
:func:`training.search.calibrate`).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wakeword.errors import WakewordError

from .models.tcn import TCNConfig

REPO_ROOT = Path(__file__).resolve().parents[1]
FIRMWARE_DIR = REPO_ROOT / "firmware"
TOOLS = ("make", "arm-none-eabi-g++", "arm-none-eabi-nm", "qemu-system-arm")
INSTALL_HINT = ("apt-get install make gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib "
                "qemu-system-arm (or scripts/system_packages.sh)")
#: nRF52840 core clock; model calls per second are 100 / stride_frames
CLOCK_HZ = 64_000_000


def count_marked(elf: Path, **options):
    """``firmware/tools/m4_run.py``'s :func:`count_marked` (the instruction trace of a program under QEMU)."""
    sys.path.insert(0, str(FIRMWARE_DIR / "tools"))
    try:
        from m4_run import count_marked as count
    finally:
        sys.path.pop(0)
    return count(elf, **options)


class MeasureError(WakewordError):
    """A model could not be measured on the emulated Cortex-M4 (tools missing, build or run failed)."""


@dataclass(frozen=True)
class Measured:
    """One model on the emulated Cortex-M4F."""

    instructions: int       # one streaming call (CMSIS-NN kernels unless measured with the reference ones)
    arena_used_bytes: int   # what AllocateTensors took (tensors, kernel state, resource variables)
    model_bytes: int        # the flatbuffer (flash)

    def instructions_per_second(self, stride_frames: int) -> float:
        return self.instructions * 100.0 / stride_frames


class Meter:
    """Measures models on the emulated board; builds the program it needs on first use (and
    remembers a failed build instead of trying again). :meth:`start_build` starts that build in the
    background, at low priority, so that it runs while the CPU has room (a trainer starts it with
    its training stages: on a new checkout it takes about 80 s of 2 cores)."""

    def __init__(self, build_dir: Path | None = None) -> None:
        self.build_dir = (Path(build_dir) if build_dir is not None else FIRMWARE_DIR / "build").resolve()
        self._elfs: dict[bool, Path] = {}
        self._failed: dict[bool, str] = {}
        self._builds: dict[bool, tuple[subprocess.Popen, object]] = {}  # running: (process, its output file)

    @staticmethod
    def missing() -> str | None:
        """Why models cannot be measured here (a missing tool), or None."""
        lacking = [tool for tool in TOOLS if shutil.which(tool) is None]
        if lacking:
            return f"{', '.join(lacking)} not found ({INSTALL_HINT})"
        if not (FIRMWARE_DIR / "m4" / "m4_cost.cc").is_file():
            return "firmware/m4/m4_cost.cc is not in this installation (a source checkout has it)"
        return None

    def _elf(self, reference: bool) -> Path:
        return self.build_dir / "m4" / ("m4_cost_ref.elf" if reference else "m4_cost.elf")

    def start_build(self, *, reference: bool = False, niceness: int = 10) -> None:
        """Start building the measuring program in a background ``make`` (``niceness`` added to
        its priority); :meth:`measure` waits for it. Nothing happens when it is built, being
        built, failed before or cannot be built here (:meth:`missing` says why)."""
        if reference in self._elfs or reference in self._failed or reference in self._builds:
            return
        reason = self.missing()
        if reason is not None:
            self._failed[reference] = reason
            return
        output = tempfile.TemporaryFile(mode="w+t")
        # coreutils' nice rather than os.nice in a preexec_fn, which is unsafe beside TensorFlow's threads
        nice = ["nice", "-n", str(niceness)] if niceness and shutil.which("nice") else []
        try:
            process = subprocess.Popen([*nice, "make", "-s", "-j2", "-C", str(FIRMWARE_DIR), str(self._elf(reference)),
                                        f"BUILD_DIR={self.build_dir}"], stdout=output, stderr=subprocess.STDOUT,
                                       text=True)
        except OSError as exc:
            output.close()
            self._failed[reference] = f"the Cortex-M4 build did not start: {exc}"
            return
        self._builds[reference] = (process, output)

    def cancel(self) -> None:
        """Stop builds still running (a run that failed leaves no ``make`` behind)."""
        for process, output in self._builds.values():
            process.kill()
            process.wait()
            output.close()
        self._builds.clear()

    def _program(self, reference: bool) -> Path:
        if reference in self._elfs:
            return self._elfs[reference]
        self.start_build(reference=reference, niceness=0)
        if reference in self._builds:
            process, output = self._builds.pop(reference)
            try:
                process.wait(timeout=1800)
                output.seek(0)
                if process.returncode != 0:
                    self._failed[reference] = f"the Cortex-M4 build failed: {output.read()[-2000:]}"
            except subprocess.TimeoutExpired as exc:
                process.kill()
                process.wait()
                self._failed[reference] = f"the Cortex-M4 build did not finish: {exc}"
            finally:
                output.close()
            if reference not in self._failed:
                self._elfs[reference] = self._elf(reference)
                return self._elfs[reference]
        raise MeasureError(f"cannot measure on the emulated Cortex-M4: {self._failed[reference]}")

    def measure(self, model_bytes: bytes, *, reference: bool = False, timeout_s: float = 600) -> Measured:
        """Instructions of one call, arena and bytes of ``model_bytes`` (an int8 streaming model).
        Raises :class:`MeasureError` naming what failed."""
        elf = self._program(reference)
        try:
            with tempfile.TemporaryDirectory(prefix="m4cost") as tmp:
                (Path(tmp) / "model.tflite").write_bytes(model_bytes)
                status, output, regions = count_marked(elf, cwd=Path(tmp), timeout_s=timeout_s)
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            raise MeasureError(f"the emulated Cortex-M4 run failed: {exc}") from exc
        found = re.search(r"arena_used_bytes=(\d+) model_bytes=(\d+)", output)
        if status != 0 or found is None or len(regions) < 2:
            failed = [line for line in output.splitlines() if "FAIL" in line or "Didn't find" in line]
            raise MeasureError(f"the model did not run on the emulated Cortex-M4 (status {status}): "
                               + ("; ".join(failed) or output[-300:]))
        return Measured(instructions=regions[1] - regions[0], arena_used_bytes=int(found.group(1)),
                        model_bytes=int(found.group(2)))


# --- the cost model ------------------------------------------------------------------------------

def cost_features(arch: TCNConfig, input_channels: int = 40) -> dict[str, float]:
    """What a call's instructions, the arena and the bytes grow with, from the architecture alone.

    CMSIS-NN's kernels differ in cost per MAC: pointwise (1x1) convolutions are the cheapest,
    k-tap convolutions next, depthwise ones the dearest, and dearer still when dilated (no fast
    path); every block adds its state ops (READ_VARIABLE, CONCATENATION, SLICE, ASSIGN_VARIABLE)
    and every output channel its requantization (and, in the flatbuffer, its scales)."""
    widths = arch.layer_widths
    k_conv = arch.first_kernel * input_channels * widths[0]
    pointwise = depthwise = depthwise_dilated = 0
    state = (arch.first_kernel - arch.stride_frames) * input_channels
    buffers = 0
    channels = widths[0] + 1
    for c_in, c_out, dilation in zip(widths[:-1], widths[1:], arch.dilations):
        if arch.separable:
            pointwise += c_in * c_out
            if dilation == 1:
                depthwise += arch.kernel * c_in
            else:
                depthwise_dilated += arch.kernel * c_in
            channels += c_in + c_out
        else:
            k_conv += arch.kernel * c_in * c_out
            channels += c_out
        state += (arch.kernel - 1) * dilation * c_in
        buffers += (arch.kernel - 1) * dilation * c_in + c_in
    blocks = len(arch.dilations)
    return {"one": 1.0, "pointwise_macs": float(pointwise), "k_conv_macs": float(k_conv),
            "depthwise_macs": float(depthwise), "dilated_depthwise_macs": float(depthwise_dilated),
            "state": float(state), "buffers": float(buffers), "blocks": float(blocks),
            "separable_blocks": float(blocks if arch.separable else 0), "channels": float(channels),
            "parameters": float(arch.parameters(input_channels)),
            "first_input": float(arch.first_kernel * input_channels),
            "largest_activation": float(max(max(widths), arch.stride_frames * input_channels))}


#: the features each predicted quantity is fitted on (chosen by leave-one-out error on 32 measured
#: random architectures of the search space: largest 16%, 11% and 17%, median 1-3%)
TERMS = {"instructions": ("one", "pointwise_macs", "k_conv_macs", "depthwise_macs", "dilated_depthwise_macs",
                          "state", "blocks", "separable_blocks", "channels"),
         "arena_used_bytes": ("one", "state", "largest_activation", "blocks", "separable_blocks", "channels",
                              "buffers", "first_input"),
         "model_bytes": ("one", "parameters", "blocks", "separable_blocks", "channels")}


@dataclass
class CostModel:
    """Linear predictions of :class:`Measured`'s three figures (coefficients per :data:`TERMS`)."""

    coefficients: dict[str, dict[str, float]]
    #: the largest relative error of each on the fresh architectures it was checked on
    check_error: dict[str, float] = dataclasses.field(default_factory=dict)

    def predict(self, arch: TCNConfig) -> Measured:
        f = cost_features(arch)
        value = {name: sum(c * f[term] for term, c in terms.items()) for name, terms in self.coefficients.items()}
        return Measured(instructions=int(round(value["instructions"])),
                        arena_used_bytes=int(round(value["arena_used_bytes"])),
                        model_bytes=int(round(value["model_bytes"])))

    def to_dict(self) -> dict:
        return {"coefficients": self.coefficients, "check_error": self.check_error}

    @classmethod
    def from_dict(cls, data: dict) -> "CostModel":
        return cls(coefficients={k: dict(v) for k, v in data["coefficients"].items()},
                   check_error=dict(data.get("check_error", {})))


def fit(archs: list[TCNConfig], measured: list[Measured]) -> CostModel:
    """Non-negative least squares of each figure on its terms, weighted to relative error."""
    from scipy.optimize import nnls

    coefficients = {}
    for name, terms in TERMS.items():
        features = np.array([[cost_features(a)[t] for t in terms] for a in archs])
        target = np.array([getattr(m, name) for m in measured], np.float64)
        weight = 1.0 / np.maximum(target, 1.0)  # relative error: small models count as much as large ones
        solution, _ = nnls(features * weight[:, None], target * weight)
        coefficients[name] = dict(zip(terms, map(float, solution)))
    return CostModel(coefficients=coefficients)


def relative_errors(model: CostModel, archs: list[TCNConfig], measured: list[Measured]) -> dict[str, float]:
    """The largest |predicted - measured| / measured of each figure."""
    worst = {name: 0.0 for name in TERMS}
    for arch, truth in zip(archs, measured):
        guess = model.predict(arch)
        for name in TERMS:
            worst[name] = max(worst[name], abs(getattr(guess, name) - getattr(truth, name)) / getattr(truth, name))
    return worst


def int8_model(arch: TCNConfig, *, seed: int = 0) -> bytes:
    """An int8 streaming model of ``arch`` with random weights (its cost does not depend on them;
    batch norms get random statistics too, so that no two folded biases are equal constants the
    converter would store once, as it would not for a trained model)."""
    from .streaming import StreamingTCN, convert_streaming, extract_weights
    from .models.tcn import build_tcn, random_batch_norms
    from .tf_setup import keras

    keras.utils.set_random_seed(seed)
    model = build_tcn(arch)
    rng = np.random.default_rng(seed)
    random_batch_norms(model, rng)
    dense, _ = model.get_layer("logit").get_weights()
    model.get_layer("logit").set_weights([dense, rng.normal(0, 0.1, (1,)).astype(np.float32)])  # a bias, as trained
    calibration = [rng.uniform(0, 25, (arch.receptive_field_frames + 6 * arch.stride_frames, 40)).astype(np.float32)]
    return convert_streaming(StreamingTCN(extract_weights(model), arch), representative=calibration)
