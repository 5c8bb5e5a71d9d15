"""The sensitivity control: slider position <-> detector threshold, and its label.

The slider shows *sensitivity* ``= 256 - threshold`` so that moving it right makes the
detector more eager. Its label states the expected false accepts per hour when the
manifest's metrics hold ``fa_per_hour_by_threshold`` (``{"<threshold>": fa_per_hour}``,
written by the trainer), and the rate in noise too when they hold
``fa_per_hour_in_noise_by_threshold`` (the same negatives mixed with training noise at 10 dB);
otherwise it shows the raw threshold only.

Pure Python (no Kivy).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

#: lowest threshold the slider offers (window mean probability 0.25); lower is never useful
MIN_THRESHOLD = 64
MAX_THRESHOLD = 255
METRIC_KEY = "fa_per_hour_by_threshold"
NOISE_METRIC_KEY = "fa_per_hour_in_noise_by_threshold"


def threshold_to_sensitivity(threshold: int) -> int:
    return 256 - int(threshold)


def sensitivity_to_threshold(sensitivity: float) -> int:
    return min(MAX_THRESHOLD, max(1, 256 - int(round(sensitivity))))


def sensitivity_range(default_threshold: int) -> tuple[int, int]:
    """(min, max) slider values; the model's default threshold is always reachable."""
    lowest = min(MIN_THRESHOLD, int(default_threshold))
    return threshold_to_sensitivity(MAX_THRESHOLD), threshold_to_sensitivity(lowest)


def fa_table(metrics: Mapping[str, Any] | None, key: str = METRIC_KEY) -> list[tuple[int, float]]:
    """``(threshold, fa_per_hour)`` pairs of ``metrics[key]`` sorted by threshold; malformed entries are skipped."""
    raw = (metrics or {}).get(key)
    if not isinstance(raw, Mapping):
        return []
    table = {}
    for key, value in raw.items():
        try:
            threshold = int(str(key).strip())
            rate = float(value)
        except (TypeError, ValueError):
            continue
        if 1 <= threshold <= 255 and math.isfinite(rate) and rate >= 0:
            table[threshold] = rate
    return sorted(table.items())


def expected_fa_per_hour(metrics: Mapping[str, Any] | None, threshold: int,
                         key: str = METRIC_KEY) -> tuple[str, float] | None:
    """Expected false accepts per hour at ``threshold`` as ``(relation, value)``, or None
    (``key``: the clean table, or :data:`NOISE_METRIC_KEY` for the one in noise).

    relation is ``"="`` (measured), ``"~"`` (interpolated between two measured thresholds),
    ``"<="`` (above the highest measured threshold: at most the rate measured there) or
    ``">="`` (below the lowest measured one).
    """
    table = fa_table(metrics, key)
    if not table:
        return None
    for t, rate in table:
        if t == threshold:
            return "=", rate
    if threshold > table[-1][0]:
        return "<=", table[-1][1]
    if threshold < table[0][0]:
        return ">=", table[0][1]
    for (t0, r0), (t1, r1) in zip(table, table[1:]):
        if t0 < threshold < t1:
            f = (threshold - t0) / (t1 - t0)
            if r0 > 0 and r1 > 0:               # false-accept rates fall roughly exponentially
                return "~", math.exp(math.log(r0) + f * (math.log(r1) - math.log(r0)))
            return "~", r0 + f * (r1 - r0)
    return None  # pragma: no cover - the loops above cover every case


def _format_rate(rate: float) -> str:
    if rate == 0:
        return "0"
    if rate < 0.1:
        return f"{rate:.3f}"
    if rate < 10:
        return f"{rate:.2f}"
    return f"{rate:.0f}"


def describe_threshold(metrics: Mapping[str, Any] | None, threshold: int) -> str:
    """One-line label for the slider."""
    head = f"threshold {threshold}/256 (p \u2265 {threshold / 256:.2f})"
    fa = expected_fa_per_hour(metrics, threshold)
    if fa is None:
        return f"{head}  \u00b7  no false-accept data in this model"
    label = f"{head}  \u00b7  {_format_fa(fa)} false accepts/hour"
    in_noise = expected_fa_per_hour(metrics, threshold, NOISE_METRIC_KEY)
    return label if in_noise is None else f"{label} ({_format_fa(in_noise)} in noise)"


def _format_fa(fa: tuple[str, float]) -> str:
    relation, rate = fa
    symbol = {"=": "", "~": "\u2248", "<=": "\u2264", ">=": "\u2265"}[relation]
    return f"{symbol}{_format_rate(rate)}"
