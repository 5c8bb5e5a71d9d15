"""Outputs of a suite run: ``results.json``, ``report.md`` and PNG figures.

Everything is drawn from the results dict alone, so a report can be redrawn from
a saved ``results.json`` (:func:`write_outputs`).

Figures
-------
``det_<condition>.png``      DET curve per condition (pooled ones too), every model on one figure: FRR against
                             FA/h on log axes; the manifest threshold is marked, dotted lines
                             at the FA/h targets. Zero values cannot sit on a log axis: 0 FA/h
                             is drawn at ``min(0.5 / hours, smallest target / 2)`` (grey line)
                             and an FRR of 0 at ``0.5 / positives`` (both in the axis labels).
``scores_<model>.png``       score histograms: each positive clip's peak window mean, and the
                             window means over the negatives (log counts), with the threshold.
``frr_vs_snr_<noise>.png``   FRR at the manifest threshold against SNR for one noise type
                             (dashed: with reverberation; dotted: clean).
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np


def condition_results(info: dict) -> dict:
    """One model's results by condition name: its conditions, then its pooled conditions."""
    return {**info["conditions"], **info.get("pooled", {})}


def slug(name: str) -> str:
    """A file-name-safe form of a model or condition name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "x"


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_outputs(results: dict, out_dir: str | os.PathLike) -> list[Path]:
    """Write ``results.json``, ``report.md`` and the figures into ``out_dir``; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write(out / "results.json", json.dumps(results, indent=1, allow_nan=False) + "\n")
    figures = write_figures(results, out)
    _atomic_write(out / "report.md", render_markdown(results, figures))
    return [out / "results.json", out / "report.md", *figures]


# ----------------------------------------------------------------------------- figures

def _noise_conditions(results: dict) -> dict[str, list[dict]]:
    by_noise: dict[str, list[dict]] = {}
    for c in results["conditions"]:
        if c["noise"] is not None:
            by_noise.setdefault(c["noise"], []).append(c)
    return by_noise


def _minor_percent(value: float, _position=None) -> str:
    """Label the 2x and 5x minor ticks of a log axis as percentages."""
    if value <= 0:
        return ""
    mantissa = value / 10 ** math.floor(math.log10(value))
    return f"{100 * value:g}%" if round(mantissa) in (2, 5) else ""


