"""Run a program on the emulated Cortex-M4F (QEMU mps2-an386) and count the instructions it executes.

    python firmware/tools/m4_run.py ELF [--count [--profile N]]

Without ``--count`` it runs the program and returns its exit status (its semihosting output on
stdout). With ``--count`` QEMU logs every executed instruction (``-singlestep -d exec,nochain``;
Debian's QEMU 7.2 ships no TCG plugins): the log goes through a pipe, never to disk, and the
instructions between the program's calls ``m4_mark(1)`` and ``m4_mark(2)`` (found in the trace by
the function's address, from ``arm-none-eabi-nm``) are counted. A translation block of one
instruction is logged once per execution, so with ``-singlestep`` the count is exact.
``--profile N`` also lists the N functions that executed the most instructions of each region (the
function whose symbol starts at or below the address): where the time goes.
"""

from __future__ import annotations

import argparse
import bisect
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

# the semihosting console on a stdio chardev: without one QEMU writes it to stderr when stdout is no terminal
QEMU = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "null",
        "-chardev", "stdio,id=semihosting", "-semihosting-config", "enable=on,target=native,chardev=semihosting"]
TRACE = re.compile(rb"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")


def symbol_address(elf: Path, name: str) -> int:
    """The address of function ``name`` (Thumb bit cleared), from the ELF's symbol table."""
    out = subprocess.run(["arm-none-eabi-nm", str(elf)], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16) & ~1
    raise RuntimeError(f"{elf}: no symbol {name}")


def run(elf: Path, *, timeout_s: float = 120) -> tuple[int, str]:
    proc = subprocess.run([*QEMU, "-kernel", str(elf)], capture_output=True, text=True, timeout=timeout_s)
    return proc.returncode, proc.stdout


def _traced(elf: Path, on_pc, *, timeout_s: float, cwd: Path | None) -> tuple[int, str]:
    """Run ``elf`` with the instruction trace, calling ``on_pc(address)`` for every executed
    instruction in order; returns (exit status, the program's output)."""
    with tempfile.TemporaryDirectory() as tmp:
        fifo = Path(tmp) / "trace"
        os.mkfifo(fifo)
        proc = subprocess.Popen([*QEMU, "-singlestep", "-d", "exec,nochain", "-D", str(fifo), "-kernel",
                                 str(Path(elf).resolve())], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
        output: list[bytes] = []
        errors: list[bytes] = []
        readers = [threading.Thread(target=lambda: output.append(proc.stdout.read()), daemon=True),
                   threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)]
        for reader in readers:
            reader.start()
        fired = threading.Event()
        killer = threading.Timer(timeout_s, lambda: (fired.set(), proc.kill()))  # a program that never ends
        killer.start()
        try:
            with open(fifo, "rb") as trace:
                for line in trace:
                    match = TRACE.match(line)
                    if match is not None:
                        on_pc(int(match.group(1), 16))
            status = proc.wait()
        finally:
            killer.cancel()
            if proc.poll() is None:  # the trace's reader failed (or was interrupted): no QEMU left behind
                proc.kill()
                proc.wait()
        for reader in readers:
            reader.join(timeout=10)
        if fired.is_set():
            raise TimeoutError(f"{Path(elf).name} ran past {timeout_s:g} s under QEMU and was stopped")
        if errors and errors[0].strip():
            output.append(b"\n" + errors[0])
    return status, b"".join(output).decode(errors="replace")


def count_marked(elf: Path, *, timeout_s: float = 900, cwd: Path | None = None) -> tuple[int, str, list[int]]:
    """Run ``elf`` with the instruction trace; returns (exit status, its output, and for each pair
    of calls ``m4_mark(1)``, ``m4_mark(2)`` in order the instructions executed from the first
    instruction of the one to the first of the other). A program brackets nothing once (the
    overhead of the calls themselves) before the regions it measures. ``cwd``: QEMU's working folder
    (where the program's semihosting file reads look)."""
    mark = symbol_address(elf, "m4_mark")
    entries: list[int] = []   # trace line numbers at which m4_mark starts
    executed = 0

    def on_pc(pc: int) -> None:
        nonlocal executed
        if pc == mark:
            entries.append(executed)
        executed += 1

    status, output = _traced(elf, on_pc, timeout_s=timeout_s, cwd=cwd)
    regions = [entries[i + 1] - entries[i] for i in range(0, len(entries) - 1, 2)]
    return status, output, regions


def functions(elf: Path) -> tuple[list[int], list[str]]:
    """The ELF's function symbols: sorted start addresses (Thumb bit cleared) and demangled names."""
    out = subprocess.run(["arm-none-eabi-nm", "-n", "-C", str(elf)], check=True, capture_output=True, text=True).stdout
    symbols = sorted((int(parts[0], 16) & ~1, parts[2]) for parts in (line.split(maxsplit=2) for line in out.splitlines())
                     if len(parts) == 3 and parts[1] in "tTwW")
    return [address for address, _ in symbols], [name for _, name in symbols]


def profile_marked(elf: Path, *, timeout_s: float = 900, cwd: Path | None = None) -> tuple[int, str, list[Counter]]:
    """Like :func:`count_marked`, but each region's instructions counted per function (the function
    whose symbol starts at or before the instruction's address): where a region's time goes."""
    mark = symbol_address(elf, "m4_mark")
    starts, names = functions(elf)
    regions: list[Counter] = []
    current: Counter | None = None
    marks = 0

    def on_pc(pc: int) -> None:
        nonlocal current, marks
        if pc == mark:
            marks += 1
            if marks % 2:
                current = Counter()
            else:
                regions.append(current)
                current = None
        elif current is not None:
            i = bisect.bisect_right(starts, pc) - 1
            current[names[i] if i >= 0 else hex(pc)] += 1

    status, output = _traced(elf, on_pc, timeout_s=timeout_s, cwd=cwd)
    return status, output, regions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="m4_run.py", description=__doc__.splitlines()[0])
    parser.add_argument("elf", type=Path)
    parser.add_argument("--count", action="store_true", help="count the instructions between m4_mark(1) and (2)")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="with --count: also the N functions that execute the most of each region")
    args = parser.parse_args(argv)
    if not args.count:
        status, output = run(args.elf)
        print(output, end="")
        return status
    if args.profile:
        status, output, profiles = profile_marked(args.elf)
        regions = [sum(profile.values()) + 1 for profile in profiles]  # + the first instruction of m4_mark(1)
    else:
        status, output, regions = count_marked(args.elf)
    print(output, end="")
    if len(regions) < 2:
        print("the program marked no region to measure", file=sys.stderr)
        return 2
    overhead = regions[0]
    for i, n in enumerate(regions[1:], 1):
        print(f"region {i}: {n - overhead} instructions ({n} with the {overhead} of the marks)")
        if args.profile:
            total = sum(profiles[i].values())
            for name, count in profiles[i].most_common(args.profile):
                print(f"  {count:9,d} {100 * count / total:5.1f} %  {name[:110]}")
    return status


if __name__ == "__main__":
    sys.exit(main())
