"""The server of a federated run: strategy, per-round measurement, and the simulation runner."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from wakeword.bundle import Bundle
from wakeword.tflite_head import find_head, patch_head

from .flower import (PLAN_ENV, client_fn, dropout_mod, initial_vector, load_plan, plan_bundle, trace_mod,
                     update_trace_mod)
from .updates import FederatedConfig, apply_update, check_aggregate, check_round, check_update, gaussian_epsilon

LOG = logging.getLogger("wakeword.federated")


def bundle_with(bundle: Bundle, vector: np.ndarray) -> Bundle:
    """The bundle with its last layer replaced by ``vector`` (weights, bias)."""
    head = find_head(bundle.model_bytes)
    dim = head.weights.shape[1]
    model = patch_head(bundle.model_bytes, vector[None, :dim], np.array([vector[dim]]))
    return dataclasses.replace(bundle, model_bytes=model)


def make_strategy(bundle: Bundle, config: FederatedConfig, n_clients: int,
                  measure: Callable[[int, Bundle], dict] | None, history: list,
                  server_negatives: tuple | None = None):
    """A FedAvg over the clients' changes that checks them (one by one, or their secure aggregate),
    applies the mean and re-calibrates; ``measure(round, bundle)`` runs after every round."""
    from flwr.common import ndarrays_to_parameters, parameters_to_ndarrays
    from flwr.server.strategy import FedAvg

    dim = find_head(bundle.model_bytes).weights.shape[1]

    class HeadStrategy(FedAvg):
        def __init__(self):
            self.global_vector = initial_vector(bundle)
            self.seen: set = set()
            super().__init__(fraction_fit=1.0, fraction_evaluate=0.0, min_fit_clients=n_clients,
                             min_available_clients=n_clients,
                             initial_parameters=ndarrays_to_parameters([self.global_vector.astype(np.float32)]),
                             on_fit_config_fn=lambda rnd: {"round": rnd})

        def aggregate_fit(self, server_round, results, failures):
            record = {"round": server_round, "clients": len(results), "failures": len(failures), "rejected": []}
            if config.secure:
                for _, res in results:   # the round each client says it answered (sent in the clear)
                    client = str(res.metrics.get("client"))
                    reason = check_round(round_number=server_round, reported_round=res.metrics.get("round"),
                                         seen=self.seen, client=client)
                    if reason:
                        record["rejected"].append({"client": client, "reason": reason})
                        LOG.warning("round %d: update of client %s rejected: %s", server_round, client, reason)
                mean = parameters_to_ndarrays(results[0][1].parameters)[0].astype(np.float64) if results else None
                # the noise on the mean: std z*C/n per value, about sqrt(dim + 1) times that in length
                noise = 3 * config.noise_multiplier * config.clip_norm / max(1, len(results)) * math.sqrt(dim + 1)
                reason = None if mean is None else check_aggregate(mean, dim=dim, clip_norm=config.clip_norm,
                                                                    noise_bound=noise)
                if mean is None or reason or record["rejected"]:
                    reason = reason or "a client answered another round: the whole secure sum is refused"
                    record["rejected"].append({"client": "aggregate", "reason": reason})
                    LOG.warning("round %d: aggregate rejected: %s", server_round, reason)
                    mean = None
            else:
                accepted = []
                for _, res in results:   # each update, and the round it says it answered
                    client = str(res.metrics.get("client"))
                    vec = parameters_to_ndarrays(res.parameters)
                    vec = vec[0] if len(vec) == 1 else np.zeros(0)
                    reason = check_update(vec, dim=dim, clip_norm=config.clip_norm * (1 + 4 * config.noise_multiplier),
                                          round_number=server_round, reported_round=res.metrics.get("round"),
                                          seen=self.seen, client=client)
                    if reason:
                        record["rejected"].append({"client": client, "reason": reason})
                        LOG.warning("round %d: update of client %s rejected: %s", server_round, client, reason)
                    else:
                        accepted.append(np.asarray(vec, np.float64))
                mean = np.mean(accepted, axis=0) if accepted else None
            if mean is not None:
                self.global_vector = apply_update(bundle, self.global_vector, mean, server_negatives)
                record["update_norm"] = float(np.linalg.norm(mean))
            if measure is not None:
                record.update(measure(server_round, bundle_with(bundle, self.global_vector)))
            history.append(record)
            return ndarrays_to_parameters([self.global_vector.astype(np.float32)]), {}

    return HeadStrategy()


def serve(grid, context, bundle: Bundle, config: FederatedConfig, n_clients: int, measure, history: list,
          server_negatives: tuple | None = None) -> None:
    """The server's rounds on a Flower grid (the simulation's or a SuperLink's)."""
    from flwr.server import LegacyContext, ServerConfig
    from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow

    strategy = make_strategy(bundle, config, n_clients, measure, history, server_negatives)
    legacy = LegacyContext(context=context, config=ServerConfig(num_rounds=config.rounds), strategy=strategy)
    fit = (SecAggPlusWorkflow(num_shares=config.num_shares, reconstruction_threshold=config.reconstruction_threshold,
                              clipping_range=config.clip_norm * (1 + 4 * config.noise_multiplier),
                              max_weight=1.0)   # every client weighs 1: the whole quantization range is the update's
           if config.secure else None)
    DefaultWorkflow(fit_workflow=fit)(grid, legacy)


