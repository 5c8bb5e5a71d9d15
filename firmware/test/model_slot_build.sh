#!/usr/bin/env bash
# Build and run the model slot and model selection host test
# (firmware/test/test_model_slot.cc) with
# warnings as errors and AddressSanitizer + UBSan.
#
# Usage: firmware/test/model_slot_build.sh [build_dir]    (default: firmware/build/model_slot)
# Env:   CXX (default c++), PYTHON (default .venv/bin/python, else python3): when a Python
#        with the wakeword package is found, the committed vectors and
#        firmware/src/model_slot_layout.h are first checked to be what
#        tests/vectors/make_model_slot_vectors.py writes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/firmware/build/model_slot}"
cxx="${CXX:-c++}"
python="${PYTHON:-}"
if [ -z "$python" ]; then
  if [ -x "$root/.venv/bin/python" ]; then python="$root/.venv/bin/python"; else python=python3; fi
fi

if "$python" -c "import wakeword.model_slot" >/dev/null 2>&1; then
  (cd "$root" && "$python" tests/vectors/make_model_slot_vectors.py --check)
else
  echo "note: no Python with the wakeword package; skipping the vector freshness check" >&2
fi

mkdir -p "$build"
"$cxx" -std=c++17 -O1 -g -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion \
  -fno-exceptions -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  -I"$root/firmware/src" \
  "$root/firmware/src/sha256.cc" "$root/firmware/src/model_slot.cc" \
  "$root/firmware/src/model_select.cc" "$here/test_model_slot.cc" \
  -o "$build/test_model_slot"
"$build/test_model_slot" "$root/tests/vectors"
