"""The Flower App for real server and client processes (SuperLink and SuperNodes): ``federated/flwr_app``
names ``server_app`` and ``client_app`` here; :mod:`federated.loopback` runs them over loopback.

The run config's ``plan`` is the run's plan (see :mod:`federated.flower`); each SuperNode's node config
gives its ``partition-id``, the client it is. The server writes its round records next to the plan
(``history.json``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flwr.client import ClientApp
from flwr.server import ServerApp

from .flower import PLAN_ENV, client_fn, load_plan, plan_bundle
from .server import client_mods, serve
from .updates import FederatedConfig


def plan_mod(msg, context, call_next):
    """Outermost: points the process at the run's plan (from the run config) before anything reads it."""
    if "plan" in context.run_config:
        os.environ[PLAN_ENV] = str(context.run_config["plan"])
    return call_next(msg, context)


client_app = ClientApp(client_fn=client_fn, mods=[plan_mod, *client_mods()])
server_app = ServerApp()


@server_app.main()
def main(grid, context) -> None:
    os.environ[PLAN_ENV] = str(context.run_config["plan"])
    plan = load_plan()
    history: list = []
    serve(grid, context, plan_bundle(plan), FederatedConfig(**plan["config"]), len(plan["clients"]), None, history)
    (Path(os.environ[PLAN_ENV]).parent / "history.json").write_text(json.dumps(history, indent=1) + "\n")
