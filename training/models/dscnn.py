"""DS-CNN (Hello Edge, Zhang et al. 2017): a window model.

Input: the last ``frames`` feature frames ``(batch, frames, 40)``; a strided first convolution,
depthwise-separable blocks, global average pooling, a dense logit. It is a "window" model for the
runtime (the whole window every ``stride_frames`` frames), so it costs far more per second of
audio than the streaming TCN; it is in the zoo as the classic baseline and for phones.
"""

from __future__ import annotations

from dataclasses import dataclass

#: batch-norm moving-average momentum (Keras default 0.99 converges slowly on small data sets)
BN_MOMENTUM = 0.9


@dataclass(frozen=True)
class DSCNNConfig:
    """Architecture of the DS-CNN."""

    frames: int = 100
    stride_frames: int = 10
    channels: int = 32
    first_kernel: tuple[int, int] = (10, 4)
    first_stride: tuple[int, int] = (2, 2)
    blocks: int = 3
    dropout: float = 0.1

    def __post_init__(self) -> None:
        from wakeword.errors import ConfigError

        if self.frames < self.first_kernel[0] or self.stride_frames < 1 or self.stride_frames > self.frames:
            raise ConfigError("dscnn: frames must cover the first kernel and 1 <= stride_frames <= frames")
        if self.channels < 1 or self.blocks < 0:
            raise ConfigError("dscnn: channels must be >= 1 and blocks >= 0")

    @property
    def receptive_field_frames(self) -> int:
        return self.frames

    def macs_per_call(self, input_channels: int = 40) -> int:
        """Multiply-accumulates of one call (the whole window)."""
        t = (self.frames - self.first_kernel[0]) // self.first_stride[0] + 1
        f = (input_channels - self.first_kernel[1]) // self.first_stride[1] + 1
        positions = t * f
        macs = positions * self.channels * self.first_kernel[0] * self.first_kernel[1]
        macs += self.blocks * positions * (9 * self.channels + self.channels * self.channels)
        return macs + self.channels


def build_dscnn(config: DSCNNConfig, *, input_channels: int = 40, name: str = "dscnn"):
    """Keras model: ``(batch, frames, channels)`` float features -> logits ``(batch, 1)``."""
    from ..tf_setup import keras

    layers = keras.layers
    inputs = keras.Input(shape=(config.frames, input_channels), name="features")
    x = layers.Reshape((config.frames, input_channels, 1), name="to_image")(inputs)
    x = layers.Conv2D(config.channels, config.first_kernel, strides=config.first_stride, use_bias=False,
                      name="conv_in")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name="conv_in_bn")(x)
    x = layers.ReLU(name="conv_in_relu")(x)
    for i in range(config.blocks):
        x = layers.DepthwiseConv2D((3, 3), padding="same", use_bias=False, name=f"block{i}_dw")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"block{i}_dw_bn")(x)
        x = layers.ReLU(name=f"block{i}_dw_relu")(x)
        x = layers.Conv2D(config.channels, (1, 1), use_bias=False, name=f"block{i}_pw")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"block{i}_pw_bn")(x)
        x = layers.ReLU(name=f"block{i}_pw_relu")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    if config.dropout:
        x = layers.Dropout(config.dropout, name="dropout")(x)
    logits = layers.Dense(1, name="logit")(x)
    return keras.Model(inputs, logits, name=name)


def convert_window(model, *, representative=None) -> bytes:
    """TFLite flatbuffer of a window model (float, or QAT/float with calibration -> int8 in, uint8 out).

    ``model`` outputs logits; a sigmoid is appended. ``representative``: float windows
    ``(n, frames, channels)`` for calibration; with a tfmot QAT model the converter uses the
    trained quantization ranges (true quantization-aware conversion).
    """
    import numpy as np

    from ..tf_setup import keras, tf

    probability = keras.Model(model.inputs, keras.layers.Activation("sigmoid", name="probability")(model.outputs[0]))
    converter = tf.lite.TFLiteConverter.from_keras_model(probability)
    if representative is not None:
        def calibration():
            for window in representative:
                yield [np.asarray(window, np.float32)[None]]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = calibration
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.uint8
    return converter.convert()
