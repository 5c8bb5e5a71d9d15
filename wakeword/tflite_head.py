"""Read and rewrite the final layer ("head") of a bundle's int8 TFLite model.

Personalization retrains only the last layer of a keyword model -- the FULLY_CONNECTED op whose
output goes into the LOGISTIC that makes the score -- on the embeddings the rest of the network
computes. This module finds that layer in the model's flatbuffer (:func:`find_head`) and writes new
weights and a new bias into a copy of the same bytes (:func:`patch_head`): same length, same ops,
same tensors, only the head's int8 weights, int32 bias and their quantization scales change. The
result is an ordinary model for the runtime (:class:`wakeword.model.ModelRunner`), the app and the
firmware's model slots; nothing downstream needs to know it was personalized.

The runtime never imports TensorFlow, ``flatbuffers`` or ``tflite``: below is a minimal read-only
FlatBuffer reader for the few tables of the TFLite schema it needs, in pure ``struct``. Every read
is bounds-checked, so a truncated or garbage file gives a :class:`~wakeword.errors.BundleError`.

Flatbuffer layout in brief: the root table's uoffset is at byte 0 and the file identifier at
bytes 4..8; a table starts with an int32 soffset to its vtable (at ``table - soffset``); a vtable
is uint16 vtable size, uint16 table size, then one uint16 offset per field (0: absent, default
value); a reference field holds a uoffset relative to its own position; a vector is a uint32
count followed by its elements.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from .errors import BundleError

__all__ = ["Head", "find_head", "logits", "patch_head"]

_FILE_ID = b"TFL3"
_FULLY_CONNECTED, _LOGISTIC = 9, 14                   # BuiltinOperator
_FLOAT32, _INT32, _UINT8, _INT8 = 0, 2, 3, 9          # TensorType
_FULLY_CONNECTED_OPTIONS = 8                           # BuiltinOptions union tag
_INT32_MAX = 2**31 - 1


# --------------------------------------------------------------------------- flatbuffer reader

def _read(buf: bytes, fmt: str, pos: int, what: str):
    """``struct.unpack_from(fmt, buf, pos)[0]``, or a BundleError where it is not inside ``buf``."""
    size = struct.calcsize(fmt)
    if pos < 0 or pos + size > len(buf):
        raise BundleError(f"model: {what} at byte {pos} lies outside the {len(buf)}-byte file "
                          "(truncated or not a TFLite model)")
    return struct.unpack_from(fmt, buf, pos)[0]


class _Table:
    """One flatbuffer table; fields by index (as numbered in the schema), reads bounds-checked."""

    def __init__(self, buf: bytes, pos: int, what: str) -> None:
        self.buf, self.pos, self.what = buf, pos, what
        self._vtable = pos - _read(buf, "<i", pos, f"{what} table")
        size = _read(buf, "<H", self._vtable, f"{what} vtable")
        if size < 4 or size % 2:
            raise BundleError(f"model: {what} has a corrupt vtable (size {size} at byte {self._vtable})")
        self._fields = (size - 4) // 2

    def where(self, index: int) -> int | None:
        """Byte position of field ``index``, None where it is absent."""
        if index >= self._fields:
            return None
        offset = _read(self.buf, "<H", self._vtable + 4 + 2 * index, f"{self.what} vtable")
        return self.pos + offset if offset else None

    def scalar(self, index: int, fmt: str, default: int = 0):
        at = self.where(index)
        return default if at is None else _read(self.buf, fmt, at, f"{self.what} field {index}")

    def _target(self, index: int) -> int | None:
        at = self.where(index)
        return None if at is None else at + _read(self.buf, "<I", at, f"{self.what} field {index}")

    def table(self, index: int, name: str) -> _Table | None:
        at = self._target(index)
        return None if at is None else _Table(self.buf, at, f"{self.what}.{name}")

    def vector(self, index: int, itemsize: int, name: str) -> tuple[int, int] | None:
        """``(position of the first element, count)`` of a vector field, checked to lie in the file."""
        at = self._target(index)
        if at is None:
            return None
        count = _read(self.buf, "<I", at, f"{self.what}.{name} length")
        if at + 4 + count * itemsize > len(self.buf):
            raise BundleError(f"model: {self.what}.{name} ({count} x {itemsize} bytes at byte {at + 4}) "
                              f"runs past the end of the {len(self.buf)}-byte file (truncated or corrupt)")
        return at + 4, count

    def array(self, index: int, dtype: str, name: str) -> tuple[np.ndarray, int | None]:
        """A scalar vector field as a read-only numpy array (empty where absent), and its position."""
        vec = self.vector(index, np.dtype(dtype).itemsize, name)
        if vec is None:
            return np.zeros(0, dtype), None
        return np.frombuffer(self.buf, dtype, vec[1], vec[0]), vec[0]

    def tables(self, index: int, name: str) -> list[_Table]:
        vec = self.vector(index, 4, name)
        if vec is None:
            return []
        start, count = vec
        return [_Table(self.buf, start + 4 * i + _read(self.buf, "<I", start + 4 * i, f"{name}[{i}]"),
                       f"{self.what}.{name}[{i}]") for i in range(count)]

    def string(self, index: int, name: str) -> str:
        vec = self.vector(index, 1, name)
        return "" if vec is None else self.buf[vec[0]:vec[0] + vec[1]].decode("utf-8", "replace")


# --------------------------------------------------------------------------- TFLite tables

@dataclass
class _Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: int
    buffer: int
    scale: np.ndarray
    scale_at: int | None
    zero_point: np.ndarray
    zero_point_at: int | None
    quantized_dimension: int


def _tensor(table: _Table, index: int) -> _Tensor:
    shape, _ = table.array(0, "<i4", "shape")
    quant = table.table(4, "quantization")
    scale, scale_at = quant.array(2, "<f4", "scale") if quant else (np.zeros(0, "<f4"), None)
    zero, zero_at = quant.array(3, "<i8", "zero_point") if quant else (np.zeros(0, "<i8"), None)
    return _Tensor(index=index, name=table.string(3, "name"), shape=tuple(int(v) for v in shape),
                   dtype=table.scalar(1, "<b"), buffer=table.scalar(2, "<I"), scale=scale, scale_at=scale_at,
                   zero_point=zero, zero_point_at=zero_at,
                   quantized_dimension=quant.scalar(6, "<i") if quant else 0)


def _root(buf: bytes) -> _Table:
    if len(buf) < 8:
        raise BundleError(f"model: {len(buf)} bytes is too short to be a TFLite model")
    if buf[4:8] != _FILE_ID:
        raise BundleError(f"model: file identifier is {bytes(buf[4:8])!r}, not {_FILE_ID!r}: not a TFLite model")
    return _Table(buf, _read(buf, "<I", 0, "root offset"), "model")


def _buffer_data(buffers: list[_Table], tensor: _Tensor, role: str) -> tuple[int, int]:
    """``(position, length)`` of a constant tensor's data inside the flatbuffer."""
    if tensor.buffer >= len(buffers):
        raise BundleError(f"model: the {role} tensor {tensor.name!r} names buffer {tensor.buffer} "
                          f"but the model has {len(buffers)}")
    table = buffers[tensor.buffer]
    if table.scalar(1, "<Q") > 1:
        raise BundleError(f"model: the {role} tensor {tensor.name!r} keeps its data outside the flatbuffer "
                          "(the layout of models over 2 GB), which is not supported")
    vec = table.vector(0, 1, "data")
    if tensor.buffer == 0 or vec is None or vec[1] == 0:
        raise BundleError(f"model: the {role} tensor {tensor.name!r} is not a constant (it has no data)")
    return vec