def write_figures(results: dict, out: Path) -> list[Path]:
    """Every figure of a suite run: DET curves per condition, score histograms per model, FRR
    against SNR per noise type. Returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    by_noise = _noise_conditions(results)
    return (_det_figures(results, out, plt, colors) + _score_figures(results, out, plt, colors, by_noise)
            + _snr_figures(results, out, plt, colors, by_noise))


def _det_figures(results: dict, out: Path, plt, colors) -> list[Path]:
    """One DET plot per condition (every model, its manifest threshold marked)."""
    from matplotlib.ticker import FuncFormatter

    paths: list[Path] = []
    models = results["models"]
    for condition in results["conditions"] + results.get("pooled_conditions", []):
        name = condition["name"]
        targets = results["settings"]["fa_per_hour_targets"]
        fig, ax = plt.subplots(figsize=(7, 5.5))
        fa_floor = frr_floor = None
        for i, (model, info) in enumerate(models.items()):
            r = condition_results(info)[name]
            fa = np.array([np.nan if v is None else v for v in r["det"]["fa_per_hour"]], dtype=float)
            frr = np.array([np.nan if v is None else v for v in r["det"]["frr"]], dtype=float)
            hours, positives = r["hours_negative"], r["positives"]
            if hours <= 0 or positives == 0:
                continue
            fa_zero = min(0.5 / hours, min(targets) / 2)
            fa_floor = fa_zero if fa_floor is None else min(fa_floor, fa_zero)
            frr_floor = 0.5 / positives if frr_floor is None else min(frr_floor, 0.5 / positives)
            x = np.where(fa > 0, fa, fa_zero)
            y = np.where(frr > 0, frr, 0.5 / positives)
            color = colors[i % len(colors)]
            ax.plot(x, y, "-", marker=".", ms=3, color=color, lw=1.4, label=f"{model}")
            thresholds = r["det"]["thresholds"]
            j = thresholds.index(info["threshold"])
            ax.plot([x[j]], [y[j]], "o", ms=9, mfc="none", mew=2, color=color)
            ax.annotate(f"T={info['threshold']}: FRR {frr[j]:.1%}, {fa[j]:.2f} FA/h", (x[j], y[j]),
                        textcoords="offset points", xytext=(8, 6), fontsize=8, color=color)
        if fa_floor is None:
            plt.close(fig)
            continue
        for target in targets:
            ax.axvline(target, color="0.75", lw=0.8, ls=":", zorder=0)
        ax.axvline(fa_floor, color="0.5", lw=0.8, ls="-", zorder=0)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))
        ax.yaxis.set_minor_formatter(FuncFormatter(_minor_percent))
        ax.set_xlabel(f"false accepts per hour (0 drawn at {fa_floor:.2g})")
        ax.set_ylabel(f"false reject rate (0 drawn at {100 * frr_floor:.2g}%)")
        r0 = condition_results(next(iter(models.values())))[name]
        ax.set_title(f"DET, {name}: {r0['positives']} positives, {r0['hours_negative']:.2f} h negatives")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="upper right", fontsize=9, title="o = manifest threshold", title_fontsize=8)
        fig.subplots_adjust(left=0.13, right=0.97, bottom=0.1, top=0.93)
        path = out / f"det_{slug(name)}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)

    return paths


def _score_figures(results: dict, out: Path, plt, colors, by_noise: dict) -> list[Path]:
    """Per model: histograms of the positives' peaks and of the negatives' window means."""
    paths: list[Path] = []
    models = results["models"]
    shown = ["clean"] + (["reverb"] if any(c["name"] == "reverb" for c in results["conditions"]) else [])
    for conds in by_noise.values():
        dry = sorted((c for c in conds if not c["reverb"]), key=lambda c: -c["snr_db"])
        shown += [c["name"] for c in (dry[:1] + dry[-1:] if len(dry) > 1 else dry)]
    for model, info in models.items():
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
        bins = np.arange(257)
        for i, name in enumerate(shown):
            hist = info["conditions"][name]["histograms"]
            color = colors[i % len(colors)]
            left.stairs(hist["positive_peak"], bins, color=color, label=name)
            right.stairs(np.maximum(hist["negative_window_mean"], 0.5), bins, color=color, label=name, baseline=0.5)
        for ax in (left, right):
            ax.axvline(info["threshold"], color="k", ls="--", lw=1, label=f"threshold {info['threshold']}")
            ax.set_xlim(0, 256)
            ax.set_xlabel("window mean of scores (0..255)")
        left.set_ylabel("positive clips")
        left.set_title("positives: peak window mean per clip")
        right.set_yscale("log")
        right.set_ylabel("model calls (log)")
        right.set_title("negatives: window mean of every call")
        left.legend(fontsize=8, loc="upper left")
        fig.suptitle(model)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.86, wspace=0.22)
        path = out / f"scores_{slug(model)}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)

    return paths


def _snr_figures(results: dict, out: Path, plt, colors, by_noise: dict) -> list[Path]:
    """Per noise type: FRR at the manifest threshold against SNR, dry and reverberant."""
    paths: list[Path] = []
    models = results["models"]
    for noise, conds in by_noise.items():
        fig, ax = plt.subplots(figsize=(6.5, 4.5))
        for i, (model, info) in enumerate(models.items()):
            color = colors[i % len(colors)]
            for reverb, style in ((False, "-o"), (True, "--s")):
                pts = sorted((c["snr_db"], info["conditions"][c["name"]]["frr_at_threshold"])
                             for c in conds if c["reverb"] == reverb)
                pts = [(s, f) for s, f in pts if f is not None]
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], style, color=color,
                            label=f"{model}{' + reverb' if reverb else ''}")
            clean = info["conditions"]["clean"]["frr_at_threshold"]
            if clean is not None:
                ax.axhline(clean, color=color, ls=":", lw=1, label=f"{model} clean")
        ax.set_xlabel("SNR (dB)")
        ax.set_ylabel("false reject rate at the manifest threshold")
        ax.set_ylim(0, 1)
        ax.set_title(f"FRR vs SNR: {noise}")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.92)
        path = out / f"frr_vs_snr_{slug(noise)}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


# ----------------------------------------------------------------------------- markdown

def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value, fmt: str = ".2f") -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, fmt)


#: how the report names each SNR reference (see :mod:`evaluation.mixing`)
SNR_REFERENCE_TEXT = {
    "speech": "SNR = active speech power over noise power",
    "peak": "SNR = loudest 512-sample window of speech over that of the noise (Picovoice wake-word "
            "benchmark convention)",
    "clip": "SNR = mean power of the whole clip (silence included) over noise power",
}


def render_markdown(results: dict, figures: list[Path]) -> str:
    inputs = results["inputs"]
    targets = [f"{t:g}" for t in results["settings"]["fa_per_hour_targets"]]
    lines = ["# Wake word robustness report", ""]
    lines.append(f"- created {results['created']}, wall time {results.get('wall_s', 'n/a')} s, "
                 f"seed {results['settings']['seed']}")
    half = results["settings"].get("positives_half", "all")
    lines.append("- positives: " + ", ".join(f"{p['label']} ({p['clips']} clips)" for p in inputs["positives"])
                 + ("" if half == "all" else f", the {half} half of each folder")
                 + f"; each with {results['settings']['context_ms']} ms of silence before and after")
    lines.append(f"- negatives: {inputs['hours_negative']:.3f} h from "
                 + ", ".join(f"{Path(n['path']).name} ({n['files']} files)" for n in inputs["negatives"])
                 + (f"; one false accept = {1 / inputs['hours_negative']:.2f} FA/h, so `FRR@x` for smaller x "
                    "means \"no false accept at all\"" if inputs["hours_negative"] > 0 else ""))
    if inputs["noise"]:
        reference = results["settings"].get("snr_reference", "speech")
        lines.append("- noise: " + ", ".join(inputs["noise"]) + "; SNRs "
                     + ", ".join(f"{s:g}" for s in results["settings"]["snrs_db"]) + " dB, "
                     + SNR_REFERENCE_TEXT.get(reference, reference))
    if inputs["rir"]:
        lines.append("- impulse responses: " + ", ".join(Path(p).name for p in inputs["rir"]))
    if results["settings"].get("detector_window") is not None:
        lines.append(f"- every model's detector window replaced by {results['settings']['detector_window']} "
                     "(`--window`)")
    lines += ["", "FRR and FA/h come from replaying the stored scores through the runtime's "
              "`StreamingDetector`; `FRR@x` is the lowest FRR among thresholds with at most x FA/h "
              "(no interpolation); latency is detection time minus end of speech (energy gate) at the "
              "manifest threshold, and at the threshold of `FRR@0.5`. `all noise@S` pools every noise type at S dB: their positive trials and negative "
              "hours together under one threshold.", ""]
    for model, info in results["models"].items():
        lines.append(f"## {model}")
        lines.append("")
        lines.append(f"`{info['source']}`: keywords {', '.join(info['keywords'])}; manifest threshold "
                     f"{info['threshold']}, window {info['window']}, refractory {info['refractory_ms']} ms")
        if "cascade" in info:
            c = info["cascade"]
            per_hour = c["candidates_per_hour"].get("clean")
            lines.append(f"A cascade: the first stage at threshold {c['first_stage_threshold']} proposes, the "
                         f"verifier (`{c['verifier_file']}`, mean of {c['verifier_window']} calls) confirms; thresholds "
                         "below are the verifier's"
                         + (f"; it ran {per_hour:.0f} times an hour on the clean negatives" if per_hour is not None
                            else "") + ".")
        lines.append("")
        header = ["condition", "FRR@T", "FA/h@T (count)"] + [f"FRR@{t} FA/h" for t in targets] + \
                 ["latency median / p90 (ms)", "latency median @0.5 FA/h"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for name, r in condition_results(info).items():
            lat = r["latency_ms"]
            row = [name, _pct(r["frr_at_threshold"]),
                   f"{_num(r['fa_per_hour_at_threshold'])} ({r['false_accepts_at_threshold']})"]
            row += [_pct(r["frr_at_fa_per_hour"][t]) for t in targets]
            row.append(f"{_num(lat['median'], '.0f')} / {_num(lat['p90'], '.0f')}")
            row.append(_num(r.get("latency_ms_at_fa_per_hour", {}).get("0.5", {}).get("median"), ".0f"))
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    by_noise = _noise_conditions(results)
    if by_noise:
        lines += ["## FRR at the manifest threshold vs SNR", ""]
        snrs = sorted({c["snr_db"] for conds in by_noise.values() for c in conds}, reverse=True)
        header = ["model", "noise", "no noise"] + [f"{s:g} dB" for s in snrs]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for model, info in results["models"].items():
            for noise, conds in by_noise.items():
                for reverb in (False, True):
                    by_snr = {c["snr_db"]: c["name"] for c in conds if c["reverb"] == reverb}
                    if not by_snr:
                        continue
                    clean = info["conditions"]["reverb" if reverb else "clean"]["frr_at_threshold"]
                    row = [model, noise + (" + reverb" if reverb else ""), _pct(clean)]
                    row += [_pct(info["conditions"][by_snr[s]]["frr_at_threshold"]) if s in by_snr else ""
                            for s in snrs]
                    lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    lines += ["## Figures", ""]
    for path in figures:
        lines.append(f"![{path.stem}]({path.name})")
    lines.append("")
    return "\n".join(lines)
