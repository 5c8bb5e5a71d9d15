"""Structured pruning of the streaming TCN: whole channels leave the exported graph.

Magnitude pruning zeroes single weights and leaves the int8 flatbuffer as large and as slow as
before (TFLite Micro has no sparse kernels). Here a layer's least useful output channels are
removed, so every convolution after them is narrower: fewer bytes of flash, fewer MACs and
fewer instructions on the Cortex-M4 (``wakeword-budget``, :mod:`training.m4_cost`).

How a channel is judged: its output is switched off (its batch norm's scale and shift set to
zero, so the ReLU after it outputs exactly 0, which is what removing it does) and the mean
absolute change of the model's logit over a sample of training windows is its importance. Each
layer keeps the ``keep`` share of its channels (at least ``min_channels``) with the highest
importance; the narrower model (:attr:`TCNConfig.widths`) gets the surviving weights, so before
fine-tuning it computes exactly what the full model computes with the removed channels switched
off; then it learns on (distillation from the teachers' soft targets, like the student).
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from typing import Iterator

import numpy as np

from .models.tcn import TCNConfig, build_tcn


def _channel_bns(config: TCNConfig, layer: int) -> list[str]:
    """The batch norms that carry layer ``layer``'s output channels (0: the first convolution, i:
    block i - 1): its own and, when a depthwise convolution reads them, that one's."""
    own = "conv_in_bn" if layer == 0 else (f"block{layer - 1}_pw_bn" if config.separable
                                             else f"block{layer - 1}_conv_bn")
    reader = [f"block{layer}_dw_bn"] if config.separable and layer < len(config.dilations) else []
    return [own, *reader]


@contextmanager
def switched_off(model, config: TCNConfig, layer: int, channels) -> Iterator[None]:
    """Within the block, ``channels`` of layer ``layer`` output exactly 0, and so does the
    depthwise convolution that reads them: the model computes what it would without them."""
    saved = {}
    for name in _channel_bns(config, layer):
        bn = model.get_layer(name)
        saved[name] = bn.get_weights()  # gamma, beta, moving mean, moving variance
        off = [w.copy() for w in saved[name]]
        off[0][channels] = 0.0  # scale and shift 0: the ReLU after it gives exactly 0
        off[1][channels] = 0.0
        bn.set_weights(off)
    try:
        yield
    finally:
        for name, weights in saved.items():
            model.get_layer(name).set_weights(weights)


def channel_importance(model, config: TCNConfig, x: np.ndarray, *, batch_size: int = 1024) -> list[np.ndarray]:
    """For each layer (the first convolution, then each block), the mean absolute change of the
    logit over the windows ``x`` when each of its output channels is switched off."""
    base = model.predict(x, batch_size=batch_size, verbose=0).reshape(-1)
    importance = []
    for layer, width in enumerate(config.layer_widths):
        scores = np.zeros(width, np.float64)
        for channel in range(width):
            with switched_off(model, config, layer, [channel]):
                changed = model.predict(x, batch_size=batch_size, verbose=0).reshape(-1)
            scores[channel] = float(np.mean(np.abs(changed - base)))
        importance.append(scores)
    return importance


def kept_channels(importance: list[np.ndarray], *, keep: float, min_channels: int) -> list[np.ndarray]:
    """The indices (ascending) each layer keeps: its ``keep`` share, at least ``min_channels``."""
    kept = []
    for scores in importance:
        count = min(len(scores), max(min_channels, int(round(keep * len(scores)))))
        kept.append(np.sort(np.argsort(-scores, kind="stable")[:count]))
    return kept


def narrowed(model, config: TCNConfig, kept: list[np.ndarray], *, name: str = "student_pruned"):
    """A model of the narrower architecture holding ``model``'s weights of the ``kept`` channels.
    Returns (model, architecture)."""
    widths = tuple(len(k) for k in kept)
    arch = dataclasses.replace(config, widths=widths)
    small = build_tcn(arch, name=name)

    def bn(target: str, source: str, channels: np.ndarray) -> None:
        small.get_layer(target).set_weights([w[channels] for w in model.get_layer(source).get_weights()])

    kernel = model.get_layer("conv_in").get_weights()[0]  # (k, 1, 40, C)
    small.get_layer("conv_in").set_weights([kernel[..., kept[0]]])
    bn("conv_in_bn", "conv_in_bn", kept[0])
    for i in range(len(config.dilations)):
        c_in, c_out = kept[i], kept[i + 1]
        if config.separable:
            depthwise = model.get_layer(f"block{i}_dw").get_weights()[0]  # (k, 1, C, 1)
            small.get_layer(f"block{i}_dw").set_weights([depthwise[:, :, c_in, :]])
            bn(f"block{i}_dw_bn", f"block{i}_dw_bn", c_in)
            pointwise = model.get_layer(f"block{i}_pw").get_weights()[0]  # (1, 1, C, C)
            small.get_layer(f"block{i}_pw").set_weights([pointwise[:, :, c_in][..., c_out]])
            bn(f"block{i}_pw_bn", f"block{i}_pw_bn", c_out)
        else:
            full = model.get_layer(f"block{i}_conv").get_weights()[0]  # (k, 1, C, C)
            small.get_layer(f"block{i}_conv").set_weights([full[:, :, c_in][..., c_out]])
            bn(f"block{i}_conv_bn", f"block{i}_conv_bn", c_out)
    dense, bias = model.get_layer("logit").get_weights()
    small.get_layer("logit").set_weights([dense[kept[-1]], bias])
    return small, arch


def prune_channels(model, config: TCNConfig, x: np.ndarray, *, keep: float, min_channels: int = 4,
                   sample: int = 2048, seed: int = 0):
    """The narrower model and its architecture: each layer's least important channels removed
    (judged on ``sample`` windows of ``x``). Returns (model, architecture, importance)."""
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(x), size=min(sample, len(x)), replace=False)
    importance = channel_importance(model, config, x[np.sort(pick)])
    small, arch = narrowed(model, config, kept_channels(importance, keep=keep, min_channels=min_channels))
    return small, arch, importance
