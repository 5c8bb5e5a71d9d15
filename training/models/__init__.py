"""The model zoo: one architecture per file.

* :mod:`.tcn`: the streaming temporal CNN (the student; wider, the teacher). Streaming kind:
  each call sees only the new frames, state kept in the model.
* :mod:`.dscnn`: DS-CNN (Hello Edge), a window model: the whole window every stride.
"""

from .dscnn import DSCNNConfig, build_dscnn
from .tcn import TCNConfig, build_tcn

#: architecture name -> (config type, builder, runtime model kind)
ARCHITECTURES = {
    "tcn": (TCNConfig, build_tcn, "streaming"),
    "dscnn": (DSCNNConfig, build_dscnn, "window"),
}

__all__ = ["ARCHITECTURES", "DSCNNConfig", "TCNConfig", "build_dscnn", "build_tcn"]
