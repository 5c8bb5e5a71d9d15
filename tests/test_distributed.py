"""Scale-out: the data steps on a local Ray instance give the same windows as the process pool;
a training step runs under MirroredStrategy over two (logical CPU) devices; bad settings are refused."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from training.config import DataConfig, TrainConfig, load_config
from training.parallel import map_clips
from wakeword.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]

# a config smaller than configs/tiny.toml that still goes through every data step: synthesis,
# clip windows with and without augmentation, noise windows, windows cut from real speech,
# with noise and impulse-response files loaded by each worker
CONFIG = """
[keyword]
phrase = "alexa"
name = "alexa"

[data]
engines = ["espeak-ng"]
max_voices = 4
positive_variants_per_voice = 2
positive_augment_copies = 2
confusable_phrases = 6
general_phrases = 6
negative_augment_copies = 2
noise_windows = 20
spliced_positives_per_file = 0
spliced_negatives_per_file = 0
workers = 2
real_speech_dirs = ["speech"]
noise_dirs = ["noise"]
rir_dirs = ["rir"]
require_data_dirs = true

[teacher]
channels = 8
dilations = [1, 2]

[student]
channels = 8
dilations = [1, 2]
"""


@pytest.fixture(scope="module")
def ray_local():
    """A local Ray instance with 2 CPUs, started the way the ``ray`` executor starts one."""
    ray = pytest.importorskip("ray", reason="the distributed extra: pip install -e '.[distributed]'")
    from training.parallel import ray_connect

    if ray.is_initialized():
        ray.shutdown()
    address = os.environ.pop("RAY_ADDRESS", None)
    try:
        ray_connect(workers=2)
    finally:
        if address is not None:
            os.environ["RAY_ADDRESS"] = address
    assert ray.cluster_resources()["CPU"] == 2
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def small_config(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("distributed")
    rng = np.random.default_rng(0)
    for folder in ("noise", "rir", "speech"):
        (root / folder).mkdir()
    sf.write(root / "noise" / "hum.wav", (0.1 * rng.standard_normal(32000)).astype(np.float32), 16000,
             subtype="PCM_16")
    rir = np.zeros(4000, np.float32)
    rir[0] = 0.9
    rir[1:] = 0.3 * rng.standard_normal(3999) * np.exp(-np.arange(1, 4000) / 600)
    sf.write(root / "rir" / "room.wav", rir, 16000, subtype="PCM_16")
    # two files: one goes to validation, one to training (split by file)
    for i, text in enumerate(["the weather is nice today and the coffee is hot",
                              "a large cup of tea with milk and two sugars please"]):
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(root / "speech" / f"talk{i}.wav"), text], check=True)
    (root / "small.toml").write_text(CONFIG)
    return root / "small.toml"


def test_data_steps_on_ray_match_the_process_pool(ray_local, small_config, tmp_path):
    from training.data import build_windows

    config = load_config(small_config)
    assert config.data.executor == "process"
    on_ray = dataclasses.replace(config, data=dataclasses.replace(config.data, executor="ray"))
    # separate caches: synthesis runs on each backend too
    train_p, val_p, stats_p = build_windows(config, cache_dir=tmp_path / "process")
    train_r, val_r, stats_r = build_windows(on_ray, cache_dir=tmp_path / "ray")
    assert stats_p == stats_r
    assert set(stats_p["train_examples"]) == {"positive", "synth_negative", "noise", "real_speech"}
    for a, b in ((train_p, train_r), (val_p, val_r)):
        assert len(a) > 0 and a.x.dtype == b.x.dtype == np.uint16
        assert np.asarray(a.x).tobytes() == np.asarray(b.x).tobytes()
        assert np.array_equal(a.y, b.y) and np.array_equal(a.source, b.source)
    # the executor never changes the windows, so it is no part of the cache key
    assert [p.name for p in (tmp_path / "process").glob("windows-*")] == \
        [p.name for p in (tmp_path / "ray").glob("windows-*")]


def test_ray_tasks_run_in_ray_workers_and_keep_input_order(ray_local):
    items = list(range(-200, 0))
    assert map_clips(abs, items, backend="ray", workers=2, desc="order", progress=False) == [-i for i in items]
    pids = map_clips(lambda _: os.getpid(), range(16), backend="ray", workers=2, chunksize=1, progress=False)
    assert os.getpid() not in pids
    # arrays come back writable, as from the process pool
    out = map_clips(np.ones, [3, 4], backend="ray", workers=2, progress=False)
    out[0][0] = 5.0
    assert [len(a) for a in out] == [3, 4]


def test_process_backend_keeps_input_order():
    items = list(range(-100, 0))
    assert map_clips(abs, items, backend="process", workers=2, chunksize=3, progress=False) == [-i for i in items]


def test_bad_executor_is_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[keyword]\nphrase = "alexa"\nname = "alexa"\n[data]\nexecutor = "spark"\n')
    with pytest.raises(ConfigError, match=r"data\.executor.*'spark'.*'process', 'ray'"):
        load_config(bad)
    with pytest.raises(ConfigError, match=r"data\.executor"):
        DataConfig(executor="spark")
    with pytest.raises(ConfigError, match="executor 'spark'"):
        map_clips(abs, [1], backend="spark", workers=1)
    bad.write_text('distribute = "tpu"\n[keyword]\nphrase = "alexa"\nname = "alexa"\n')
    with pytest.raises(ConfigError, match=r"distribute.*'tpu'"):
        load_config(bad)
    good = tmp_path / "good.toml"
    good.write_text('distribute = "mirrored"\n[keyword]\nphrase = "alexa"\nname = "alexa"\n'
                    '[data]\nexecutor = "ray"\nray_address = "auto"\n')
    config = load_config(good)
    assert (config.distribute, config.data.executor, config.data.ray_address) == ("mirrored", "ray", "auto")
    assert TrainConfig(keyword=config.keyword).distribute == "auto"


def test_ray_executor_without_ray_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if it were not installed
    with pytest.raises(ConfigError, match=r"wakeword\[distributed\]"):
        map_clips(abs, [1, 2], backend="ray", workers=2)


MIRRORED = textwrap.dedent("""
    import json
    import numpy as np
    from training.tf_setup import tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

    from training.config import StepConfig
    from training.models.tcn import TCNConfig
    from training.train import make_strategy, train_float

    strategy = make_strategy("mirrored")
    auto = make_strategy("auto")
    arch = TCNConfig(channels=8, dilations=(1, 2))
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 40, (320, arch.receptive_field_frames, 1, 40)).astype(np.float32)
    y = (rng.random(320) < 0.3).astype(np.float32)
    model = train_float(arch, x, y, step=StepConfig(epochs=1, batch_size=64), strategy=strategy, verbose=0)
    loss = model.history.history["loss"]  # before predict(), which gives the model a fresh history
    logits = model.predict(x[:32], verbose=0)
    print("RESULT " + json.dumps({
        "strategy": type(strategy).__name__, "replicas": strategy.num_replicas_in_sync,
        "devices": list(strategy.extended.worker_devices), "auto": type(auto).__name__,
        "variable": type(model.trainable_variables[0]).__name__,
        "loss": loss, "logits_finite": bool(np.isfinite(logits).all())}))
