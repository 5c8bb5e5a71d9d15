"""Structured pruning, the measured cost of any model on the emulated Cortex-M4F, the cost model
fitted to it, and the architecture search end to end on the tiny config."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from training.m4_cost import Measured, MeasureError, Meter, fit, int8_model, relative_errors
from training.models.tcn import TCNConfig, build_tcn, random_batch_norms
from training.structured import channel_importance, kept_channels, narrowed, switched_off
from wakeword.config import from_dict
from wakeword.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
FORMS = [TCNConfig(channels=12, dilations=(1, 2)), TCNConfig(channels=12, dilations=(1, 2), separable=False)]


def _randomized(config: TCNConfig, seed: int = 0):
    """A model with random batch-norm statistics whose ReLUs are alive (positive shifts)."""
    from training.tf_setup import keras

    keras.utils.set_random_seed(seed)
    model = build_tcn(config)
    random_batch_norms(model, np.random.default_rng(seed), shift_range=(0.2, 0.6))
    return model


@pytest.fixture(scope="module")
def meter():
    reason = Meter.missing()
    assert reason is None, f"the emulated Cortex-M4 is needed here: {reason}"
    return Meter()


@pytest.mark.parametrize("config", FORMS, ids=["separable", "full-convolutions"])
def test_the_narrower_model_computes_what_the_full_one_does_without_the_removed_channels(config):
    model = _randomized(config)
    x = np.random.default_rng(1).uniform(0, 3, (64, config.receptive_field_frames, 1, 40)).astype(np.float32)
    rng = np.random.default_rng(2)
    kept = [np.sort(rng.choice(w, size=w - 4, replace=False)) for w in config.layer_widths]
    small, arch = narrowed(model, config, kept)
    assert arch.layer_widths == (8, 8, 8) and arch.macs_per_call() < config.macs_per_call()
    assert small.count_params() < model.count_params()
    # the same channels switched off in the full model, layer by layer
    from contextlib import ExitStack

    with ExitStack() as stack:
        for layer, keep in enumerate(kept):
            stack.enter_context(switched_off(model, config, layer, np.setdiff1d(np.arange(12), keep)))
        want = model.predict(x, verbose=0)
    np.testing.assert_allclose(small.predict(x, verbose=0), want, atol=1e-5)
    # and the full model is back as it was
    assert not np.allclose(model.predict(x, verbose=0), want, atol=1e-5)


def test_a_channel_nothing_reads_is_the_least_important_and_is_removed_first():
    config = FORMS[0]
    model = _randomized(config)
    dense, bias = model.get_layer("logit").get_weights()
    dense[5] = 0.0  # the last block's channel 5 reaches the logit with weight 0
    model.get_layer("logit").set_weights([dense, bias])
    x = np.random.default_rng(1).uniform(0, 3, (64, config.receptive_field_frames, 1, 40)).astype(np.float32)
    importance = channel_importance(model, config, x)
    assert [len(i) for i in importance] == [12, 12, 12]
    assert importance[-1][5] == 0.0 and np.sum(importance[-1] > 0) >= 6
    kept = kept_channels(importance, keep=0.5, min_channels=4)
    assert [len(k) for k in kept] == [6, 6, 6] and 5 not in kept[-1]
    for scores, keep in zip(importance, kept):  # every kept channel matters at least as much as any removed one
        assert scores[keep].min() >= np.delete(scores, keep).max()
    assert [len(k) for k in kept_channels(importance, keep=0.1, min_channels=4)] == [4, 4, 4]


def test_a_pruned_model_is_smaller_and_faster_on_the_emulated_cortex_m4(meter):
    config = TCNConfig(channels=32, dilations=(1, 2, 4))
    full = meter.measure(int8_model(config))
    pruned = meter.measure(int8_model(dataclasses.replace(config, widths=(16, 16, 16, 16))))
    assert pruned.model_bytes < 0.7 * full.model_bytes  # (the flatbuffer has a fixed part)
    assert pruned.instructions < 0.75 * full.instructions
    assert 0 < pruned.arena_used_bytes <= full.arena_used_bytes
    # the reference kernels run the same model with many more instructions than CMSIS-NN
    assert meter.measure(int8_model(config), reference=True).instructions > 3 * full.instructions


def test_the_cost_of_the_shipped_model_is_the_budget_tables(meter):
    """The search's program measures the built-in model as the firmware check's program does
    (the same kernels; only the input frames differ)."""
    from wakeword.bundle import load_bundle

    bundle = load_bundle(ROOT / "wakeword" / "bundles" / "alexa")
    measured = meter.measure(bundle.model_bytes)
    assert measured.model_bytes == len(bundle.model_bytes)
    assert 0 < measured.arena_used_bytes <= bundle.manifest.model.tflm_arena_bytes
    from training.firmware_budget import measure_on_m4

    assert measured.instructions == pytest.approx(measure_on_m4().model_instructions, rel=0.01)


def test_bad_model_bytes_are_named(meter):
    with pytest.raises(MeasureError, match="not a TFLite flatbuffer"):
        meter.measure(b"\x00" * 2000)
    with pytest.raises(MeasureError, match="larger than"):
        meter.measure(b"\x00" * (300 * 1024))


def test_a_background_build_is_waited_for_and_its_failure_named(meter, tmp_path):
    """A trainer starts the measuring program's build beside its training; measuring waits for it, and a
    build that fails says so (here its build folder is a file)."""
    from wakeword.bundle import load_bundle

    model = load_bundle(ROOT / "wakeword" / "bundles" / "alexa").model_bytes
    early = Meter()
    early.start_build()
    early.start_build()  # once is enough: the second call finds it running
    assert early.measure(model) == meter.measure(model)
    (tmp_path / "not_a_folder").write_text("")
    broken = Meter(build_dir=tmp_path / "not_a_folder")
    broken.start_build()
    with pytest.raises(MeasureError, match="the Cortex-M4 build failed"):
        broken.measure(model)
    with pytest.raises(MeasureError, match="the Cortex-M4 build failed"):  # remembered, not built again
        broken.measure(model)
    stopped = Meter(build_dir=tmp_path / "elsewhere")
    stopped.start_build()
    stopped.cancel()  # a run that fails leaves no make behind
    assert not stopped._builds


def test_the_cost_model_predicts_fresh_architectures(meter):
    space = [TCNConfig(channels=c, dilations=d, kernel=k, separable=s)
             for c, d, k, s in [(16, (1, 2), 3, True), (24, (1, 2, 4), 5, True), (32, (1, 2), 5, True),
                                (40, (1, 2, 4, 4), 5, True), (16, (1, 2, 4), 3, False), (24, (1, 2), 5, False),
                                (32, (1, 2, 4), 3, False), (48, (1, 2), 3, True), (20, (1, 2, 4), 5, True),
                                (28, (1, 2), 3, False), (64, (1, 2, 4, 8), 3, True), (12, (1, 1, 1), 5, False),
                                (36, (1, 2, 2), 7, True), (56, (1, 2), 5, False), (44, (1, 2, 4), 3, True),
                                (16, (1, 2, 4, 4, 4), 5, False)]]
    measured = [meter.measure(int8_model(a, seed=i)) for i, a in enumerate(space)]
    model = fit(space[:12], measured[:12])
    errors = relative_errors(model, space[12:], measured[12:])
    assert errors["model_bytes"] < 0.2 and errors["instructions"] < 0.25 and errors["arena_used_bytes"] < 0.25
    assert all(c >= 0 for terms in model.coefficients.values() for c in terms.values())
    again = type(model).from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.predict(space[13]) == model.predict(space[13])
    assert isinstance(model.predict(space[13]), Measured)


def test_the_search_finds_and_writes_its_results(tmp_path):
    """A small search on the tiny config: the hand-designed student and three candidates trained,
    each measured; the budget is the hand-designed one's measured cost; what it writes loads."""
    from training.config import load_config
    from training.search import SearchSettings, search

    config = load_config(ROOT / "configs" / "tiny.toml")
    settings = SearchSettings(trials=3, epochs=1, max_windows=2000, fit_count=9, check_count=2)
    summary = search(config, out_dir=tmp_path / "s", cache_dir=tmp_path / "cache", settings=settings, progress=False)
    records = [json.loads(line) for line in (tmp_path / "s" / "trials.jsonl").read_text().splitlines()]
    assert len(records) == 4 and records[0]["hand_designed"] and summary["trained"] == 4
    hand = records[0]["measured"]
    budget = summary["budget"]
    assert (budget["model_bytes"], budget["arena_bytes"]) == (hand["model_bytes"], hand["arena_used_bytes"])
    for r in records:
        assert 0 <= r["proxy_frr"] <= 1 and r["measured"]["instructions"] > 0
        arch = from_dict(TCNConfig, r["arch"])
        assert arch.receptive_field_frames <= config.student.receptive_field_frames
        within = (r["measured"]["model_bytes"] <= budget["model_bytes"]
                  and r["measured"]["arena_used_bytes"] <= budget["arena_bytes"]
                  and r["instructions_per_second"] <= budget["instructions_per_second"])
        assert r["within_budget"] == within
    assert len({json.dumps(r["arch"], sort_keys=True) for r in records}) == 4  # no architecture trained twice
    assert (tmp_path / "s" / "pareto.png").stat().st_size > 10_000
    assert "hand-designed student" in (tmp_path / "s" / "search.md").read_text()
    # best.toml (written for the best within budget; here for any trained candidate) overlays a config
    import re

    from training.search import best_toml

    candidate = records[1]
    base = re.sub(r"^\[(teacher|student)\]\n(?:(?!\[).*\n)*", "", (ROOT / "configs" / "tiny.toml").read_text(),
                  flags=re.M)
    (tmp_path / "found.toml").write_text(base + "\n" + best_toml(candidate, config))
    found = load_config(tmp_path / "found.toml")
    assert json.loads(json.dumps(dataclasses.asdict(found.student))) == candidate["arch"]
    assert found.teacher.receptive_field_frames == found.student.receptive_field_frames
    if summary["best"] is not None:
        assert (tmp_path / "s" / "best.toml").read_text() == best_toml(summary["best"], config)
        assert summary["best"]["proxy_frr"] == min(r["proxy_frr"] for r in records[1:] if r["within_budget"])
    else:
        assert not any(r["within_budget"] for r in records[1:])


