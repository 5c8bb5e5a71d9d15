"""Exception types of the runtime.

Every problem with user input (audio, bundles, configs) raises a subclass of
:class:`WakewordError` with a message that names the offending file or field.
"""


class WakewordError(Exception):
    """Base class of every error the library raises on bad input."""


class AudioError(WakewordError):
    """Audio that is empty, corrupt, truncated or in an unsupported format."""


class ConfigError(WakewordError, ValueError):
    """A config or manifest field that is missing, unknown or out of range."""


class BundleError(WakewordError):
    """A model bundle that is missing, truncated, tampered with or incompatible."""


class SignatureError(BundleError):
    """A bundle whose signature is missing or does not verify."""


class DetectorError(WakewordError, ValueError):
    """A misuse of the detector, such as time going backwards."""


class EnrollmentError(WakewordError):
    """Enrollment audio that cannot be used (too little, silence, clipped, not the wake word)."""
