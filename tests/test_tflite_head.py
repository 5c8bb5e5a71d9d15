"""wakeword.tflite_head: finding and rewriting the FULLY_CONNECTED -> LOGISTIC head of int8 models,
checked against LiteRT on the bundled models and on a per-channel three-keyword model."""

import base64
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter, OpResolverType

from wakeword.bundle import load_bundle
from wakeword.errors import BundleError
from wakeword.model import ModelRunner, describe_model
from wakeword.tflite_head import _root, find_head, logits, patch_head

BUNDLES = sorted((Path(__file__).resolve().parents[1] / "wakeword" / "bundles").glob("*/model.tflite"))

# A real TFLiteConverter output (tf 2.x, int8 in / uint8 out) with a per-output-channel head:
# Input(8) -> Dense(16, relu) -> Dense(3) -> sigmoid, converted with optimizations=[DEFAULT], a
# representative dataset of 32 N(0, 1) vectors, TFLITE_BUILTINS_INT8 and
# _experimental_disable_per_channel_quantization_for_dense_layers=False. Its head weights have
# three scales (one per keyword) and so has its bias; its first FC has no bias tensor.
PER_CHANNEL_MODEL = zlib.decompress(base64.b64decode(
    "eNrNVm1MW1UYPv0aLTSlwY4PIYZkS4dsKe0kju4WY2XsA6GQgtsSu7QNvcxqucX2lj9TL5fMqMmMmmjwh1uM2Q9cRkbM8CPTQMbi"
    "D13M/hgXthDFH5BtCWaAmvFxfd97z21vC5j4z0MezrnnvOd9nvPe97y9tYSQnsPtT0FHHKSW1JBK6O3ECs9mYoQxgTlCzgLuAt7X"
    "E/Ip4FszIQZ41gGMAP26JFmprQ9QCkizqcE4dzocY/uimQSftf1YkqQiOi4GRHv5+GCUjye5nL8N8Ic92sW5gQwf9hCgJY10/S74"
    "KKbjxwAtnYHjrcHuY52BcEdrj/+Qv8cP+q3yGUAqsWhs++NcOJXh+Hg/Gx5kU2kkLoH5cSAfBZwDHAJchbnLgIuATwAfAnjq58KG"
    "oi8CUGJly3LZAXUYULJDnttB9+DZ7hvQXo2xUd5bU/HdcK/N8A2eT09tcc9+136Pyw0xkhQu9OtxeRpxTm37QIcb0AhoAjxNbYcA"
    "ptUR8a1rD+tvCktlZSvFusiYmKxoO+gcOd956qtJk/DbEWGyZZi/Odo08NqLM1+L5PDJd5bHxCkhGup+ZfiFQGll+6KuW7i4KLx7"
    "djUy/9fz11qm7ovVXeW/BIW5uR9HDX96b4uB8SdXYp85fxLnnBeSMeGZKu/onofC8UeOEw+uUy0o1z49b5utubMkPuiNLJjWjQea"
    "9+hXDIsnRNvE3g/GpvT1Ta7W6Ts64V71rZ6dl5anCmMnx7gM/CxJUjPEcDf4rgNgnnW0HwvWtiQ5eJc8G3PJcXbI0bFlI42+bHQe"
    "c9QMRlaAXaf474/GOUK5xgEvaXJtVlJy207fj47mpY6+J8xilaOYarXTddUGexPV5JDXrZBzOU0oyU7HRvkvt8eg3jE6hz7KC3xU"
    "Uh+V9HxK/IqoPqJT75WB5g32cCxJexbZASAEhjfAoA5zFUjfhsU1mlPoY2ZVknALctXS+26mbruoTvSNHDfA1qyJh9qU8RBTBf+7"
    "+SjP9mUSXdEUH8cywMZaoonEQbfmzOgruLaZt0hxZynk9a3l8w5JSlN5H/83Xk8+7w9b8NK4WiIFvFcLeGc0vLPD3uZ6zLVkjE00"
    "xFguzYY9DR1RviOTYPInn4tH0/5YrOD865t1mKiOkxodyO1b3/78p446fbvydWyhoiHIJjJZfvTTt6HwY44u0FxA7mWsk5TvHLX9"
    "PzTUce/XVmbk8wHGHTjNTNQMMnNciLGJLzNnWA9zZO8Z5vbPLLPwe5pxf5lhev0s88gYYa686WT+nuYYfdWrTNmWcVJibad5/4aU"
    "i0t77o5ZQpj/G0pcdmvu3nYN19+bL2E++iLt23Xrus+xTa4Q+q4N2ViXy7/bFbQKKa1IrhFaXXrlWY+6QtJ/08VOThy40vaE1+54"
    "3btzk65sumZzFTXh10R19muCyPVI1YQ5vA9wNFcX5HipOWyW66i6z0h/Y7euI5G2731Vm783wvS7Ia+OmKm+Z+kdslOeEqJUf+RJ"
    "Ka5Tf4AOWy5uNitYl2r0WDR34B+G57KZ"
))

