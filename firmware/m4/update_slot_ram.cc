// The update slot of the emulated board's slot check (m4_slots.cc): RAM the program fills, one
// buffer per case, in place of nano33ble/update_slot.cpp's erased flash page, read through the same
// UpdateSlot(). (One buffer per case: the interpreter of one case still points into its model
// when the next case begins, as a board's running model stays in flash until it reboots.)
#include "update_slot.h"

namespace wakeword_sketch {

const uint8_t* g_test_update_slot = nullptr;

const uint8_t* UpdateSlot() { return g_test_update_slot; }

}  // namespace wakeword_sketch
