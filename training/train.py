"""Training steps: float teacher -> distilled student (-> structured pruning) -> quantization-aware training.

Inputs are float feature windows ``x`` of shape ``(n, frames, 1, 40)`` (raw / 25.6)
and labels ``y`` of shape ``(n,)`` in {0, 1}. Models output logits.

Every step builds and compiles its model under a ``tf.distribute`` strategy
(:func:`make_strategy`; ``strategy=None`` is the default, single-device one). Under
``MirroredStrategy`` each global batch of ``batch_size`` windows is split across the replicas.
"""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np

from wakeword.errors import ConfigError

from .config import DistillConfig, PruneConfig, SpecAugmentConfig, StepConfig
from .models.tcn import TCNConfig, build_tcn
from .tf_setup import keras, tf


def make_strategy(mode: str = "auto"):
    """The ``tf.distribute`` strategy for a config's ``distribute`` value.

    ``"auto"``: MirroredStrategy over the GPUs when more than one is visible, else the default
    strategy; ``"mirrored"``: MirroredStrategy over the visible GPUs, or over the visible
    (logical) CPUs when there is no GPU; ``"none"``: the default strategy.
    """
    if mode == "none":
        return tf.distribute.get_strategy()
    if mode not in ("auto", "mirrored"):
        raise ConfigError(f"distribute: {mode!r} is not one of 'auto', 'none', 'mirrored'")
    gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
    if mode == "auto":
        return tf.distribute.MirroredStrategy(gpus) if len(gpus) > 1 else tf.distribute.get_strategy()
    return tf.distribute.MirroredStrategy(gpus or [d.name for d in tf.config.list_logical_devices("CPU")])


def _scope(strategy):
    return strategy.scope() if strategy is not None else contextlib.nullcontext()


def class_weights(y: np.ndarray, *, negative_weight: float = 1.0) -> np.ndarray:
    """Per-window loss weights, mean 1: the negatives together weigh ``negative_weight`` times as
    much as the positives together (1: balanced classes, whatever their counts)."""
    positives = max(1.0, float(y.sum()))
    negatives = max(1.0, float(len(y) - y.sum()))
    share = negative_weight / (1.0 + negative_weight)
    return np.where(y > 0.5, (1.0 - share) * len(y) / positives, share * len(y) / negatives).astype(np.float32)


def spec_augment(x, *, time_masks: int, time_mask_frames: int, freq_masks: int, freq_mask_channels: int):
    """SpecAugment on a batch of feature windows ``(batch, frames, 1, channels)``: each mask zeroes
    up to ``time_mask_frames`` consecutive frames or ``freq_mask_channels`` consecutive channels."""
    shape = tf.shape(x)
    batch, frames, channels = shape[0], shape[1], shape[3]
    keep = tf.ones_like(x)
    for axis, count, width, size in ((1, time_masks, time_mask_frames, frames),
                                     (3, freq_masks, freq_mask_channels, channels)):
        positions = tf.range(size)
        for _ in range(count):
            w = tf.random.uniform((batch, 1), 0, width + 1, dtype=tf.int32)
            start = tf.random.uniform((batch, 1), 0, tf.maximum(1, size - width), dtype=tf.int32)
            masked = (positions[None, :] >= start) & (positions[None, :] < start + w)  # (batch, size)
            masked = tf.cast(masked, x.dtype)
            masked = masked[:, :, None, None] if axis == 1 else masked[:, None, None, :]
            keep = keep * (1.0 - masked)
    return x * keep