MODELS = {path.parent.name: path.read_bytes() for path in BUNDLES} | {"per_channel": PER_CHANNEL_MODEL}


def interpreter(model: bytes) -> Interpreter:
    it = Interpreter(model_content=model, num_threads=1, experimental_preserve_all_tensors=True,
                     experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    return it


def random_inputs(model: bytes, calls: int, seed: int = 0) -> list[np.ndarray]:
    detail = interpreter(model).get_input_details()[0]
    assert detail["dtype"] == np.int8
    rng = np.random.default_rng(seed)
    return [rng.integers(-128, 128, detail["shape"]).astype(np.int8) for _ in range(calls)]


def run(model: bytes, head, inputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per call: the preserved embedding, the FC's int8 logits and the uint8 output."""
    it = interpreter(model)
    inp, out = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
    embeddings, logit_q, scores = [], [], []
    for x in inputs:
        it.set_tensor(inp, x)
        it.invoke()
        embeddings.append(it.get_tensor(head.embedding_tensor).copy())
        logit_q.append(it.get_tensor(head.logit_tensor).reshape(-1).copy())
        scores.append(it.get_tensor(out).reshape(-1).copy())
    return np.array(embeddings), np.array(logit_q).astype(int), np.array(scores).astype(int)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_find_head_matches_what_litert_reports(name):
    model = MODELS[name]
    head = find_head(model)
    it = interpreter(model)
    fc = [op for op in it._get_ops_details() if op["op_name"] == "FULLY_CONNECTED"
          and list(op["outputs"]) == [head.logit_tensor]]
    assert len(fc) == 1 and list(fc[0]["inputs"]) == [head.embedding_tensor, head.weight_tensor, head.bias_tensor]
    details = {d["index"]: d for d in it.get_tensor_details()}
    emb, w, b, out = (details[i] for i in fc[0]["inputs"].tolist() + [head.logit_tensor])
    assert emb["dtype"] == w["dtype"] == out["dtype"] == np.int8 and b["dtype"] == np.int32
    assert tuple(w["shape"]) == head.weights.shape and tuple(b["shape"]) == head.bias.shape
    assert emb["shape"][-1] == head.weights.shape[1]
    assert (head.embedding_scale, head.embedding_zero_point) == pytest.approx(emb["quantization"], rel=1e-7)
    assert (head.logit_scale, head.logit_zero_point) == pytest.approx(out["quantization"], rel=1e-7)
    w_scales = w["quantization_parameters"]["scales"].astype(np.float64)
    assert head.per_channel == (len(w_scales) > 1) == (name == "per_channel")
    q = it.get_tensor(w["index"]).astype(np.float64)
    assert np.array_equal(np.rint(head.weights / w_scales.reshape(-1, 1)), q)
    b_scales = b["quantization_parameters"]["scales"].astype(np.float64)
    assert np.allclose(b_scales, np.float32(head.embedding_scale) * w_scales, rtol=1e-6)
    assert np.array_equal(np.rint(head.bias / b_scales), it.get_tensor(b["index"]))
    lo, hi = head.logit_range
    assert lo < 0 < hi and hi - lo == pytest.approx(255 * head.logit_scale)
    # logits() is what the FC computes: within 1 LSB of LiteRT's int8 output on real embeddings
    embeddings, logit_q, _ = run(model, head, random_inputs(model, 8))
    ours = logits(head, embeddings) / head.logit_scale + head.logit_zero_point
    assert np.abs(np.rint(ours) - logit_q).max() <= 1


@pytest.mark.parametrize("name", sorted(MODELS))
def test_patching_in_the_heads_own_weights_changes_nothing(name):
    model = MODELS[name]
    head = find_head(model)
    original = bytearray(model)
    patched = patch_head(original, head.weights, head.bias)
    assert original == model and len(patched) == len(model)
    inputs = random_inputs(model, 12, seed=1)
    assert np.abs(run(patched, head, inputs)[2] - run(model, head, inputs)[2]).max() <= 1
    again = find_head(patched)
    assert np.allclose(again.weights, head.weights, rtol=1e-6) and np.allclose(again.bias, head.bias, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_patched_head_computes_the_new_logits(name):
    model = MODELS[name]
    head = find_head(model)
    inputs = random_inputs(model, 16, seed=2)
    embeddings = run(model, head, inputs)[0]  # the head does not feed the state: same embeddings after patching
    x = (embeddings.reshape(len(inputs), -1).astype(np.float64) - head.embedding_zero_point) * head.embedding_scale
    rng = np.random.default_rng(3)
    keywords = head.weights.shape[0]
    # new weights of the kind training makes (the old ones, each moved by up to about +-100%; the
    # per-channel model's keywords at different scales), and a bias that centres the logits
    weights = head.weights * (1 + 0.5 * rng.normal(0, 1, head.weights.shape))
    weights *= np.array([1.0, 0.3, 3.0][:keywords])[:, None]
    bias = -np.median(x @ weights.T, axis=0)
    patched = patch_head(model, weights, bias)
    assert len(patched) == len(model) and describe_model(patched) == describe_model(model)

    _, logit_q, scores = run(patched, head, inputs)
    lo, hi = head.logit_range
    logit = np.clip(x @ weights.T + bias, lo, hi)
    assert np.abs(np.rint(logit / head.logit_scale) + head.logit_zero_point - logit_q).max() <= 1
    want = np.clip(np.rint(256 / (1 + np.exp(-logit))), 0, 255)
    assert np.abs(scores - want).max() <= 2
    assert ((scores > 5) & (scores < 250)).sum() >= 8  # not all saturated: the check means something
    new = find_head(patched)
    step = np.abs(weights).max(axis=1, keepdims=True) if new.per_channel else np.abs(weights).max()
    assert np.all(np.abs(new.weights - weights) <= step / 254 * 1.0001)
    assert np.allclose(logits(new, embeddings), (logit_q - head.logit_zero_point) * head.logit_scale,
                       rtol=0, atol=1.01 * head.logit_scale)

    # logits past the FC output's range saturate at head.logit_range
    saturated = patch_head(model, weights, bias + 2 * (hi - lo))
    _, logit_q, scores = run(saturated, head, inputs)
    assert np.all(logit_q == 127) and np.all(np.abs(scores - min(255, round(256 / (1 + np.exp(-hi))))) <= 1)


@pytest.mark.parametrize("path", BUNDLES[:1], ids=lambda p: p.parent.name)
def test_a_patched_bundle_model_runs_in_the_model_runner(path):
    bundle = load_bundle(path.parent)
    head = find_head(bundle.model_bytes)
    frames = np.random.default_rng(4).integers(0, 1200, (60, bundle.manifest.model.input_shape[2])).astype(np.uint16)

    def scores(model: bytes) -> np.ndarray:
        runner = ModelRunner(model, bundle.manifest.model, exact_kernels=True)
        return np.array([s for _, s in runner.push_frames(frames)]).astype(int)

    same = scores(patch_head(bundle.model_bytes, head.weights, head.bias))
    assert len(same) and np.abs(same - scores(bundle.model_bytes)).max() <= 1
    flipped = scores(patch_head(bundle.model_bytes, -head.weights, -head.bias))
    assert flipped.shape == same.shape and not np.array_equal(flipped, same)


def test_patch_head_refuses_bad_weights_and_bias():
    model = MODELS["alexa"]
    head = find_head(model)
    w, b = head.weights, head.bias
    with pytest.raises(ValueError, match="shapes"):
        patch_head(model, w.T, b)
    with pytest.raises(ValueError, match="shapes"):
        patch_head(model, w, np.zeros(len(b) + 1))
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="finite"):
            patch_head(model, np.where(np.arange(w.size).reshape(w.shape) == 3, bad, w), b)
        with pytest.raises(ValueError, match="finite"):
            patch_head(model, w, b + bad)
    with pytest.raises(ValueError, match="overflows the int32"):
        patch_head(model, w * 1e-6, b + 1e3)


def truncations(model: bytes) -> list[bytes]:
    return [model[:n] for n in (0, 3, 7, 8, 12, 64, 1000, len(model) // 2)]


def test_truncated_or_foreign_bytes_give_a_bundle_error():
    model = MODELS["alexa"]
    for cut in truncations(model):
        with pytest.raises(BundleError, match="model: .*(too short|outside|runs past)"):
            find_head(cut)
    with pytest.raises(BundleError, match="file identifier is b'TFL2', not b'TFL3'"):
        find_head(model[:4] + b"TFL2" + model[8:])
    with pytest.raises(BundleError, match="not a TFLite model"):
        find_head(b"PK\x03\x04" + bytes(200))
    with pytest.raises(BundleError):
        patch_head(model[:-5000], np.zeros((1, 40)), np.zeros(1))


def test_offsets_pointing_outside_the_file_give_a_bundle_error():
    model = MODELS["alexa"]
    head = find_head(model)
    root = _root(model)
    buffers = root.tables(4, "buffers")
    weight_buffer = next(t for t in buffers if t.where(0) is not None
                         and t.where(0) + struct.unpack_from("<I", model, t.where(0))[0] == head._weights_at - 4)

    def poked(at: int, fmt: str, value: int) -> bytes:
        out = bytearray(model)
        struct.pack_into(fmt, out, at, value)
        return bytes(out)

    field = weight_buffer.where(0)  # the uoffset of the weights' data vector
    with pytest.raises(BundleError, match="lies outside the .*-byte file"):
        find_head(poked(field, "<I", len(model) - field + 16))
    with pytest.raises(BundleError, match="data .* runs past the end of the"):
        find_head(poked(head._weights_at - 4, "<I", 0x7FFFFFF0))  # the data vector's length
    buffers_field = root.where(4)  # the uoffset of the model's buffers vector
    with pytest.raises(BundleError, match="outside|runs past"):
        find_head(poked(buffers_field, "<I", 0xFFFFFF00))
    # Buffer.offset (data kept after the flatbuffer, for models over 2 GB): give the weight buffer
    # table a vtable (written over its own weights) with field 1 pointing at a uint64 > 1
    table, data = weight_buffer.pos, head._weights_at
    assert 0 < data + 8 - table < 65536
    out = bytearray(model)
    struct.pack_into("<HHHHQ", out, data, 8, 16, 4, data + 8 - table, 1 << 40)
    struct.pack_into("<i", out, table, table - data)
    with pytest.raises(BundleError, match="keeps its data outside the flatbuffer"):
        find_head(bytes(out))


def test_a_model_without_the_head_says_so():
    model = MODELS["alexa"]
    out = bytearray(model)
    for code in _root(model).tables(1, "operator_codes"):  # turn every LOGISTIC into a TANH (28)
        fields = [code.where(0), code.where(3)]
        values = [struct.unpack_from(fmt, model, at)[0] if at is not None else 0
                  for fmt, at in zip(("<b", "<i"), fields)]
        if max(values) == 14:
            for fmt, at in zip(("<b", "<i"), fields):
                if at is not None:
                    struct.pack_into(fmt, out, at, 28)
    with pytest.raises(BundleError, match="no FULLY_CONNECTED -> LOGISTIC head to personalize"):
        find_head(bytes(out))


def test_corrupt_bytes_give_a_head_or_a_bundle_error_never_anything_else():
    rng = np.random.default_rng(5)
    for name in ("per_channel", next(iter(sorted(MODELS)))):
        model = MODELS[name]
        for _ in range(150):
            out = bytearray(model)
            for at in rng.integers(0, len(model), rng.integers(1, 4)):
                out[at] = rng.integers(0, 256)
            cut = bytes(out[:rng.integers(len(model) // 2, len(model) + 1)])
            try:
                find_head(cut)
            except BundleError as exc:
                assert str(exc)