def _check_not_shared(root: _Table, buffers: list[_Table], head: list[_Tensor]) -> None:
    """Patching rewrites bytes in place: refuse where a head tensor's data or scale vector is also used
    by another tensor (converters may deduplicate identical constants)."""
    users: dict[object, list[str]] = {}
    total = 0
    for g, graph in enumerate(root.tables(2, "subgraphs")):
        total += (graph.vector(0, 4, "tensors") or (0, 0))[1]
        if total > len(root.buf) // 8:  # each tensor takes more bytes than that: bounds the work, too
            raise BundleError(f"model: {total} tensors cannot fit in {len(root.buf)} bytes (corrupt)")
        for i, table in enumerate(graph.tables(0, "tensors")):
            tensor = _tensor(table, i)
            name = f"subgraph {g} tensor {i} {tensor.name!r}"
            users.setdefault(("buffer", tensor.buffer), []).append(name)
            for key in (tensor.scale_at, tensor.zero_point_at):
                if key is not None:
                    users.setdefault(("vector", key), []).append(name)
    data_users: dict[int, list[int]] = {}
    for b, table in enumerate(buffers):
        vec = table.vector(0, 1, "data")
        if vec is not None and vec[1]:
            data_users.setdefault(vec[0], []).append(b)
    for tensor in head:
        keys = [("buffer", tensor.buffer)] + [("vector", at) for at in (tensor.scale_at, tensor.zero_point_at)
                                             if at is not None]
        for key in keys:
            if len(users.get(key, [])) > 1:
                raise BundleError(f"model: the head tensor {tensor.name!r} shares its {key[0]} with "
                                  f"{', '.join(users[key])}; it cannot be rewritten in place")
        start = _buffer_data(buffers, tensor, "head")[0]
        if len(data_users[start]) > 1:
            raise BundleError(f"model: buffers {data_users[start]} share the data of the head tensor "
                              f"{tensor.name!r}; it cannot be rewritten in place")


