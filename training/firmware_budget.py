"""Budget of a bundle on the Arduino Nano 33 BLE: flash, TFLM arena, core code, MACs, CPU.

Run as ``wakeword-budget --bundle BUNDLE_DIR``. Prints a Markdown
table (the one in docs/firmware.md comes from here) and exits 1 when any row with
a limit fails.

Where the numbers come from
---------------------------
* model flash: the bytes of ``model.tflite`` (the built-in slot in model_data.cc adds its
  64-byte header; the sketch's update slot reserves another 64 KiB + 4 KiB of flash);
* TFLM arena: the manifest's ``tflm_arena_bytes`` (measured at export, plus 10 %), and
  measured again now with :func:`training.export.measure_arena_bytes` (the tflite-micro
  Python interpreter, resource variables in the same arena, as the sketch does);
* core code: ``make -C firmware cross`` (the portable core cross-compiled for the
  Cortex-M4F) parsed from its ``arm-none-eabi-size`` totals;
* MACs: the manifest's ``macs_per_inference`` (convolutions and the dense layer), and
  per second ``macs_per_inference * 100 // stride_frames`` (100 feature frames per
  second, one call every ``stride_frames`` frames), as ``training.cli`` computes it;
* frontend: the instructions one 10 ms feature step executes on an emulated Cortex-M4F
  (``make -C firmware m4-check``'s program under QEMU with its instruction trace; the same
  microfrontend sources and settings as the sketch), counted exactly; the CPU load takes one
  cycle per instruction (a lower bound: loads, branches and multiplies can take more);
* model cycles and CPU load: an estimate, see :data:`CYCLES_PER_MAC` and :data:`CYCLES_PER_NODE`
  (the model does not run on the emulated board yet); the sketch prints the measured load on the
  board every 10 s (``stats: cpu=...``), which is what to trust.

Limits: ``budget`` of the training config stored in the manifest when present, else
the :class:`training.config.BudgetConfig` defaults (64 KiB model, 32 KiB arena,
5 M MACs/s), plus :data:`MAX_CPU_LOAD_PERCENT` for the estimated total CPU load.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from wakeword.bundle import Bundle, open_bundle
from wakeword.command import add_bundle_options, command
from wakeword.config import from_dict
from wakeword.errors import WakewordError

from .config import BudgetConfig
from .m4_cost import CLOCK_HZ, FIRMWARE_DIR, count_marked
#: int8 MAC cost with TFLM's CMSIS-NN kernels on a Cortex-M4: SMLAD does two 16-bit MACs
#: per cycle, but operand loads, sign extension and requantization bring convolutions to
#: about 1-2 cycles per MAC; 2 is the conservative end (depthwise layers are the slow ones).
CYCLES_PER_MAC = 2.0
#: Fixed cost per executed graph node (interpreter dispatch, CMSIS-NN setup, small
#: reference kernels such as STRIDED_SLICE, CONCATENATION, READ/ASSIGN_VARIABLE, LOGISTIC).
CYCLES_PER_NODE = 2_000
#: The TFLM microfrontend per 10 ms frame, from an operation count: 512-point int16 real
#: FFT (~45 k cycles), 30 ms window, 257-bin energy + 40-channel filterbank and sqrt
#: (~15 k), noise reduction, PCAN and log (~5 k), rounded up.
FRONTEND_CYCLES_PER_FRAME = 70_000
#: Estimated share of the CPU the detector may take (frontend + model); the rest is left
#: to the BLE stack, Serial and the application.
MAX_CPU_LOAD_PERCENT = 50.0


@dataclass(frozen=True)
class Row:
    item: str
    value: str
    limit: str = ""
    status: str = ""  # "PASS", "FAIL", "SKIP" or "" (information only)


@dataclass(frozen=True)
class CoreSize:
    text: int
    data: int
    bss: int


def budget_for(bundle: Bundle) -> tuple[BudgetConfig, str]:
    """The budget the bundle was trained against (manifest training config), else the defaults."""
    stored = bundle.manifest.training.get("config", {})
    if isinstance(stored, dict) and isinstance(stored.get("budget"), dict):
        return from_dict(BudgetConfig, stored["budget"], where="training.config.budget"), "manifest training config"
    return BudgetConfig(), "BudgetConfig defaults"


def parse_size_totals(output: str) -> CoreSize:
    """text/data/bss of the ``(TOTALS)`` line of ``arm-none-eabi-size -t``."""
    match = re.search(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+[0-9a-fA-F]+\s+\(TOTALS\)\s*$", output, re.MULTILINE)
    if match is None:
        raise ValueError("no (TOTALS) line in the arm-none-eabi-size output")
    text, data, bss = (int(g) for g in match.groups())
    return CoreSize(text, data, bss)


def cross_build_core(build_dir: Path | None = None) -> CoreSize:
    """``make -C firmware cross`` into a private build folder; raises RuntimeError when it cannot build."""
    for tool in ("make", "arm-none-eabi-g++", "arm-none-eabi-size"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} not found (apt-get install make gcc-arm-none-eabi "
                               "libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib)")
    with tempfile.TemporaryDirectory(prefix="fw_budget_") as tmp:
        target = Path(build_dir) if build_dir is not None else Path(tmp)
        result = subprocess.run(["make", "-s", "-C", str(FIRMWARE_DIR), "cross", f"BUILD_DIR={target.resolve()}"],
                                capture_output=True, text=True, timeout=300)
        # (run inside the with block: the temporary build folder must outlive make)
    if result.returncode != 0:
        raise RuntimeError(f"make -C firmware cross failed: {(result.stdout + result.stderr)[-2000:]}")
    return parse_size_totals(result.stdout)


@dataclass
class M4Measurement:
    """What the emulated Cortex-M4F program measured (firmware/m4, QEMU mps2-an386)."""

    frontend_instructions: int        # one 10 ms feature step
    model_instructions: int           # one model call as the firmware runs it: the sketch's kernels and CMSIS-NN
    model_instructions_reference: int  # the same call with TFLite Micro's reference kernels alone
    model_instructions_cmsis: int     # the same call with CMSIS-NN's kernels alone (no sketch CONV_2D/DEPTHWISE)
    flash_bytes: int                  # text + rodata + data of the program, less its golden test data
    ram_bytes: int                    # data + bss (the tensor arena included), less the heap


def _is_built_in(bundle: Bundle) -> bool:
    """Whether ``bundle``'s model is the built-in model of firmware/generated (what the emulated
    program runs)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_m4_golden", FIRMWARE_DIR / "tools" / "make_m4_golden.py")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        return module.built_in_model() == bundle.model_bytes
    except (OSError, ValueError):
        return False


