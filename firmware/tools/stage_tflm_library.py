#!/usr/bin/env python3
"""Package the firmware's TFLite Micro (``firmware/third_party``) as an Arduino library.

The sketch compiles against the very sources ``make -C firmware m4-check`` runs bit-exact on the
emulated Cortex-M4F: TFLite Micro at the commit of ``third_party/README.md`` with the CMSIS-NN
kernels, CMSIS-NN, flatbuffers, gemmlowp, ruy, the project's ``compat/`` files, and the
microfrontend with kissfft (``csrc/microfrontend``). So the library the board builds with is pinned
by this repository, not by a branch of another one. ``make -C firmware arduino-library
ARDUINO_LIBRARIES=DIR`` calls this script with the Makefile's own source lists; it writes
``DIR/WakewordTFLM``:

* ``src/``: every file of the given trees, at its path below its tree's prefix. The arduino builder
  compiles every ``.c``/``.cpp`` file under ``src/`` and puts only ``src/`` on the include path, so

  - the translation units the Makefile names (``--compile``) become ``.cpp`` (C++) or stay ``.c``;
    every other source gets ``.inc`` appended (arduino-cli 0.35 and later compiles ``.cc`` too), so
    it is not compiled (kissfft's ``kiss_fft.cc``, which ``kiss_fft_int16.cc`` includes, and TFLite
    Micro's reference conv/depthwise/fully-connected kernels, which CMSIS-NN's replace);
  - an ``#include`` that the Makefile's include roots (``--include``, in their order) resolve is
    rewritten to the included file's path below ``src/``;
  - every file starts by including ``wakeword_tflm_config.h``, which defines what the Makefile
    passes with ``-D`` (``TF_LITE_STATIC_MEMORY`` changes TFLite Micro's structs, so the sketch's
    own files must see it too, and they do: through the first TFLite Micro header they include).

  Nothing else in a file changes.
* the files of ``firmware/arduino_library/`` (``library.properties``, ``WakewordTFLM.h``, the
  config header, ``DebugLog`` and ``InitializeTarget`` for the board's Serial).
* ``SOURCES.txt``: each tree's commit (its ``SOURCE_COMMIT`` file).

The output folder is wholly generated: it is replaced only if it holds this script's marker, and
it is written beside it first and renamed when complete.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

FIRMWARE_DIR = Path(__file__).resolve().parents[1]
LIBRARY_NAME = "WakewordTFLM"
TEMPLATE_DIR = FIRMWARE_DIR / "arduino_library"
CONFIG_HEADER = "wakeword_tflm_config.h"
MARKER = ".staged_by_stage_tflm_library"
TEXT_SUFFIXES = {".h", ".hpp", ".cc", ".cpp", ".c", ".inc"}
INCLUDE = re.compile(r'^(\s*#\s*include\s*)([<"])([^">]+)[">]', re.MULTILINE)


class StageError(RuntimeError):
    """The library cannot be staged (a missing tree, conflicting files, foreign files in the way)."""


def _trees(specs: list[str]) -> list[tuple[Path, str]]:
    trees = []
    for spec in specs:
        source, _, prefix = spec.partition("=")
        root = (FIRMWARE_DIR / source).resolve()
        if not root.is_dir():
            raise StageError(f"source tree {source} does not exist")
        trees.append((root, prefix.strip("/")))
    return trees


def plan(trees: list[tuple[Path, str]]) -> dict[str, Path]:
    """Staged path (below ``src/``) -> source file; an earlier tree wins, a differing duplicate is an error."""
    files: dict[str, Path] = {}
    for root, prefix in trees:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.suffix not in TEXT_SUFFIXES:
                continue
            staged = "/".join(filter(None, [prefix, path.relative_to(root).as_posix()]))
            if staged in files:
                if files[staged].read_bytes() != path.read_bytes():
                    raise StageError(f"{staged}: {files[staged]} and {path} differ")
                continue
            files[staged] = path
    return files


def rewrite_includes(text: str, source: Path, roots: list[Path], staged_of: dict[Path, str]) -> str:
    """Point every include the build's roots resolve at its staged path (below ``src/``)."""

    def replace(match: re.Match) -> str:
        lead, quote, name = match.group(1), match.group(2), match.group(3)
        search = ([source.parent] if quote == '"' else []) + roots
        for root in search:
            target = (root / name).resolve()
            if target in staged_of:
                return f'{lead}"{staged_of[target]}"'
        return match.group(0)

    return INCLUDE.sub(replace, text)


