"""Long fuzzing of the parsers that take untrusted input: audio files, bundles, manifests,
signatures and the update client.

With atheris installed (``pip install atheris``), coverage-guided fuzzing (libFuzzer)
seeded with a real WAV, FLAC, ``.wwb``, manifest and signature; otherwise a long,
randomized run of the Hypothesis tests in ``tests/test_hostile_input.py``.

Every input must load or raise a ``WakewordError``. Exceptions listed in that test
file's ``KNOWN_BUGS`` are counted, not fatal; any other exception stops the run with a
traceback (and, under atheris, a ``crash-*`` file holding the input).

    python bench/fuzz.py --seconds 60            # prints the number of cases tried
    python bench/fuzz.py --seconds 600 --engine hypothesis
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wakeword.audio import RAW_SUFFIXES  # noqa: E402
from wakeword.dsp import AUDIO_SUFFIXES as DSP_SUFFIXES  # noqa: E402

TARGETS = ("audio", "bundle_archive", "manifest", "signature", "update_file")
# the suffixes the loader reads (wakeword.dsp, wakeword.audio), each fuzzed
AUDIO_SUFFIXES = tuple(dict.fromkeys((*DSP_SUFFIXES, *RAW_SUFFIXES)))


class AtherisFuzzer:
    """One libFuzzer input -> one call of a target chosen by the input's first byte."""

    def __init__(self, workdir: Path, seconds: float, max_cases: int) -> None:
        import numpy as np
        import soundfile as sf

        from tests.test_hostile_input import known_bug
        from wakeword.bundle import MANIFEST_NAME, load_bundle, pack_bundle, save_bundle
        from wakeword.peers import microwakeword_bundle
        from wakeword.signing import SIGNATURE_NAME, TrustPolicy, generate_keypair, load_public_key, sign_bundle

        self.known_bug = known_bug
        self.workdir = workdir
        self.deadline = time.monotonic() + seconds
        self.max_cases = max_cases
        self.cases = 0
        self.per_target = collections.Counter()
        self.outcomes = collections.Counter()
        self.bugs = collections.Counter()
        self.started = time.monotonic()

        bundle = microwakeword_bundle("alexa")
        self.model_name = bundle.manifest.model.file
        self.model_bytes = bundle.model_bytes
        private_path, public_path = generate_keypair(workdir / "keys")
        self.trust = TrustPolicy((load_public_key(public_path),))
        folder = save_bundle(workdir / "seed_bundle", bundle.manifest, bundle.model_bytes)
        sign_bundle(folder, private_path)
        self.manifest_bytes = (folder / MANIFEST_NAME).read_bytes()
        self.signature_name = SIGNATURE_NAME
        self.manifest_name = MANIFEST_NAME
        self.load_bundle = load_bundle
        archive = pack_bundle(folder, workdir / "seed.wwb").read_bytes()

        # seed corpus: target byte + a real input of that kind
        corpus = workdir / "corpus"
        corpus.mkdir()
        tone = (0.3 * np.sin(np.arange(1600) * 0.1)).astype(np.float32)
        for index, (fmt, subtype) in enumerate([("WAV", "PCM_16"), ("FLAC", "PCM_16"), ("WAV", "FLOAT")]):
            path = workdir / f"seed{index}.{fmt.lower()}"
            sf.write(path, tone, 16000, format=fmt, subtype=subtype)
            suffix = 1 if fmt == "FLAC" else 0
            (corpus / f"audio{index}").write_bytes(bytes([0, suffix]) + path.read_bytes())
        (corpus / "bundle").write_bytes(bytes([1]) + archive)
        (corpus / "manifest").write_bytes(bytes([2]) + self.manifest_bytes)
        (corpus / "signature").write_bytes(bytes([3]) + (folder / SIGNATURE_NAME).read_bytes())
        (corpus / "update").write_bytes(bytes([4]) + archive)
        self.corpus = corpus

    def run_target(self, data: bytes) -> None:
        from wakeword.audio import load_audio
        from wakeword.signing import verify_members
        from wakeword.update import install_update

        target = TARGETS[data[0] % len(TARGETS)] if data else "audio"
        body = data[1:]
        self.per_target[target] += 1
        if target == "audio":
            suffix = AUDIO_SUFFIXES[body[0] % len(AUDIO_SUFFIXES)] if body else ".wav"
            path = self.workdir / f"case{suffix}"
            path.write_bytes(body[1:])
            call = lambda: load_audio(path)  # noqa: E731
        elif target == "bundle_archive":
            path = self.workdir / "case.wwb"
            path.write_bytes(body)
            call = lambda: self.load_bundle(path)  # noqa: E731
        elif target == "manifest":
            folder = self.workdir / "case_bundle"
            folder.mkdir(exist_ok=True)
            (folder / self.manifest_name).write_bytes(body)
            (folder / self.model_name).write_bytes(self.model_bytes)
            call = lambda: self.load_bundle(folder)  # noqa: E731
        elif target == "signature":
            members = {self.manifest_name: self.manifest_bytes, self.model_name: self.model_bytes,
                       self.signature_name: body}
            call = lambda: verify_members(members, self.trust, source="fuzz")  # noqa: E731
        else:
            path = self.workdir / "offered.wwb"
            path.write_bytes(body)
            call = lambda: install_update(path, install_dir=self.workdir / "installed", trust=self.trust)  # noqa: E731
        self.check(target, call)

    def check(self, target: str, call) -> None:
        from wakeword.errors import WakewordError

        try:
            call()
            self.outcomes[f"{target}: ok"] += 1
        except WakewordError:
            self.outcomes[f"{target}: WakewordError"] += 1
        except Exception as exc:  # noqa: BLE001
            description = self.known_bug(exc)
            if description is None:
                self.report()
                raise
            self.bugs[description] += 1

    def __call__(self, data: bytes) -> None:
        self.cases += 1
        self.run_target(data)
        if self.cases >= self.max_cases or time.monotonic() > self.deadline:
            self.report()
            sys.stdout.flush()
            os._exit(0)  # libFuzzer would otherwise keep going

    def report(self) -> None:
        elapsed = time.monotonic() - self.started
        print(f"\nfuzz (atheris): {self.cases} cases tried in {elapsed:.0f} s ({self.cases / max(elapsed, 1e-9):.0f}/s)")
        for target in TARGETS:
            print(f"  {target:15s} {self.per_target[target]:8d} cases  "
                  f"ok {self.outcomes[f'{target}: ok']}, WakewordError {self.outcomes[f'{target}: WakewordError']}")
        print(f"known bugs hit: {sum(self.bugs.values())}" + "".join(f"\n  {n:6d}  {d}" for d, n in self.bugs.most_common()))
        print("new bugs: 0 (an unknown exception would have stopped the run)")


