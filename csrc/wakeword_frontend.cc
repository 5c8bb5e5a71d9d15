// wakeword._frontend: TFLite Micro's audio frontend (the microfrontend library vendored
// in csrc/microfrontend, the code the firmware runs through TFLM) with a batch call.
//
// pymicro-features exposes the same C library one 10 ms step per Python call and returns
// each frame as a list of 40 Python floats; at 100 frames per second of audio that call
// overhead costs more than the signal processing. Here one call consumes a whole buffer of
// int16 samples and returns every finished frame as raw uint16 values in one bytearray
// (writable, so numpy wraps it without a copy). Samples that do not complete a frame stay in the frontend's window buffer, so
// the frames are identical for every chunking of the input (tests/test_features.py
// checks them against pymicro-features bit for bit).
//
//   create(sample_rate, window_ms, step_ms, channels, lower_hz, upper_hz, smoothing_bits,
//          even_smoothing, odd_smoothing, min_signal_remaining, enable_pcan, pcan_strength,
//          pcan_offset, gain_bits, enable_log, scale_shift) -> handle
//   process(handle, samples: C-contiguous int16 buffer) -> bytearray (frames * channels uint16)
//   reset(handle)

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "filterbank_sqrt.h"  // firmware/src

extern "C" {
#include "tensorflow/lite/experimental/microfrontend/lib/bits.h"
#include "tensorflow/lite/experimental/microfrontend/lib/frontend.h"
#include "tensorflow/lite/experimental/microfrontend/lib/frontend_util.h"
}

