"""``wakeword-federated`` (``python -m federated``): federated fine-tuning on real voices, one client per speaker.

Clients are the speakers of one keyword's real clips (grouped by voice as in
:mod:`evaluation.personalization`); each holds its **dev-half** clips. After every round the
server measures the global model at the shipped threshold: FRR on the **test-half** clips of
that keyword and false accepts per hour over the negative speech. The federated model is a
measurement and is never shipped (its clients' clips come from the evaluation data).

    python -m federated --bundle computer --positives ../shared/data/eval/positives/computer \\
        --speaker-clips ../shared/data/eval/positives/* --negatives ../shared/data/eval/negatives \\
        --rounds 5 --out docs/eval/federated/computer
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from wakeword.command import add_bundle_options, command

from .updates import FederatedConfig


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wakeword-federated", description=__doc__.split("\n")[0])
    from evaluation.personalization import add_speaker_data_options

    add_bundle_options(parser)
    add_speaker_data_options(parser)
    parser.add_argument("--rounds", type=int, default=FederatedConfig.rounds)
    parser.add_argument("--clip-norm", type=float, default=FederatedConfig.clip_norm)
    parser.add_argument("--noise-multiplier", type=float, default=FederatedConfig.noise_multiplier,
                        help="differential privacy: Gaussian noise std on the sum, in clip norms (0: off)")
    parser.add_argument("--prior-weight", type=float, default=FederatedConfig.prior_weight)
    parser.add_argument("--plain", action="store_true", help="plain FedAvg instead of SecAgg+")
    parser.add_argument("--min-clips", type=int, default=1, help="dev clips a speaker needs to be a client")
    parser.add_argument("--server-negatives", nargs="*", default=[], metavar="DIR",
                        help="training speech without the keyword that the server calibrates each new layer against "
                             "(default: only the packaged 8 minutes a phone has)")
    parser.add_argument("--out", required=True)
    return parser


def _clients(positives: Path, labels: dict[str, int], min_clips: int) -> list[list[str]]:
    from evaluation.sources import clip_half, find_audio_files

    groups: dict[int, list[str]] = {}
    for f in sorted(find_audio_files(positives, what="positives"), key=lambda p: p.name):
        if clip_half(f) == "dev":
            groups.setdefault(labels[f.resolve().as_posix()], []).append(str(f))
    return [fs for _, fs in sorted(groups.items()) if len(fs) >= min_clips]


def _measure(positives: Path, negative_frames: np.ndarray):
    from evaluation.personalization import detected, false_accepts
    from evaluation.sources import clip_half, find_audio_files
    from wakeword.audio import load_audio

    held = [load_audio(f) for f in find_audio_files(positives, what="positives") if clip_half(f) == "test"]
    hours = len(negative_frames) / 100.0 / 3600.0

    def measure(round_number: int, bundle) -> dict:
        hits = detected(bundle, held)
        fa = false_accepts(bundle, negative_frames)
        print(f"round {round_number}: FRR {100 * (1 - hits.mean()):.1f}% on {len(held)} held-out clips, "
              f"{fa / hours:.2f} FA/h", flush=True)
        return {"frr": float(1 - hits.mean()), "heldout": len(held), "fa_per_hour": fa / hours}

    return measure


def plot(history: list[dict], path: Path, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rounds = [h["round"] for h in history if "frr" in h]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(rounds, [100 * h["frr"] for h in history if "frr" in h], marker="o", label="FRR (held-out clips)")
    ax2 = ax.twinx()
    ax2.plot(rounds, [h["fa_per_hour"] for h in history if "frr" in h], marker="s", color="tab:red",
             label="FA/h (negatives)")
    ax.set_xlabel("round (0 = shipped model)")
    ax.set_ylabel("FRR (%)")
    ax2.set_ylabel("false accepts / h", color="tab:red")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


@command
def main(argv: Sequence[str] | None = None) -> int:
    from evaluation.personalization import negative_features, speaker_labels
    from evaluation.sources import find_audio_files
    from wakeword.audio import load_audio
    from wakeword.features import compute_features

    from .flower import write_plan
    from .server import bytes_per_client_round, epsilon_of, run_simulation

    args = build_parser().parse_args(argv)
    out = Path(args.out).resolve()
    (out / "trace").mkdir(parents=True, exist_ok=True)
    for old in (out / "trace").glob("*.jsonl"):
        old.unlink()
    labels = speaker_labels(args.speaker_clips, out.parent / "speaker_embeddings.npz")
    clients = _clients(Path(args.positives), labels, args.min_clips)
    config = FederatedConfig(rounds=args.rounds, clip_norm=args.clip_norm, noise_multiplier=args.noise_multiplier,
                             prior_weight=args.prior_weight, secure=not args.plain)
    plan = write_plan(out / "plan.json", bundle=args.bundle, clients=clients, config=config, trace_dir=out / "trace",
                      allow_unsigned=args.allow_unsigned)
    # each folder played back to back (short clips, such as single digits, fill a detector window together)
    server_frames = [np.concatenate([compute_features(load_audio(f)) for f in find_audio_files(d, what="server negatives")])
                     for d in args.server_negatives]
    history = run_simulation(plan, measure=_measure(Path(args.positives), negative_features(args.negatives)),
                             server_negative_frames=server_frames or None)
    result = {"bundle": args.bundle, "keyword": Path(args.positives).name, "clients": len(clients),
              "server_negatives": [str(d) for d in args.server_negatives],
              "clips_per_client": [len(c) for c in clients], "config": config.__dict__,
              "epsilon": epsilon_of(config), "bytes": bytes_per_client_round(out / "trace"), "history": history}
    (out / "results.json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    plot(history, out / "frr.png", f"{args.bundle}: {len(clients)} clients, "
         f"{'SecAgg+' if config.secure else 'FedAvg'}, clip {config.clip_norm:g}")
    print(json.dumps({k: v for k, v in result.items() if k not in ("history", "clips_per_client")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
