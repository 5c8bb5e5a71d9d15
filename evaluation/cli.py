"""The ``wakeword-eval`` command (also ``python -m evaluation``).

Example::

    wakeword-eval --peer microwakeword:alexa --positives data/eval/positives/alexa \\
        --negatives data/eval/negatives --noise data/eval/noise/kitchen --snr 10 5 0 \\
        --rir data/train/rir --out eval_out --workers 2

Exit status: 0 done, 2 bad input (one line on stderr naming it), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from wakeword.command import add_bundle_options, command
from wakeword.errors import WakewordError

from .mixing import SNR_REFERENCES
from .report import condition_results
from .sources import HALVES
from .suite import DEFAULT_SNRS_DB, load_peer, run_suite


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wakeword-eval",
        description="Noise-robustness suite: FRR, FA/h, DET curves and latency of wake word models "
                    "under clean, noisy and reverberant conditions.")
    parser.add_argument("--bundle", action="append", default=[], metavar="B",
                        help="our bundle (folder, .wwb file or built-in name); repeat for several")
    parser.add_argument("--peer", action="append", default=[], metavar="FAMILY:NAME",
                        help="a peer model run through the same engine, e.g. microwakeword:alexa; repeatable")
    parser.add_argument("--positives", nargs="+", required=True, metavar="DIR",
                        help="folders of keyword clips, each named after its keyword")
    parser.add_argument("--half", choices=HALVES, default="all",
                        help="which clips of each positives folder: all, or one fixed half: 'dev' for choices "
                             "(recipe, threshold rule, design), 'test' for reported figures (default: %(default)s)")
    parser.add_argument("--window", type=int, default=None, metavar="N",
                        help="replace every model's detector window (model calls averaged) by N, to see what the "
                             "window costs in accuracy and latency (default: each manifest's)")
    parser.add_argument("--no-cascade", action="store_true",
                        help="measure a bundle that carries a verifier by its first stage only (by default it is "
                             "also measured as a cascade, NAME+verifier)")
    parser.add_argument("--negatives", nargs="+", required=True, metavar="DIR",
                        help="folders of audio without the keyword (played back to back)")
    parser.add_argument("--noise", nargs="+", default=[], metavar="FILE|DIR",
                        help="noise recordings; each file or folder is one noise type")
    parser.add_argument("--rir", nargs="+", default=[], metavar="FILE|DIR",
                        help="room impulse responses (adds the reverb conditions)")
    parser.add_argument("--snr", nargs="+", type=float, default=list(DEFAULT_SNRS_DB), metavar="DB",
                        help="SNRs in dB for each noise type (default: %(default)s)")
    parser.add_argument("--snr-reference", choices=SNR_REFERENCES, default="speech",
                        help="how SNR is measured: 'speech' = active speech power over noise power (the "
                             "project's definition, also used in training); 'peak' = loudest 512-sample "
                             "windows of speech and noise, as in Picovoice's wake-word benchmark; "
                             "'clip' = mean power over the whole clip, silence included (default: %(default)s)")
    parser.add_argument("--out", default="eval_out", metavar="DIR",
                        help="output folder for results.json, report.md and PNGs (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default: 1)")
    add_bundle_options(parser, bundle=False)
    parser.add_argument("--max-negative-hours", type=float, default=None, metavar="H",
                        help="use at most H hours of negatives")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of noise placement (default: 0)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _summary(results: dict) -> str:
    lines = []
    for model, info in results["models"].items():
        for name, r in condition_results(info).items():
            frr = "n/a" if r["frr_at_threshold"] is None else f"{100 * r['frr_at_threshold']:.1f}%"
            fa = "n/a" if r["fa_per_hour_at_threshold"] is None else f"{r['fa_per_hour_at_threshold']:.2f}"
            lines.append(f"{model:24s} {name:28s} FRR {frr:>6s}  FA/h {fa:>6s}  (T={info['threshold']})")
    lines.append(f"{results['inputs']['positive_clips']} positives, "
                 f"{results['inputs']['hours_negative']:.3f} h negatives, {results['wall_s']} s")
    return "\n".join(lines)


@command
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    models = list(args.bundle) + [load_peer(spec) for spec in args.peer]
    if not models:
        raise WakewordError("no model given: use --bundle B and/or --peer microwakeword:NAME")
    if args.workers < 1:
        raise WakewordError(f"--workers {args.workers} must be >= 1")
    results = run_suite(models=models, positives=args.positives, negatives=args.negatives, noises=args.noise,
                        rirs=args.rir, snrs_db=args.snr, snr_reference=args.snr_reference, out_dir=args.out,
                        workers=args.workers, max_negative_hours=args.max_negative_hours, seed=args.seed,
                        progress=not args.quiet, allow_unsigned=args.allow_unsigned,
                        trusted_key_files=tuple(args.trusted_key), positives_half=args.half,
                        detector_window=args.window, cascade=not args.no_cascade)
    print(_summary(results))
    print(f"wrote {args.out}/results.json, report.md and figures")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
