"""The firmware's audio path on an emulated Cortex-M4F (firmware/m4, QEMU mps2-an386).

``make -C firmware m4-check`` (part of ``make test``) runs the program against the golden data;
here: the golden data is what the Python engine gives today, a difference is caught and named,
and the instruction counter is exact.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRMWARE = ROOT / "firmware"


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


golden_maker = _module(FIRMWARE / "tools" / "make_m4_golden.py", "make_m4_golden")
m4_run = _module(FIRMWARE / "tools" / "m4_run.py", "m4_run")


def _tools():
    for tool in ("make", "arm-none-eabi-g++", "arm-none-eabi-nm", "qemu-system-arm"):
        assert shutil.which(tool), f"{tool} is missing: run scripts/system_packages.sh"


def test_golden_data_is_what_the_python_engine_gives_today():
    assert (FIRMWARE / "m4" / "golden_data.h").read_text() == golden_maker.render(), \
        "firmware/m4/golden_data.h is stale: run python firmware/tools/make_m4_golden.py"


def test_a_difference_from_the_python_engine_fails_and_is_named(tmp_path):
    _tools()
    golden = (FIRMWARE / "m4" / "golden_data.h").read_text()
    # one feature value one step off, one model score, and one detection of a vector at another time
    features = re.search(r"kFeatures\[\d+\] = \{\n  (\d+)", golden)
    changed = golden[:features.start(1)] + str(int(features.group(1)) + 1) + golden[features.end(1):]
    scores = re.search(r"kScores\[\d+\] = \{\n  (\d+)", changed)
    changed = changed[:scores.start(1)] + str((int(scores.group(1)) + 1) % 256) + changed[scores.end(1):]
    detections = re.search(r"kDetections\[\d+\] = \{\n  (\d+), (\d+)", changed)
    changed = changed[:detections.start(2)] + str(int(detections.group(2)) + 1) + changed[detections.end(2):]
    bad = tmp_path / "golden_bad.h"
    bad.write_text(changed)
    # a variant of the program with these golden data, beside the real one (every other object shared)
    elf = FIRMWARE / "build" / "m4" / "m4_check_bad.elf"
    result = subprocess.run(["make", "-s", "-j2", "-C", str(FIRMWARE), "build/m4/m4_check_bad.elf", "M4_TAG=_bad",
                             f'M4_DEFINES=-DM4_GOLDEN_HEADER=\\"{bad}\\"'], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    try:
        status, output = m4_run.run(elf)
    finally:
        elf.unlink(missing_ok=True)
        (FIRMWARE / "build" / "m4" / "o" / "m4_check_bad.o").unlink(missing_ok=True)
    assert status == 1, output
    assert "features: 148 frames, 1 of 5920 values differ" in output
    assert "model: 49 calls, 1 of 49 scores differ" in output
    assert "DIFFERS" in output and output.rstrip().endswith("FAIL")


def test_the_instruction_count_is_exact(tmp_path):
    """Ten nops between the marks count as ten instructions more than nothing between them, and
    the per-function profile of the same regions adds up to the same counts."""
    _tools()
    source = tmp_path / "nops.c"
    source.write_text(
        "void m4_mark(int id);\n"
        "__attribute__((noinline)) void m4_mark(int id) { static volatile int last; last = id; }\n"
        "__attribute__((noinline)) void spin(int n) { while (n--) __asm volatile(\"nop\"); }\n"
        "int main(void) {\n"
        "  m4_mark(1); m4_mark(2);\n"
        '  m4_mark(1); __asm volatile("nop\\n nop\\n nop\\n nop\\n nop\\n nop\\n nop\\n nop\\n nop\\n nop"); m4_mark(2);\n'
        "  m4_mark(1); spin(7); m4_mark(2);\n"
        "  return 5;\n}\n")
    flags = ["-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard", "-mthumb", "-O2"]
    elf = tmp_path / "nops.elf"
    subprocess.run(["arm-none-eabi-gcc", *flags, "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs",
                    "-Wl,--no-warn-rwx-segments", "-T", str(FIRMWARE / "m4" / "mps2_an386.ld"),
                    str(FIRMWARE / "m4" / "startup.c"), str(source), "-o", str(elf)], check=True, timeout=120)
    status, _, regions = m4_run.count_marked(elf)
    assert status == 5
    assert len(regions) == 3 and regions[1] - regions[0] == 10, regions
    # the profile splits the same counts by function: the spin loop's instructions are spin's
    status, _, profiles = m4_run.profile_marked(elf)
    assert status == 5 and [sum(p.values()) + 1 for p in profiles] == regions
    assert set(profiles[2]) <= {"m4_mark", "main", "spin"} and profiles[2]["spin"] >= 7 * 2
    assert "spin" not in profiles[1] and profiles[1]["main"] == profiles[0]["main"] + 10


def test_the_model_runner_names_each_bad_model_and_keeps_a_good_one_running():
    """The sketch's model runner on the emulated board with update slots it must refuse (truncated,
    no model, an op it lacks: each named, the built-in model runs) or run (a valid newer update), and
    with an arena too small for any model (named, nothing runs)."""
    _tools()
    result = subprocess.run(["make", "-s", "-j2", "-C", str(FIRMWARE), "build/m4/m4_slots.elf",
                             "build/m4/m4_slots_small_arena.elf"], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    status, output = m4_run.run(FIRMWARE / "build" / "m4" / "m4_slots.elf")
    assert status == 0, output
    cases = output.split("--- slot case ")[1:]
    assert [c.split("\n", 1)[0] for c in cases] == [name for name, _, _ in golden_maker.slot_cases()]
    newer, truncated, not_a_model, missing_op = cases
    assert "runs update (expected update)" in newer
    assert "update slot refused: bad_sha256" in truncated and "runs built-in" in truncated
    assert "not a TFLite flatbuffer" in not_a_model and "runs built-in" in not_a_model
    assert "Didn't find op for builtin opcode 'TANH'" in missing_op and "runs built-in" in missing_op
    status, output = m4_run.run(FIRMWARE / "build" / "m4" / "m4_slots_small_arena.elf")
    assert status == 0, output
    assert "the 4096-byte arena too small" in output and output.count("runs nothing") == 4


def test_slot_cases_are_what_the_generator_writes():
    assert (FIRMWARE / "m4" / "slot_cases.h").read_text() == golden_maker.render_slots(), \
        "firmware/m4/slot_cases.h is stale: run python firmware/tools/make_m4_golden.py"
