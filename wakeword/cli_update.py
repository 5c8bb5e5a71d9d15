"""The ``keygen``, ``sign``, ``update`` and ``rollback`` subcommands of ``wakeword``.

::

    wakeword keygen --out DIR
    wakeword sign BUNDLE --key KEY
    wakeword update --from URL|PATH --install-dir DIR --trusted-key PUB [--force] [--allow-unsigned]
    wakeword rollback NAME --install-dir DIR

Each ``cmd_*`` takes the parsed namespace and returns the exit status; errors are
:class:`wakeword.errors.WakewordError` subclasses, reported by ``wakeword.cli.main``.
"""

from __future__ import annotations

import argparse

from .errors import ConfigError, WakewordError


def cmd_keygen(args: argparse.Namespace) -> int:
    from .signing import generate_keypair, key_id, load_public_key

    private_path, public_path = generate_keypair(args.out)
    print(f"private key  {private_path}  (keep it secret; mode 0600)")
    print(f"public key   {public_path}  (give it to devices: --trusted-key)")
    print(f"key id       {key_id(load_public_key(public_path))}")
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    from .signing import sign_bundle

    if args.bundle and args.bundle_positional and args.bundle != args.bundle_positional:
        raise WakewordError(f"two bundles named: {args.bundle_positional!r} and --bundle {args.bundle!r}; give one")
    target = args.bundle or args.bundle_positional
    if target is None:
        raise WakewordError("no bundle given: --bundle PATH")
    path = sign_bundle(target, args.key)
    print(f"signed {path}")
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    from .signing import TrustPolicy
    from .update import install_update

    if not args.trusted_key and not args.allow_unsigned:
        raise ConfigError("update: give at least one --trusted-key PUB (or --allow-unsigned to skip signatures)")
    trust = TrustPolicy.from_key_files(args.trusted_key, allow_unsigned=args.allow_unsigned)
    result = install_update(args.source, install_dir=args.install_dir, trust=trust, force=args.force)
    was = f" (was {result.previous_version})" if result.previous_version else ""
    print(f"installed {result.name} {result.version}{was} at {result.path}")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from .update import rollback

    result = rollback(args.install_dir, args.name)
    print(f"rolled {result.name} back to {result.version} (was {result.previous_version}) at {result.path}")
    return 0


def add_update_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``keygen``, ``sign``, ``update`` and ``rollback`` to the ``wakeword`` parser."""
    p = subparsers.add_parser("keygen", help="create an Ed25519 key pair for signing bundles")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for wakeword_signing.key/.pub")
    p.set_defaults(func=cmd_keygen)

    p = subparsers.add_parser("sign", help="sign a bundle folder or .wwb (writes signature.json into it)")
    p.add_argument("bundle_positional", nargs="?", metavar="BUNDLE", help=argparse.SUPPRESS)
    p.add_argument("--bundle", default=None, help="the bundle folder or .wwb to sign")
    p.add_argument("--key", required=True, metavar="KEY", help="private key (from `wakeword keygen`)")
    p.set_defaults(func=cmd_sign)

    p = subparsers.add_parser("update", help="verify and install a bundle from a URL or path")
    p.add_argument("--from", dest="source", required=True, metavar="URL|PATH",
                   help="http(s) URL of a .wwb, or a local bundle folder or .wwb")
    p.add_argument("--install-dir", required=True, metavar="DIR")
    p.add_argument("--trusted-key", action="append", default=[], metavar="PUB",
                   help="public key whose signatures are accepted (repeatable)")
    p.add_argument("--force", action="store_true", help="install even if not newer than the installed version")
    p.add_argument("--allow-unsigned", action="store_true", help="accept bundles without a signature")
    p.set_defaults(func=cmd_update)

    p = subparsers.add_parser("rollback", help="go back to the previously installed version of a bundle")
    p.add_argument("name", metavar="NAME", help="bundle name (the manifest's name)")
    p.add_argument("--install-dir", required=True, metavar="DIR")
    p.set_defaults(func=cmd_rollback)