# --------------------------------------------------------------------------- the head

@dataclass(frozen=True, eq=False)
class Head:
    """The final FULLY_CONNECTED layer (the one feeding the LOGISTIC) of subgraph 0, as found.

    ``embedding_tensor`` etc. are tensor indices of subgraph 0; they equal LiteRT's tensor indices
    (read the embedding with ``get_tensor`` on an interpreter built with
    ``experimental_preserve_all_tensors=True``). ``weights`` is (keywords, dim), ``bias``
    (keywords,), both dequantized to float64; ``logit_scale``/``logit_zero_point`` are the FC output
    tensor's int8 quantization, which patching keeps: logits saturate at :attr:`logit_range`.
    ``bias_tensor`` is -1 where the FC has no bias (the bias is then zero and stays zero).
    ``per_channel``: the weights have one scale per keyword (row), else one for the tensor;
    ``keep_num_dims`` is the FC option as stored (informational: the head works either way).
    Not comparable with ``==`` (it holds arrays); the ``_``-fields locate the bytes that
    :func:`patch_head` rewrites.
    """

    embedding_tensor: int
    embedding_scale: float
    embedding_zero_point: int
    weights: np.ndarray
    bias: np.ndarray
    logit_scale: float
    logit_zero_point: int
    weight_tensor: int
    bias_tensor: int
    logit_tensor: int
    per_channel: bool
    keep_num_dims: bool
    _weights_at: int = field(repr=False)
    _bias_at: int | None = field(repr=False)
    _weight_scale_at: int = field(repr=False)
    _weight_zero_point_at: int | None = field(repr=False)
    _weight_zero_point_count: int = field(repr=False)
    _bias_scale_at: int | None = field(repr=False)
    _bias_scale_count: int = field(repr=False)
    _bias_zero_point_at: int | None = field(repr=False)
    _bias_zero_point_count: int = field(repr=False)

    @property
    def logit_range(self) -> tuple[float, float]:
        """The lowest and highest logit the FC output tensor can hold (int8 -128 and 127)."""
        return ((-128 - self.logit_zero_point) * self.logit_scale, (127 - self.logit_zero_point) * self.logit_scale)


