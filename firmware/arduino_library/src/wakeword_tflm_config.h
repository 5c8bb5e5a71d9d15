// The defines of the firmware's TFLite Micro build (firmware/Makefile's TFLM_DEFINES, and CMSIS_NN,
// which the Makefile gives the kernels that need it): the Arduino builder takes no per-library
// flags, so every file of this library starts by
// including this header (firmware/tools/stage_tflm_library.py puts the line there).
// TF_LITE_STATIC_MEMORY changes the layout of TFLite Micro's structs: a file that includes any
// TFLite Micro header gets it from there, before the first struct.
#ifndef WAKEWORD_TFLM_CONFIG_H_
#define WAKEWORD_TFLM_CONFIG_H_

#ifndef TF_LITE_STATIC_MEMORY
#define TF_LITE_STATIC_MEMORY
#endif
#ifndef TF_LITE_MCU_DEBUG_LOG
#define TF_LITE_MCU_DEBUG_LOG
#endif
// the optimized kernels (kernels/cmsis_nn/) are the ones compiled; CMSIS-NN picks its DSP code
// paths from the compiler's __ARM_FEATURE_DSP (the Cortex-M4 has them)
#ifndef CMSIS_NN
#define CMSIS_NN
#endif
#ifndef ARM_MATH_LOOPUNROLL
#define ARM_MATH_LOOPUNROLL
#endif

#endif  // WAKEWORD_TFLM_CONFIG_H_
