"""What every console script shares: bad input is one line and exit status 2, Ctrl-C is
"interrupted" and 130, and a bundle is named the same way with the same trust options.

    @command
    def main(argv=None) -> int: ...
"""

from __future__ import annotations

import argparse
import functools
import sys
from typing import Callable, Sequence

from .errors import WakewordError

#: exit status of a command that stopped on bad input (argparse's own usage errors also exit 2)
BAD_INPUT = 2
#: exit status after Ctrl-C (128 + SIGINT)
INTERRUPTED = 130


def command(main: Callable[[Sequence[str] | None], int]) -> Callable[[Sequence[str] | None], int]:
    """Wrap a console script's ``main(argv) -> status``: a :class:`WakewordError` prints
    ``error: MESSAGE`` on stderr and returns 2; Ctrl-C prints ``interrupted`` and returns 130; a
    closed stdout (``| head``) ends quietly."""

    @functools.wraps(main)
    def wrapped(argv: Sequence[str] | None = None) -> int:
        try:
            return main(argv)
        except WakewordError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return BAD_INPUT
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return INTERRUPTED
        except BrokenPipeError:
            sys.stderr.close()  # nothing more can be written; no traceback at exit
            return 0

    return wrapped


def add_bundle_options(parser: argparse.ArgumentParser, *, bundle: bool = True, default: str | None = None,
                       help_text: str | None = None) -> None:
    """``--bundle`` (when ``bundle``), ``--allow-unsigned`` and ``--trusted-key``, the same everywhere."""
    if bundle:
        from .bundle import builtin_names

        parser.add_argument("--bundle", default=default, required=default is None,
                            help=help_text or f"bundle folder, .wwb file, built-in name "
                            f"({', '.join(builtin_names()) or 'none'}) or microwakeword:NAME")
    parser.add_argument("--allow-unsigned", action="store_true",
                        help="accept a bundle without a signature (e.g. one you just trained)")
    parser.add_argument("--trusted-key", action="append", default=[], metavar="PUB",
                        help="also trust this public key (besides the release keys and ~/.config/wakeword/trusted_keys)")
