"""The firmware's portable C++ core, built and tested from the Python suite.

``make -C firmware check`` compiles the host tests with AddressSanitizer and
UBSan, replays every ``tests/vectors/detector_*.txt`` through the C++
``StreamingDetector`` (plus ring buffer tests), then cross-compiles the core for
the Nano 33 BLE's Cortex-M4F and prints its size.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from wakeword.config import DetectorConfig
from wakeword.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[1]
FIRMWARE_DIR = REPO_ROOT / "firmware"
VECTOR_FILES = sorted((REPO_ROOT / "tests" / "vectors").glob("detector_*.txt"))
REQUIRED_TOOLS = ("make", "g++", "arm-none-eabi-g++", "arm-none-eabi-size")


def _missing_tools() -> list[str]:
    return [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]


@pytest.mark.skipif(bool(_missing_tools()), reason=f"needs {', '.join(REQUIRED_TOOLS)} on PATH")
def test_make_check_builds_and_passes():
    result = subprocess.run(["make", "-C", str(FIRMWARE_DIR), "check"], capture_output=True,
                            text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    summary = re.findall(r"^(\d+) passed, (\d+) failed$", result.stdout, flags=re.MULTILINE)
    # two host programs: the detector/ring-buffer tests, then the model slot tests
    assert len(summary) == 2, output[-6000:]
    assert all(int(failed) == 0 for _, failed in summary)
    detector_passed, slot_passed = (int(passed) for passed, _ in summary)
    assert detector_passed >= len(VECTOR_FILES) + 10  # every vector file plus the unit cases
    assert slot_passed >= 10
    for path in VECTOR_FILES:
        assert f"PASS vector:{path.stem}" in result.stdout
    assert re.search(r"^\s*\d+\s+\d+\s+\d+\s+\d+\s+[0-9a-f]+\s+\(TOTALS\)$", result.stdout,
                     flags=re.MULTILINE), "arm-none-eabi-size printed no totals"


def _cpp_constant(name: str) -> int:
    text = (FIRMWARE_DIR / "src" / "manifest_check.h").read_text()
    match = re.search(rf"constexpr\s+\w+\s+{name}\s*=\s*(\d+);", text)
    assert match, f"{name} not found in manifest_check.h"
    return int(match.group(1))


def test_firmware_limits_match_detector_config():
    """The C++ limits accept exactly what DetectorConfig accepts."""
    max_window = _cpp_constant("kMaxWindow")
    max_refractory = _cpp_constant("kMaxRefractoryMs")
    min_threshold = _cpp_constant("kMinThreshold")
    max_threshold = _cpp_constant("kMaxThreshold")
    DetectorConfig(window=max_window, refractory_ms=max_refractory, threshold=max_threshold)
    DetectorConfig(window=1, refractory_ms=0, threshold=min_threshold)
    for bad in ({"window": max_window + 1}, {"refractory_ms": max_refractory + 1},
                {"threshold": max_threshold + 1}, {"threshold": min_threshold - 1}):
        with pytest.raises(ConfigError):
            DetectorConfig(**bad)
    assert _cpp_constant("kMaxKeywords") >= 1
