"""Write generated files, or check them (``--check``): shared by the vector scripts that also generate C++ headers."""

from __future__ import annotations

from pathlib import Path


def write_or_check(files: dict[Path, bytes], *, check: bool, script: str) -> int:
    """Write ``files``, or with ``check`` list those that differ from what is on disk; 1 when any is stale."""
    stale = []
    for path, data in files.items():
        if check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(path)
        else:
            path.write_bytes(data)
    if stale:
        print(f"stale (run {script}):", *map(str, stale), sep="\n  ")
        return 1
    print(f"{'checked' if check else 'wrote'} {len(files)} files")
    return 0