def _elf_memory(elf: Path) -> tuple[int, int]:
    """(flash, RAM) of a linked program without its golden test data (symbols golden::*) and heap."""
    sections = {}
    for line in subprocess.run(["arm-none-eabi-size", "-A", str(elf)], check=True, capture_output=True,
                               text=True).stdout.splitlines()[2:]:
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            sections[parts[0]] = int(parts[1])
    symbols = subprocess.run(["arm-none-eabi-nm", "-S", "-C", str(elf)], check=True, capture_output=True,
                             text=True).stdout.splitlines()
    golden = sum(int(line.split()[1], 16) for line in symbols if " golden::" in line and len(line.split()) >= 4)
    flash = sections.get(".text", 0) + sections.get(".ARM.exidx", 0) + sections.get(".data", 0) - golden
    return flash, sections.get(".data", 0) + sections.get(".bss", 0)


def measure_on_m4(build_dir: Path | None = None) -> M4Measurement:
    """Build ``make -C firmware m4-measure``'s programs (the firmware's kernels; CMSIS-NN alone; the
    reference kernels alone) and run them under QEMU with the instruction trace
    (firmware/tools/m4_run.py): the instructions of one feature step and of one model call, and the
    program's memory. Raises RuntimeError when it cannot."""
    for tool in ("make", "arm-none-eabi-g++", "arm-none-eabi-nm", "arm-none-eabi-size", "qemu-system-arm"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} not found (apt-get install gcc-arm-none-eabi qemu-system-arm)")
    target = (Path(build_dir) if build_dir is not None else FIRMWARE_DIR / "build").resolve()
    elfs = [target / "m4" / name for name in ("m4_measure.elf", "m4_measure_ref.elf", "m4_measure_cmsis.elf")]
    result = subprocess.run(["make", "-s", "-j2", "-C", str(FIRMWARE_DIR), *map(str, elfs), f"BUILD_DIR={target}"],
                            capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"the Cortex-M4 build failed: {(result.stdout + result.stderr)[-2000:]}")
    counts = []
    for elf in elfs:
        status, output, regions = count_marked(elf)
        if status != 0 or len(regions) < 3:
            raise RuntimeError(f"{elf.name} failed (status {status}): {output[-500:]}")
        counts.append([n - regions[0] for n in regions[1:3]])  # less what the marks themselves cost
    flash, ram = _elf_memory(elfs[0])
    return M4Measurement(frontend_instructions=counts[0][0], model_instructions=counts[0][1],
                         model_instructions_reference=counts[1][1], model_instructions_cmsis=counts[2][1],
                         flash_bytes=flash, ram_bytes=ram)


