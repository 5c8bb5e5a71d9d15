"""Federated fine-tuning on Flower, with SecAgg+ secure aggregation.

Each client holds its own recordings of the wake word (here: one speaker's clips) and, every
round, fits the model's last layer to them starting from the global layer
(:func:`federated.updates.local_update`). It clips the change, adds its share of noise when
differential privacy is on, and sends only that change. With ``secure`` (the default) the
changes are summed under SecAgg+ (``SecAggPlusWorkflow`` and ``secaggplus_mod``), so the
server only ever sees their mean; clients may drop out mid-round as long as enough key
shares survive. The server then checks what it got. Without SecAgg+ it checks each update,
with it the aggregate. It applies the mean and re-calibrates the bias against the packaged
negative speech. The model is scored on held-out clips every round.

The run is described by a JSON *plan* (bundle, clients' clip paths, settings, held-out clips and
negatives, a trace folder) named by ``$WAKEWORD_FL_PLAN``: Flower's simulation starts clients in
worker processes, and the plan is how they find their data. Clients read only their own files.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np

from wakeword.audio import load_audio
from wakeword.bundle import Bundle, open_bundle
from wakeword.tflite_head import find_head

from .updates import (FederatedConfig, check_aggregate, check_update, client_examples, client_noise, clip_update,
                      layer_vector, local_update, negative_hidden)

PLAN_ENV = "WAKEWORD_FL_PLAN"
LOG = logging.getLogger("wakeword.federated")
_CACHE: dict = {}


def load_plan() -> dict:
    """The run's plan (``$WAKEWORD_FL_PLAN``), read once per process."""
    path = os.environ.get(PLAN_ENV)
    if not path:
        raise RuntimeError(f"${PLAN_ENV} is not set: the clients cannot find their data")
    if _CACHE.get("plan_path") != path:
        _CACHE.clear()
        _CACHE["plan_path"] = path
        _CACHE["plan"] = json.loads(Path(path).read_text())
    return _CACHE["plan"]


def plan_bundle(plan: dict) -> Bundle:
    if "bundle" not in _CACHE:
        _CACHE["bundle"] = open_bundle(plan["bundle"], allow_unsigned=plan.get("allow_unsigned", False))
    return _CACHE["bundle"]


def _client_data(cid: int, plan: dict) -> tuple[np.ndarray, np.ndarray]:
    key = ("examples", cid)
    if key not in _CACHE:
        clips = [load_audio(p) for p in plan["clients"][cid]]
        from evaluation.personalization import room_from_clips   # the client's room: the quiet around its clips

        positives, room = client_examples(plan_bundle(plan), clips, room_from_clips(clips), seed=cid)
        _CACHE[key] = (positives, np.concatenate([room, *negative_hidden(plan_bundle(plan))]))
    return _CACHE[key]


def make_client(cid: int):
    """A Flower NumPyClient for client ``cid`` of the plan (imported lazily: flwr is optional)."""
    from flwr.client import NumPyClient

    class HeadClient(NumPyClient):
        def fit(self, parameters, config):
            plan = load_plan()
            if plan.get("task") == "telemetry":       # this device's health report, summed under SecAgg+
                from wakeword.health import HealthReport

                from .telemetry import report_vector
                vec = report_vector(HealthReport(**plan["reports"][cid]))
                return [vec.astype(np.float32)], 1, {"round": int(config["round"]), "client": cid}
            cfg = FederatedConfig(**plan["config"])
            bundle = plan_bundle(plan)
            head = find_head(bundle.model_bytes)
            positives, negatives = _client_data(cid, plan)
            global_vector = np.asarray(parameters[0], np.float64)
            delta = clip_update(local_update(head, global_vector, positives, negatives, cfg), cfg.clip_norm)
            rng = np.random.default_rng([cid, int(config["round"])])
            delta = delta + client_noise(len(delta), cfg, len(plan["clients"]), rng)
            delta, round_number = _hostile(plan.get("hostile", {}).get(str(cid)), delta, int(config["round"]))
            return [np.asarray(delta, np.float32)], 1, {"round": round_number, "client": cid}

        def evaluate(self, parameters, config):
            return 0.0, 1, {}

    return HeadClient()