def _find_fc(buf: bytes) -> tuple[_Table, list[_Table], _Table, list[_Tensor], int]:
    """The root table, the buffers, the head's operator, subgraph 0's tensors and the FC's position."""
    root = _root(buf)
    codes = [max(op.scalar(0, "<b"), op.scalar(3, "<i")) for op in root.tables(1, "operator_codes")]
    graphs = root.tables(2, "subgraphs")
    if not graphs:
        raise BundleError("model: the model has no subgraphs")
    tensors = [_tensor(t, i) for i, t in enumerate(graphs[0].tables(0, "tensors"))]
    ops = graphs[0].tables(3, "operators")
    kinds, wiring = [], []
    for op in ops:
        code = op.scalar(0, "<I")
        if code >= len(codes):
            raise BundleError(f"model: {op.what} uses operator code {code} but the model has {len(codes)}")
        kinds.append(codes[code])
        wiring.append((op.array(1, "<i4", "inputs")[0], op.array(2, "<i4", "outputs")[0]))
    into_logistic = {int(ins[0]) for kind, (ins, _) in zip(kinds, wiring) if kind == _LOGISTIC and len(ins)}
    heads = [i for i, kind in enumerate(kinds)
             if kind == _FULLY_CONNECTED and len(wiring[i][1]) and int(wiring[i][1][0]) in into_logistic]
    if not heads:
        raise BundleError("this model has no FULLY_CONNECTED -> LOGISTIC head to personalize")
    return root, root.tables(4, "buffers"), ops[heads[-1]], tensors, heads[-1]


def _head_tensors(op: _Table, tensors: list[_Tensor]) -> list[_Tensor | None]:
    """``[embedding, weights, bias or None, logits]`` of the FC ``op``, with dtypes checked."""
    ins, outs = op.array(1, "<i4", "inputs")[0], op.array(2, "<i4", "outputs")[0]
    if len(ins) not in (2, 3):
        raise BundleError(f"model: the head FULLY_CONNECTED has {len(ins)} inputs, expected 2 or 3")
    picked: list[_Tensor | None] = []
    for index in [*ins[:2], ins[2] if len(ins) == 3 else -1, outs[0]]:
        if not -1 <= index < len(tensors) or (index == -1 and len(picked) != 2):
            raise BundleError(f"model: the head FULLY_CONNECTED names tensor {index} but subgraph 0 has {len(tensors)}")
        picked.append(tensors[index] if index >= 0 else None)
    embedding, weights, bias, logit = picked
    for tensor, role, dtype in ((embedding, "input (embedding)", _INT8), (weights, "weights", _INT8),
                                (bias, "bias", _INT32), (logit, "output (logit)", _INT8)):
        if tensor is not None and tensor.dtype != dtype:
            raise BundleError(f"model: the head FULLY_CONNECTED's {role} tensor {tensor.name!r} has TFLite type "
                              f"{tensor.dtype}, expected {'int8' if dtype == _INT8 else 'int32'}: only int8 "
                              "models can be personalized")
    for tensor, role in ((embedding, "input (embedding)"), (logit, "output (logit)")):
        if len(tensor.scale) != 1 or len(tensor.zero_point) != 1 or not 0 < tensor.scale[0] < np.inf:
            raise BundleError(f"model: the head FULLY_CONNECTED's {role} tensor {tensor.name!r} is not "
                              "quantized per tensor")
    return picked


def _fc_options(op: _Table) -> bool:
    """Check the FC's options (no fused activation, plain weights layout); return keep_num_dims."""
    options = op.table(4, "builtin_options") if op.scalar(3, "<B") == _FULLY_CONNECTED_OPTIONS else None
    if options is None:
        return False
    if options.scalar(0, "<b") != 0:
        raise BundleError("model: the head FULLY_CONNECTED has a fused activation; expected none (logits go "
                          "straight to the LOGISTIC)")
    if options.scalar(1, "<b") != 0:
        raise BundleError("model: the head FULLY_CONNECTED's weights are shuffled (weights_format), not supported")
    return bool(options.scalar(2, "<B"))


