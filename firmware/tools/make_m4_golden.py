"""Golden data of the emulated Cortex-M4 check (firmware/m4/m4_check.cc), written by the Python side.

    python firmware/tools/make_m4_golden.py [out.h [slots.h]]   # default firmware/m4/golden_data.h, slot_cases.h

* a deterministic 1.5 s test signal (tones, a chirp, a silent gap, seeded noise) as int16;
* its 40-channel features from :func:`wakeword.features.compute_features` (the engine's frontend);
* the int8 model inputs :func:`wakeword.model.input_lookup_table` gives them for the shipped
  alexa model's input scale and zero point (firmware/generated/model_settings.h);
* the uint8 scores of that model (the built-in model of firmware/generated) on those features, by
  :class:`wakeword.model.ModelRunner` with LiteRT's exact reference kernels;
* every detector vector of tests/vectors (generated and hand-computed), flattened;
* (slot_cases.h) update-slot images for the model runner's error paths: a newer valid update, and
  a truncated slot, a slot holding no model, and a model with an op the firmware lacks.

The program on the emulated board recomputes the features with the microfrontend (the same C
sources the sketch uses), quantizes them with the sketch's quantization.h and replays the vectors
through firmware/src/detector.cc: every value must be equal. tests/test_firmware_m4.py checks
that this file is what the generator writes today.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from wakeword.features import compute_features  # noqa: E402
from wakeword.model import ModelRunner, input_lookup_table  # noqa: E402
from wakeword.model_slot import HEADER_BYTES  # noqa: E402

OUT = ROOT / "firmware" / "m4" / "golden_data.h"
SETTINGS = ROOT / "firmware" / "generated" / "model_settings.h"
VECTORS = ROOT / "tests" / "vectors"
SAMPLE_RATE_HZ = 16000
MAX_KEYWORDS = 8


def test_signal() -> np.ndarray:
    """1.5 s: two tones, a rising chirp, 200 ms of digital silence, then seeded noise at -30 dBFS."""
    t = np.arange(int(0.5 * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    tones = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1900 * t)
    chirp = 0.4 * np.sin(2 * np.pi * (200 * t + 0.5 * 6000 * t * t))
    silence = np.zeros(int(0.2 * SAMPLE_RATE_HZ))
    noise = np.random.default_rng(20261206).normal(0, 0.0316, int(0.3 * SAMPLE_RATE_HZ))
    audio = np.concatenate([tones, chirp, silence, noise])
    return np.clip(np.rint(audio * 32767), -32768, 32767).astype(np.int16)


def built_in_model() -> bytes:
    """The model bytes of firmware/generated/model_data.cc (after the slot header)."""
    text = (ROOT / "firmware" / "generated" / "model_data.cc").read_text()
    body = text[text.index("g_wakeword_model_slot[] = {"):]
    body = body[body.index("{") + 1:body.index("};")]
    data = bytes(int(v, 16) for v in re.findall(r"0x([0-9a-fA-F]{2})", body))
    return data[HEADER_BYTES:]


def model_scores(features: np.ndarray) -> np.ndarray:
    """(calls, keywords) uint8 scores of the built-in model, exact kernels, fresh state."""
    from wakeword.bundle import sha256_hex
    from wakeword.config import ModelSpec, from_dict
    from wakeword.model import describe_model

    model_bytes = built_in_model()
    spec = from_dict(ModelSpec, {**describe_model(model_bytes), "file": "model.tflite", "sha256": sha256_hex(model_bytes),
                                 "kind": "streaming", "stride_frames": int(_settings_value("kStrideFrames")),
                                 "receptive_field_frames": int(_settings_value("kReceptiveFieldFrames"))})
    runner = ModelRunner(model_bytes, spec, exact_kernels=True)
    return np.stack([scores for _, scores in runner.push_frames(features)])


def _settings_value(name: str) -> str:
    match = re.search(rf"constexpr \w+ {name} = ([-0-9.e]+)f?;", SETTINGS.read_text())
    if match is None:
        raise SystemExit(f"{SETTINGS}: no {name}")
    return match.group(1)


def _vectors() -> list[dict]:
    """Every tests/vectors/detector_*.txt as keyword count, thresholds, window, refractory and steps."""
    vectors = []
    for path in sorted(VECTORS.glob("detector_*.txt")):
        header, steps = {}, []
        for line in path.read_text(encoding="ascii").splitlines():
            if not line or line.startswith("#"):
                continue
            directive, *args = line.split()
            if directive in ("keywords", "thresholds", "window", "refractory_ms", "fast"):
                header[directive] = [int(a) for a in args]
            elif directive == "push":
                steps.append({"t_ms": int(args[0]), "scores": [int(a) for a in args[1:]], "detections": [],
                              "error": False})
            elif directive == "detect":
                steps[-1]["detections"].append(tuple(int(a) for a in args))
            elif directive == "error":
                steps[-1]["error"] = True
        if header["keywords"][0] > MAX_KEYWORDS:
            raise SystemExit(f"{path.name}: more than {MAX_KEYWORDS} keywords")
        vectors.append({"name": path.stem, "keywords": header["keywords"][0], "thresholds": header["thresholds"],
                        "window": header["window"][0], "refractory_ms": header["refractory_ms"][0], "steps": steps,
                        "fast": header.get("fast", [0, 0])})
    return vectors


def _array(ctype: str, name: str, values, per_line: int = 16) -> str:
    values = [str(int(v)) for v in values]
    lines = [", ".join(values[i:i + per_line]) for i in range(0, len(values), per_line)] or [""]
    return f"static const {ctype} {name}[{len(values)}] = {{\n  " + ",\n  ".join(lines) + "\n};\n"


def render() -> str:
    audio = test_signal()
    features = compute_features(audio)
    scale, zero_point = float(_settings_value("kInputScale")), int(_settings_value("kInputZeroPoint"))
    table = input_lookup_table("int8", np.float32(scale), zero_point)
    quantized = table[features.astype(np.int64)]
    scores = model_scores(features)
    vectors = _vectors()
    steps = [s for v in vectors for s in v["steps"]]
    detections = [d for s in steps for d in s["detections"]]
    out = ["// Generated by firmware/tools/make_m4_golden.py from the Python engine. Do not edit.",
           "#pragma once", "#include <stdint.h>", "", "namespace golden {",
           f"constexpr int kAudioSamples = {len(audio)};", f"constexpr int kFrames = {len(features)};",
           f"constexpr int kChannels = {features.shape[1]};",
           f"constexpr float kInputScale = {scale!r}f;  // firmware/generated/model_settings.h",
           f"constexpr int kInputZeroPoint = {zero_point};",
           _array("int16_t", "kAudio", audio), _array("uint16_t", "kFeatures", features.reshape(-1)),
           _array("int8_t", "kQuantized", quantized.reshape(-1)),
           "// the built-in model's scores, one row per call (every kStrideFrames frames)",
           f"constexpr int kCalls = {scores.shape[0]};", f"constexpr int kKeywordCount = {scores.shape[1]};",
           _array("uint8_t", "kScores", scores.reshape(-1)),
           "// detector vectors: per vector its settings and the range of its steps",
           f"constexpr int kVectors = {len(vectors)};", f"constexpr int kMaxKeywords = {MAX_KEYWORDS};",
           "static const char* const kVectorNames[kVectors] = {"
           + ", ".join(f'"{v["name"]}"' for v in vectors) + "};",
           _array("uint8_t", "kVectorKeywords", [v["keywords"] for v in vectors]),
           _array("uint8_t", "kVectorThresholds", [t for v in vectors for t in
                                                    v["thresholds"] + [0] * (MAX_KEYWORDS - v["keywords"])]),
           _array("uint8_t", "kVectorWindow", [v["window"] for v in vectors]),
           _array("uint32_t", "kVectorRefractoryMs", [v["refractory_ms"] for v in vectors]),
           _array("uint8_t", "kVectorFastWindow", [v["fast"][0] for v in vectors]),
           _array("uint8_t", "kVectorFastMargin", [v["fast"][1] for v in vectors]),
           _array("uint32_t", "kVectorFirstStep", np.cumsum([0] + [len(v["steps"]) for v in vectors])),
           "// steps: time, scores (kMaxKeywords each), whether the push is refused, its detections",
           _array("uint32_t", "kStepTimeMs", [s["t_ms"] for s in steps]),
           _array("uint8_t", "kStepScores", [x for s in steps for x in s["scores"] +
                                              [0] * (MAX_KEYWORDS - len(s["scores"]))]),
           _array("uint8_t", "kStepError", [int(s["error"]) for s in steps]),
           _array("uint32_t", "kStepFirstDetection", np.cumsum([0] + [len(s["detections"]) for s in steps])),
           _array("uint32_t", "kDetections", [x for d in detections for x in d]),
           "}  // namespace golden", ""]
    return "\n".join(out)


SLOTS_OUT = ROOT / "firmware" / "m4" / "slot_cases.h"


def _missing_op_model(model_bytes: bytes) -> bytes:
    """The model with its LOGISTIC operator code turned into TANH, an op the firmware's resolver
    (the manifest's op list) does not register."""
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
    changed = 0
    for code in model.operatorCodes:
        if max(code.builtinCode, code.deprecatedBuiltinCode) == schema.BuiltinOperator.LOGISTIC:
            code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.TANH
            changed += 1
    if changed != 1:
        raise SystemExit("the built-in model has no single LOGISTIC operator code to change")
    builder = flatbuffers.Builder(len(model_bytes) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def slot_cases() -> list[tuple[str, str, bytes]]:
    """(name, the slot the runner must end on, update slot bytes): an update newer than the built-in
    model that is fine, and three it must refuse, falling back to the built-in model."""
    from wakeword.model_slot import pack_model_slot

    model = built_in_model()
    newer = pack_model_slot(model, (9, 0, 0))
    noise = np.random.default_rng(7).integers(0, 256, 2048, dtype=np.uint8).tobytes()
    return [("update_newer", "update", newer),
            ("update_truncated", "built-in", newer[:1000]),
            ("update_not_a_model", "built-in", pack_model_slot(noise, (9, 0, 0))),
            ("update_missing_op", "built-in", pack_model_slot(_missing_op_model(model), (9, 0, 0)))]


def render_slots() -> str:
    cases = slot_cases()
    out = ["// Generated by firmware/tools/make_m4_golden.py. Do not edit.", "#pragma once", "#include <stdint.h>", "",
           "namespace slot_cases {", f"constexpr int kCases = {len(cases)};",
           "static const char* const kNames[kCases] = {" + ", ".join(f'"{n}"' for n, _, _ in cases) + "};",
           "static const char* const kExpected[kCases] = {" + ", ".join(f'"{e}"' for _, e, _ in cases) + "};"]
    for i, (_, _, data) in enumerate(cases):
        out.append(_array("uint8_t", f"kSlot{i}", data, per_line=24))
    out += ["static const uint8_t* const kSlots[kCases] = {" + ", ".join(f"kSlot{i}" for i in range(len(cases))) + "};",
            "static const uint32_t kSlotBytes[kCases] = {" + ", ".join(str(len(d)) for _, _, d in cases) + "};",
            "}  // namespace slot_cases", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUT
    out.write_text(render())
    slots = Path(args[1]) if len(args) > 1 else SLOTS_OUT
    slots.write_text(render_slots())
    print(f"wrote {out} and {slots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
