"""Hardware-aware architecture search: ``wakeword-train search CONFIG``.

The streaming TCN family (width, depth, kernel, dilations, stride, first kernel, separable or
full convolutions, and structured pruning as a move) is searched with Optuna (TPE) for the best
accuracy on the config's validation windows (held-out voices and speakers, made by the pipeline:
no real recording of the phrase is needed) under a budget of flash, TFLite Micro arena and
Cortex-M4 instructions per second. By default the budget is what the config's own student
(the hand-designed one) measures, so the search answers "is there a better model at equal or
lower cost?".

1. **Cost model** (:mod:`training.m4_cost`): random architectures of the space, as int8
   streaming models, run on the emulated Cortex-M4F (instructions of a call, arena, bytes); a
   linear model fitted to them, checked on fresh ones. It drops candidates over budget before
   they are trained.
2. **Trials**: each candidate trains ``epochs`` (a short proxy of the real training) on at most
   ``max_windows`` training windows (the last ``receptive_field_frames`` of each), plain labels;
   its score is the validation FRR at 1% validation false positives. Every trained candidate is
   then quantized and measured exactly on the emulated board (fresh checks of the cost model).
   The hand-designed student is the first trial, trained the same way.
3. **Output** (``OUT/``): ``trials.jsonl``, ``cost_model.json``, ``pareto.png`` (accuracy against
   each cost, Pareto fronts marked), ``search.md`` (the hand-designed student beside the best found
   at equal or lower measured cost), ``best.toml`` (its ``[student]`` and ``[teacher]`` tables);
   with ``--retrain K`` the K best are trained in full by the pipeline (``OUT/retrain-I``).

Trials run in this process (``[data] executor = "process"``) or as Ray tasks on a cluster
(``"ray"``, ``--parallel N`` at a time; the measurement stays on this machine).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .m4_cost import CLOCK_HZ
from .models.tcn import TCNConfig

#: the proxy's score: FRR on the validation keyword windows at this share of validation false positives
PROXY_FPR = 0.01


@dataclass(frozen=True)
class SearchSpace:
    """The choices of every trial (a TCN with ``depth`` blocks of dilation min(2**i, max_dilation))."""

    widths: tuple[int, ...] = (16, 24, 32, 40, 48, 64)
    depths: tuple[int, ...] = (2, 3, 4, 5, 6)
    kernels: tuple[int, ...] = (3, 5, 7)
    max_dilations: tuple[int, ...] = (1, 2, 4, 8)
    strides: tuple[int, ...] = (2, 3, 4)
    first_kernels: tuple[int, ...] = (3, 5)
    separable: tuple[bool, ...] = (True, False)
    #: structured pruning as a move: the share of channels kept after proxy training (1: none)
    keeps: tuple[float, ...] = (1.0, 0.75, 0.5)

    def choices(self) -> dict[str, tuple]:
        """Each parameter of a trial and its choices, in the order a trial picks them."""
        return {"width": self.widths, "depth": self.depths, "kernel": self.kernels,
                "max_dilation": self.max_dilations, "stride": self.strides, "first_kernel": self.first_kernels,
                "separable": self.separable, "keep": self.keeps}


@dataclass(frozen=True)
class Candidate:
    arch: TCNConfig       # what runs on the device (pruned widths included)
    trained: TCNConfig    # what trains first (the same, or the full width before pruning)
    keep: float
    params: dict


def suggest(pick: Callable[[str, tuple], object], space: SearchSpace, *, window_frames: int,
            base: TCNConfig | None = None, min_channels: int = 4) -> Candidate | None:
    """A candidate from ``pick(name, choices)`` (an Optuna trial's or a random one), its other
    settings (dropout) those of ``base`` (the config's student); None when its receptive field is
    longer than the training windows."""
    params = {name: pick(name, choices) for name, choices in space.choices().items()}
    trained = dataclasses.replace(
        base or TCNConfig(), channels=int(params["width"]), kernel=int(params["kernel"]),
        stride_frames=int(params["stride"]), first_kernel=max(int(params["first_kernel"]), int(params["stride"])),
        dilations=tuple(min(2 ** i, int(params["max_dilation"])) for i in range(int(params["depth"]))),
        separable=bool(params["separable"]), widths=())
    if trained.receptive_field_frames > window_frames:
        return None
    keep = float(params["keep"])
    arch = trained
    if keep < 1:
        width = min(trained.channels, max(min_channels, int(round(keep * trained.channels))))
        arch = dataclasses.replace(trained, widths=(width,) * (1 + len(trained.dilations)))
    return Candidate(arch=arch, trained=trained, keep=keep, params=params)


def params_of(arch: TCNConfig, space: SearchSpace) -> dict | None:
    """The search parameters of a hand-designed student, or None when it is outside the space."""
    dilations = arch.dilations
    top = max(dilations)
    if arch.widths or tuple(min(2 ** i, top) for i in range(len(dilations))) != dilations:
        return None
    params = {"width": arch.channels, "depth": len(dilations), "kernel": arch.kernel, "max_dilation": top,
              "stride": arch.stride_frames, "first_kernel": arch.first_kernel, "separable": arch.separable, "keep": 1.0}
    choices = space.choices()
    return params if all(params[k] in choices[k] for k in params) else None


# --- the proxy ------------------------------------------------------------------------------------

@dataclass
class ProxyData:
    """Float windows ``(n, frames, 1, 40)`` and labels for the proxy training and its validation."""

    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray

    @classmethod
    def from_run(cls, train, val, *, max_windows: int, seed: int) -> "ProxyData":
        from wakeword.errors import WakewordError
        from wakeword.features import features_to_float

        for name, labels in (("training", train.y), ("validation", val.y)):
            if not (labels > 0).any() or not (labels == 0).any():
                raise WakewordError(f"the {name} windows need keyword and other windows both to score candidates "
                                    f"(have {int((labels > 0).sum())} and {int((labels == 0).sum())})")
        rng = np.random.default_rng(seed)
        pick = np.sort(rng.choice(len(train), size=min(max_windows, len(train)), replace=False))

        return cls(features_to_float(train.x[pick])[:, :, None, :], train.y[pick].astype(np.float32),
                   val.as_float(), val.y.astype(np.float32))


def frr_at_fpr(scores: np.ndarray, labels: np.ndarray, fpr: float = PROXY_FPR) -> float:
    """Share of positives at or under the score that at most ``fpr`` of the negatives exceed."""
    negatives, positives = scores[labels < 0.5], scores[labels > 0.5]
    if not len(positives) or not len(negatives):
        return float("nan")
    threshold = np.quantile(negatives, 1.0 - fpr, method="higher")
    return float(np.mean(positives <= threshold))


def proxy_trial(candidate: Candidate, data: ProxyData, *, epochs: int, seed: int) -> dict:
    """Train ``candidate`` briefly (pruned after, when its move says so); its validation score and
    its int8 streaming model."""
    from . import export
    from .config import PruneConfig, StepConfig
    from .streaming import StreamingTCN, convert_streaming, extract_weights
    from .train import continue_training, train_float

    start = time.monotonic()
    rf = candidate.trained.receptive_field_frames
    x, val_x = data.train_x[:, -rf:], data.val_x[:, -rf:]
    step = StepConfig(epochs=epochs)
    model = train_float(candidate.trained, x, data.train_y, step=step, seed=seed, name="candidate", verbose=0)
    if candidate.keep < 1:
        from .structured import prune_channels

        model, arch, _ = prune_channels(model, candidate.trained, x, keep=candidate.keep,
                                        min_channels=PruneConfig().min_channels, seed=seed, sample=1024)
        if arch != candidate.arch:
            raise RuntimeError(f"pruning gave widths {arch.layer_widths}, the cost model was told "
                               f"{candidate.arch.layer_widths}")
        continue_training(model, x, data.train_y, step=dataclasses.replace(step, epochs=1, learning_rate=1e-3),
                          seed=seed, verbose=0)
    scores = model.predict(val_x, batch_size=1024, verbose=0).reshape(-1)
    model_bytes = convert_streaming(StreamingTCN(extract_weights(model), candidate.arch),
                                    representative=export.calibration_sequences(x, windows=120))
    return {"proxy_frr": frr_at_fpr(scores, data.val_y), "model_bytes": model_bytes,
            "train_seconds": time.monotonic() - start}


# --- budget, cost model ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Budget:
    model_bytes: int
    arena_bytes: int
    instructions_per_second: float

    def excess(self, cost, stride_frames: int) -> float:
        """How far ``cost`` is over the budget: the largest of cost / limit - 1 (<= 0: within)."""
        return max(cost.model_bytes / self.model_bytes, cost.arena_used_bytes / self.arena_bytes,
                   cost.instructions_per_second(stride_frames) / self.instructions_per_second) - 1.0

    def holds(self, cost, stride_frames: int, *, margin: float = 0.0) -> bool:
        return self.excess(cost, stride_frames) <= margin


def calibrate(meter, space: SearchSpace, *, window_frames: int, fit_count: int, check_count: int, seed: int,
              progress: bool = True, base: TCNConfig | None = None):
    """Cost model fitted on ``fit_count`` random architectures of ``space``, checked on
    ``check_count`` more. Returns (model, rows of what was measured)."""
    from tqdm import tqdm

    from . import m4_cost

    rng = np.random.default_rng(seed)
    archs: list[TCNConfig] = []
    for _ in range(200 * (fit_count + check_count)):
        found = suggest(lambda _n, c: c[int(rng.integers(len(c)))], space, window_frames=window_frames, base=base)
        if found is not None and found.arch not in archs:
            archs.append(found.arch)
        if len(archs) == fit_count + check_count:
            break
    else:
        from wakeword.errors import WakewordError

        raise WakewordError(f"only {len(archs)} architectures of the search space fit the {window_frames}-frame "
                            f"training windows; the cost model needs {fit_count + check_count}")
    measured = [meter.measure(m4_cost.int8_model(a, seed=i))
                for i, a in enumerate(tqdm(archs, desc="cost model: measuring", unit="model", disable=not progress))]
    model = m4_cost.fit(archs[:fit_count], measured[:fit_count])
    model.check_error = m4_cost.relative_errors(model, archs[fit_count:], measured[fit_count:])
    rows = [{"arch": dataclasses.asdict(a), "measured": dataclasses.asdict(m),
             "used_for": "fit" if i < fit_count else "check"} for i, (a, m) in enumerate(zip(archs, measured))]
    return model, rows


# --- the search -----------------------------------------------------------------------------------

@dataclass
class SearchSettings:
    trials: int = 40                 # trained candidates (those over budget are dropped untrained, not counted)
    epochs: int = 4                  # proxy training epochs per candidate
    max_windows: int = 24000         # proxy training windows
    hours: float | None = None       # stop asking for candidates after this long
    fit_count: int = 24              # random architectures the cost model is fitted on
    check_count: int = 8             # and checked on
    parallel: int = 1                # candidates trained at once (Ray tasks with executor "ray")
    seed: int = 0
    space: SearchSpace = dataclasses.field(default_factory=SearchSpace)


def _run_batch(candidates: list[Candidate], data: ProxyData, settings: SearchSettings, executor: str,
               data_ref=None) -> list[dict]:
    if executor != "ray":
        return [proxy_trial(c, data, epochs=settings.epochs, seed=settings.seed) for c in candidates]
    import ray

    return ray.get([_ray_task().remote(c, data_ref, settings.epochs, settings.seed) for c in candidates])


@functools.cache
def _ray_task():
    """:func:`proxy_trial` as a Ray task of one CPU (registered once per process)."""
    import ray

    return ray.remote(num_cpus=1)(_ray_proxy_trial)


def _ray_proxy_trial(candidate: Candidate, data: ProxyData, epochs: int, seed: int) -> dict:
    return proxy_trial(candidate, data, epochs=epochs, seed=seed)


def _prepare(config, out_dir: Path, cache_dir: Path, settings: SearchSettings, meter, progress: bool):
    """The meter (checked before any data is made), the proxy data, the windows' length and the
    cost model (written to OUT/cost_model.json)."""
    from . import m4_cost
    from .data import build_windows

    reason = meter.missing()
    if reason:
        raise m4_cost.MeasureError(f"the search measures every candidate on the emulated Cortex-M4: {reason}")
    train, val, _ = build_windows(config, cache_dir=Path(cache_dir))
    window_frames = train.x.shape[1]
    data = ProxyData.from_run(train, val, max_windows=settings.max_windows, seed=settings.seed)
    del train, val
    cost_model, calibration = calibrate(meter, settings.space, window_frames=window_frames,
                                        fit_count=settings.fit_count, check_count=settings.check_count,
                                        seed=settings.seed, progress=progress, base=config.student)
    (out_dir / "cost_model.json").write_text(json.dumps({**cost_model.to_dict(), "measured": calibration}, indent=1))
    print(f"cost model: largest relative error on {settings.check_count} fresh architectures: "
          + ", ".join(f"{k} {v:.1%}" for k, v in cost_model.check_error.items()), flush=True)
    return data, window_frames, cost_model


def _key(candidate: Candidate) -> str:
    """What makes two candidates the same trial: the architecture trained first and the pruning move."""
    return json.dumps([dataclasses.asdict(candidate.trained), candidate.keep], sort_keys=True)


def _tell_hand(study, params: dict, space: SearchSpace, row: dict) -> None:
    """The hand-designed student's result, told to the study as a trial of its own."""
    import optuna

    distributions = {k: optuna.distributions.CategoricalDistribution(v) for k, v in space.choices().items()}
    study.add_trial(optuna.trial.create_trial(params=params, distributions=distributions, value=row["proxy_frr"],
                                              constraints={"budget": row["excess"]}))


def search(config, *, out_dir: Path, cache_dir: Path, settings: SearchSettings, budget: Budget | None = None,
           meter=None, progress: bool = True) -> dict:
    """Run the search for ``config`` (a :class:`training.config.TrainConfig`); writes OUT/ (see the
    module's text) and returns the summary (also OUT/summary.json)."""
    import optuna
    from tqdm import tqdm

    from . import m4_cost

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    meter = meter or m4_cost.Meter()
    data, window_frames, cost_model = _prepare(config, out_dir, cache_dir, settings, meter, progress)
    reference = config.student

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # candidates over budget (predicted) are told as infeasible (constraint > 0), not pruned, so that
    # TPE learns where the budget lies instead of taking them for good regions
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(
        seed=settings.seed, n_startup_trials=max(4, settings.trials // 4)))
    data_ref = None
    if config.data.executor == "ray":
        from .parallel import ray_connect

        data_ref = ray_connect(workers=config.data.workers, address=config.data.ray_address).put(data)
    records: list[dict] = []
    done: dict[str, dict] = {}  # (trained architecture, pruning move) -> its record
    log = (out_dir / "trials.jsonl").open("w")

    def record(number: int, candidate: Candidate, predicted, result: dict, hand: bool) -> dict:
        measured = meter.measure(result.pop("model_bytes"))
        row = {"trial": number, "hand_designed": hand, "params": candidate.params,
               "arch": dataclasses.asdict(candidate.arch), "proxy_frr": result["proxy_frr"],
               "train_seconds": round(result["train_seconds"], 1), "macs_per_call": candidate.arch.macs_per_call(),
               "predicted": dataclasses.asdict(predicted), "measured": dataclasses.asdict(measured),
               "instructions_per_second": measured.instructions_per_second(candidate.arch.stride_frames),
               "excess": 0.0 if budget is None else budget.excess(measured, candidate.arch.stride_frames)}
        row["within_budget"] = row["excess"] <= 0
        records.append(row)
        done[_key(candidate)] = row
        log.write(json.dumps(row) + "\n")
        log.flush()
        return row

    # the hand-designed student first, trained as every candidate is (and told to the study when in the space)
    hand_params = params_of(reference, settings.space)
    hand = Candidate(arch=reference, trained=reference, keep=1.0, params=hand_params or {})
    hand_row = record(-1, hand, cost_model.predict(reference), _run_batch([hand], data, settings, "process")[0], True)
    if budget is None:  # equal or lower cost than the hand-designed student, as measured
        measured = m4_cost.Measured(**hand_row["measured"])
        budget = Budget(measured.model_bytes, measured.arena_used_bytes,
                        measured.instructions_per_second(reference.stride_frames))
    if hand_params is not None:
        _tell_hand(study, hand_params, settings.space, hand_row)
    # the cost model screens with its own largest error as slack: the measurement decides
    margin = min(0.25, max(cost_model.check_error.values(), default=0.0))
    skipped = {"longer than the windows": 0, "predicted over budget": 0, "trained already": 0}
    start, asked = time.monotonic(), 0
    bar = tqdm(total=settings.trials, desc="search", unit="trial", disable=not progress)
    trained, stopped = 0, ""
    while trained < settings.trials:
        if settings.hours is not None and time.monotonic() - start > settings.hours * 3600:
            stopped = f"the {settings.hours:g} h limit"
            break
        if asked >= 50 * settings.trials:
            stopped = f"{asked} candidates asked"
            break
        batch, pending = [], []
        while len(batch) < min(settings.parallel, settings.trials - trained) and asked < 50 * settings.trials:
            trial = study.ask()
            asked += 1
            candidate = suggest(lambda n, c, t=trial: t.suggest_categorical(n, c), settings.space,
                                window_frames=window_frames, base=reference)
            if candidate is None:
                skipped["longer than the windows"] += 1
                trial.set_constraint("budget", 1.0)
                study.tell(trial, 1.0)
                continue
            predicted = cost_model.predict(candidate.arch)
            excess = budget.excess(predicted, candidate.arch.stride_frames)
            if excess > margin:
                skipped["predicted over budget"] += 1
                trial.set_constraint("budget", excess - margin)
                study.tell(trial, 1.0)
                continue
            if _key(candidate) in done or any(_key(c) == _key(candidate) for _, c, _ in batch):
                skipped["trained already"] += 1
                pending.append((trial, _key(candidate)))  # told with the result it had (or is about to have)
                continue
            batch.append((trial, candidate, predicted))
        results = _run_batch([c for _, c, _ in batch], data, settings, config.data.executor, data_ref)
        for (trial, candidate, predicted), result in zip(batch, results):
            row = record(trial.number, candidate, predicted, result, False)
            trial.set_constraint("budget", row["excess"])
            study.tell(trial, row["proxy_frr"])
            trained += 1
            bar.update(1)
            bar.set_postfix(best=f"{min(r['proxy_frr'] for r in records):.3f}")
        for trial, known in pending:
            trial.set_constraint("budget", done[known]["excess"])
            study.tell(trial, done[known]["proxy_frr"])
    bar.close()
    log.close()
    if stopped:
        print(f"search: trained {trained} of {settings.trials} candidates: stopped at {stopped}", flush=True)
    summary = write_report(out_dir, records, budget=budget, cost_model=cost_model, config=config, settings=settings,
                           seconds=time.monotonic() - start, asked=asked, skipped=skipped, margin=margin)
    return summary


# --- report ---------------------------------------------------------------------------------------

def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats on both (cost, error), by cost."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], points[i][1]))
    front, best = [], float("inf")
    for i in order:
        if points[i][1] < best:
            front.append(i)
            best = points[i][1]
    return front


COSTS = (("model_bytes", "flash: int8 model (bytes)"), ("arena_used_bytes", "TFLM arena used (bytes)"),
         ("instructions_per_second", "Cortex-M4 instructions per second (CMSIS-NN)"))


def _cost(record: dict, key: str) -> float:
    return record["instructions_per_second"] if key == "instructions_per_second" else record["measured"][key]


def plot_pareto(records: list[dict], budget: Budget, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), sharey=True)
    limits = {"model_bytes": budget.model_bytes, "arena_used_bytes": budget.arena_bytes,
              "instructions_per_second": budget.instructions_per_second}
    for ax, (key, title) in zip(axes, COSTS):
        points = [(_cost(r, key), 100 * r["proxy_frr"]) for r in records]
        ax.scatter(*zip(*points), s=18, c=["tab:orange" if r["hand_designed"] else "tab:blue" for r in records],
                   alpha=0.7)
        front = pareto_front(points)
        ax.step([points[i][0] for i in front], [points[i][1] for i in front], where="post", color="tab:green",
                marker="o", mfc="none", ms=9,
                label="Pareto front")
        ax.axvline(limits[key], color="tab:red", ls="--", lw=1, label="budget")
        hand = [p for p, r in zip(points, records) if r["hand_designed"]]
        if hand:
            ax.scatter(*zip(*hand), s=80, marker="*", color="tab:orange", label="hand-designed student", zorder=3)
        ax.set_xlabel(title)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"validation FRR at {PROXY_FPR:.0%} FPR (proxy training), %")
    axes[0].legend(fontsize=8)
    fig.suptitle("Architecture search: accuracy against each cost (measured on the emulated Cortex-M4F)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _arch_text(arch: dict) -> str:
    widths = arch["widths"] or [arch["channels"]] * (1 + len(arch["dilations"]))
    return (f"widths {'/'.join(map(str, widths))}, kernel {arch['kernel']}, dilations "
            f"{','.join(map(str, arch['dilations']))}, stride {arch['stride_frames']}, first kernel "
            f"{arch['first_kernel']}, {'separable' if arch['separable'] else 'full convolutions'}")


def _row(label: str, r: dict) -> str:
    m = r["measured"]
    return (f"| {label} | {_arch_text(r['arch'])} | {m['model_bytes']:,} | {m['arena_used_bytes']:,} | "
            f"{m['instructions']:,} | {r['instructions_per_second'] / 1e6:.2f} M | "
            f"{100 * r['instructions_per_second'] / CLOCK_HZ:.1f}% | {100 * r['proxy_frr']:.1f}% |")


def best_toml(record: dict, config) -> str:
    """The ``[student]`` and ``[teacher]`` tables of ``record``'s architecture (the teacher keeps
    the recipe's width and shares the student's receptive field and stride)."""
    arch = record["arch"]

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(map(str, v)) + "]"
        return str(v)

    shared = {k: arch[k] for k in ("first_kernel", "stride_frames", "kernel", "dilations")}
    student = {**shared, "channels": arch["channels"], "widths": arch["widths"], "separable": arch["separable"]}
    teacher = {**shared, "channels": max(config.teacher.channels, arch["channels"])}
    lines = [f"# found by `wakeword-train search` (trial {record['trial']}): validation FRR {record['proxy_frr']:.1%}"
             f" at {PROXY_FPR:.0%} FPR after proxy training; {record['measured']['model_bytes']} bytes, "
             f"{record['measured']['arena_used_bytes']} bytes of arena, {record['measured']['instructions']} "
             "instructions a call on the emulated Cortex-M4F", "[student]"]
    lines += [f"{k} = {value(v)}" for k, v in student.items()]
    lines += ["", "[teacher]"] + [f"{k} = {value(v)}" for k, v in teacher.items()]
    return "\n".join(lines) + "\n"


def write_report(out_dir: Path, records: list[dict], *, budget: Budget, cost_model, config, settings: SearchSettings,
                 seconds: float, asked: int, skipped: dict | None = None, margin: float = 0.0) -> dict:
    if not any(not r["hand_designed"] for r in records):
        from wakeword.errors import WakewordError

        raise WakewordError(f"the search trained no candidate besides the hand-designed student ({asked} asked: "
                            + ", ".join(f"{v} {k}" for k, v in (skipped or {}).items()) + ")")
    plot_pareto(records, budget, out_dir / "pareto.png")
    within = sorted((r for r in records if r["within_budget"] and not r["hand_designed"]), key=lambda r: r["proxy_frr"])
    hand = next((r for r in records if r["hand_designed"]), None)
    fresh = [r for r in records if not r["hand_designed"]]
    errors = {name: max((abs(r["predicted"][name] - r["measured"][name]) / r["measured"][name] for r in fresh),
                        default=float("nan")) for name in ("instructions", "arena_used_bytes", "model_bytes")}
    lines = [f"# Architecture search: {config.keyword.phrase!r}", "",
             f"{len(records) - (hand is not None)} candidates trained, and the hand-designed student "
             f"({settings.epochs} proxy epochs on {settings.max_windows} windows), "
             f"{asked} asked (" + ", ".join(f"{v} {k}" for k, v in (skipped or {}).items())
             + f"; screened with {margin:.0%} slack for the cost model's error), {seconds / 60:.0f} min. "
             f"Budget: {budget.model_bytes:,} bytes, {budget.arena_bytes:,} bytes of arena, "
             f"{budget.instructions_per_second / 1e6:.2f} M instructions/s.", "",
             "Cost model (fitted on measured random architectures): largest relative error on fresh ones: "
             + ", ".join(f"{k} {v:.1%}" for k, v in cost_model.check_error.items())
             + "; on the trained candidates: " + ", ".join(f"{k} {v:.1%}" for k, v in errors.items()) + ".", "",
             "| model | architecture | bytes | arena | instructions/call | per second | per second / 64 MHz | "
             f"val FRR @{PROXY_FPR:.0%} FPR |", "|---|---|---|---|---|---|---|---|"]
    if hand is not None:
        lines.append(_row("hand-designed student", hand))
    for i, r in enumerate(within[:5]):
        lines.append(_row("best found" if i == 0 else f"#{i + 1} found", r))
    lines += ["", "Per second / 64 MHz: the CPU share at one cycle per instruction, a lower bound (loads, taken "
              "branches and flash wait states cost more on the board).", "", "![Pareto](pareto.png)", ""]
    (out_dir / "search.md").write_text("\n".join(lines))
    summary = {"trained": len(records), "asked": asked, "skipped": skipped or {}, "screening_margin": margin,
               "seconds": seconds, "budget": dataclasses.asdict(budget),
               "cost_model_check_error": cost_model.check_error, "cost_model_error_on_trials": errors,
               "hand_designed": hand, "best": within[0] if within else None, "top": within[:5]}
    if within:
        (out_dir / "best.toml").write_text(best_toml(within[0], config))
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=1))
    print("\n".join(lines), flush=True)
    return summary


# --- retraining and the command line ----------------------------------------------------------------

def retrain(config, record: dict, *, out_dir: Path, cache_dir: Path, seed: int = 0) -> dict:
    """The full pipeline with ``record``'s architecture as the student (the teacher as in best.toml)."""
    from .pipeline import run

    from wakeword.config import from_dict

    student = from_dict(TCNConfig, record["arch"])
    teacher = dataclasses.replace(config.teacher, first_kernel=student.first_kernel,
                                  stride_frames=student.stride_frames, kernel=student.kernel,
                                  dilations=student.dilations, channels=max(config.teacher.channels, student.channels))
    return run(dataclasses.replace(config, student=student, teacher=teacher), out_dir=out_dir, cache_dir=cache_dir,
               seed=seed, verbose=0)


def main(argv) -> int:
    """``wakeword-train search CONFIG``."""
    parser = argparse.ArgumentParser(prog="wakeword-train search", description=__doc__.splitlines()[0])
    parser.add_argument("config", help="training config (TOML): its phrase, data and hand-designed student")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default runs/search-NAME)")
    parser.add_argument("--cache", type=Path, default=Path("cache"), help="cache for synthesized audio and features")
    defaults = SearchSettings()
    parser.add_argument("--trials", type=int, default=defaults.trials, help="candidates to train")
    parser.add_argument("--hours", type=float, default=None, help="stop starting candidates after this long")
    parser.add_argument("--epochs", type=int, default=defaults.epochs, help="proxy training epochs per candidate")
    parser.add_argument("--max-windows", type=int, default=defaults.max_windows, help="proxy training windows")
    parser.add_argument("--fit", type=int, default=defaults.fit_count,
                        help="random architectures measured to fit the cost model")
    parser.add_argument("--check", type=int, default=defaults.check_count,
                        help="fresh architectures measured to check it")
    parser.add_argument("--parallel", type=int, default=defaults.parallel,
                        help="candidates trained at once (Ray tasks when the config's [data] executor is \"ray\")")
    parser.add_argument("--budget-bytes", type=int, default=None, help="flash budget (default: the config's student's)")
    parser.add_argument("--budget-arena", type=int, default=None, help="arena budget (default: the student's)")
    parser.add_argument("--budget-ips", type=float, default=None,
                        help="instructions per second budget (default: the student's)")
    parser.add_argument("--retrain", type=int, default=0, help="train this many of the best in full afterwards")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from wakeword.errors import ConfigError

    from .config import load_config

    from .m4_cost import TERMS

    for name in ("trials", "epochs", "max_windows", "check", "parallel"):
        if getattr(args, name) < 1:
            raise ConfigError(f"--{name.replace('_', '-')} must be >= 1")
    terms = max(len(t) for t in TERMS.values())
    if args.fit < terms:
        raise ConfigError(f"--fit must be >= {terms} (the cost model has {terms} terms)")
    if args.retrain < 0:
        raise ConfigError("--retrain must be >= 0")
    if args.hours is not None and not args.hours > 0:
        raise ConfigError("--hours must be > 0")
    for name in ("budget_bytes", "budget_arena", "budget_ips"):
        if getattr(args, name) is not None and not getattr(args, name) > 0:
            raise ConfigError(f"--{name.replace('_', '-')} must be > 0")
    config = load_config(args.config)
    out = args.out or Path("runs") / f"search-{config.keyword.name}"
    settings = SearchSettings(trials=args.trials, epochs=args.epochs, max_windows=args.max_windows, hours=args.hours,
                              fit_count=args.fit, check_count=args.check, parallel=args.parallel, seed=args.seed)
    budget = None
    given = (args.budget_bytes, args.budget_arena, args.budget_ips)
    if any(v is not None for v in given):
        if any(v is None for v in given):
            raise ConfigError("give all three of --budget-bytes, --budget-arena and --budget-ips, or none")
        budget = Budget(args.budget_bytes, args.budget_arena, args.budget_ips)
    summary = search(config, out_dir=out, cache_dir=args.cache, settings=settings, budget=budget)
    for i, record in enumerate(summary["top"][:args.retrain]):
        print(f"\n=== retraining #{i + 1} (trial {record['trial']}) in full ===", flush=True)
        result = retrain(config, record, out_dir=out / f"retrain-{i + 1}", cache_dir=args.cache, seed=args.seed)
        print(f"bundle: {result['bundle']}")
    print(f"\nsearch: {out}/search.md, {out}/pareto.png" + (f", {out}/best.toml" if summary["best"] else ""))
    return 0
