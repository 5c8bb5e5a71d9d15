"""Streaming temporal CNN (the student and, wider, the teacher).

Layers (time runs along axis 1 of a ``(batch, time, 1, 40)`` tensor):

1. ``Conv2D`` kernel ``(first_kernel, 1)`` over the 40 channels, stride ``stride_frames``
   in time: from here on the network runs at one step per ``stride_frames`` frames.
2. ``blocks``: depthwise ``(kernel, 1)`` conv with dilation ``d`` in time, then a
   pointwise 1x1 conv, each with batch norm and ReLU (``separable = false``: one full
   ``(kernel, 1)`` conv with dilation ``d`` instead, named ``block{i}_conv``).
3. The last time step -> dense logit.

Every layer has ``channels`` output channels unless ``widths`` names them one by one (the
first convolution's, then each block's): structured pruning (:mod:`training.structured`)
and the architecture search (:mod:`training.search`) make such narrower models.

All convolutions are causal and unpadded ("valid"), so a window of exactly
``receptive_field_frames`` frames gives one output; a streaming form that keeps
each layer's last ``(kernel - 1) * dilation`` steps as state yields the same output
from only ``stride_frames`` new frames per call (see :mod:`training.streaming`).
"""

from __future__ import annotations

from dataclasses import dataclass

@dataclass(frozen=True)
class TCNConfig:
    """Architecture of the streaming TCN."""

    #: channels of every convolution (the width: size and cost grow with its square)
    channels: int = 32
    #: frames the first (strided) convolution sees
    first_kernel: int = 5
    #: new feature frames per model call (3: a call every 30 ms)
    stride_frames: int = 3
    #: taps of each dilated depthwise convolution
    kernel: int = 5
    #: one residual block per entry, with this dilation (the receptive field grows with their sum)
    dilations: tuple[int, ...] = (1, 2, 4, 4)
    #: dropout while training
    dropout: float = 0.1
    #: output channels of each layer (the first convolution's, then one per block); empty: every
    #: layer has ``channels``. Structured pruning and the architecture search set it
    widths: tuple[int, ...] = ()
    #: each block a depthwise then a pointwise convolution (true) or one full convolution (false)
    separable: bool = True

    def __post_init__(self) -> None:
        from wakeword.errors import ConfigError

        if self.first_kernel < self.stride_frames:
            raise ConfigError("model.first_kernel must be >= model.stride_frames")
        if self.stride_frames < 1:
            raise ConfigError("model.stride_frames must be >= 1")
        if self.channels < 1 or self.kernel < 1 or any(d < 1 for d in self.dilations):
            raise ConfigError("model.channels, kernel and dilations must be >= 1")
        if self.widths and (len(self.widths) != 1 + len(self.dilations) or any(w < 1 for w in self.widths)):
            raise ConfigError(f"model.widths must list {1 + len(self.dilations)} channel counts >= 1 (the first "
                              f"convolution's, then one per dilation), got {list(self.widths)}")

    @property
    def layer_widths(self) -> tuple[int, ...]:
        """Output channels of the first convolution, then of each block."""
        return tuple(self.widths) or (self.channels,) * (1 + len(self.dilations))

    @property
    def receptive_field_frames(self) -> int:
        steps = sum((self.kernel - 1) * d for d in self.dilations)
        return self.first_kernel + steps * self.stride_frames

    def macs_per_call(self, input_channels: int = 40) -> int:
        """Multiply-accumulates of one streaming call (stride_frames new frames)."""
        widths = self.layer_widths
        macs = self.first_kernel * input_channels * widths[0]
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            macs += self.kernel * c_in + c_in * c_out if self.separable else self.kernel * c_in * c_out
        return macs + widths[-1]

    def parameters(self, input_channels: int = 40) -> int:
        """Weights and biases once batch norm is folded (what the int8 flatbuffer stores)."""
        widths = self.layer_widths
        count = self.first_kernel * input_channels * widths[0] + widths[0]
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            count += (self.kernel * c_in + c_in + c_in * c_out + c_out if self.separable
                      else self.kernel * c_in * c_out + c_out)
        return count + widths[-1] + 1


def build_tcn(config: TCNConfig, *, input_channels: int = 40, name: str = "tcn"):
    """Non-streaming Keras model: ``(batch, receptive_field_frames, 1, channels)`` -> logits ``(batch, 1)``."""
    from ..tf_setup import keras

    layers = keras.layers
    frames = config.receptive_field_frames
    inputs = keras.Input(shape=(frames, 1, input_channels), name="features")
    widths = config.layer_widths
    x = layers.Conv2D(widths[0], (config.first_kernel, 1), strides=(config.stride_frames, 1),
                      use_bias=False, name="conv_in")(inputs)
    x = layers.BatchNormalization(name="conv_in_bn")(x)
    x = layers.ReLU(name="conv_in_relu")(x)
    for i, (dilation, width) in enumerate(zip(config.dilations, widths[1:])):
        if not config.separable:
            x = layers.Conv2D(width, (config.kernel, 1), dilation_rate=(dilation, 1), use_bias=False,
                              name=f"block{i}_conv")(x)
            x = layers.BatchNormalization(name=f"block{i}_conv_bn")(x)
            x = layers.ReLU(name=f"block{i}_conv_relu")(x)
            continue
        x = layers.DepthwiseConv2D((config.kernel, 1), dilation_rate=(dilation, 1), use_bias=False,
                                   name=f"block{i}_dw")(x)
        x = layers.BatchNormalization(name=f"block{i}_dw_bn")(x)
        x = layers.ReLU(name=f"block{i}_dw_relu")(x)
        x = layers.Conv2D(width, (1, 1), use_bias=False, name=f"block{i}_pw")(x)
        x = layers.BatchNormalization(name=f"block{i}_pw_bn")(x)
        x = layers.ReLU(name=f"block{i}_pw_relu")(x)
    x = layers.Flatten(name="flatten")(x)
    if config.dropout:
        x = layers.Dropout(config.dropout, name="dropout")(x)
    logits = layers.Dense(1, name="logit")(x)
    return keras.Model(inputs, logits, name=name)


def random_batch_norms(model, rng, *, shift_range: tuple[float, float] | None = None) -> None:
    """Give every batch norm of ``model`` random statistics, as training would (folded biases all
    different; a fresh model's are all zero): scales x0.5-1.5, shifts N(0, 0.1) or uniform in
    ``shift_range`` (positive: every ReLU after them alive), means N(0, 0.1), variances 0.5-2.
    For measuring and testing untrained models."""
    for layer in model.layers:
        if layer.name.endswith("_bn"):
            gamma, beta, mean, var = layer.get_weights()
            scale = gamma * rng.uniform(0.5, 1.5, gamma.shape)
            shift = rng.normal(0, 0.1, beta.shape) if shift_range is None else rng.uniform(*shift_range, beta.shape)
            layer.set_weights([scale, shift, rng.normal(0, 0.1, mean.shape), rng.uniform(0.5, 2.0, var.shape)])
