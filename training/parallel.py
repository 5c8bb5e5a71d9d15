"""Run the per-clip data steps (synthesis, augmentation, feature extraction) in parallel.

Every data step is a pure function of one item (a clip, its seed and its settings), so
the same items give the same results in any order, on any worker and on any backend:

* ``"process"``: a process pool on this machine (``workers`` processes; 1 runs here).
* ``"ray"``: Ray tasks (the optional extra: ``pip install 'wakeword[distributed]'``).
  Connects to a running cluster when an address is given (``data.ray_address`` or the
  ``RAY_ADDRESS`` variable: ``auto``, ``HOST:6379`` or ``ray://HOST:10001``), else
  starts a local instance with ``num_cpus=workers`` that stays up for the rest of the
  process. A Ray instance this process already started (``ray.init``) is used as it is.

Results come back in input order with a tqdm bar (counts, rate and ETA) that moves as
work completes.

Examples
--------
>>> map_clips(abs, [-1, 2, -3], backend="process", workers=2, desc="demo", progress=False)
[1, 2, 3]
"""

from __future__ import annotations

import math
import os
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Callable, Sequence

from wakeword.errors import ConfigError

BACKENDS = ("process", "ray")
RAY_INSTALL_HINT = "pip install 'wakeword[distributed]' (in a checkout: pip install -e '.[distributed]')"


def map_clips(fn: Callable[[Any], Any], items: Sequence[Any], *, backend: str = "process", workers: int = 1,
              desc: str = "", init: Callable[..., None] | None = None, init_args: tuple = (),
              address: str = "", chunksize: int = 16, progress: bool = True, done: int = 0) -> list:
    """``[fn(item) for item in items]``, run in parallel.

    Parameters
    ----------
    fn : picklable function of one item (a module-level function or a ``functools.partial`` of one)
    items : sequence of picklable items
    backend : ``"process"`` or ``"ray"``
    workers : int
        Processes for ``"process"`` (1: in this process); CPUs of the local Ray instance
        for ``"ray"`` when no cluster address is given.
    desc : str
        Progress bar label.
    init, init_args : callable and its arguments
        Prepares a worker (module-level state that ``fn`` reads) before its first item;
        called once per worker process and map (in this process when ``workers`` is 1).
    address : str
        Ray cluster address ("" uses ``RAY_ADDRESS`` when set, else a local instance).
    chunksize : int
        Items per task, at most (smaller when there are few items for the workers).
    progress : bool
        Show the bar.
    done : int
        Items already done elsewhere (e.g. cached), counted in the bar's total and start.

    Returns
    -------
    list, ``fn(item)`` for each item, in input order
    """
    if backend not in BACKENDS:
        raise ConfigError(f"executor {backend!r} is not one of {', '.join(map(repr, BACKENDS))}")
    if workers < 1:
        raise ConfigError(f"workers must be >= 1, got {workers}")
    items = list(items)
    from tqdm import tqdm

    if backend == "ray" and items:
        ray_connect(workers=workers, address=address)  # before the bar: startup is no part of its rate
    with tqdm(total=len(items) + done, initial=done, desc=desc, unit="clip", disable=not progress) as bar:
        if not items:
            return []
        if backend == "ray":
            return _map_ray(fn, items, workers=workers, init=init, init_args=init_args, address=address,
                            chunksize=chunksize, bar=bar)
        if workers == 1 or len(items) == 1:
            if init is not None:
                init(*init_args)
            results = []
            for item in items:
                results.append(fn(item))
                bar.update(1)
            return results
        chunks = _chunks(items, chunksize, parallel=min(workers, len(items)))
        results_by_chunk: list[list | None] = [None] * len(chunks)
        with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), initializer=init,
                                 initargs=init_args) as pool:
            pending = {pool.submit(_run_chunk, fn, chunk): i for i, chunk in enumerate(chunks)}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    i = pending.pop(future)
                    results_by_chunk[i] = future.result()
                    bar.update(len(chunks[i]))
        return [r for chunk in results_by_chunk for r in chunk]  # type: ignore[union-attr]


def _chunks(items: list, chunksize: int, *, parallel: int) -> list[list]:
    """Items cut into chunks of at most ``chunksize``, at least about 4 per parallel worker."""
    size = max(1, min(chunksize, math.ceil(len(items) / (4 * max(1, parallel)))))
    return [items[i:i + size] for i in range(0, len(items), size)]


def _run_chunk(fn: Callable, chunk: list) -> list:
    return [fn(item) for item in chunk]


# --- Ray ------------------------------------------------------------------------------------------

#: the map whose ``init`` this worker process ran last
_WORKER_INIT_TOKEN: str | None = None
_RAY_TASK = None


def import_ray():
    """The ``ray`` module, or a ConfigError that names the extra to install."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(f"data.executor = \"ray\" needs Ray, which is not installed: {RAY_INSTALL_HINT}") from exc
    return ray


def ray_connect(*, workers: int, address: str = ""):
    """Ray, initialized: the running instance, the cluster at ``address`` (or ``RAY_ADDRESS``),
    or a new local instance with ``num_cpus=workers``."""
    ray = import_ray()
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS", "")
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    return ray


def _ray_chunk(fn: Callable, chunk: list, init: Callable | None, init_args: tuple, token: str) -> list:
    """One Ray task: prepare this worker for the map ``token`` once, then run the chunk."""
    global _WORKER_INIT_TOKEN
    if init is not None and _WORKER_INIT_TOKEN != token:
        init(*init_args)
        _WORKER_INIT_TOKEN = token
    return [fn(item) for item in chunk]


def _writable(result):
    """Arrays from Ray's object store are read-only views: copied, so results match the pool's."""
    import numpy as np

    if isinstance(result, np.ndarray) and not result.flags.writeable:
        return result.copy()
    return result


def _map_ray(fn, items, *, workers, init, init_args, address, chunksize, bar) -> list:
    global _RAY_TASK
    ray = ray_connect(workers=workers, address=address)
    if _RAY_TASK is None:
        _RAY_TASK = ray.remote(num_cpus=1)(_ray_chunk)
    cpus = max(1, int(ray.cluster_resources().get("CPU", workers)))
    chunks = _chunks(items, chunksize, parallel=cpus)
    token = uuid.uuid4().hex
    args_ref = ray.put(tuple(init_args))
    results_by_chunk: list[list | None] = [None] * len(chunks)
    # a bounded number of tasks in flight keeps the object store small for long maps
    max_in_flight = 4 * cpus
    index: dict = {}
    next_chunk = 0
    while next_chunk < len(chunks) or index:
        while next_chunk < len(chunks) and len(index) < max_in_flight:
            ref = _RAY_TASK.remote(fn, chunks[next_chunk], init, args_ref, token)
            index[ref] = next_chunk
            next_chunk += 1
        ready, _ = ray.wait(list(index), num_returns=1)
        for ref in ready:
            i = index.pop(ref)
            results_by_chunk[i] = [_writable(r) for r in ray.get(ref)]
            bar.update(len(chunks[i]))
    return [r for chunk in results_by_chunk for r in chunk]  # type: ignore[union-attr]
