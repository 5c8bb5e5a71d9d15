"""Streaming form of the TCN: same weights, each call sees only the new frames.

Every layer keeps its last ``(kernel - 1) * dilation`` input steps in a
``tf.Variable``; in TFLite these become resource variables (VAR_HANDLE /
READ_VARIABLE / ASSIGN_VARIABLE), which LiteRT and TFLite Micro keep between calls.
Batch norm is folded into the convolutions here. The state update is a SLICE (a
contiguous copy) and dilated convolutions use DEPTHWISE_CONV_2D's own dilation factor:
an earlier form with STRIDED_SLICE ops (``buf[:, 1:]``, ``buf[:, ::d]``) gave the same
outputs bit for bit but cost 2.4x more per call in LiteRT (13.4 vs 5.5 us with XNNPACK,
43 vs 18 us with the reference kernels), STRIDED_SLICE being an element-by-element
reference kernel.
"""

from __future__ import annotations

import numpy as np

from .models.tcn import TCNConfig
from .tf_setup import keras, tf

BN_EPSILON_DEFAULT = 1e-3


def _inner(layer):
    """The wrapped layer of a tfmot QuantizeWrapper, or the layer itself."""
    return getattr(layer, "layer", layer)


def extract_weights(model: keras.Model) -> dict[str, dict[str, np.ndarray]]:
    """Float weights of a (float or QAT-wrapped) TCN, keyed by layer name.

    A tfmot QuantizeWrapper exposes the fake-quantized kernel as a tensor; the
    trained variables themselves are read from the wrapper's weights by name.
    """
    wanted = {"kernel", "depthwise_kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"}
    weights: dict[str, dict[str, np.ndarray]] = {}
    for layer in model.layers:
        inner = _inner(layer)
        entry = {}
        for variable in layer.weights:
            short = variable.name.split("/")[-1].split(":")[0]
            if short in wanted and (inner is layer or f"/{inner.name}/" in f"/{variable.name}"):
                entry[short] = np.asarray(variable.numpy())
        if isinstance(inner, keras.layers.BatchNormalization):
            entry["epsilon"] = np.float32(inner.epsilon)
        if entry:
            weights[inner.name] = entry
    return weights


def _fold(kernel: np.ndarray, bn: dict[str, np.ndarray], *, depthwise: bool) -> tuple[np.ndarray, np.ndarray]:
    scale = bn["gamma"] / np.sqrt(bn["moving_variance"] + bn.get("epsilon", BN_EPSILON_DEFAULT))
    bias = bn["beta"] - bn["moving_mean"] * scale
    if depthwise:  # (k, 1, C, 1)
        kernel = kernel * scale.reshape(1, 1, -1, 1)
    else:  # (k, 1, Cin, Cout)
        kernel = kernel * scale.reshape(1, 1, 1, -1)
    return kernel.astype(np.float32), bias.astype(np.float32)


class StreamingTCN(tf.Module):
    """Streaming TCN: ``(1, stride_frames, channels)`` float features -> ``(1, 1)`` probability."""

    def __init__(self, weights: dict[str, dict[str, np.ndarray]], config: TCNConfig, *,
                 input_channels: int = 40) -> None:
        super().__init__(name="streaming_tcn")
        self.config = config
        self.input_channels = input_channels
        w, b = _fold(weights["conv_in"]["kernel"], weights["conv_in_bn"], depthwise=False)
        self.conv_in = (tf.constant(w), tf.constant(b))
        self.blocks = []
        for i, _ in enumerate(config.dilations):
            if config.separable:
                dw, dwb = _fold(weights[f"block{i}_dw"]["depthwise_kernel"], weights[f"block{i}_dw_bn"],
                                depthwise=True)
                pw, pwb = _fold(weights[f"block{i}_pw"]["kernel"], weights[f"block{i}_pw_bn"], depthwise=False)
                self.blocks.append((tf.constant(dw), tf.constant(dwb), tf.constant(pw), tf.constant(pwb)))
            else:
                conv, convb = _fold(weights[f"block{i}_conv"]["kernel"], weights[f"block{i}_conv_bn"], depthwise=False)
                self.blocks.append((tf.constant(conv), tf.constant(convb), None, None))
        self.dense = (tf.constant(weights["logit"]["kernel"].astype(np.float32)),
                      tf.constant(weights["logit"]["bias"].astype(np.float32)))
        keep_in = config.first_kernel - config.stride_frames
        self.state_in = tf.Variable(tf.zeros((1, keep_in, 1, input_channels)), trainable=False,
                                    name="state_in") if keep_in else None
        widths = config.layer_widths
        self.states = [tf.Variable(tf.zeros((1, (config.kernel - 1) * d, 1, widths[i])), trainable=False,
                                   name=f"state_block{i}") for i, d in enumerate(config.dilations)]
        spec = tf.TensorSpec((1, config.stride_frames, input_channels), tf.float32, name="features")
        self.serve = tf.function(self._call, input_signature=[spec])

    def _call(self, features):
        cfg = self.config
        x = tf.reshape(features, (1, cfg.stride_frames, 1, self.input_channels))
        if self.state_in is not None:
            x = tf.concat([self.state_in.read_value(), x], axis=1)
            keep = cfg.first_kernel - cfg.stride_frames
            self.state_in.assign(tf.slice(x, [0, cfg.stride_frames, 0, 0], [1, keep, 1, self.input_channels]))
        w, b = self.conv_in
        y = tf.nn.relu(tf.nn.conv2d(x, w, strides=1, padding="VALID") + b)
        widths = cfg.layer_widths
        for (dw, dwb, pw, pwb), state, dilation, width in zip(self.blocks, self.states, cfg.dilations, widths):
            buf = tf.concat([state.read_value(), y], axis=1)
            keep = (cfg.kernel - 1) * dilation
            state.assign(tf.slice(buf, [0, 1, 0, 0], [1, keep, 1, width]))
            if pw is None:  # one full convolution (separable = false)
                y = tf.nn.relu(tf.nn.conv2d(buf, dw, strides=1, padding="VALID", dilations=[dilation, 1]) + dwb)
                continue
            y = tf.nn.relu(tf.nn.depthwise_conv2d(buf, dw, strides=[1, 1, 1, 1], padding="VALID",
                                                  dilations=[dilation, 1]) + dwb)
            y = tf.nn.relu(tf.nn.conv2d(y, pw, strides=1, padding="VALID") + pwb)
        kernel, bias = self.dense
        logit = tf.matmul(tf.reshape(y, (1, widths[-1])), kernel) + bias
        return tf.sigmoid(logit)

    def reset(self) -> None:
        for var in ([self.state_in] if self.state_in is not None else []) + self.states:
            var.assign(tf.zeros_like(var))


def convert_streaming(module: StreamingTCN, *, representative: list[np.ndarray] | None) -> bytes:
    """TFLite flatbuffer of the streaming model.

    Parameters
    ----------
    representative : list of float32 arrays of shape (frames, channels), optional
        Whole feature sequences, fed in stream order for calibration. With them the
        model is full-integer (int8 in, uint8 out, int8 state); without, float32.
    """
    concrete = module.serve.get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], module)
    converter.experimental_enable_resource_variables = True
    if representative is not None:
        stride = module.config.stride_frames

        def calibration():
            for sequence in representative:
                module.reset()
                usable = len(sequence) - len(sequence) % stride
                for start in range(0, usable, stride):
                    yield [sequence[None, start:start + stride].astype(np.float32)]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = calibration
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.uint8
        converter._experimental_variable_quantization = True  # noqa: SLF001 (int8 state, as microWakeWord)
    model = converter.convert()
    module.reset()
    return model
