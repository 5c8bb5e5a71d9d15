"""Real server and client processes over loopback: a SuperLink, one SuperNode per client, ``flwr run``.

The same apps as the simulation (:mod:`federated.app`), but every client is its own process that
talks gRPC to the SuperLink on 127.0.0.1, as phones would talk to a server. The Flower CLI's
configuration lives in a private ``FLWR_HOME`` under ``workdir``.

    python -m federated.loopback PLAN.json --workdir /tmp/fl-loopback
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .flower import PLAN_ENV

APP_DIR = Path(__file__).parent / "flwr_app"


def _bin(name: str) -> str:
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, *, timeout_s: float) -> None:
    """Until something accepts connections on 127.0.0.1:port (the SuperLink), or its process ends."""
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the SuperLink exited with {proc.returncode} before it listened")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout_s:.0f} s")


def run_loopback(plan_path: str | os.PathLike, *, workdir: str | os.PathLike, port: int | None = None,
                 timeout_s: float = 600) -> list[dict]:
    """Runs the plan with real processes; returns the server's round records (``history.json``)."""
    port = port or free_port()
    plan_path = Path(plan_path).resolve()
    plan = json.loads(plan_path.read_text())
    work = Path(workdir).resolve()
    home = work / "flwr_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        f'[superlink]\ndefault = "loopback"\n\n[superlink.loopback]\naddress = "127.0.0.1:{port}"\n'
        "insecure = true\n")
    history_path = plan_path.parent / "history.json"
    history_path.unlink(missing_ok=True)
    # Flower starts its own helpers (flower-superexec, flwr-serverapp, flwr-clientapp) by name: this venv's first
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = dict(os.environ, FLWR_HOME=str(home), PATH=path, **{PLAN_ENV: str(plan_path)})
    logs = []
    procs: list[subprocess.Popen] = []

    def start(name: str, cmd: list[str]) -> None:
        log = open(work / f"{name}.log", "w")
        logs.append(log)
        procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work))

    try:
        # one HTTP port serves the SuperLink's Fleet and Control APIs
        start("superlink", [_bin("flower-superlink"), "--insecure", "--host", "127.0.0.1", "--port", str(port),
                            "--database", str(work / "state.db")])
        _wait_for_port(port, procs[0], timeout_s=60)
        for cid in range(len(plan["clients"])):
            start(f"supernode-{cid}", [_bin("flower-supernode"), "--insecure", "--superlink", f"127.0.0.1:{port}",
                                      "--port", str(free_port()),
                                      "--node-config", f"partition-id={cid} num-partitions={len(plan['clients'])}"])
        time.sleep(3)
        run = subprocess.run([_bin("flwr"), "run", str(APP_DIR), "loopback", "--run-config", f'plan="{plan_path}"',
                              "--stream"], env=env, cwd=work, capture_output=True, text=True, timeout=timeout_s)
        (work / "flwr-run.log").write_text(run.stdout + run.stderr)
        if run.returncode != 0:
            raise RuntimeError(f"flwr run failed ({run.returncode}): {(run.stdout + run.stderr)[-800:]}")
        deadline = time.monotonic() + timeout_s
        while not history_path.exists() and time.monotonic() < deadline:
            time.sleep(1)
        if not history_path.exists():
            raise RuntimeError(f"the loopback run wrote no history; see the logs in {work}")
        return json.loads(history_path.read_text())
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in logs:
            log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m federated.loopback", description=__doc__.split("\n")[0])
    parser.add_argument("plan", help="a plan written by federated.flower.write_plan")
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args(argv)
    history = run_loopback(args.plan, workdir=args.workdir)
    print(json.dumps(history, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
