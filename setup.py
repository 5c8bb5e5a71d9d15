"""Build of the one C extension, ``wakeword._frontend``, and the package list (everything else is
in pyproject.toml).

The ``datasets/`` folder installs as the package ``wakeword_datasets``: a package called
``datasets`` would shadow the well-known one of that name.

It is TFLite Micro's audio frontend (vendored in csrc/microfrontend, Apache-2.0, with the
16-bit kissfft it uses, BSD-3-Clause) behind a batch interface: one call per audio chunk
instead of one per 10 ms step. It is optional: without a C++ compiler the install still
succeeds and ``wakeword.features`` falls back to pymicro-features, which wraps the same C code.
"""

from pathlib import Path

from setuptools import Extension, find_namespace_packages, setup

FRONTEND = Path("csrc/microfrontend")
LIB = FRONTEND / "tensorflow/lite/experimental/microfrontend/lib"
SOURCES = ["csrc/wakeword_frontend.cc"] + [
    str(LIB / name) for name in (
        "kiss_fft_int16.cc", "fft.cc", "fft_util.cc", "filterbank.cc", "filterbank_util.cc",
        "frontend.cc", "frontend_util.cc", "log_lut.cc", "log_scale.cc", "log_scale_util.cc",
        "noise_reduction.cc", "noise_reduction_util.cc", "pcan_gain_control.cc",
        "pcan_gain_control_util.cc", "window.cc", "window_util.cc")
]

setup(
    packages=find_namespace_packages(include=["wakeword*", "training*", "evaluation*", "mobile_app*", "federated*"])
    + ["wakeword_datasets"],
    package_dir={"wakeword_datasets": "datasets"},
    ext_modules=[
        Extension(
            "wakeword._frontend",
            sources=SOURCES,
            # firmware/src: filterbank_sqrt.h, the square root's rounding rule the sketch shares
            include_dirs=[str(FRONTEND), str(FRONTEND / "kissfft"), "firmware/src"],
            define_macros=[("FIXED_POINT", "16")],
            extra_compile_args=["-O3", "-std=c++17"],
            language="c++",
            optional=True,
        )
    ],
)
