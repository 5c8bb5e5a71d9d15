"""Command line: ``wakeword-data {list,fetch,split,record}`` (the datasets/ folder installs as the package ``wakeword_datasets``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wakeword.command import command

from . import record
from .recipes import RECIPES, fetch, get_recipe
from .split import write_manifest


def _list(args: argparse.Namespace) -> int:
    for recipe in RECIPES.values():
        print(f"{recipe.name}\n  {recipe.title}\n  licence: {recipe.license}\n  use: {recipe.use}")
        for remote in recipe.files:
            check = "sha256" if remote.sha256 else ("md5" if remote.md5 else "size only")
            print(f"  {remote.filename}  <- {remote.url}  ({check})")
        if args.verbose:
            print("  layout:\n" + "\n".join("    " + line for line in recipe.layout.splitlines()))
    return 0


def _fetch(args: argparse.Namespace) -> int:
    recipe = get_recipe(args.name)
    dest = fetch(recipe, dest=args.dest, mirror=args.mirror, force=args.force)
    print(f"{recipe.name}: ready under {dest} ({', '.join(recipe.produces)})")
    return 0


def _split(args: argparse.Namespace) -> int:
    fractions = {"train": 1.0 - args.dev - args.test, "dev": args.dev, "test": args.test}
    manifest = write_manifest(args.root, out=args.out, fractions=fractions, speaker_from=args.speaker_from,
                              salt=args.salt)
    counts = ", ".join(f"{k}: {v['files']} files / {v['speakers']} speakers" for k, v in manifest["counts"].items())
    print(f"wrote {args.out} (grouped by {manifest['group_by']}; {counts})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wakeword-data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="show the recipes, their licences and archives")
    p.add_argument("-v", "--verbose", action="store_true", help="also show the folder layouts")
    p.set_defaults(func=_list)

    p = sub.add_parser("fetch", help="verify and unpack a corpus from a local mirror folder")
    p.add_argument("name", choices=sorted(RECIPES), help="recipe name")
    p.add_argument("--dest", required=True, type=Path, help="where the corpus goes")
    p.add_argument("--mirror", type=Path, help="folder holding the downloaded archives")
    p.add_argument("--force", action="store_true", help="verify and unpack again")
    p.set_defaults(func=_fetch)

    p = sub.add_parser("split", help="write a train/dev/test manifest (JSON), grouped by speaker when known")
    p.add_argument("root", type=Path, help="folder of audio files")
    p.add_argument("--out", required=True, type=Path, help="manifest file to write")
    p.add_argument("--dev", type=float, default=0.1, help="fraction for dev (default 0.1)")
    p.add_argument("--test", type=float, default=0.1, help="fraction for test (default 0.1)")
    p.add_argument("--speaker-from", choices=("name", "folder", "none"), default="name",
                   help="speaker ids from corpus file names, parent folders, or none")
    p.add_argument("--salt", default="", help="another string gives another split")
    p.set_defaults(func=_split)

    p = sub.add_parser("record", help="record your own wake-word samples")
    record.add_arguments(p)
    p.set_defaults(func=record.run)
    return parser


@command
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