def run_atheris(seconds: float, max_cases: int) -> int:
    import atheris

    with atheris.instrument_imports(include=["wakeword", "zipfile", "json"]):
        import json as _json  # noqa: F401
        import zipfile as _zipfile  # noqa: F401

        import wakeword.audio  # noqa: F401
        import wakeword.bundle  # noqa: F401
        import wakeword.config  # noqa: F401
        import wakeword.signing  # noqa: F401
        import wakeword.update  # noqa: F401
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(prefix="wakeword-fuzz-", dir=shm if shm.is_dir() else None) as tmp:
        fuzzer = AtherisFuzzer(Path(tmp), seconds, max_cases)
        argv = [sys.argv[0], str(fuzzer.corpus), "-rss_limit_mb=4096", "-max_len=65536", "-timeout=20",
                f"-max_total_time={int(seconds) + 30}"]
        atheris.Setup(argv, fuzzer)
        atheris.Fuzz()
    return 0


def run_hypothesis(seconds: float, max_cases: int) -> int:
    """Fallback without atheris: the Hypothesis tests, randomized, with many more examples."""
    tests = ROOT / "tests" / "test_hostile_input.py"
    fuzz_tests = tests.read_text().count("@given(")  # they share the example budget
    per_test = max(150, min(max_cases // fuzz_tests, int(seconds * 40 / fuzz_tests)))
    env = dict(os.environ, WAKEWORD_FUZZ_EXAMPLES=str(per_test), WAKEWORD_FUZZ_RANDOM="1")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests),
                             "--hypothesis-show-statistics"], env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    # Hypothesis' statistics: "- 150 passing, 0 failing, and 3 invalid test cases" per phase
    cases = sum(int(line.split()[1]) for line in result.stdout.splitlines()
                if line.strip().startswith("- ") and "passing," in line and line.split()[1].isdigit())
    print("\n".join(line for line in result.stdout.splitlines()[-12:] if "XFAIL" not in line))
    print(f"fuzz (hypothesis): {cases} passing cases tried in {elapsed:.0f} s "
          f"({per_test} examples per test); pytest exit status {result.returncode}")
    return result.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="time budget")
    parser.add_argument("--max-cases", type=int, default=10**9, help="stop after this many cases")
    parser.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    args = parser.parse_args(argv)
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401
            engine = "atheris"
        except ImportError:
            engine = "hypothesis"
    if engine == "atheris":
        return run_atheris(args.seconds, args.max_cases)
    return run_hypothesis(args.seconds, args.max_cases)


if __name__ == "__main__":
    sys.exit(main())