namespace {

// ---- the frontend's rounded integer square root, computed with the FPU ---------------------
// filterbank.cc's Sqrt32/Sqrt64 find floor(sqrt(n)) one bit at a time (a quarter of the
// frontend's time on a PC). FastSqrt64 gives the same result: floor(sqrt) from a double,
// corrected to exact, then filterbank.cc's rounding rule (firmware/src/filterbank_sqrt.h, shared
// with the sketch's filterbank_dsp.cpp). tests/test_features.py checks it against FilterbankSqrt
// itself (sqrt_pair below).
// (the double's root of 2^64-1 rounds up to 2^32: ExactFloorSqrt clamps it)
inline uint64_t FloorSqrt(uint64_t n) {
  return wakeword::ExactFloorSqrt(n, static_cast<uint64_t>(sqrt(static_cast<double>(n))));
}

inline uint32_t FastSqrt64(uint64_t n) { return wakeword::FilterbankRoundedSqrt(n, FloorSqrt(n)); }

// FilterbankSqrt with FastSqrt64.
uint32_t* FastFilterbankSqrt(FilterbankState* state, int scale_down_shift) {
  const int num_channels = state->num_channels;
  const uint64_t* work = state->work + 1;
  uint32_t* output = reinterpret_cast<uint32_t*>(state->work);
  for (int i = 0; i < num_channels; ++i) {
    *output++ = FastSqrt64(*work++) >> scale_down_shift;
  }
  return reinterpret_cast<uint32_t*>(state->work);
}

// frontend.cc's FrontendProcessSamples, stage for stage, with FastFilterbankSqrt.
FrontendOutput ProcessSamples(FrontendState* state, const int16_t* samples, size_t num_samples,
                              size_t* num_samples_read) {
  FrontendOutput output;
  output.values = nullptr;
  output.size = 0;
  if (!WindowProcessSamples(&state->window, samples, num_samples, num_samples_read)) {
    return output;
  }
  const int input_shift = 15 - MostSignificantBit32(state->window.max_abs_output_value);
  FftCompute(&state->fft, state->window.output, input_shift);
  int32_t* energy = reinterpret_cast<int32_t*>(state->fft.output);
  FilterbankConvertFftComplexToEnergy(&state->filterbank, state->fft.output, energy);
  FilterbankAccumulateChannels(&state->filterbank, energy);
  uint32_t* scaled_filterbank = FastFilterbankSqrt(&state->filterbank, input_shift);
  NoiseReductionApply(&state->noise_reduction, scaled_filterbank);
  if (state->pcan_gain_control.enable_pcan) {
    PcanGainControlApply(&state->pcan_gain_control, scaled_filterbank);
  }
  const int correction_bits = MostSignificantBit32(state->fft.fft_size) - 1 - (kFilterbankBits / 2);
  output.values = LogScaleApply(&state->log_scale, scaled_filterbank,
                                state->filterbank.num_channels, correction_bits);
  output.size = state->filterbank.num_channels;
  return output;
}

const char kCapsuleName[] = "wakeword._frontend.Frontend";

struct Frontend {
  FrontendConfig config;
  FrontendState state;
  int channels;
};

void DestroyCapsule(PyObject* capsule) {
  auto* frontend = static_cast<Frontend*>(PyCapsule_GetPointer(capsule, kCapsuleName));
  if (frontend == nullptr) {
    PyErr_Clear();
    return;
  }
  FrontendFreeStateContents(&frontend->state);
  free(frontend);
}

Frontend* GetFrontend(PyObject* capsule) {
  return static_cast<Frontend*>(PyCapsule_GetPointer(capsule, kCapsuleName));
}

PyObject* Create(PyObject*, PyObject* args) {
  int sample_rate, window_ms, step_ms, channels, smoothing_bits, enable_pcan, gain_bits,
      enable_log, scale_shift;
  float lower_hz, upper_hz, even_smoothing, odd_smoothing, min_signal_remaining, pcan_strength,
      pcan_offset;
  if (!PyArg_ParseTuple(args, "iiiiffifffiffiii", &sample_rate, &window_ms, &step_ms, &channels,
                        &lower_hz, &upper_hz, &smoothing_bits, &even_smoothing, &odd_smoothing,
                        &min_signal_remaining, &enable_pcan, &pcan_strength, &pcan_offset,
                        &gain_bits, &enable_log, &scale_shift)) {
    return nullptr;
  }
  if (sample_rate <= 0 || window_ms <= 0 || step_ms <= 0 || step_ms > window_ms || channels <= 0 ||
      channels > 1024) {
    PyErr_SetString(PyExc_ValueError, "frontend settings out of range");
    return nullptr;
  }
  auto* frontend = static_cast<Frontend*>(calloc(1, sizeof(Frontend)));
  if (frontend == nullptr) return PyErr_NoMemory();
  FrontendConfig* c = &frontend->config;
  c->window.size_ms = window_ms;
  c->window.step_size_ms = step_ms;
  c->filterbank.num_channels = channels;
  c->filterbank.lower_band_limit = lower_hz;
  c->filterbank.upper_band_limit = upper_hz;
  c->noise_reduction.smoothing_bits = smoothing_bits;
  c->noise_reduction.even_smoothing = even_smoothing;
  c->noise_reduction.odd_smoothing = odd_smoothing;
  c->noise_reduction.min_signal_remaining = min_signal_remaining;
  c->pcan_gain_control.enable_pcan = enable_pcan;
  c->pcan_gain_control.strength = pcan_strength;
  c->pcan_gain_control.offset = pcan_offset;
  c->pcan_gain_control.gain_bits = gain_bits;
  c->log_scale.enable_log = enable_log;
  c->log_scale.scale_shift = scale_shift;
  frontend->channels = channels;
  if (!FrontendPopulateState(c, &frontend->state, sample_rate)) {
    free(frontend);
    PyErr_SetString(PyExc_MemoryError, "FrontendPopulateState failed");
    return nullptr;
  }
  PyObject* capsule = PyCapsule_New(frontend, kCapsuleName, DestroyCapsule);
  if (capsule == nullptr) {
    FrontendFreeStateContents(&frontend->state);
    free(frontend);
  }
  return capsule;
}

PyObject* Process(PyObject*, PyObject* args) {
  PyObject* capsule;
  Py_buffer view;
  if (!PyArg_ParseTuple(args, "Oy*", &capsule, &view)) return nullptr;
  Frontend* frontend = GetFrontend(capsule);
  if (frontend == nullptr) {
    PyBuffer_Release(&view);
    return nullptr;
  }
  if (view.len % 2 != 0) {
    PyBuffer_Release(&view);
    PyErr_SetString(PyExc_ValueError, "samples must be int16 (an even number of bytes)");
    return nullptr;
  }
  const int16_t* samples = static_cast<const int16_t*>(view.buf);
  size_t remaining = static_cast<size_t>(view.len) / 2;
  const size_t step = frontend->state.window.step;
  const size_t channels = static_cast<size_t>(frontend->channels);
  // Upper bound on the frames this call can finish: the window buffer holds fewer than
  // window.size samples, so every `step` new samples finish at most one frame.
  const size_t max_frames = (remaining + frontend->state.window.size) / step + 1;
  PyObject* out = PyByteArray_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(max_frames * channels * 2));
  if (out == nullptr) {
    PyBuffer_Release(&view);
    return nullptr;
  }
  uint16_t* dest = reinterpret_cast<uint16_t*>(PyByteArray_AS_STRING(out));
  size_t frames = 0;
  Py_BEGIN_ALLOW_THREADS
  while (remaining > 0) {
    size_t read = 0;
    FrontendOutput output = ProcessSamples(&frontend->state, samples, remaining, &read);
    samples += read;
    remaining -= read;
    if (output.size == channels && frames < max_frames) {
      memcpy(dest + frames * channels, output.values, channels * sizeof(uint16_t));
      ++frames;
    }
    if (read == 0) break;
  }
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&view);
  if (PyByteArray_Resize(out, static_cast<Py_ssize_t>(frames * channels * 2)) != 0) {
    Py_DECREF(out);
    return nullptr;
  }
  return out;
}