def node_count(model_bytes: bytes) -> int:
    """Operators of the model's main graph (nodes executed per inference)."""
    from wakeword.model import make_interpreter

    return len(make_interpreter(model_bytes)._get_ops_details())  # noqa: SLF001


def estimate_cycles_per_inference(macs: int, nodes: int) -> int:
    return int(round(macs * CYCLES_PER_MAC + nodes * CYCLES_PER_NODE))


def budget_rows(bundle: Bundle, *, core: CoreSize | str, measured_arena: int | str,
                m4: M4Measurement | str = "not measured") -> list[Row]:
    """The table rows; ``core``, ``measured_arena`` and ``m4`` (the emulated Cortex-M4F's counts)
    are results or a reason they are missing."""
    m = bundle.manifest.model
    f = bundle.manifest.features
    budget, budget_source = budget_for(bundle)
    frames_per_second = 1000 // f.step_ms
    rows: list[Row] = []

    def check(item: str, value: int, limit: int, unit: str, value_text: str | None = None) -> None:
        rows.append(Row(item, value_text or f"{value:,} {unit}", f"<= {limit:,} {unit}",
                        "PASS" if value <= limit else "FAIL"))

    check("model flash (model.tflite)", len(bundle.model_bytes), budget.model_flash_bytes, "B")
    check("TFLM arena (manifest tflm_arena_bytes)", m.tflm_arena_bytes, budget.arena_bytes, "B")
    if isinstance(measured_arena, int):
        rows.append(Row("TFLM arena (re-measured, tflite-micro)", f"{measured_arena:,} B",
                        f"<= {m.tflm_arena_bytes:,} B (manifest)",
                        "PASS" if measured_arena <= m.tflm_arena_bytes else "FAIL"))
    else:
        rows.append(Row("TFLM arena (re-measured, tflite-micro)", f"not measured: {measured_arena}", "", "SKIP"))
    if isinstance(core, CoreSize):
        rows.append(Row("core code (firmware/src, cortex-m4)",
                        f"text {core.text:,} B, data {core.data:,} B, bss {core.bss:,} B"))
    else:
        rows.append(Row("core code (firmware/src, cortex-m4)", f"not built: {core}", "", "SKIP"))
    macs = m.macs_per_inference
    macs_per_second = macs * frames_per_second // m.stride_frames
    rows.append(Row("MACs per inference", f"{macs:,}"))
    check("MACs per second", macs_per_second, budget.macs_per_second, "MAC/s",
          f"{macs_per_second:,} MAC/s ({frames_per_second / m.stride_frames:.4g} inferences/s)")
    calls_per_second = frames_per_second / m.stride_frames
    if isinstance(m4, M4Measurement):
        model_load = 100.0 * m4.model_instructions * calls_per_second / CLOCK_HZ
        frontend_load = 100.0 * m4.frontend_instructions * frames_per_second / CLOCK_HZ
        alone = (f"{m4.model_instructions_cmsis:,} with CMSIS-NN's alone "
                 f"({m4.model_instructions_cmsis / m4.model_instructions:.1f}x); ")
        rows.append(Row("instructions per model call (measured, Cortex-M4F)",
                        f"{m4.model_instructions:,} with the firmware's kernels (the sketch's and CMSIS-NN); {alone}"
                        f"{m4.model_instructions_reference:,} with TFLite Micro's reference kernels alone "
                        f"({m4.model_instructions_reference / m4.model_instructions:.1f}x)"))
        rows.append(Row("instructions per 10 ms feature step (measured)", f"{m4.frontend_instructions:,}"))
        rows.append(Row("model CPU load", f"{model_load:.2f} % ({calls_per_second:.4g} calls/s at one cycle "
                                          "per instruction: a lower bound)"))
        rows.append(Row("frontend CPU load", f"{frontend_load:.2f} % ({frames_per_second} steps/s, same basis)"))
        rows.append(Row("emulated program (model runner, TFLM, CMSIS-NN, frontend, detector)",
                        f"flash {m4.flash_bytes:,} B (with the 69,632 B update slot and the model), "
                        f"RAM {m4.ram_bytes:,} B (with the arena) + the frontend's heap"))
    else:
        nodes = node_count(bundle.model_bytes)
        cycles = estimate_cycles_per_inference(macs, nodes)
        model_load = 100.0 * cycles * calls_per_second / CLOCK_HZ
        frontend_load = 100.0 * FRONTEND_CYCLES_PER_FRAME * frames_per_second / CLOCK_HZ
        rows.append(Row("cycles per inference (estimate)",
                        f"{cycles:,} ({macs:,} MACs x {CYCLES_PER_MAC:g} + {nodes} nodes x {CYCLES_PER_NODE:,}) "
                        f"= {1e6 * cycles / CLOCK_HZ:.0f} us at 64 MHz; not measured: {m4}"))
        rows.append(Row("model CPU load (estimate)", f"{model_load:.2f} %"))
        rows.append(Row("frontend CPU load (estimate)",
                        f"{frontend_load:.2f} % ({FRONTEND_CYCLES_PER_FRAME:,} cycles x {frames_per_second} frames/s)"))
    total = model_load + frontend_load
    rows.append(Row("total CPU load" + ("" if isinstance(m4, M4Measurement) else " (estimate)"), f"{total:.2f} %",
                    f"<= {MAX_CPU_LOAD_PERCENT:g} %",
                    "PASS" if total <= MAX_CPU_LOAD_PERCENT else "FAIL"))
    rows.append(Row("limits from", budget_source))
    return rows