def find_head(model_bytes: bytes) -> Head:
    """The last FULLY_CONNECTED of subgraph 0 whose output feeds a LOGISTIC (see :class:`Head`).

    Raises BundleError where there is none, where the file is not a sound TFLite flatbuffer, where the
    weights are not int8 (per-tensor or per-output-channel scales) or the bias not int32.
    """
    buf = bytes(model_bytes)
    root, buffers, op, tensors, _ = _find_fc(buf)
    keep_num_dims = _fc_options(op)
    embedding, weights, bias, logit = _head_tensors(op, tensors)
    if len(weights.shape) != 2 or min(weights.shape) < 1:
        raise BundleError(f"model: the head weights {weights.name!r} have shape {list(weights.shape)}, expected 2-D")
    keywords, dim = weights.shape
    if embedding.shape and embedding.shape[-1] != dim:
        raise BundleError(f"model: the head input {embedding.name!r} has shape {list(embedding.shape)}, "
                          f"which does not end in the weights' {dim}")
    scales = weights.scale
    per_channel = len(scales) > 1
    if len(scales) not in (1, keywords) or (per_channel and weights.quantized_dimension != 0):
        raise BundleError(f"model: the head weights {weights.name!r} have {len(scales)} scales (quantized "
                          f"dimension {weights.quantized_dimension}); expected 1 or {keywords} along dimension 0")
    if not np.all(np.isfinite(scales) & (scales > 0)) or len(weights.zero_point) not in (0, len(scales)):
        raise BundleError(f"model: the head weights {weights.name!r} have an invalid quantization")
    w_at, w_len = _buffer_data(buffers, weights, "weights")
    if w_len != keywords * dim:
        raise BundleError(f"model: the head weights {weights.name!r} hold {w_len} bytes, expected {keywords * dim}")
    zero = weights.zero_point.astype(np.float64) if len(weights.zero_point) else np.zeros(1)
    q = np.frombuffer(buf, np.int8, w_len, w_at).reshape(keywords, dim).astype(np.float64)
    dequantized = (q - zero.reshape(-1, 1)) * scales.astype(np.float64).reshape(-1, 1)
    b_at, bias_values = None, np.zeros(keywords)
    if bias is not None:
        b_at, b_len = _buffer_data(buffers, bias, "bias")
        if (bias.shape not in ((keywords,), ()) or b_len != 4 * keywords or len(bias.scale) not in (0, len(scales))
                or not np.all(np.isfinite(bias.scale) & (bias.scale > 0))):
            raise BundleError(f"model: the head bias {bias.name!r} (shape {list(bias.shape)}, {b_len} bytes, "
                              f"scales {bias.scale.tolist()[:4]}) does not fit {keywords} keywords")
        bias_scale = (bias.scale if len(bias.scale) else np.float32(embedding.scale[0]) * scales).astype(np.float64)
        bias_values = np.frombuffer(buf, "<i4", keywords, b_at).astype(np.float64) * bias_scale
    _check_not_shared(root, buffers, [t for t in (weights, bias) if t is not None])
    return Head(
        embedding_tensor=embedding.index, embedding_scale=float(embedding.scale[0]),
        embedding_zero_point=int(embedding.zero_point[0]), weights=dequantized, bias=bias_values,
        logit_scale=float(logit.scale[0]), logit_zero_point=int(logit.zero_point[0]),
        weight_tensor=weights.index, bias_tensor=bias.index if bias is not None else -1, logit_tensor=logit.index,
        per_channel=per_channel, keep_num_dims=keep_num_dims,
        _weights_at=w_at, _bias_at=b_at, _weight_scale_at=weights.scale_at,
        _weight_zero_point_at=weights.zero_point_at, _weight_zero_point_count=len(weights.zero_point),
        _bias_scale_at=bias.scale_at if bias is not None else None,
        _bias_scale_count=len(bias.scale) if bias is not None else 0,
        _bias_zero_point_at=bias.zero_point_at if bias is not None else None,
        _bias_zero_point_count=len(bias.zero_point) if bias is not None else 0,
    )


def logits(head: Head, embeddings_int8: np.ndarray) -> np.ndarray:
    """What the head FC computes for int8 embeddings (shape (..., dim)), dequantized: float logits
    of shape (n, keywords), rounded to the FC output's int8 grid and saturated at ``head.logit_range``."""
    q = np.asarray(embeddings_int8)
    dim = head.weights.shape[1]
    if not np.issubdtype(q.dtype, np.integer) or q.size % dim or q.size == 0 or q.min() < -128 or q.max() > 127:
        raise ValueError(f"embeddings must be int8 values, a multiple of {dim} of them, got {q.dtype} {q.shape}")
    x = (q.reshape(-1, dim).astype(np.float64) - head.embedding_zero_point) * head.embedding_scale
    acc = x @ head.weights.T + head.bias
    out = np.clip(np.rint(acc / head.logit_scale) + head.logit_zero_point, -128, 127)
    return (out - head.logit_zero_point) * head.logit_scale


