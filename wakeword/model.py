"""LiteRT wrapper: quantized feature frames in, uint8 scores out.

Two model kinds (from the manifest):

* ``streaming``: each call takes only the ``stride_frames`` newest frames; the
  model keeps its own state between calls (resource variables), as in
  kws_streaming and microWakeWord.
* ``window``: each call takes the newest ``input_frames`` frames, every
  ``stride_frames`` frames.

Quantization is read from the model's tensors (and must agree with the manifest).
A streaming model's state starts zero-filled, which is not what it saw in training
(its windows always had audio before them): on every reset the runner primes the
state with ``receptive_field_frames`` frames of silence (the frontend's output for
digital silence is all zeros), as if the stream had been quiet before it began. The
firmware does the same at start-up.
Scores are uint8 "probability * 256" values, saturated at 255; a uint8 output with
scale 1/256 and zero point 0 is used as is.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .config import ModelSpec
from .errors import BundleError
from .features import FEATURE_RAW_PER_UNIT

_DTYPES = {"int8": np.int8, "uint8": np.uint8, "float32": np.float32}


@functools.lru_cache(maxsize=1)
def _litert():
    """LiteRT's ``(Interpreter, OpResolverType)``, imported on first use: ``import wakeword`` stays
    light until a model is loaded."""
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError:  # pragma: no cover - fallback for platforms without ai-edge-litert
        from tflite_runtime.interpreter import Interpreter, OpResolverType  # type: ignore[no-redef]
    return Interpreter, OpResolverType


def make_interpreter(model_bytes: bytes, *, source: str = "model", exact: bool = True,
                     preserve_all_tensors: bool = False):
    """A single-threaded LiteRT interpreter.

    exact : bool
        True: LiteRT's built-in kernels without delegates, which TFLite Micro matches within
        1 LSB (use for comparisons). False: with the XNNPACK delegate, about 3x faster per call
        for our streaming models, but a few LSB away from the reference kernels.
    preserve_all_tensors : bool
        Keep every intermediate tensor readable after ``invoke`` (personalization reads the
        model's last hidden layer); costs arena memory, not results.
    """
    Interpreter, OpResolverType = _litert()
    resolver = OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES if exact else OpResolverType.BUILTIN
    try:
        interpreter = Interpreter(
            model_content=bytes(model_bytes),
            num_threads=1,
            experimental_op_resolver_type=resolver,
            experimental_preserve_all_tensors=preserve_all_tensors,
        )
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise BundleError(f"{source}: not a loadable TFLite model ({exc})") from exc
    return interpreter


def describe_model(model_bytes: bytes, *, source: str = "model") -> dict:
    """Shapes, dtypes, quantization and op names of a TFLite model (for manifests)."""
    interpreter = make_interpreter(model_bytes, source=source)
    inputs = interpreter.get_input_details()
    outputs = interpreter.get_output_details()
    if len(inputs) != 1 or len(outputs) != 1:
        raise BundleError(f"{source}: expected 1 input and 1 output, got {len(inputs)} and {len(outputs)}")
    inp, out = inputs[0], outputs[0]
    ops = sorted({op["op_name"] for op in interpreter._get_ops_details()})  # noqa: SLF001
    return {
        "input_shape": [int(v) for v in inp["shape"]],
        "output_shape": [int(v) for v in out["shape"]],
        "input_dtype": np.dtype(inp["dtype"]).name,
        "output_dtype": np.dtype(out["dtype"]).name,
        "input_scale": float(inp["quantization"][0]),
        "input_zero_point": int(inp["quantization"][1]),
        "output_scale": float(out["quantization"][0]),
        "output_zero_point": int(out["quantization"][1]),
        "ops": ops,
        "size_bytes": len(model_bytes),
    }


def input_lookup_table(dtype: str, scale: float, zero_point: int) -> np.ndarray:
    """Map every raw uint16 frontend value to the model's input value.

    ``q = clip(round(raw / 25.6 / scale) + zero_point)`` for quantized inputs
    (round half to even, as numpy and microWakeWord do), ``raw / 25.6`` for float inputs.
    """
    values = np.arange(65536, dtype=np.float64) / FEATURE_RAW_PER_UNIT
    if dtype == "float32":
        return values.astype(np.float32)
    info = np.iinfo(_DTYPES[dtype])
    q = np.rint(values / scale) + zero_point
    return np.clip(q, info.min, info.max).astype(_DTYPES[dtype])


class ModelRunner:
    """Drives one model over a stream of feature frames.

    Parameters
    ----------
    model_bytes : bytes
        The ``.tflite`` flatbuffer.
    spec : ModelSpec
        From the bundle's manifest; checked against the model's tensors.
    source : str
        Name used in error messages (e.g. the bundle path).
    exact_kernels : bool
        Use the reference-matching kernels (see :func:`make_interpreter`) instead of XNNPACK.
    capture_tensor : int, optional
        The index of an intermediate tensor to copy after every call into :attr:`captured`
        (personalization reads the last hidden layer this way); None: nothing is kept.
    """

    def __init__(self, model_bytes: bytes, spec: ModelSpec, *, source: str = "model",
                 exact_kernels: bool = False, capture_tensor: int | None = None) -> None:
        self.spec = spec
        self.source = source
        self.exact_kernels = exact_kernels
        self.capture_tensor = capture_tensor
        #: one copy of ``capture_tensor`` per call, in call order (only with ``capture_tensor``)
        self.captured: list[np.ndarray] = []
        self._model_bytes = bytes(model_bytes)
        actual = describe_model(self._model_bytes, source=source)
        self._check_against_spec(actual)
        self._lut = input_lookup_table(spec.input_dtype, actual["input_scale"], actual["input_zero_point"])
        self._frames = spec.frames_per_call
        self._channels = spec.input_shape[2]
        self._out_scale = actual["output_scale"]
        self._out_zero = actual["output_zero_point"]
        self._raw_scores = (spec.output_dtype == "uint8" and self._out_zero == 0
                            and math.isclose(self._out_scale, 1 / 256, rel_tol=1e-6))
        self.reset()

    def _check_against_spec(self, actual: dict) -> None:
        spec = self.spec
        for key in ("input_shape", "output_shape", "input_dtype", "output_dtype",
                    "input_zero_point", "output_zero_point"):
            want = getattr(spec, key)
            want = list(want) if isinstance(want, tuple) else want
            if actual[key] != want:
                raise BundleError(f"{self.source}: model tensor {key} is {actual[key]} but the manifest says {want}")
        for key in ("input_scale", "output_scale"):
            if not math.isclose(actual[key], getattr(spec, key), rel_tol=1e-6, abs_tol=1e-12):
                raise BundleError(f"{self.source}: model tensor {key} is {actual[key]} "
                                  f"but the manifest says {getattr(spec, key)}")

    def reset(self) -> None:
        """Fresh interpreter state (streaming variables included) and empty frame buffer."""
        self._interpreter = make_interpreter(self._model_bytes, source=self.source, exact=self.exact_kernels,
                                             preserve_all_tensors=self.capture_tensor is not None)
        self._in_index = self._interpreter.get_input_details()[0]["index"]
        self._out_index = self._interpreter.get_output_details()[0]["index"]
        self._buffer = np.zeros((0, self._channels), dtype=self._lut.dtype)
        self._frames_seen = 0
        if self.spec.kind == "streaming" and self.spec.receptive_field_frames > 0:
            silence = np.full((1, self.spec.stride_frames, self._channels), self._lut[0], dtype=self._lut.dtype)
            for _ in range(-(-self.spec.receptive_field_frames // self.spec.stride_frames)):
                self._interpreter.set_tensor(self._in_index, silence)
                self._interpreter.invoke()
        self.captured = []

    def _scores(self, output: np.ndarray) -> np.ndarray:
        if self._raw_scores:  # get_tensor already returned a uint8 copy
            return output.reshape(-1)
        if self.spec.output_dtype == "float32":  # float tensors carry no quantization (scale 0)
            prob = output.reshape(-1).astype(np.float64)
        else:
            prob = (output.reshape(-1).astype(np.float64) - self._out_zero) * self._out_scale
        return np.clip(np.rint(prob * 256.0), 0, 255).astype(np.uint8)

    def push_frames(self, frames: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """Feed raw uint16 frames (shape (n, channels)).

        Returns
        -------
        list of (frame_index, scores)
            ``frame_index`` is the stream index of the newest frame of the call;
            ``scores`` is a uint8 array with one score per keyword.
        """
        if frames.ndim != 2 or frames.shape[1] != self._channels:
            raise ValueError(f"frames must have shape (n, {self._channels}), got {frames.shape}")
        if len(frames) == 0:
            return []
        quantized = self._lut[frames]
        buffer = np.concatenate([self._buffer, quantized]) if len(self._buffer) else quantized
        first_index = self._frames_seen - len(self._buffer)  # stream index of buffer[0]
        self._frames_seen += len(frames)
        results: list[tuple[int, np.ndarray]] = []
        interp = self._interpreter
        stride = self.spec.stride_frames
        width = self._frames
        if self.spec.kind == "streaming":
            calls = len(buffer) // stride
            if calls:
                set_tensor, invoke, get_tensor = interp.set_tensor, interp.invoke, interp.get_tensor
                in_index, out_index, scores = self._in_index, self._out_index, self._scores
                batched = buffer[None]
                last = first_index + stride - 1  # stream index of the newest frame of call 0
                capture = self.captured.append if self.capture_tensor is not None else None
                for lo in range(0, calls * stride, stride):
                    set_tensor(in_index, batched[:, lo:lo + stride])
                    invoke()
                    results.append((last + lo, scores(get_tensor(out_index))))
                    if capture is not None:
                        capture(get_tensor(self.capture_tensor).reshape(-1))
            self._buffer = buffer[calls * stride:]
        else:
            # a call ends at every frame index e with e >= width-1 and (e - (width-1)) % stride == 0
            end = first_index + len(buffer) - 1
            e = max(width - 1, first_index + width - 1)
            offset = (e - (width - 1)) % stride
            if offset:
                e += stride - offset
            while e <= end:
                lo = e - width + 1 - first_index
                interp.set_tensor(self._in_index, buffer[None, lo:lo + width])
                interp.invoke()
                results.append((e, self._scores(interp.get_tensor(self._out_index))))
                if self.capture_tensor is not None:
                    self.captured.append(interp.get_tensor(self.capture_tensor).reshape(-1))
                e += stride
            self._buffer = buffer[-(width - 1):] if width > 1 else buffer[:0]
        return results
