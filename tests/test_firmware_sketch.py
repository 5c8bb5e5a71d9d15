"""The Nano 33 BLE sketch (firmware/nano33ble) against the model it is built for.

The sketch itself needs the Arduino core and the TFLite Micro Arduino library, which
are not installed here; these tests check everything around it that can be checked on
the host, for a tiny random streaming TCN exported exactly as training does (and for
the shipped alexa bundle when it and firmware/generated exist):

* the ops the sketch registers (model_ops.h, run with a recording resolver) are the
  model's ops;
* the generated model_settings.h compiles with the portable detector and the sketch's
  compile-time checks, and its constants are the manifest's;
* the sketch's input quantization and score conversion (quantization.h) are bit-exact
  with wakeword.model for every raw feature value;
* the model runs in the tflite-micro interpreter with the manifest's arena (resource
  variables in the same arena, as the sketch allocates them) and not with 80 % of it;
* python -m training.firmware_budget prints PASS for the tiny model;
* the built-in model is a model slot (the Python writer's bytes), and the sketch's slot
  path (update_slot.cpp, src/model_select.cc) picks it over the erased update slot;
* every sketch file compiles (syntax and types, warnings as errors) against the
  declaration-only stubs in firmware/test/sketch_stubs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from wakeword.bundle import load_bundle, save_bundle
from wakeword.config import DetectorConfig
from wakeword.model import describe_model, input_lookup_table
from wakeword.model_slot import HEADER_BYTES, model_slot_for_bundle

from training import export, firmware_budget

REPO_ROOT = Path(__file__).resolve().parents[1]
FIRMWARE_DIR = REPO_ROOT / "firmware"
SKETCH_DIR = FIRMWARE_DIR / "nano33ble"
# The shipped bundle and the sources generated from it (override to check another export).
ALEXA_BUNDLE = Path(os.environ.get("WAKEWORD_FIRMWARE_BUNDLE", REPO_ROOT / "wakeword" / "bundles" / "alexa"))
GENERATED_DIR = Path(os.environ.get("WAKEWORD_FIRMWARE_GENERATED", FIRMWARE_DIR / "generated"))
STUBS_DIR = FIRMWARE_DIR / "test" / "sketch_stubs"
THIRD_PARTY = FIRMWARE_DIR / "third_party"
#: the real TFLite Micro headers the sketch compiles against (and the microfrontend's)
REAL_TFLM_INCLUDES = [arg for path in (THIRD_PARTY / "compat", THIRD_PARTY / "tflite-micro",
                                       THIRD_PARTY / "flatbuffers" / "include", THIRD_PARTY / "gemmlowp",
                                       THIRD_PARTY / "ruy", REPO_ROOT / "csrc" / "microfrontend",
                                       REPO_ROOT / "csrc" / "microfrontend" / "kissfft", FIRMWARE_DIR / "arduino_library" / "src")
                      for arg in ("-isystem", str(path))]
CXX = shutil.which("g++")
ARM_CXX = shutil.which("arm-none-eabi-g++")
needs_cxx = pytest.mark.skipif(CXX is None, reason="needs g++")

# Not the DetectorConfig defaults, so a constant taken from anywhere but the manifest shows.
DETECTOR = DetectorConfig(threshold=201, window=4, refractory_ms=1500, fast_window=2, fast_margin=42)


def _load_stage_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("stage_sketch", FIRMWARE_DIR / "tools" / "stage_sketch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


stage_sketch = _load_stage_module()


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """A random streaming TCN exported like training.cli does: bundle, generated sources, staged sketch."""
    from training.models.tcn import TCNConfig, build_tcn
    from training.streaming import StreamingTCN, convert_streaming, extract_weights

    config = TCNConfig(channels=8, dilations=(1, 2))
    features = np.random.default_rng(3).uniform(0, 25, (120, 40)).astype(np.float32)
    stream = StreamingTCN(extract_weights(build_tcn(config)), config)
    model_bytes = convert_streaming(stream, representative=[features])
    arena = export.arena_with_margin(export.measure_arena_bytes(model_bytes, stride_frames=config.stride_frames))
    manifest = export.build_manifest(model_bytes, name="tiny", version="0.0.1", keywords=("tiny",),
                                     receptive_field_frames=config.receptive_field_frames,
                                     macs_per_inference=config.macs_per_call(), arena_bytes=arena,
                                     detector=DETECTOR, training={}, metrics={})
    root = tmp_path_factory.mktemp("fw_sketch")
    bundle_dir = save_bundle(root / "bundle", manifest, model_bytes)
    generated = root / "generated"
    export.write_firmware_sources(generated, manifest, model_bytes)
    sketch = root / "nano33ble"
    shutil.copytree(SKETCH_DIR, sketch, ignore=shutil.ignore_patterns("src"))
    stage_sketch.stage(sketch=sketch, generated=generated)
    return {"bundle": load_bundle(bundle_dir), "bundle_dir": bundle_dir, "generated": generated,
            "sketch": sketch, "root": root}


def _compile_and_run(source: str, *, sketch: Path, workdir: Path, extra_sources=(), args=()) -> str:
    main = workdir / "main.cc"
    main.write_text(source)
    binary = workdir / "main"
    cmd = [CXX, "-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror", f"-I{sketch}", str(main),
           *map(str, extra_sources), "-o", str(binary)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-4000:]
    run = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


# --- (a) registered ops == model ops ------------------------------------------------------

def ops_in_settings(settings_text: str) -> list[str]:
    """The MicroMutableOpResolver methods listed by WAKEWORD_MODEL_OPS in model_settings.h."""
    body = settings_text.split("#define WAKEWORD_MODEL_OPS(X)", 1)[1]
    return re.findall(r"X\((\w+)\)", body)


def _registered_ops(sketch: Path, workdir: Path) -> list[str]:
    methods = sorted(set(export._OP_REGISTRATION.values()))  # noqa: SLF001
    fake = "\n".join(f'  int {m}() {{ names.push_back("{m}"); return 0; }}' for m in methods)
    source = f"""