def _hostile(kind: str | None, delta: np.ndarray, round_number: int) -> tuple[np.ndarray, int]:
    """What a hostile client sends instead (for the tests of the server's checks)."""
    if kind == "nan":
        return np.full_like(delta, np.nan), round_number
    if kind == "huge":
        return delta / max(np.linalg.norm(delta), 1e-9) * 1e3, round_number
    if kind == "shape":
        return np.append(delta, 0.0), round_number
    if kind == "replay":
        return delta, round_number - 1
    return delta, round_number


def client_fn(context):
    return make_client(int(context.node_config["partition-id"])).to_client()


def trace_mod(msg, context, call_next):
    """Records, per client and message, the bytes it sends and (under SecAgg+) the masked vector the
    server receives, into the plan's trace folder: what the tests and the byte counts read."""
    from flwr.common import bytes_to_ndarray, serde
    from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_CONFIGS, Key

    incoming = msg.content.config_records.get(RECORD_KEY_CONFIGS)
    stage = str(incoming.get(Key.STAGE)) if incoming is not None else "fit"   # read before the mod pops it
    reply = call_next(msg, context)
    trace = load_plan().get("trace_dir")
    if trace:
        cid = int(context.node_config["partition-id"])
        entry = {"client": cid, "stage": stage, "bytes": serde.recorddict_to_proto(reply.content).ByteSize()}
        configs = reply.content.config_records.get(RECORD_KEY_CONFIGS)
        if configs is not None and Key.MASKED_PARAMETERS in configs:   # [weight, parameters], masked
            entry["masked"] = [bytes_to_ndarray(b).astype(float).tolist() for b in configs[Key.MASKED_PARAMETERS]]
        for record in reply.content.array_records.values():     # the plain path: the update itself
            for array in record.values():
                entry["plain"] = array.numpy().astype(float).tolist()
        with open(Path(trace) / f"client-{cid}.jsonl", "a") as fh:
            fh.write(json.dumps(entry) + "\n")
    return reply


def update_trace_mod(msg, context, call_next):
    """Innermost (under SecAgg+): records the client's own update before it is masked, into the trace
    folder; only when the plan asks for ``trace_updates`` (tests compare it with what the server saw)."""
    reply = call_next(msg, context)
    plan = load_plan()
    if plan.get("trace_dir") and plan.get("trace_updates"):
        cid = int(context.node_config["partition-id"])
        for record in reply.content.array_records.values():
            for array in record.values():
                with open(Path(plan["trace_dir"]) / f"update-{cid}.jsonl", "a") as fh:
                    fh.write(json.dumps({"client": cid, "update": array.numpy().astype(float).tolist()}) + "\n")
    return reply


def dropout_mod(msg, context, call_next):
    """Clients named in the plan's ``drop`` leave in the middle of the SecAgg+ round (after sharing keys)."""
    from flwr.common.secure_aggregation.secaggplus_constants import RECORD_KEY_CONFIGS, Key, Stage

    plan = load_plan()
    cid = int(context.node_config["partition-id"])
    configs = msg.content.config_records.get(RECORD_KEY_CONFIGS)
    if cid in plan.get("drop", []) and configs is not None and configs.get(Key.STAGE) == Stage.COLLECT_MASKED_VECTORS:
        raise RuntimeError(f"client {cid} dropped out")
    return call_next(msg, context)


def write_plan(path: Path, *, bundle: str, clients: list[list[str]], config: FederatedConfig, trace_dir: Path | None,
               hostile: dict | None = None, drop: list[int] | None = None, allow_unsigned: bool = False,
               trace_updates: bool = False) -> Path:
    """The run's plan (see the module docstring); ``hostile`` maps a client to nan/huge/shape/replay and
    ``drop`` lists clients that leave mid-round: both for tests of the server's defences."""
    plan = {"bundle": bundle, "clients": clients, "config": asdict(config), "allow_unsigned": allow_unsigned,
            "trace_dir": str(trace_dir) if trace_dir else None, "hostile": hostile or {}, "drop": drop or [],
            "trace_updates": trace_updates}
    path.write_text(json.dumps(plan, indent=1))
    return path


def initial_vector(bundle: Bundle) -> np.ndarray:
    head = find_head(bundle.model_bytes)
    return layer_vector(head.weights[0], float(head.bias[0]))


__all__ = ["PLAN_ENV", "client_fn", "dropout_mod", "update_trace_mod", "initial_vector", "load_plan", "make_client", "trace_mod",
           "write_plan", "check_aggregate", "check_update"]
