// The model runner's error paths on the emulated Cortex-M4F: the sketch's model_runner.cpp (slot
// selection, flatbuffer verification, op resolver, arena) with update slots that must be refused
// (slot_cases.h, firmware/tools/make_m4_golden.py): a slot cut short, a slot whose bytes are no
// model, a model with an op the firmware does not register. Each refused update is named on the
// console (MicroPrintf) and the built-in model runs instead; a valid newer update runs. Built with
// -DWAKEWORD_TENSOR_ARENA_BYTES=4096 (m4_slots_small_arena.elf) no model fits: ModelRunnerBegin
// fails with the arena's size in its message. Prints one line per case; exits 0 when every case
// ends where slot_cases.h says (the small-arena build: when nothing runs).
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model_runner.h"
#include "slot_cases.h"
#include "update_slot.h"

extern "C" void semihost_write0(const char* text);

namespace wakeword_sketch {
extern const uint8_t* g_test_update_slot;
}

namespace {
alignas(wakeword_sketch::kFlashPageBytes) uint8_t g_slots[slot_cases::kCases][wakeword_sketch::kUpdateSlotBytes];
}

int main() {
  char line[160];
  int wrong = 0;
  for (int c = 0; c < slot_cases::kCases; ++c) {
    memset(g_slots[c], 0xFF, wakeword_sketch::kUpdateSlotBytes);  // erased flash, then the case's bytes
    memcpy(g_slots[c], slot_cases::kSlots[c], slot_cases::kSlotBytes[c]);
    wakeword_sketch::g_test_update_slot = g_slots[c];
    snprintf(line, sizeof line, "--- slot case %s\n", slot_cases::kNames[c]);
    semihost_write0(line);
    wakeword_sketch::ModelInfo info;
    const bool runs = wakeword_sketch::ModelRunnerBegin(&info);
    const char* source = runs ? info.source : "nothing";
#ifdef WAKEWORD_TENSOR_ARENA_BYTES
    const char* expected = "nothing";
#else
    const char* expected = slot_cases::kExpected[c];
#endif
    snprintf(line, sizeof line, "slot case %s: runs %s (expected %s)\n", slot_cases::kNames[c], source, expected);
    semihost_write0(line);
    wrong += strcmp(source, expected) != 0;
  }
  semihost_write0(wrong == 0 ? "PASS: every slot case ends as expected\n" : "FAIL\n");
  return wrong == 0 ? 0 : 1;
}