#include <cstdio>
#include <string>
#include <vector>
#include "model_ops.h"

struct RecordingResolver {{
  std::vector<std::string> names;
{fake}
}};

int main() {{
  RecordingResolver resolver;
  const int failures = wakeword_sketch::RegisterModelOps(resolver);
  if (failures != 0 || static_cast<int>(resolver.names.size()) != wakeword_model::kOpCount) return 1;
  for (const auto& name : resolver.names) std::printf("%s\\n", name.c_str());
  return 0;
}}
"""
    return _compile_and_run(source, sketch=sketch, workdir=workdir).split()


@needs_cxx
def test_sketch_registers_exactly_the_model_ops(tiny, tmp_path):
    model_ops = describe_model(tiny["bundle"].model_bytes)["ops"]
    assert {"VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE"} <= set(model_ops)
    by_method = {method: op for op, method in export._OP_REGISTRATION.items()}  # noqa: SLF001
    methods = _registered_ops(tiny["sketch"], tmp_path)
    assert methods == ops_in_settings((tiny["sketch"] / "src" / "model_settings.h").read_text())
    registered = [by_method[m] for m in methods]
    assert sorted(registered) == sorted(model_ops)
    assert len(registered) == len(set(registered))


def test_model_runner_uses_the_generated_op_list():
    """The resolver is sized by kOpCount and filled by RegisterModelOps (WAKEWORD_MODEL_OPS), nothing else."""
    runner = (SKETCH_DIR / "model_runner.cpp").read_text()
    assert "SketchOpResolver<kOpCount>" in runner
    # the sketch's resolver is TFLite Micro's, with its own SLICE, CONV_2D and DEPTHWISE_CONV_2D kernels only
    resolver = (SKETCH_DIR / "op_resolver.h").read_text()
    assert "class SketchOpResolver : public tflite::MicroMutableOpResolver<kOps>" in resolver
    assert re.findall(r"TfLiteStatus (Add\w+)\(", resolver) == ["AddSlice", "AddConv2D", "AddDepthwiseConv2D"]
    assert "RegisterModelOps(resolver)" in runner
    assert "AllOpsResolver" not in runner
    assert not re.search(r"resolver\.Add\w+\(", runner), "ops must come from WAKEWORD_MODEL_OPS only"
    assert "WAKEWORD_MODEL_OPS(WAKEWORD_REGISTER_OP)" in (SKETCH_DIR / "model_ops.h").read_text()


def slot_array(model_data_cc: str) -> bytes:
    """The bytes of g_wakeword_model_slot[] in a generated model_data.cc."""
    body = model_data_cc.split("g_wakeword_model_slot[] = {", 1)[1].split("};", 1)[0]
    body = re.sub(r"//[^\n]*", "", body)
    return bytes(int(value, 16) for value in re.findall(r"0x([0-9a-f]{2})", body))


have_shipped = pytest.mark.skipif(
    not ((ALEXA_BUNDLE / "manifest.json").is_file() and (GENERATED_DIR / "model_settings.h").is_file()),
    reason="needs wakeword/bundles/alexa and firmware/generated (or WAKEWORD_FIRMWARE_BUNDLE/_GENERATED)")


@have_shipped
def test_generated_firmware_sources_match_the_shipped_bundle():
    bundle = load_bundle(ALEXA_BUNDLE)
    settings = (GENERATED_DIR / "model_settings.h").read_text()
    by_method = {method: op for op, method in export._OP_REGISTRATION.items()}  # noqa: SLF001
    assert sorted(by_method[m] for m in ops_in_settings(settings)) == sorted(describe_model(bundle.model_bytes)["ops"])
    assert f"kModelBytes = {len(bundle.model_bytes)};" in settings
    data = (GENERATED_DIR / "model_data.cc").read_text()
    assert bundle.manifest.model.sha256 in data
    # the built-in slot is exactly what the Python writer makes of the bundle (header, then model)
    slot = model_slot_for_bundle(bundle)
    assert slot_array(data) == slot
    assert f"g_wakeword_model_slot_len = {len(slot)};" in data
    assert export.firmware_sources(bundle.manifest, bundle.model_bytes) == {
        name: (GENERATED_DIR / name).read_text() for name in stage_sketch.GENERATED_FILES}


# --- (b) model_settings.h + portable detector, values == manifest -------------------------

SETTINGS_PROGRAM = r"""
#include <cstdio>
#include "sketch_config.h"
#include "src/detector.h"