def _clear(out: Path) -> None:
    if not out.exists():
        return
    if any(out.iterdir()) and not (out / MARKER).is_file():
        raise StageError(f"{out} holds files this script did not stage; move them away first")
    shutil.rmtree(out)


#: what arduino-cli (0.35 and later) compiles in a library's src/; staged sources the firmware build
#: does not compile get ``.inc`` appended, so that the builder leaves them alone
ARDUINO_SOURCE_SUFFIXES = {".c", ".cc", ".cpp", ".cxx", ".S"}


def staged_name(staged: str, source: Path, units: set[Path]) -> str:
    """The file's name below src/: a translation unit of the firmware build is a ``.cpp`` (C++) or ``.c``;
    any other source gets ``.inc`` appended (the reference kernels CMSIS-NN's replace, kissfft's
    ``kiss_fft.cc`` that ``kiss_fft_int16.cc`` includes); headers keep their names."""
    if source.resolve() in units:
        return staged[: -len(source.suffix)] + ".cpp" if source.suffix in {".cc", ".cxx"} else staged
    if source.suffix in ARDUINO_SOURCE_SUFFIXES:
        return staged + ".inc"
    return staged


def stage(out_parent: Path, tree_specs: list[str], include_roots: list[str], compile_units: list[str]) -> Path:
    trees = _trees(tree_specs)
    if not trees:
        raise StageError("no source tree given (--tree DIR=PREFIX)")
    roots = [(FIRMWARE_DIR / r).resolve() for r in include_roots]
    files = plan(trees)
    units = {(FIRMWARE_DIR / u).resolve() for u in compile_units}
    staged_of = {source.resolve(): staged_name(staged, source, units) for staged, source in files.items()}
    missing = sorted(str(u) for u in units if u not in staged_of)
    if missing:
        raise StageError(f"translation units outside the staged trees: {', '.join(missing[:5])}")
    out = out_parent / LIBRARY_NAME
    _clear(out)
    # written next to it and renamed at the end: an interrupted run leaves no half library behind
    work = out_parent / f".{LIBRARY_NAME}.staging"
    if work.exists():
        shutil.rmtree(work)
    src = work / "src"
    for staged, source in files.items():
        text = rewrite_includes(source.read_text(encoding="utf-8"), source, roots, staged_of)
        target = src / staged_of[source.resolve()]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f'#include "{CONFIG_HEADER}"\n' + text, encoding="utf-8")
    for template in sorted(TEMPLATE_DIR.rglob("*")):
        if template.is_file():
            target = work / template.relative_to(TEMPLATE_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, target)
    _write_sources(work, trees)
    (work / MARKER).write_text("generated by firmware/tools/stage_tflm_library.py\n")
    work.rename(out)
    return out


def _write_sources(out: Path, trees: list[tuple[Path, str]]) -> None:
    lines = ["What this library holds (generated by firmware/tools/stage_tflm_library.py):", ""]
    licences = out / "licences"
    for root, prefix in trees:
        commit_file = root / "SOURCE_COMMIT"
        commit = commit_file.read_text().strip() if commit_file.is_file() else "this repository"
        where = f"src/{prefix}" if prefix else "src"
        shown = root.relative_to(FIRMWARE_DIR.parent) if root.is_relative_to(FIRMWARE_DIR.parent) else root
        lines.append(f"{where}: {shown} ({commit})")
        for folder in (root, root.parent):  # csrc/microfrontend's licence covers its two trees
            found = [folder / name for name in ("LICENSE", "LICENSE.txt", "COPYING") if (folder / name).is_file()]
            if found:
                licences.mkdir(exist_ok=True)
                shutil.copyfile(found[0], licences / f"{folder.name}-{found[0].name}")
                break
    (out / "SOURCES.txt").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True,
                        help=f"the Arduino libraries folder ({LIBRARY_NAME}/ is written there)")
    parser.add_argument("--tree", action="append", default=[], metavar="DIR=PREFIX",
                        help="a source tree (relative to firmware/) and its place below src/, in priority order")
    parser.add_argument("--include", action="append", default=[], metavar="DIR",
                        help="an include root of the firmware build, in search order")
    parser.add_argument("--compile", nargs="*", default=[], metavar="FILE",
                        help="the translation units the firmware build compiles")
    args = parser.parse_args(argv)
    try:
        out = stage(args.out, args.tree, args.include, args.compile)
    except (StageError, OSError, UnicodeDecodeError) as error:
        print(f"stage_tflm_library: {error}", file=sys.stderr)
        return 1
    print(f"staged {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