def run_telemetry_simulation(plan_path: Path, *, num_cpus: int = 2) -> list[dict]:
    """Sums the plan's device reports (``plan["reports"]``, ``task: telemetry``) under SecAgg+ in Flower's
    simulation; returns the server's view: one aggregate report per round."""
    from flwr.client import ClientApp
    from flwr.server import LegacyContext, ServerApp, ServerConfig
    from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow
    from flwr.simulation import run_simulation as flwr_run

    from .telemetry import CLIP, make_telemetry_strategy

    os.environ[PLAN_ENV] = str(Path(plan_path).resolve())
    plan = load_plan()
    config = FederatedConfig(**plan["config"])
    n = len(plan["reports"])
    out: list[dict] = []
    app = ServerApp()

    @app.main()
    def main(grid, context) -> None:
        legacy = LegacyContext(context=context, config=ServerConfig(num_rounds=1),
                               strategy=make_telemetry_strategy(n, plan.get("model", "model"), out))
        DefaultWorkflow(fit_workflow=SecAggPlusWorkflow(num_shares=config.num_shares,
                                                        reconstruction_threshold=config.reconstruction_threshold,
                                                        clipping_range=CLIP, max_weight=1.0))(grid, legacy)

    flwr_run(server_app=app, client_app=ClientApp(client_fn=client_fn, mods=client_mods()), num_supernodes=n,
             backend_config={"client_resources": {"num_cpus": 1}, "init_args": {"num_cpus": num_cpus}})
    return out


def make_server_app(bundle: Bundle, config: FederatedConfig, n_clients: int, measure, history: list,
                    server_negatives: tuple | None = None):
    from flwr.server import ServerApp

    app = ServerApp()

    @app.main()
    def main(grid, context) -> None:
        serve(grid, context, bundle, config, n_clients, measure, history, server_negatives)

    return app


def secure_mod(msg, context, call_next):
    """SecAgg+ (``secaggplus_mod``) for the messages of a secure round; plain rounds pass through."""
    from flwr.client.mod import secaggplus_mod
    from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_CONFIGS

    if RECORD_KEY_CONFIGS in msg.content.config_records:
        return secaggplus_mod(msg, context, call_next)
    return call_next(msg, context)


def client_mods() -> list:
    """The client side's mods, outermost first: the trace, the dropout test hook, SecAgg+, the update trace."""
    return [trace_mod, dropout_mod, secure_mod, update_trace_mod]


def run_simulation(plan_path: Path, *, measure: Callable[[int, Bundle], dict] | None = None,
                   num_cpus: int = 2, server_negative_frames: list | None = None) -> list[dict]:
    """Runs the plan's clients in Flower's simulation (Ray backend); returns one record per round.

    server_negative_frames : feature segments of negative speech the server calibrates each new layer
        against, besides nothing else (default: the packaged 8 minutes a phone also has)."""
    from flwr.client import ClientApp
    from flwr.simulation import run_simulation as flwr_run

    os.environ[PLAN_ENV] = str(Path(plan_path).resolve())
    plan = load_plan()
    config = FederatedConfig(**plan["config"])
    bundle = plan_bundle(plan)
    history: list[dict] = []
    if measure is not None:
        history.append({"round": 0, **measure(0, bundle)})
    client_app = ClientApp(client_fn=client_fn, mods=client_mods())
    negatives = None
    if server_negative_frames:
        from .updates import hidden_of_frames
        negatives = hidden_of_frames(bundle, server_negative_frames)
    server_app = make_server_app(bundle, config, len(plan["clients"]), measure, history, negatives)
    t0 = time.monotonic()
    flwr_run(server_app=server_app, client_app=client_app, num_supernodes=len(plan["clients"]),
             backend_config={"client_resources": {"num_cpus": 1}, "init_args": {"num_cpus": num_cpus}})
    LOG.info("federated run: %d rounds in %.0f s", config.rounds, time.monotonic() - t0)
    return history


def bytes_per_client_round(trace_dir: Path) -> dict:
    """From the trace: the bytes each client sent in each round, all SecAgg+ stages together (a round
    starts with its ``setup`` message, or its one ``fit`` message without SecAgg+)."""
    per: dict[tuple[int, int], int] = {}
    for path in Path(trace_dir).glob("client-*.jsonl"):
        n = -1
        for line in path.read_text().splitlines():
            e = json.loads(line)
            if e["stage"] in ("setup", "fit"):
                n += 1
            per[(e["client"], max(n, 0))] = per.get((e["client"], max(n, 0)), 0) + e["bytes"]
    values = np.array(list(per.values())) if per else np.zeros(1)
    return {"mean_bytes": float(values.mean()), "max_bytes": int(values.max()), "client_rounds": len(per)}


def epsilon_of(config: FederatedConfig) -> float:
    return gaussian_epsilon(config.noise_multiplier, config.rounds, config.dp_delta)


__all__ = ["bundle_with", "bytes_per_client_round", "epsilon_of", "make_server_app", "make_strategy",
           "run_simulation", "Sequence"]