using namespace wakeword_sketch;

int main() {
  uint8_t thresholds[kKeywordCount];
  for (int k = 0; k < kKeywordCount; ++k) thresholds[k] = kDetectionThreshold;
  wakeword::StreamingDetector detector;
  if (detector.Init(kKeywordCount, thresholds, kDetectionWindow, kRefractoryMs, kFastWindow, kFastMargin) !=
      wakeword::kDetectorOk) return 1;
  std::printf("{\"sample_rate_hz\": %d, \"window_ms\": %d, \"step_ms\": %d, \"channels\": %d,\n", kSampleRateHz,
              kWindowMs, kStepMs, kFeatureChannels);
  std::printf("\"stride_frames\": %d, \"receptive_field_frames\": %d, \"keywords\": [", kStrideFrames,
              kReceptiveFieldFrames);
  for (int k = 0; k < kKeywordCount; ++k) std::printf("%s\"%s\"", k ? ", " : "", kKeywords[k]);
  std::printf("],\n\"input_scale\": %.9g, \"input_zero_point\": %d, \"output_scale\": %.9g, "
              "\"output_zero_point\": %d,\n", static_cast<double>(kInputScale), kInputZeroPoint,
              static_cast<double>(kOutputScale), kOutputZeroPoint);
  std::printf("\"fast_window\": %d, \"fast_margin\": %d, ", kFastWindow, kFastMargin);
  std::printf("\"threshold\": %d, \"window\": %d, \"refractory_ms\": %u, \"arena\": %d, \"model_bytes\": %d, "
              "\"macs\": %ld, \"op_count\": %d, \"step_samples\": %d, \"model_input_elements\": %d}\n",
              kDetectionThreshold, kDetectionWindow, static_cast<unsigned>(kRefractoryMs), kTensorArenaBytes,
              kModelBytes, kMacsPerInference, kOpCount, kStepSamples, kModelInputElements);
  return 0;
}
"""


@needs_cxx
def test_model_settings_compile_with_the_detector_and_equal_the_manifest(tiny, tmp_path):
    sketch = tiny["sketch"]
    out = _compile_and_run(SETTINGS_PROGRAM, sketch=sketch, workdir=tmp_path,
                           extra_sources=[sketch / "src" / "detector.cpp"])
    got = json.loads(out)
    manifest = tiny["bundle"].manifest
    m, f, d = manifest.model, manifest.features, manifest.detector
    assert got["keywords"] == list(manifest.keywords)
    assert (got["sample_rate_hz"], got["window_ms"], got["step_ms"], got["channels"]) == (
        f.sample_rate_hz, f.window_ms, f.step_ms, f.channels)
    assert (got["stride_frames"], got["receptive_field_frames"]) == (m.stride_frames, m.receptive_field_frames)
    assert np.float32(got["input_scale"]) == np.float32(m.input_scale)
    assert np.float32(got["output_scale"]) == np.float32(m.output_scale)
    assert (got["input_zero_point"], got["output_zero_point"]) == (m.input_zero_point, m.output_zero_point)
    assert (got["threshold"], got["window"], got["refractory_ms"]) == (d.threshold, d.window, d.refractory_ms)
    assert (got["fast_window"], got["fast_margin"]) == (d.fast_window, d.fast_margin) == (2, 42)
    assert (got["arena"], got["model_bytes"], got["macs"], got["op_count"]) == (
        m.tflm_arena_bytes, m.size_bytes, m.macs_per_inference, len(m.ops))
    assert got["step_samples"] == f.step_samples
    assert got["model_input_elements"] == m.input_shape[1] * m.input_shape[2]


@needs_cxx
def test_settings_outside_the_firmware_limits_do_not_compile(tiny, tmp_path):
    sketch = tmp_path / "sketch"
    shutil.copytree(tiny["sketch"], sketch)
    settings = sketch / "src" / "model_settings.h"
    text = settings.read_text()
    settings.write_text(re.sub(r"kDetectionWindow = \d+;", "kDetectionWindow = 0;", text))
    (tmp_path / "main.cc").write_text('#include "sketch_config.h"\nint main() { return 0; }\n')
    result = subprocess.run([CXX, "-std=c++17", "-fsyntax-only", f"-I{sketch}", str(tmp_path / "main.cc")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "detector settings exceed the firmware limits" in result.stderr


# --- quantization.h == wakeword.model, bit for bit -----------------------------------------

QUANTIZER_PROGRAM = r"""
#include <cstdio>
#include <cstdlib>
#include "quantization.h"

