"""``wakeword-train CONFIG.toml`` (or ``--phrase "hey mirror"``): a wake word from its text to a deployable bundle.

The command line of :mod:`training.pipeline` (whose :func:`run` it re-exports): a config file, or a
phrase and the folders of real recordings a user has; ``wakeword-train init NAME`` writes a
commented config; ``wakeword-train search CONFIG`` searches architectures under the device's budget
(:mod:`training.search`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from training.config import PRESETS
from training.pipeline import run  # noqa: F401  (re-exported: the pipeline behind this command)
from wakeword.command import command


def _folder_options(parser: argparse.ArgumentParser) -> None:
    from training.quickstart import FOLDERS

    for option, (table, key, meaning) in FOLDERS.items():
        parser.add_argument(f"--{option}", nargs="+", default=[], metavar="DIR",
                            help=f"{meaning} ([{table}] {key})")


def init_main(argv) -> int:
    """``wakeword-train init NAME``: write a commented config to edit."""
    from training.quickstart import config_text, write_config

    parser = argparse.ArgumentParser(prog="wakeword-train init",
                                     description="Write a commented training config for a new wake word.")
    parser.add_argument("name", help="keyword name (a-z, 0-9, _), e.g. hey_mirror")
    parser.add_argument("--phrase", default=None, help="what is said (default: the name's words)")
    parser.add_argument("--version", default="0.1.0")
    parser.add_argument("--out", type=Path, default=None, help="config file to write (default configs/NAME.toml)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    _folder_options(parser)
    args = parser.parse_args(argv)
    name = args.name
    out = args.out or Path("configs") / f"{name}.toml"
    folders = {k: getattr(args, k) for k in ("speech", "noise", "rir", "negatives", "positives")}
    text = config_text(name, phrase=args.phrase, version=args.version, folders=folders, base=out.parent)
    write_config(out, text, force=args.force)
    print(f"wrote {out}: edit it, then  wakeword-train {out} --out runs/{name}")
    return 0


@command
def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["init"]:
        return init_main(argv[1:])
    if argv[:1] == ["search"]:
        from training.search import main as search_main

        return search_main(argv[1:])
    return train_main(argv)


def train_main(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="wakeword-train", description=__doc__.splitlines()[0],
        epilog="wakeword-train init NAME [--phrase ...] writes a commented config to start from; "
               "wakeword-train search CONFIG searches architectures under the device's budget.")
    parser.add_argument("config", nargs="?", default=None, help="training config (TOML); or give --phrase")
    parser.add_argument("--phrase", default=None,
                        help="train this phrase with the default recipe and the folders given below, no config")
    parser.add_argument("--name", default=None, help="with --phrase: the keyword name (default from the phrase)")
    _folder_options(parser)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default runs/NAME)")
    parser.add_argument("--cache", type=Path, default=Path("cache"), help="cache for synthesized audio and features")
    parser.add_argument("--firmware-dir", type=Path, default=None,
                        help="also write model_data.cc/h and model_settings.h here (e.g. firmware/generated)")
    parser.add_argument("--sign-key", type=Path, default=None,
                        help="sign the bundle with this Ed25519 private key (see `wakeword keygen`)")
    parser.add_argument("--preset", default=None, choices=[name for name in PRESETS if name],
                        help="lay a named preset under the config: 'quality' also trains and measures the "
                             "ablation table's comparison variants (plain, float, QAT and channel-pruned "
                             "students; about half again the training time); default: the config's own")
    parser.add_argument("--verbose", type=int, default=2, help="Keras verbosity (0, 1, 2)")
    parser.add_argument("--seed", type=int, default=0,
                        help="training seed (the data stays the same): another run of the same recipe")
    args = parser.parse_args(argv)
    from training.config import load_config
    from training.quickstart import config_for_phrase

    folders = {k: getattr(args, k) for k in ("speech", "noise", "rir", "negatives", "positives")}
    if (args.config is None) == (args.phrase is None):
        parser.error("give a config file or --phrase (not both)")
    if args.config is not None and (args.name or any(folders.values())):
        parser.error("--name and the folder options go with --phrase; a config names its own folders")
    if args.config is not None:
        config = load_config(args.config, preset=args.preset)
    else:
        config = config_for_phrase(args.phrase, name=args.name, folders=folders, preset=args.preset or "")
    out = args.out or Path("runs") / config.keyword.name
    result = run(config, out_dir=out, cache_dir=args.cache, firmware_dir=args.firmware_dir,
                 verbose=args.verbose, seed=args.seed)
    if args.sign_key is not None:
        from wakeword.signing import sign_bundle

        sign_bundle(result["bundle"], args.sign_key)
        print(f"signed {result['bundle']} with {args.sign_key}")
    else:
        print("the bundle is unsigned: load it with --allow-unsigned, or sign it (wakeword sign)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
