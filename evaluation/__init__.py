"""The noise-robustness suite: models x conditions on real recordings.

Every score comes from :class:`wakeword.engine.Engine` (one run per stream) and every
detection from :class:`wakeword.detector.StreamingDetector` replaying the stored
uint8 scores, so the figures describe exactly what the runtime does.

Modules
-------
mixing      noise at an SNR (via ``wakeword.dsp.mix_at_snr``, shared with training), reverberation, end of speech
conditions  clean / noise x SNR / reverb / noise + reverb; clips with context; latency
sources     finding, checking, sharding and block-reading audio files
metrics     FRR, FA/h, DET curves and operating points by detector replay
suite       runs models x conditions in worker processes; writes results
report      ``results.json``, ``report.md`` and the PNG figures
cli         ``wakeword-eval`` / ``python -m evaluation``
speakers    an offline speaker encoder (Resemblyzer's weights in numpy) and clustering into speakers
personalization  per-speaker FRR before/after ``wakeword.personalize``, FA/h on others' speech
"""

from wakeword.errors import WakewordError


class EvaluationError(WakewordError):
    """Bad input to the evaluation suite (missing folders, no audio, unknown peer ...)."""


__all__ = ["EvaluationError"]