using namespace wakeword_sketch;

int main(int argc, char** argv) {
  if (argc != 5) return 2;
  const float scale = std::strtof(argv[1], nullptr);
  const int zero_point = std::atoi(argv[2]);
  const double out_scale = std::strtod(argv[3], nullptr);
  const int out_zero_point = std::atoi(argv[4]);
  static FeatureQuantizer quantizer;  // static: 1 KB table
  if (!quantizer.Init(scale, zero_point)) return 3;
  for (int raw = 0; raw < 65536; ++raw) {
    const int8_t q = quantizer.Quantize(static_cast<uint16_t>(raw));
    if (q != QuantizeFeatureExact(static_cast<uint16_t>(raw), static_cast<double>(scale), zero_point)) return 4;
    std::fwrite(&q, 1, 1, stdout);
  }
  for (int value = -128; value < 256; ++value) {  // int8 and uint8 outputs
    const uint8_t score = ScoreFromQuantized(value, out_scale, out_zero_point);
    std::fwrite(&score, 1, 1, stdout);
  }
  FeatureQuantizer bad;
  if (bad.Init(0.0f, 0) || bad.Init(-1.0f, 0) || bad.Init(1.0f, 200)) return 5;
  if (!OutputIsScore(true, 1.0 / 256.0, 0) || OutputIsScore(false, 1.0 / 256.0, 0) ||
      OutputIsScore(true, 1.0 / 255.0, 0) || OutputIsScore(true, 1.0 / 256.0, 1)) return 6;
  return 0;
}
"""


@needs_cxx
def test_sketch_quantization_is_bit_exact_with_python(tiny, tmp_path):
    source = tmp_path / "q.cc"
    source.write_text(QUANTIZER_PROGRAM)
    binary = tmp_path / "q"
    result = subprocess.run([CXX, "-std=c++17", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{tiny['sketch']}",
                             str(source), "-o", str(binary)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-4000:]
    m = tiny["bundle"].manifest.model
    cases = [(m.input_scale, m.input_zero_point, 1 / 200, 3),
             (float(np.float32(0.1)), -128, 0.00390625, 0),
             (0.078125, 0, 0.0123, -5),  # 32768 raw values land exactly on .5: round half to even
             (0.15625, -100, 0.5 / 256, 7),
             (float(np.float32(1 / 3)), 17, 1.0, 0),
             (float(np.float32(7.3e-4)), -20, 1e-4, 100)]
    for in_scale, in_zero, out_scale, out_zero in cases:
        run = subprocess.run([str(binary), repr(in_scale), str(in_zero), repr(out_scale), str(out_zero)],
                             capture_output=True, timeout=60)
        assert run.returncode == 0, (in_scale, run.returncode)
        got = np.frombuffer(run.stdout[:65536], dtype=np.int8)
        want = input_lookup_table("int8", in_scale, in_zero)
        mismatches = np.flatnonzero(got != want)
        assert len(np.unique(got)) > 2
        assert mismatches.size == 0, (in_scale, in_zero, mismatches[:5])
        scores = np.frombuffer(run.stdout[65536:], dtype=np.uint8)
        values = np.arange(-128, 256, dtype=np.float64)
        want_scores = np.clip(np.rint((values - out_zero) * out_scale * 256.0), 0, 255).astype(np.uint8)
        np.testing.assert_array_equal(scores, want_scores)


# --- (c) the manifest's arena in the tflite-micro interpreter -------------------------------

def test_model_runs_in_tflm_with_the_manifest_arena_and_not_with_80_percent(tiny, tmp_path):
    bundle = tiny["bundle"]
    m = bundle.manifest.model
    path = tmp_path / "model.tflite"
    path.write_bytes(bundle.model_bytes)
    assert export._tflm_runs(str(path), m.tflm_arena_bytes, m.stride_frames, 40)  # noqa: SLF001
    assert not export._tflm_runs(str(path), int(m.tflm_arena_bytes * 0.8), m.stride_frames, 40)  # noqa: SLF001


def test_tflm_streaming_state_matches_litert_over_calls(tiny):
    """The state lives in resource variables: TFLM keeps it across calls like LiteRT does."""
    bundle = tiny["bundle"]
    m = bundle.manifest.model
    calls = np.random.default_rng(5).integers(-128, 128, (30, m.stride_frames, 40), dtype=np.int8)
    results = export.tflm_and_litert_outputs(bundle.model_bytes, calls, arena_bytes=m.tflm_arena_bytes)
    assert np.abs(results[:, 0] - results[:, 1]).max() <= 1
    outputs = list(results[:, 1])
    assert len(set(outputs)) > 1  # the state moves the output


# --- (d) the budget script -------------------------------------------------------------------

def test_budget_script_passes_for_the_tiny_model(tiny, capsys):
    # the tiny bundle is unsigned: loaded like everywhere else, only with --allow-unsigned
    assert firmware_budget.main(["--bundle", str(tiny["bundle_dir"])]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "unsigned" in err and len(err.splitlines()) == 1
    assert firmware_budget.main(["--bundle", str(tiny["bundle_dir"]), "--allow-unsigned"]) == 0
    out = capsys.readouterr().out
    assert "PASS: the model fits the budget" in out
    for item in ("model flash (model.tflite)", "TFLM arena (manifest tflm_arena_bytes)",
                 "TFLM arena (re-measured, tflite-micro)", "core code (firmware/src, cortex-m4)",
                 "MACs per second", "total CPU load (estimate)"):
        assert f"| {item} |" in out
    assert "FAIL" not in out
    if shutil.which("arm-none-eabi-size") and shutil.which("make"):
        assert re.search(r"\| core code \(firmware/src, cortex-m4\) \| text \d", out)


def test_budget_rows_fail_when_the_arena_exceeds_the_budget(tiny):
    import dataclasses

    bundle = tiny["bundle"]
    big = dataclasses.replace(bundle.manifest, model=dataclasses.replace(bundle.manifest.model,
                                                                         tflm_arena_bytes=40_000))
    rows = firmware_budget.budget_rows(dataclasses.replace(bundle, manifest=big), core="skipped",
                                       measured_arena=50_000)
    status = {r.item: r.status for r in rows}
    assert status["TFLM arena (manifest tflm_arena_bytes)"] == "FAIL"
    assert status["TFLM arena (re-measured, tflite-micro)"] == "FAIL"
    assert status["model flash (model.tflite)"] == "PASS"


def test_size_totals_are_parsed():
    output = ("   text\t   data\t    bss\t    dec\t    hex\tfilename\n"
              "    482\t      0\t      0\t    482\t    1e2\tdetector.o\n"
              "    722\t      4\t  10408\t  11134\t   2b7e\t(TOTALS)\n")
    assert firmware_budget.parse_size_totals(output) == firmware_budget.CoreSize(722, 4, 10408)
    with pytest.raises(ValueError):
        firmware_budget.parse_size_totals("no totals here")


# --- model slots in the sketch: built-in slot, update slot, selection ----------------------

SLOT_PROGRAM = r"""
#include <cstdint>
#include <cstdio>
#include "sketch_config.h"
#include "src/model_data.h"
#include "src/model_select.h"
#include "update_slot.h"