def format_table(rows: Sequence[Row]) -> str:
    lines = ["| item | value | limit | status |", "|---|---|---|---|"]
    lines += [f"| {r.item} | {r.value} | {r.limit} | {r.status} |" for r in rows]
    return "\n".join(lines)


@command
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wakeword-budget",
                                     description="Print the Nano 33 BLE budget table of a bundle.")
    add_bundle_options(parser)
    parser.add_argument("--no-cross", action="store_true", help="skip the cross build of the firmware core")
    parser.add_argument("--no-measure", action="store_true", help="skip re-measuring the TFLM arena")
    parser.add_argument("--no-m4", action="store_true",
                        help="skip counting the frontend's instructions on the emulated Cortex-M4F (QEMU)")
    parser.add_argument("--build-dir", type=Path, default=None,
                        help="build folder for make -C firmware cross (default: a temporary one)")
    args = parser.parse_args(argv)
    bundle = open_bundle(args.bundle, allow_unsigned=args.allow_unsigned, trusted_key_files=tuple(args.trusted_key))
    m = bundle.manifest.model

    core: CoreSize | str = "--no-cross"
    if not args.no_cross:
        try:
            core = cross_build_core(args.build_dir)
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
            core = str(exc).splitlines()[0]
    measured: int | str = "--no-measure"
    if not args.no_measure:
        try:
            from .export import measure_arena_bytes

            measured = measure_arena_bytes(bundle.model_bytes, stride_frames=m.stride_frames,
                                           channels=bundle.manifest.features.channels)
        except (ImportError, WakewordError) as exc:
            measured = str(exc)

    m4: M4Measurement | str = "--no-m4"
    if not args.no_m4 and not _is_built_in(bundle):
        m4 = "the emulated program runs firmware/generated's model, not this bundle's (write it there first)"
    elif not args.no_m4:
        try:
            m4 = measure_on_m4(args.build_dir)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            m4 = str(exc).splitlines()[0]
    rows = budget_rows(bundle, core=core, measured_arena=measured, m4=m4)
    print(f"Budget of {bundle.manifest.name} {bundle.manifest.version} ({bundle.source}) "
          f"on the Arduino Nano 33 BLE (nRF52840, Cortex-M4F {CLOCK_HZ // 1_000_000} MHz):\n")
    print(format_table(rows))
    failed = [r.item for r in rows if r.status == "FAIL"]
    print()
    if failed:
        print(f"FAIL: {', '.join(failed)}")
        return 1
    print("PASS: the model fits the budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
