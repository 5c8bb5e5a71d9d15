"""Federated fine-tuning (federated/): the numpy checks, and real Flower simulations with SecAgg+.

Clients hold real 'alexa' clips when ../shared/data exists, else espeak-ng clips in different voices.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import shared_data
from wakeword.bundle import open_bundle

pytest.importorskip("flwr", reason="flwr is part of the project's extras (make setup installs it)")

from federated.updates import (FederatedConfig, apply_update, check_aggregate, check_update,  # noqa: E402
                               clip_update, gaussian_epsilon, negative_hidden)
from wakeword.personalize import layer_scores, peak  # noqa: E402
from wakeword.tflite_head import find_head  # noqa: E402

VOICES = ["en-us", "en-gb", "en-us+f3", "en-sc", "en-us+m3", "en-gb-x-rp", "en-us+f5", "en-029"]


def _client_clips(tmp: Path, clients: int, per_client: int = 2) -> list[list[str]]:
    data = shared_data()
    if data is not None:
        files = sorted((data / "eval" / "positives" / "alexa").glob("*.flac"))
        if len(files) >= clients * per_client:
            return [[str(f) for f in files[i * per_client:(i + 1) * per_client]] for i in range(clients)]
    espeak = shutil.which("espeak-ng")
    assert espeak, "neither ../shared/data nor espeak-ng is available"
    out = []
    for c in range(clients):
        paths = []
        for i in range(per_client):
            wav = tmp / f"c{c}_{i}.wav"
            subprocess.run([espeak, "-v", VOICES[c % len(VOICES)], "-s", str(140 + 10 * i), "-w", str(wav), "Alexa."],
                           check=True, capture_output=True)
            paths.append(str(wav))
        out.append(paths)
    return out


# ---------------------------------------------------------------- the server's checks (no Flower)
def test_updates_are_checked_one_by_one():
    seen: set = set()
    good = np.full(41, 0.01)
    ok = dict(dim=40, clip_norm=0.5, round_number=3, seen=seen)
    assert check_update(good, reported_round=3, client="a", **ok) is None
    assert "wrong shape" in check_update(np.zeros(42), reported_round=3, client="b", **ok)
    assert "not finite" in check_update(np.full(41, np.nan), reported_round=3, client="b", **ok)
    assert "above the clip" in check_update(np.full(41, 1.0), reported_round=3, client="b", **ok)
    assert "replayed or stale" in check_update(good, reported_round=2, client="b", **ok)
    assert "second update from a" in check_update(good, reported_round=3, client="a", **ok)
    np.testing.assert_allclose(np.linalg.norm(clip_update(np.full(41, 1.0), 0.5)), 0.5)
    assert "above the clip" in check_aggregate(np.full(41, 1.0), dim=40, clip_norm=0.5)
    assert check_aggregate(np.full(41, 0.05), dim=40, clip_norm=0.5) is None
    assert "not finite" in check_aggregate(np.full(41, np.inf), dim=40, clip_norm=0.5)


def test_epsilon_falls_with_noise_and_rises_with_rounds():
    assert gaussian_epsilon(0.0, 5, 1e-5) == math.inf
    assert gaussian_epsilon(2.0, 5, 1e-5) < gaussian_epsilon(1.0, 5, 1e-5)
    assert gaussian_epsilon(1.0, 10, 1e-5) > gaussian_epsilon(1.0, 5, 1e-5)
    # one Gaussian mechanism with z = 1 at delta 1e-5: between 3 and 6 by the RDP bound
    assert 3 < gaussian_epsilon(1.0, 1, 1e-5) < 6
    with pytest.raises(ValueError):
        FederatedConfig(clip_norm=0)


def test_applying_an_aggregate_keeps_other_speech_from_scoring_higher():
    bundle = open_bundle("alexa")
    head = find_head(bundle.model_bytes)
    vec = np.append(head.weights[0], head.bias[0])
    push = np.append(np.full(40, 0.3), 1.0)          # a change that lifts every score
    new = apply_update(bundle, vec, push)
    window = bundle.manifest.detector.window
    before = max(peak(layer_scores(head, h, vec[:40], vec[40]), window) for h in negative_hidden(bundle))
    after = max(peak(layer_scores(head, h, new[:40], new[40]), window) for h in negative_hidden(bundle))
    assert after <= max(before, bundle.manifest.detector.threshold // 2) and new[40] < vec[40] + 1.0


# ---------------------------------------------------------------- Flower simulations
def _run(tmp_path: Path, clients: int, **plan_kwargs) -> tuple[list[dict], Path]:
    from federated.flower import write_plan
    from federated.server import run_simulation

    trace = tmp_path / "trace"
    trace.mkdir()
    config = plan_kwargs.pop("config")
    plan = write_plan(tmp_path / "plan.json", bundle="alexa", clients=_client_clips(tmp_path, clients), config=config,
                      trace_dir=trace, trace_updates=True, **plan_kwargs)
    return run_simulation(plan, num_cpus=2), trace


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_secagg_server_sees_only_masked_vectors_and_survives_a_dropout(tmp_path):
    """SecAgg+ over 6 clients, one leaving mid-round: what each client sent is masked (looks nothing like its
    update), and the aggregate the server applies is the mean of the clients that stayed."""
    config = FederatedConfig(rounds=1, clip_norm=0.5, secure=True, num_shares=5, reconstruction_threshold=3)
    history, trace = _run(tmp_path, 6, config=config, drop=[5])
    assert len(history) == 1 and history[0]["clients"] == 5 and history[0]["rejected"] == []
    updates = {c: np.array(_jsonl(trace / f"update-{c}.jsonl")[-1]["update"]) for c in range(5)}
    for c in range(5):
        masked = [e for e in _jsonl(trace / f"client-{c}.jsonl") if "masked" in e][-1]["masked"]
        values = np.array(masked[1])
        assert values.shape == updates[c].shape
        # quantized, then masked with pseudo-random numbers mod 2^32: nothing like the update's values
        assert np.all((values >= 0) & (values < 2 ** 32)) and values.std() > 2 ** 28
        assert abs(np.corrcoef(values, updates[c])[0, 1]) < 0.6
    assert not any("masked" in e for e in _jsonl(trace / "client-5.jsonl"))   # the dropped client sent none
    mean = np.mean([updates[c] for c in range(5)], axis=0)
    assert history[0]["update_norm"] == pytest.approx(np.linalg.norm(mean), rel=1e-3, abs=1e-4)


def test_plain_fedavg_rejects_hostile_updates_with_reasons(tmp_path):
    """Without secure aggregation the server sees each update: NaN, a norm far above the clip, the wrong
    shape and a replayed round are each refused with a logged reason; the mean uses the honest ones."""
    config = FederatedConfig(rounds=1, clip_norm=0.5, secure=False)
    hostile = {"1": "nan", "2": "huge", "3": "shape", "4": "replay"}
    history, trace = _run(tmp_path, 6, config=config, hostile=hostile)
    reasons = {r["client"]: r["reason"] for r in history[0]["rejected"]}
    assert set(reasons) == {"1", "2", "3", "4"}
    assert "not finite" in reasons["1"] and "above the clip" in reasons["2"]
    assert "wrong shape" in reasons["3"] and "replayed or stale" in reasons["4"]
    honest = [np.array(_jsonl(trace / f"update-{c}.jsonl")[-1]["update"]) for c in (0, 5)]
    assert history[0]["update_norm"] == pytest.approx(np.linalg.norm(np.mean(honest, axis=0)), rel=1e-5)


def test_real_server_and_client_processes_over_loopback(tmp_path):
    """A SuperLink and one SuperNode process per client on 127.0.0.1 (HTTP), `flwr run` of the same apps:
    a SecAgg+ round completes and every client process sent its masked vector."""
    from federated.flower import write_plan
    from federated.loopback import run_loopback

    trace = tmp_path / "trace"
    trace.mkdir()
    config = FederatedConfig(rounds=1, clip_norm=0.5, secure=True, num_shares=3, reconstruction_threshold=2)
    plan = write_plan(tmp_path / "plan.json", bundle="alexa", clients=_client_clips(tmp_path, 4), config=config,
                      trace_dir=trace)
    history = run_loopback(plan, workdir=tmp_path / "work", timeout_s=300)
    assert len(history) == 1 and history[0]["clients"] == 4 and history[0]["rejected"] == []
    assert 0 < history[0]["update_norm"] <= 0.5
    for c in range(4):
        assert any("masked" in e for e in _jsonl(trace / f"client-{c}.jsonl")), c


def test_health_reports_are_summed_under_secagg_and_drift_is_seen(tmp_path):
    """Telemetry through the same secure aggregation: 6 devices' counters, the server gets only the total, which
    equals the true sum within the quantization step, and a cohort whose rooms got louder is flagged."""
    from federated.server import run_telemetry_simulation
    from wakeword.health import HealthReport, drift

    rng = np.random.default_rng(1)

    def device(louder: bool) -> dict:
        level = [0.0] * 10
        level[8 if louder else 4] = 3600.0
        return HealthReport(model="alexa@0.8.0", hours=1.0, detections=float(rng.integers(0, 5)),
                            near_misses=float(rng.integers(0, 20)), peak_histogram=[225.0] * 16,
                            level_histogram=level).to_dict()

    quiet = [device(False) for _ in range(6)]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"task": "telemetry", "model": "alexa@0.8.0", "reports": quiet, "clients": [[]] * 6,
                                "config": FederatedConfig(num_shares=5, reconstruction_threshold=3).__dict__,
                                "trace_dir": None}))
    out = run_telemetry_simulation(plan)
    total = HealthReport(**out[0]["report"])
    assert out[0]["devices"] == 6 and total.hours == pytest.approx(6.0, abs=3)
    assert total.near_misses == pytest.approx(sum(r["near_misses"] for r in quiet), abs=3)
    assert total.level_histogram[4] == pytest.approx(6 * 3600, abs=3)
    louder = HealthReport(**{**out[0]["report"], "level_histogram": [0.0] * 8 + [6 * 3600.0, 0.0]})
    assert any(flag.startswith("room level") for flag in drift(total, louder)) and drift(total, total) == []
