"""Run a program on the emulated Cortex-M4F (QEMU mps2-an386) and count the instructions it executes.

    python firmware/tools/m4_run.py ELF [--count]

Without ``--count`` it runs the program and returns its exit status (its semihosting output on
stdout). With ``--count`` QEMU logs every executed instruction (``-singlestep -d exec,nochain``;
Debian's QEMU 7.2 ships no TCG plugins): the log goes through a pipe, never to disk, and the
instructions between the program's calls ``m4_mark(1)`` and ``m4_mark(2)`` (found in the trace by
the function's address, from ``arm-none-eabi-nm``) are counted. A translation block of one
instruction is logged once per execution, so with ``-singlestep`` the count is exact.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
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


def count_marked(elf: Path, *, timeout_s: float = 900, cwd: Path | None = None) -> tuple[int, str, list[int]]:
    """Run ``elf`` with the instruction trace; returns (exit status, its output, and for each pair
    of calls ``m4_mark(1)``, ``m4_mark(2)`` in order the instructions executed from the first
    instruction of the one to the first of the other). A program brackets nothing once (the
    overhead of the calls themselves) before the regions it measures. ``cwd``: QEMU's working folder
    (where the program's semihosting file reads look)."""
    mark = symbol_address(elf, "m4_mark")
    entries: list[int] = []   # trace line numbers at which m4_mark starts
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
        executed = 0
        try:
            with open(fifo, "rb") as trace:
                for line in trace:
                    match = TRACE.match(line)
                    if match is None:
                        continue
                    if int(match.group(1), 16) == mark:
                        entries.append(executed)
                    executed += 1
            status = proc.wait()
        finally:
            killer.cancel()
        for reader in readers:
            reader.join(timeout=10)
        if fired.is_set():
            raise TimeoutError(f"{Path(elf).name} ran past {timeout_s:g} s under QEMU and was stopped")
        if errors and errors[0].strip():
            output.append(b"\n" + errors[0])
    regions = [entries[i + 1] - entries[i] for i in range(0, len(entries) - 1, 2)]
    return status, b"".join(output).decode(errors="replace"), regions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="m4_run.py", description=__doc__.splitlines()[0])
    parser.add_argument("elf", type=Path)
    parser.add_argument("--count", action="store_true", help="count the instructions between m4_mark(1) and (2)")
    args = parser.parse_args(argv)
    if not args.count:
        status, output = run(args.elf)
        print(output, end="")
        return status
    status, output, regions = count_marked(args.elf)
    print(output, end="")
    if len(regions) < 2:
        print("the program marked no region to measure", file=sys.stderr)
        return 2
    overhead = regions[0]
    for i, n in enumerate(regions[1:], 1):
        print(f"region {i}: {n - overhead} instructions ({n} with the {overhead} of the marks)")
    return status


if __name__ == "__main__":
    sys.exit(main())
