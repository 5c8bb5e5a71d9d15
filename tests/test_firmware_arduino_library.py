"""The Arduino library the sketch builds with (firmware/tools/stage_tflm_library.py).

`make -C firmware m4-arduino-lib` (part of `make check`) links the check program from the staged
library and runs it on the emulated Cortex-M4F against the Python engine's golden data; these tests
cover the staging itself: include rewriting, conflicts, and that the real library is self-contained
for the one include root (src/) the Arduino builder gives it.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIRMWARE_DIR = REPO_ROOT / "firmware"


def _load():
    spec = importlib.util.spec_from_file_location("stage_tflm_library",
                                                  FIRMWARE_DIR / "tools" / "stage_tflm_library.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


stage_tflm_library = _load()
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def trees(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    _write(a / "lib" / "x.h", "int x();\n")
    _write(a / "lib" / "u.cc", '#include "lib/x.h"\n#include "y.h"\n#include <b.h>\n#include <cstdint>\n'
                               '// #include "lib/x.h" stays a comment\nint x() { return 1; }\n')
    _write(a / "lib" / "y.h", "#pragma once\n")
    _write(a / "lib" / "included_only.cc", "// included by another file, never compiled alone\n")
    _write(b / "inc" / "b.h", '#include "lib/x.h"\n')
    _write(b / "src" / "v.c", '#include "b.h"\nint v;\n')
    return {"a": a, "b": b, "tree_specs": [f"{a}=", f"{b}=third_party/b"],
            "roots": [str(a), str(b / "inc")], "units": [str(a / "lib" / "u.cc"), str(b / "src" / "v.c")]}


def test_includes_point_at_the_staged_files_below_src(trees, tmp_path):
    out = stage_tflm_library.stage(tmp_path / "libraries", trees["tree_specs"], trees["roots"], trees["units"])
    src = out / "src"
    unit = (src / "lib" / "u.cpp").read_text()
    assert unit.startswith('#include "wakeword_tflm_config.h"\n')
    assert '#include "lib/x.h"' in unit and '#include "lib/y.h"' in unit  # relative to its own folder
    assert '#include "third_party/b/inc/b.h"' in unit  # an angle include the build's roots resolve
    assert "#include <cstdint>" in unit and '// #include "lib/x.h" stays a comment' in unit
    assert '#include "third_party/b/inc/b.h"' in (src / "third_party" / "b" / "src" / "v.c").read_text()
    # only the build's translation units are compiled by the Arduino builder
    # (arduino-cli 0.35 and later compiles .cc too: a source that is no translation unit becomes .inc)
    assert (src / "lib" / "included_only.cc.inc").is_file() and not (src / "lib" / "included_only.cc").exists()
    assert not (src / "lib" / "u.cc").exists()
    assert (out / "library.properties").is_file() and (src / "wakeword_tflm_config.h").is_file()


def test_differing_duplicates_foreign_files_and_unknown_units_are_refused(trees, tmp_path):
    out_parent = tmp_path / "libraries"
    stage_tflm_library.stage(out_parent, trees["tree_specs"], trees["roots"], trees["units"])
    # staging again over its own output is fine; over someone's folder is not
    stage_tflm_library.stage(out_parent, trees["tree_specs"], trees["roots"], trees["units"])
    foreign = tmp_path / "foreign"
    _write(foreign / stage_tflm_library.LIBRARY_NAME / "mine.txt", "keep me")
    with pytest.raises(stage_tflm_library.StageError, match="did not stage"):
        stage_tflm_library.stage(foreign, trees["tree_specs"], trees["roots"], trees["units"])
    assert (foreign / stage_tflm_library.LIBRARY_NAME / "mine.txt").read_text() == "keep me"
    # the same staged path from two trees: identical content is one file, different content an error
    c = tmp_path / "c"
    _write(c / "lib" / "y.h", "#pragma once\n")
    stage_tflm_library.stage(out_parent, trees["tree_specs"] + [f"{c}="], trees["roots"], trees["units"])
    _write(c / "lib" / "y.h", "#pragma once\nint other;\n")
    with pytest.raises(stage_tflm_library.StageError, match="lib/y.h.*differ"):
        stage_tflm_library.stage(out_parent, trees["tree_specs"] + [f"{c}="], trees["roots"], trees["units"])
    with pytest.raises(stage_tflm_library.StageError, match="outside the staged trees"):
        stage_tflm_library.stage(out_parent, trees["tree_specs"], trees["roots"], [str(tmp_path / "nowhere.cc")])
    with pytest.raises(stage_tflm_library.StageError, match="no source tree"):
        stage_tflm_library.stage(out_parent, [], trees["roots"], [])


def test_the_firmware_library_resolves_every_include_from_src_alone(tmp_path):
    """The library `make arduino-library` writes: every quoted include of every file resolves inside
    src/ (next to the including file, or from src/) unless the vendored trees lack it too (headers of
    other platforms behind an #if: Apple's, NEON's, the float CMSIS-NN API, ...), the CMSIS-NN
    kernels replace the reference ones, and each vendored tree's licence and commit travel with it."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    subprocess.run(["make", "-s", "-C", str(FIRMWARE_DIR), "arduino-library", f"ARDUINO_LIBRARIES={tmp_path}"],
                   check=True, capture_output=True, timeout=300)
    library = tmp_path / "WakewordTFLM"
    src = library / "src"
    unresolved = []
    for path in src.rglob("*"):
        if path.suffix not in {".h", ".cc", ".cpp", ".c", ".inc"}:
            continue
        for name in INCLUDE.findall(path.read_text()):
            if not ((path.parent / name).is_file() or (src / name).is_file()):
                unresolved.append(f"{path.relative_to(src)}: {name}")
    vendored = {p.name for tree in (FIRMWARE_DIR / "third_party", REPO_ROOT / "csrc" / "microfrontend")
                for p in tree.rglob("*") if p.is_file()}
    lost = [line for line in unresolved if Path(line.split(": ", 1)[1]).name in vendored]
    assert not lost, lost[:10]
    kernels = src / "tensorflow" / "lite" / "micro" / "kernels"
    assert (kernels / "cmsis_nn" / "conv.cpp").is_file() and (kernels / "conv.cc.inc").is_file()
    assert not (kernels / "conv.cpp").exists()  # the reference kernel is not compiled
    # nothing else arduino-cli would compile: only the Makefile's translation units are .c/.cpp
    assert not [p for p in src.rglob("*") if p.suffix in {".cc", ".cxx", ".S"}]
    fft = (src / "tensorflow" / "lite" / "experimental" / "microfrontend" / "lib" / "kiss_fft_int16.cpp").read_text()
    assert '#include "third_party/kissfft/kiss_fft.cc.inc"' in fft
    assert len(list(src.rglob("*.c"))) > 50  # CMSIS-NN
    assert (src / "tensorflow" / "lite" / "experimental" / "microfrontend" / "lib" / "frontend.cpp").is_file()
    sources = (library / "SOURCES.txt").read_text()
    for tree in ("tflite-micro", "cmsis-nn", "flatbuffers", "gemmlowp", "ruy"):
        commit = (FIRMWARE_DIR / "third_party" / tree / "SOURCE_COMMIT").read_text().strip()
        assert commit in sources
        assert (library / "licences" / f"{tree}-LICENSE").is_file()
    assert (library / "licences" / "microfrontend-LICENSE").is_file()
    properties = dict(line.split("=", 1) for line in (library / "library.properties").read_text().splitlines())
    assert properties["name"] == "WakewordTFLM" and properties["includes"] == "WakewordTFLM.h"
    assert "#include <WakewordTFLM.h>" in (FIRMWARE_DIR / "nano33ble" / "nano33ble.ino").read_text()
