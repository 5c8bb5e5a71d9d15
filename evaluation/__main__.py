"""``python -m evaluation``: the same as ``wakeword-eval``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