""")


def test_training_step_under_mirrored_strategy_on_two_cpu_devices():
    # logical devices must be set before TensorFlow initializes its devices: a fresh process
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, "-c", MIRRORED], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.split("RESULT ", 1)[1])
    assert result["strategy"] == "MirroredStrategy" and result["replicas"] == 2
    assert [d.rsplit(":", 2)[-2:] for d in result["devices"]] == [["CPU", "0"], ["CPU", "1"]]
    assert result["variable"] == "MirroredVariable"
    assert result["auto"] == "_DefaultDistributionStrategy"  # no GPU: "auto" keeps the default strategy
    assert len(result["loss"]) == 1 and np.isfinite(result["loss"][0])
    assert result["logits_finite"]


def test_search_candidates_train_as_ray_tasks(ray_local):
    """The architecture search's scale-out: candidates train in Ray workers (the cluster's CPUs), two
    at a time, and come back scored with their int8 models."""
    from training.models.tcn import TCNConfig
    from training.search import Candidate, ProxyData, SearchSettings, _run_batch
    from wakeword.model import make_interpreter

    rng = np.random.default_rng(0)
    y = np.tile([0.0, 1.0], 120).astype(np.float32)
    x = rng.uniform(0, 2, (240, 41, 1, 40)).astype(np.float32)
    x[y > 0, -10:] += 3.0  # a "keyword" the candidates can learn
    data = ProxyData(train_x=x, train_y=y, val_x=x[:80], val_y=y[:80])
    archs = [TCNConfig(channels=8, dilations=(1, 2)), TCNConfig(channels=6, dilations=(1, 2), separable=False)]
    candidates = [Candidate(arch=a, trained=a, keep=1.0, params={}) for a in archs]
    settings = SearchSettings(epochs=2, parallel=2)
    results = _run_batch(candidates, data, settings, "ray", ray_local.put(data))
    assert len(results) == 2
    for arch, result in zip(archs, results):
        assert 0 <= result["proxy_frr"] <= 1 and result["train_seconds"] > 0
        interpreter = make_interpreter(result["model_bytes"])
        assert tuple(interpreter.get_input_details()[0]["shape"]) == (1, arch.stride_frames, 40)


def test_runs_that_share_a_window_cache_write_it_without_clashing(tmp_path):
    """Two runs of one word at once (two seeds) write the same cache files: each write goes through a
    temporary file of its own, so no writer renames another's half-written file away (the fixed
    temporary name it replaced made a second run die with FileNotFoundError)."""
    from concurrent.futures import ThreadPoolExecutor

    from training.data import _save_clips

    path = tmp_path / "synth_negatives.npz"
    clips = [np.arange(n, dtype=np.int16) for n in (3000, 5000, 7000)]

    def write(i: int) -> None:
        for _ in range(5):
            _save_clips(path, clips, kind=np.full(3, i))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(8)))
    with np.load(path) as stored:
        assert stored["ends"].tolist() == [3000, 8000, 15000] and len(stored["audio"]) == 15000
        assert len(set(stored["kind"].tolist())) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["synth_negatives.npz"]  # no temporary file left
