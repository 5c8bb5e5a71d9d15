"""Peer models as bundles, so they run through the very same engine and harness.

microWakeWord's int8 streaming models (shipped by the ``pymicro-wakeword`` package)
use the same TFLite Micro frontend and the same kind of streaming model; their JSON
cutoff ``p`` (detect when the window mean of probabilities exceeds ``p``) maps to
our integer threshold ``floor(p * 256) + 1``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from .bundle import Bundle, sha256_hex
from .config import FORMAT_VERSION, DetectorConfig, FeatureConfig, Manifest, ModelSpec
from .errors import BundleError
from .model import describe_model

PEER_PREFIX = "microwakeword:"
MICROWAKEWORD_STRIDE_FRAMES = 3
MICROWAKEWORD_REFRACTORY_MS = 2000


def microwakeword_models_dir() -> Path:
    spec = importlib.util.find_spec("pymicro_wakeword")
    if spec is None or not spec.submodule_search_locations:
        raise BundleError("peer models need the pymicro-wakeword package (pip install pymicro-wakeword)")
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def microwakeword_names() -> list[str]:
    try:
        return sorted(p.stem for p in microwakeword_models_dir().glob("*.json"))
    except BundleError:
        return []


def cutoff_to_threshold(cutoff: float) -> int:
    """Integer threshold equivalent to microWakeWord's ``mean probability > cutoff``."""
    return min(255, max(1, int(cutoff * 256) + 1))


def microwakeword_bundle(name: str) -> Bundle:
    """A microWakeWord model (e.g. ``"alexa"``) from pymicro-wakeword as a Bundle."""
    models = microwakeword_models_dir()
    config_path = models / f"{name}.json"
    if not config_path.is_file():
        raise BundleError(f"no microWakeWord model {name!r}; available: {', '.join(microwakeword_names())}")
    config = json.loads(config_path.read_text())
    micro = config["micro"]
    model_bytes = (models / config["model"]).read_bytes()
    info = describe_model(model_bytes, source=str(models / config["model"]))
    spec = ModelSpec(
        file=config["model"], sha256=sha256_hex(model_bytes), kind="streaming",
        input_shape=tuple(info["input_shape"]), output_shape=tuple(info["output_shape"]),
        input_dtype=info["input_dtype"], output_dtype=info["output_dtype"],
        input_scale=info["input_scale"], input_zero_point=info["input_zero_point"],
        output_scale=info["output_scale"], output_zero_point=info["output_zero_point"],
        stride_frames=info["input_shape"][1], receptive_field_frames=0, size_bytes=len(model_bytes),
        ops=tuple(info["ops"]), tflm_arena_bytes=int(micro.get("tensor_arena_size", 0)),
    )
    manifest = Manifest(
        format_version=FORMAT_VERSION, name=f"microwakeword-{name}", version="2.0.0",
        keywords=(name,), features=FeatureConfig(), model=spec,
        detector=DetectorConfig(threshold=cutoff_to_threshold(float(micro["probability_cutoff"])),
                                window=int(micro["sliding_window_size"]),
                                refractory_ms=MICROWAKEWORD_REFRACTORY_MS),
        training={"source": "microWakeWord via pymicro-wakeword", "author": config.get("author", "")},
    )
    return Bundle(source=f"{PEER_PREFIX}{name}", manifest=manifest, model_bytes=model_bytes,
                  files={config["model"]: model_bytes})