PyObject* Reset(PyObject*, PyObject* capsule) {
  Frontend* frontend = GetFrontend(capsule);
  if (frontend == nullptr) return nullptr;
  FrontendReset(&frontend->state);
  Py_RETURN_NONE;
}

// sqrt_pair(values: list[int], shift) -> (reference, fast): FilterbankSqrt and
// FastFilterbankSqrt on the same 64-bit filterbank values (for the tests).
PyObject* SqrtPair(PyObject*, PyObject* args) {
  PyObject* values;
  int shift;
  if (!PyArg_ParseTuple(args, "O!i", &PyList_Type, &values, &shift)) return nullptr;
  const Py_ssize_t n = PyList_Size(values);
  if (n < 1 || n > 4096 || shift < 0 || shift > 31) {
    PyErr_SetString(PyExc_ValueError, "1..4096 values and a shift in 0..31");
    return nullptr;
  }
  uint64_t* work_a = static_cast<uint64_t*>(calloc(n + 1, sizeof(uint64_t)));
  uint64_t* work_b = static_cast<uint64_t*>(calloc(n + 1, sizeof(uint64_t)));
  PyObject* result = nullptr;
  if (work_a == nullptr || work_b == nullptr) {
    PyErr_NoMemory();
  } else {
    bool ok = true;
    for (Py_ssize_t i = 0; i < n && ok; ++i) {
      const unsigned long long v = PyLong_AsUnsignedLongLong(PyList_GET_ITEM(values, i));
      ok = !(v == static_cast<unsigned long long>(-1) && PyErr_Occurred());
      work_a[i + 1] = work_b[i + 1] = v;
    }
    if (ok) {
      FilterbankState a = {};
      FilterbankState b = {};
      a.num_channels = b.num_channels = static_cast<int>(n);
      a.work = work_a;
      b.work = work_b;
      const uint32_t* ref = FilterbankSqrt(&a, shift);
      const uint32_t* fast = FastFilterbankSqrt(&b, shift);
      PyObject* ref_list = PyList_New(n);
      PyObject* fast_list = PyList_New(n);
      for (Py_ssize_t i = 0; ref_list && fast_list && i < n; ++i) {
        PyList_SET_ITEM(ref_list, i, PyLong_FromUnsignedLong(ref[i]));
        PyList_SET_ITEM(fast_list, i, PyLong_FromUnsignedLong(fast[i]));
      }
      if (ref_list && fast_list) result = Py_BuildValue("(NN)", ref_list, fast_list);
      else { Py_XDECREF(ref_list); Py_XDECREF(fast_list); }
    }
  }
  free(work_a);
  free(work_b);
  return result;
}

PyMethodDef kMethods[] = {
    {"sqrt_pair", SqrtPair, METH_VARARGS,
     "sqrt_pair(values, shift) -> (FilterbankSqrt, fast sqrt) of 64-bit values (for tests)"},
    {"create", Create, METH_VARARGS, "create(settings...) -> frontend handle"},
    {"process", Process, METH_VARARGS,
     "process(handle, int16 buffer) -> bytearray of the finished frames (uint16, channels per frame)"},
    {"reset", Reset, METH_O, "reset(handle): forget all audio seen so far"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef kModule = {PyModuleDef_HEAD_INIT, "_frontend",
                       "TFLite Micro audio frontend, batch interface", -1, kMethods};

}  // namespace

PyMODINIT_FUNC PyInit__frontend(void) { return PyModule_Create(&kModule); }
