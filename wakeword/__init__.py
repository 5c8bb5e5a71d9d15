"""wakeword: wake word detection for microcontrollers, phones and desktops.

The runtime never imports TensorFlow; it runs models on LiteRT.
"""

from .bundle import Bundle, builtin_names, load_bundle
from .config import DetectorConfig, FeatureConfig, Manifest, ModelSpec
from .detector import Detection, StreamingDetector
from .engine import Engine
from .errors import AudioError, BundleError, ConfigError, DetectorError, SignatureError, WakewordError

__version__ = "0.1.0"

__all__ = [
    "AudioError", "Bundle", "BundleError", "ConfigError", "Detection", "DetectorConfig", "DetectorError",
    "Engine", "FeatureConfig", "Manifest", "ModelSpec", "SignatureError", "StreamingDetector",
    "WakewordError", "builtin_names", "load_bundle", "__version__",
]