def _quantize(head: Head, weights: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """int8 weights, their float32 scales (1 or per keyword) and the int32 bias, or a ValueError."""
    w = np.asarray(weights, dtype=np.float64)
    b = np.asarray(bias, dtype=np.float64)
    if w.shape != head.weights.shape or b.shape != head.bias.shape:
        raise ValueError(f"weights and bias must have shapes {head.weights.shape} and {head.bias.shape}, "
                         f"got {w.shape} and {b.shape}")
    if not (np.isfinite(w).all() and np.isfinite(b).all()):
        raise ValueError("weights and bias must be finite (no NaN or inf)")
    if head.bias_tensor < 0 and np.any(b != 0):
        raise ValueError("this model's head FULLY_CONNECTED has no bias tensor: only a zero bias can be written")
    peak = np.abs(w).max(axis=1) if head.per_channel else np.abs(w).max().reshape(1)
    scale = np.where(peak > 1e-30, peak / 127.0, 1 / 127.0).astype(np.float32)
    if not np.all(np.isfinite(scale) & (scale > 0)):
        raise ValueError(f"weights too large to quantize (max |w| = {peak.max():g})")
    s64 = scale.astype(np.float64).reshape(-1, 1)
    qw = np.clip(np.rint(w / s64), -127, 127).astype(np.int8)
    bias_scale = np.float64(np.float32(head.embedding_scale)) * s64[:, 0]
    qb = np.rint(b / bias_scale)
    limit = _INT32_MAX - 127 * 255 * w.shape[1]  # room for the accumulated products, too
    if np.any(np.abs(qb) > limit):
        k = int(np.argmax(np.abs(qb) / limit))
        raise ValueError(f"bias[{k}] = {b[k]:g} overflows the int32 accumulator at the weights' scale "
                         f"{float(scale[min(k, len(scale) - 1)]):g} (embedding scale {head.embedding_scale:g}): "
                         "it is too large for these weights")
    return qw, scale, qb.astype("<i4")


def patch_head(model_bytes: bytes, weights: np.ndarray, bias: np.ndarray) -> bytes:
    """A copy of ``model_bytes`` (same length) with the head's float ``weights`` (keywords, dim) and
    ``bias`` (keywords,) written in.

    Weights become symmetric int8 with a new scale ``max|w| / 127`` (per tensor, or per keyword where
    the model's weights are per channel), written into the weight tensor's scale vector; the bias
    becomes int32 at ``embedding_scale * weight_scale`` (zero point 0). The FC output quantization is
    kept: logits saturate at ``find_head(model_bytes).logit_range``. ``model_bytes`` is not modified.
    """
    head = find_head(model_bytes)
    qw, scale, qb = _quantize(head, weights, bias)
    out = bytearray(model_bytes)

    def put(at: int | None, values: np.ndarray) -> None:
        if at is not None:
            raw = values.tobytes()
            out[at:at + len(raw)] = raw

    put(head._weights_at, qw)
    put(head._weight_scale_at, scale.astype("<f4"))
    put(head._weight_zero_point_at, np.zeros(head._weight_zero_point_count, "<i8"))
    if head.bias_tensor >= 0:
        put(head._bias_at, qb)
        bias_scale = (np.float64(np.float32(head.embedding_scale)) * scale.astype(np.float64)).astype("<f4")
        if head._bias_scale_count:
            put(head._bias_scale_at, np.broadcast_to(bias_scale, (head._bias_scale_count,)).astype("<f4"))
        put(head._bias_zero_point_at, np.zeros(head._bias_zero_point_count, "<i8"))
    if len(out) != len(model_bytes):  # pragma: no cover - every write above is within the file
        raise AssertionError("patch_head changed the model's length")
    return bytes(out)