def test_the_pareto_front_and_the_budget():
    from training.search import Budget, pareto_front

    points = [(3.0, 0.5), (1.0, 0.9), (2.0, 0.4), (2.5, 0.45), (4.0, 0.1), (1.0, 0.95)]
    assert pareto_front(points) == [1, 2, 4]  # cheapest first; each more accurate than every cheaper one
    budget = Budget(model_bytes=1000, arena_bytes=500, instructions_per_second=1e6)
    within = Measured(instructions=30_000, arena_used_bytes=500, model_bytes=900)  # 1e6 per second at stride 3
    assert budget.excess(within, 3) == pytest.approx(0.0) and budget.holds(within, 3)
    over = Measured(instructions=30_000, arena_used_bytes=550, model_bytes=900)
    assert budget.excess(over, 3) == pytest.approx(0.1) and not budget.holds(over, 3)
    assert budget.holds(over, 3, margin=0.11) and not budget.holds(within, 2)  # stride 2: 1.5e6 per second


def test_the_pruning_move_has_the_widths_pruning_gives():
    """The cost model is asked about the widths structured pruning will leave (before training)."""
    from training.search import SearchSpace, suggest

    space = SearchSpace()
    for width in space.widths:
        for keep in space.keeps:
            choice = {"width": width, "depth": 3, "kernel": 3, "max_dilation": 2, "stride": 3, "first_kernel": 3,
                      "separable": True, "keep": keep}
            candidate = suggest(lambda n, _c: choice[n], space, window_frames=200,
                                base=TCNConfig(dropout=0.2))
            kept = kept_channels([np.arange(width, dtype=float)] * 4, keep=keep, min_channels=4)
            assert candidate.arch.layer_widths == tuple(len(k) for k in kept)
            assert candidate.trained.dropout == 0.2  # what the search does not choose comes from the student
    too_long = {"width": 16, "depth": 6, "kernel": 7, "max_dilation": 8, "stride": 4, "first_kernel": 5,
                "separable": True, "keep": 1.0}
    assert suggest(lambda n, _c: too_long[n], space, window_frames=137) is None


def test_search_options_are_checked(tmp_path):
    from training.search import main

    with pytest.raises(ConfigError, match="--trials must be >= 1"):
        main([str(ROOT / "configs" / "tiny.toml"), "--trials", "0"])
    with pytest.raises(ConfigError, match="all three of --budget-bytes"):
        main([str(ROOT / "configs" / "tiny.toml"), "--budget-bytes", "30000"])
    with pytest.raises(ConfigError, match="--fit must be >= 9"):
        main([str(ROOT / "configs" / "tiny.toml"), "--fit", "3"])
    with pytest.raises(ConfigError, match="--retrain must be >= 0"):
        main([str(ROOT / "configs" / "tiny.toml"), "--retrain", "-1"])
