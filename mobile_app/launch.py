"""The ``wakeword-app`` console script: runs :mod:`mobile_app.main` as the program, so its options
are read from the command line before Kivy starts (the window size must be known then)."""

import runpy


def main() -> None:
    runpy.run_module("mobile_app.main", run_name="__main__", alter_sys=True)