def _dataset(x, targets, sample_weight, *, batch_size: int, augment: SpecAugmentConfig | None, seed: int):
    data = tf.data.Dataset.from_tensor_slices((x, targets, sample_weight))
    data = data.shuffle(min(len(x), 20000), seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    if augment is not None and augment.enabled:
        data = data.map(lambda a, b, c: (spec_augment(a, time_masks=augment.time_masks,
                                                      time_mask_frames=augment.time_mask_frames,
                                                      freq_masks=augment.freq_masks,
                                                      freq_mask_channels=augment.freq_mask_channels), b, c),
                        num_parallel_calls=tf.data.AUTOTUNE)
    return data.prefetch(tf.data.AUTOTUNE)


def _fit(model, x, targets, *, step: StepConfig, loss, labels: np.ndarray, seed: int = 0,
         verbose: int = 2, extra_callbacks=()) -> None:
    """Compile and fit with Adam on a cosine schedule; windows weighted by :func:`class_weights` of ``labels``;
    with ``step.ema_momentum`` the model ends on the moving average of its weights."""
    sample_weight = class_weights(labels, negative_weight=step.negative_weight)
    tf.keras.utils.set_random_seed(seed)
    schedule = keras.optimizers.schedules.CosineDecay(step.learning_rate,
                                                      decay_steps=max(1, step.epochs * (len(x) // step.batch_size + 1)))
    ema = {"use_ema": True, "ema_momentum": step.ema_momentum} if step.ema_momentum > 0 else {}
    model.compile(optimizer=keras.optimizers.Adam(schedule, **ema), loss=loss)
    data = _dataset(x, targets.astype(np.float32), sample_weight, batch_size=step.batch_size,
                    augment=step.spec_augment, seed=seed)
    model.fit(data, epochs=step.epochs, verbose=verbose, callbacks=list(extra_callbacks))


def train_float(config: TCNConfig, x: np.ndarray, y: np.ndarray, *, step: StepConfig, seed: int = 0,
                name: str = "model", verbose: int = 2, strategy=None):
    """A float TCN trained with class-balanced binary cross-entropy on logits."""
    with _scope(strategy):
        model = build_tcn(config, name=name)
        _fit(model, x, y.astype(np.float32)[:, None], step=step, labels=y,
             loss=keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=step.label_smoothing),
             seed=seed, verbose=verbose)
    return model


def continue_training(model, x: np.ndarray, y: np.ndarray, *, step: StepConfig, seed: int = 0, verbose: int = 2,
                      strategy=None):
    """More epochs of a trained float model (a fresh cosine schedule from ``step.learning_rate``),
    e.g. on a set enlarged by mined hard negatives; same loss and weighting as :func:`train_float`."""
    with _scope(strategy):
        _fit(model, x, y.astype(np.float32)[:, None], step=step, labels=y,
             loss=keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=step.label_smoothing),
             seed=seed, verbose=verbose)
    return model


def distillation_loss(distill: DistillConfig, *, label_smoothing: float = 0.0):
    """Hinton distillation for one sigmoid output; targets are ``[label, teacher_logit]``."""
    temperature = float(distill.temperature)
    weight = float(distill.weight)
    smoothing = float(label_smoothing)
    bce = keras.losses.binary_crossentropy

    def loss(targets, logits):
        label = targets[:, :1] * (1.0 - smoothing) + 0.5 * smoothing
        soft = tf.sigmoid(targets[:, 1:] / temperature)
        hard_loss = bce(label, tf.sigmoid(logits))
        soft_loss = bce(soft, tf.sigmoid(logits / temperature)) * temperature ** 2
        return (1.0 - weight) * hard_loss + weight * soft_loss

    return loss


def teacher_logits(teacher, x: np.ndarray, *, batch_size: int = 512) -> np.ndarray:
    return teacher.predict(x, batch_size=batch_size, verbose=0).reshape(-1).astype(np.float32)


def train_distilled(config: TCNConfig, x: np.ndarray, y: np.ndarray, soft_logits: np.ndarray, *,
                    step: StepConfig, distill: DistillConfig, seed: int = 0, verbose: int = 2, strategy=None):
    """A student trained on labels and the teacher's softened outputs."""
    targets = np.stack([y.astype(np.float32), soft_logits], axis=1)
    with _scope(strategy):
        model = build_tcn(config, name="student")
        _fit(model, x, targets, step=step, loss=distillation_loss(distill, label_smoothing=step.label_smoothing),
             labels=y, seed=seed, verbose=verbose)
    return model


def quantization_aware(model, x: np.ndarray, y: np.ndarray, soft_logits: np.ndarray | None, *,
                       step: StepConfig, distill: DistillConfig, seed: int = 0, verbose: int = 2, strategy=None):
    """Fine-tune with tfmot fake quantization (int8 weights and activations)."""
    import tensorflow_model_optimization as tfmot

    if soft_logits is None:
        targets = y.astype(np.float32)[:, None]
        loss = keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=step.label_smoothing)
    else:
        targets = np.stack([y.astype(np.float32), soft_logits], axis=1)
        loss = distillation_loss(distill, label_smoothing=step.label_smoothing)
    with _scope(strategy):
        qat = tfmot.quantization.keras.quantize_model(model)
        _fit(qat, x, targets, step=step, loss=loss, labels=y, seed=seed, verbose=verbose)
    return qat


def structured_prune(model, arch: TCNConfig, x: np.ndarray, y: np.ndarray, soft_logits: np.ndarray, *,
                     config: PruneConfig, step: StepConfig, distill: DistillConfig, seed: int = 0, verbose: int = 2,
                     strategy=None):
    """The student with each layer's least useful channels removed (:mod:`training.structured`),
    then ``config.epochs`` of distillation at a third of ``step``'s learning rate. Returns (model,
    architecture)."""
    from .structured import prune_channels

    small, small_arch, _ = prune_channels(model, arch, x, keep=config.keep, min_channels=config.min_channels,
                                          seed=seed)
    if config.epochs:
        targets = np.stack([y.astype(np.float32), soft_logits], axis=1)
        with _scope(strategy):
            tuned = build_tcn(small_arch, name="student_pruned")
            tuned.set_weights(small.get_weights())
            _fit(tuned, x, targets, step=dataclasses.replace(step, epochs=config.epochs,
                                                             learning_rate=step.learning_rate / 3),
                 loss=distillation_loss(distill, label_smoothing=step.label_smoothing), labels=y, seed=seed,
                 verbose=verbose)
        small = tuned
    return small, small_arch


class BackgroundTraining:
    """:func:`train_float` run in a second process while this one trains other models.

    A small model's training keeps about one core busy, so on a machine with two or more cores
    the ablation's plain student (nothing waits for it) trains beside the teacher and the
    distilled student. The child process is started fresh (``spawn``: no copy of this process's
    TensorFlow), reads the windows from a file in ``work_dir``, writes its Keras output to
    ``log_path`` and its weights to a file; :meth:`result` returns the trained model, built here
    with the child's weights. :meth:`cancel` stops it (when the rest of the run fails).
    """

    def __init__(self, config: TCNConfig, x: np.ndarray, y: np.ndarray, *, step: StepConfig, seed: int,
                 name: str, work_dir, log_path) -> None:
        import multiprocessing
        from pathlib import Path

        self.config, self.name, self.log_path = config, name, Path(log_path)
        work = Path(work_dir)
        work.mkdir(parents=True, exist_ok=True)
        self._inputs, self._outputs = work / f"{name}_inputs.npz", work / f"{name}_weights.npz"
        self._outputs.unlink(missing_ok=True)
        np.savez(self._inputs, x=x, y=y)
        self._process = multiprocessing.get_context("spawn").Process(
            target=_train_float_child, name=f"train-{name}",
            args=(config, str(self._inputs), str(self._outputs), step, seed, name, str(self.log_path)))
        self._process.start()

    def result(self):
        """The trained model and the seconds the child spent training."""
        self._process.join()
        self._inputs.unlink(missing_ok=True)
        if self._process.exitcode != 0 or not self._outputs.is_file():
            tail = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.is_file() else ""
            raise RuntimeError(f"training {self.name} in a second process failed (exit code "
                               f"{self._process.exitcode}); the end of its log {self.log_path}:\n{tail}")
        with np.load(self._outputs) as data:
            seconds = float(data["seconds"])
            weights = [data[f"w{i}"] for i in range(len(data.files) - 1)]
        self._outputs.unlink()
        model = build_tcn(self.config, name=self.name)
        model.set_weights(weights)
        return model, seconds

    def cancel(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._inputs.unlink(missing_ok=True)
        self._outputs.unlink(missing_ok=True)


def _train_float_child(config: TCNConfig, inputs: str, outputs: str, step: StepConfig, seed: int, name: str,
                       log_path: str) -> None:
    import os
    import time

    from wakeword.features import features_to_float

    with open(log_path, "w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    start = time.monotonic()
    with np.load(inputs) as data:
        x, y = data["x"], data["y"]
    # the same float inputs as WindowSet.as_float in the parent
    model = train_float(config, features_to_float(x)[:, :, None, :], y, step=step, seed=seed, name=name, verbose=2)
    weights = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    tmp = f"{outputs}.tmp.npz"
    np.savez(tmp, seconds=np.float64(time.monotonic() - start), **weights)
    os.replace(tmp, outputs)