using namespace wakeword_sketch;

int main() {
  const uint8_t* update = UpdateSlot();
  size_t erased = 0;
  for (size_t i = 0; i < kUpdateSlotBytes; ++i) erased += update[i] == 0xFF;
  wakeword::ModelSelection s;
  // exactly what model_runner.cpp's ModelRunnerBegin() asks
  const wakeword::ModelSlotStatus status = wakeword::SelectModel(
      g_wakeword_model_slot, g_wakeword_model_slot_len, update, kUpdateSlotBytes, &s);
  std::printf("{\"status\": \"%s\", \"source\": \"%s\", \"update_status\": \"%s\", "
              "\"update_not_newer\": %d, \"version\": \"%u.%u.%u\", \"model_length\": %u, "
              "\"model_offset\": %ld, \"slot_align\": %u, \"update_align\": %u, "
              "\"update_bytes\": %u, \"update_erased\": %u, \"update_max_model\": %u, \"settings_model_bytes\": %d}\n",
              wakeword::ModelSlotStatusName(status), wakeword::ModelSourceName(s.source),
              wakeword::ModelSlotStatusName(s.update_status), s.update_not_newer ? 1 : 0,
              s.info.version_major, s.info.version_minor, s.info.version_patch,
              static_cast<unsigned>(s.info.model_length),
              static_cast<long>(s.info.model - g_wakeword_model_slot),
              static_cast<unsigned>(reinterpret_cast<uintptr_t>(g_wakeword_model_slot) % 4096),
              static_cast<unsigned>(reinterpret_cast<uintptr_t>(update) % 4096),
              static_cast<unsigned>(kUpdateSlotBytes), static_cast<unsigned>(erased),
              static_cast<unsigned>(kUpdateSlotMaxModelBytes), kModelBytes);
  return 0;
}
"""


def _run_slot_program(sketch: Path, workdir: Path) -> dict:
    src = sketch / "src"
    out = _compile_and_run(SLOT_PROGRAM, sketch=sketch, workdir=workdir,
                           extra_sources=[sketch / "update_slot.cpp", src / "model_data.cpp", src / "model_slot.cpp",
                                          src / "model_select.cpp", src / "sha256.cpp"])
    return json.loads(out)


def _check_builtin_slot_runs(got: dict, bundle) -> None:
    from training.config import BudgetConfig

    assert got["status"] == "ok" and got["source"] == "built-in"
    assert got["update_status"] == "bad_magic" and not got["update_not_newer"]  # erased flash: no update
    assert got["version"] == bundle.manifest.version
    assert got["model_length"] == len(bundle.model_bytes) == got["settings_model_bytes"]
    assert got["model_offset"] == HEADER_BYTES and HEADER_BYTES % 16 == 0
    assert got["slot_align"] % 16 == 0  # alignas(16): the model after the header is 16-byte aligned too
    assert got["update_align"] == 0  # page aligned
    assert got["update_bytes"] % 4096 == 0 and got["update_bytes"] >= HEADER_BYTES + got["update_max_model"]
    assert got["update_erased"] == got["update_bytes"]
    assert got["update_max_model"] == BudgetConfig().model_flash_bytes


@needs_cxx
def test_sketch_checks_the_builtin_slot_and_skips_the_erased_update_slot(tiny, tmp_path):
    assert slot_array((tiny["generated"] / "model_data.cc").read_text()) == model_slot_for_bundle(tiny["bundle"])
    _check_builtin_slot_runs(_run_slot_program(tiny["sketch"], tmp_path), tiny["bundle"])


@needs_cxx
@have_shipped
def test_shipped_sketch_checks_the_builtin_slot(tmp_path):
    sketch = tmp_path / "nano33ble"
    shutil.copytree(SKETCH_DIR, sketch, ignore=shutil.ignore_patterns("src"))
    stage_sketch.stage(sketch=sketch, generated=GENERATED_DIR)
    _check_builtin_slot_runs(_run_slot_program(sketch, tmp_path), load_bundle(ALEXA_BUNDLE))


def test_model_runner_checks_the_slots_before_the_model_is_used():
    runner = (SKETCH_DIR / "model_runner.cpp").read_text()
    begin = runner.split("bool ModelRunnerBegin(", 1)[1]
    assert begin.index("wakeword::SelectModel(g_wakeword_model_slot") < begin.index("StartModel(")
    assert "g_wakeword_model_data" not in runner  # the raw array is gone: only slots
    assert "tflite::GetModel(model_data)" in runner and runner.count("tflite::GetModel(") == 1


@pytest.mark.parametrize("compiler", ["g++", "arm-none-eabi-g++"])
def test_sketch_compiles_against_the_real_tflm_and_arduino_stubs(tiny, tmp_path, compiler):
    """Every file of the staged sketch, with warnings as errors, against the vendored TFLite Micro
    (firmware/third_party) and stubs of the Arduino APIs only (firmware/test/sketch_stubs), for the
    host and for the Cortex-M4 (size_t, long and pointer widths differ)."""
    cxx = shutil.which(compiler)
    if cxx is None:
        pytest.skip(f"needs {compiler}")
    sketch = tiny["sketch"]
    target = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"] if "arm" in compiler else []
    files = sorted(sketch.glob("*.cpp")) + sorted((sketch / "src").glob("*.cpp")) + [sketch / "nano33ble.ino"]
    assert {"model_runner.cpp", "update_slot.cpp", "model_select.cpp", "model_data.cpp"} <= {f.name for f in files}
    for path in files:
        # the Arduino builder prepends #include <Arduino.h> to the .ino
        extra = ["-include", "Arduino.h"] if path.suffix == ".ino" else []
        result = subprocess.run([cxx, *target, "-std=gnu++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror",
                                 "-DTF_LITE_STATIC_MEMORY", f"-I{STUBS_DIR}", *REAL_TFLM_INCLUDES, f"-I{sketch}",
                                 *extra, "-x", "c++", str(path)],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{path.name}:\n{result.stderr[-4000:]}"


# --- staging ---------------------------------------------------------------------------------

def test_staging_copies_core_and_generated_sources_verbatim(tiny):
    staged = tiny["sketch"] / "src"
    for source in sorted((FIRMWARE_DIR / "src").iterdir()):
        if source.suffix in (".h", ".cc"):
            target = staged / (source.stem + ".cpp" if source.suffix == ".cc" else source.name)
            assert target.read_bytes() == source.read_bytes()
    assert (staged / "model_data.cpp").read_bytes() == (tiny["generated"] / "model_data.cc").read_bytes()
    assert (staged / "model_settings.h").read_bytes() == (tiny["generated"] / "model_settings.h").read_bytes()
    assert not list(staged.glob("*.cc"))


def test_staging_refuses_to_clear_foreign_files_and_missing_sources(tiny, tmp_path):
    sketch = tmp_path / "sketch"
    (sketch / "src").mkdir(parents=True)
    (sketch / "src" / "mine.cpp").write_text("// not staged\n")
    with pytest.raises(stage_sketch.StageError, match="did not stage"):
        stage_sketch.stage(sketch=sketch, generated=tiny["generated"])
    with pytest.raises(stage_sketch.StageError, match="lacks model_settings.h"):
        stage_sketch.stage(sketch=tmp_path / "other", generated=tmp_path / "nothing")


def test_shipped_bundle_in_tflm_matches_litert_on_real_feature_windows(alexa_clip):
    """The shipped alexa model in the tflite-micro interpreter, with the manifest's arena, on the
    features of a real recording: within 1 LSB of LiteRT's exact kernels on every call."""
    from wakeword.audio import load_audio
    from wakeword.bundle import open_bundle
    from wakeword.features import compute_features
    from wakeword.model import input_lookup_table

    bundle = open_bundle("alexa")
    m = bundle.manifest.model
    frames = compute_features(np.concatenate([np.zeros(16000, np.int16), load_audio(alexa_clip)]))
    x = input_lookup_table(m.input_dtype, m.input_scale, m.input_zero_point)[frames]
    calls = x[: len(x) // m.stride_frames * m.stride_frames].reshape(-1, m.stride_frames, 40)
    results = export.tflm_and_litert_outputs(bundle.model_bytes, calls, arena_bytes=m.tflm_arena_bytes)
    assert len(results) > 50 and np.abs(results[:, 0] - results[:, 1]).max() <= 1
    peak = results[:, 1].max()
    assert peak > 128  # the keyword in the recording drives the score up on the device too


def test_the_frontend_constants_come_from_the_feature_definition(tiny):
    """model_settings.h carries the microfrontend's tuning from wakeword.features (the definition the
    Python engine runs), and feature_provider.cpp sets every field from it, no literal of its own."""
    import re

    from wakeword.features import FEATURE_RAW_PER_UNIT, TFLM_FRONTEND_TUNING

    settings = (tiny["generated"] / "model_settings.h").read_text()
    values = {name: float(value) for name, value in
              re.findall(r"constexpr (?:float|int|double) (k\w+) = ([-0-9.e]+)f?;", settings)}
    for key, (_, name) in export.FRONTEND_CONSTANTS.items():
        assert values[name] == pytest.approx(float(TFLM_FRONTEND_TUNING[key]), rel=1e-7), name
    assert values["kFeatureRawPerUnit"] == FEATURE_RAW_PER_UNIT
    provider = (FIRMWARE_DIR / "nano33ble" / "feature_provider.cpp").read_text()
    assignments = re.findall(r"config->[\w.]+ = ([^;]+);", provider)
    assert len(assignments) == 3 + len(export.FRONTEND_CONSTANTS)
    assert all(re.fullmatch(r"k\w+", value) for value in assignments), assignments
