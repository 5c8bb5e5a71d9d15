"""Typed settings shared by the runtime, the trainer, the app and the firmware.

Every dataclass here is frozen and built with :func:`from_dict`, which rejects
unknown keys and wrong types, so a typo in a config never passes silently.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import ConfigError

T = TypeVar("T")


def from_dict(cls: type[T], data: Any, *, where: str = "") -> T:
    """Build dataclass ``cls`` from a mapping, rejecting unknown keys and wrong types.

    Parameters
    ----------
    cls : dataclass type
    data : mapping of field name to value; nested dataclasses are built recursively.
    where : str
        Dotted path of ``data`` in the enclosing document, used in error messages.
    """
    prefix = f"{where}." if where else ""
    if not isinstance(data, dict):
        raise ConfigError(f"{where or cls.__name__}: expected a table/object, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(prefix + k for k in unknown)}; allowed: {', '.join(fields)}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for name, f in fields.items():
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"missing required key {prefix}{name}")
            continue
        kwargs[name] = _coerce(hints[name], data[name], f"{prefix}{name}")
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where or cls.__name__}: {exc}") from exc


def _coerce(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where}: bad value {value!r}")
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value, where=where)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise ConfigError(f"{where}: expected {len(args)} items, got {len(value)}")
        return tuple(_coerce(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table/object, got {type(value).__name__}")
        return {str(k): _coerce(args[1], v, f"{where}.{k}") for k, v in value.items()}
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(repr, args))}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true/false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigError(f"{where}: expected a finite number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    raise ConfigError(f"{where}: unsupported field type {tp!r}")


def to_dict(obj: Any) -> Any:
    """Plain JSON-ready form of a config dataclass (tuples become lists)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ConfigError(message)


@dataclass(frozen=True)
class FeatureConfig:
    """The TFLite Micro audio frontend settings (the one feature definition).

    ``pymicro-features`` and TFLM's microfrontend implement exactly these values;
    other values are rejected rather than silently ignored.
    """

    sample_rate_hz: int = 16000
    window_ms: int = 30
    step_ms: int = 10
    channels: int = 40
    frontend: str = "tflm_microfrontend"

    def __post_init__(self) -> None:
        supported = FeatureConfig.__dataclass_fields__
        for name in ("sample_rate_hz", "window_ms", "step_ms", "channels", "frontend"):
            want = supported[name].default
            _check(getattr(self, name) == want,
                   f"features.{name}={getattr(self, name)!r} is not supported; the TFLite Micro frontend uses {want!r}")

    @property
    def window_samples(self) -> int:
        return self.sample_rate_hz * self.window_ms // 1000

    @property
    def step_samples(self) -> int:
        return self.sample_rate_hz * self.step_ms // 1000

    def frame_end_ms(self, frame_index: int) -> int:
        """Stream time (ms) at which frame ``frame_index`` (0-based) becomes available."""
        return self.window_ms + frame_index * self.step_ms


@dataclass(frozen=True)
class DetectorConfig:
    """Integer detector settings.

    threshold : int
        Detection threshold on the window mean of uint8 scores (1..255); score 256 == probability 1.
    window : int
        Number of consecutive model scores averaged (1..255).
    refractory_ms : int
        After a detection, scores are ignored for this long (0..600000).
    fast_window : int
        The fast path (0: off): the detector also fires when the mean of the last ``fast_window``
        scores (1..window) reaches ``threshold + fast_margin`` (at most 255), so a confident call
        need not wait for the whole window to fill with high scores.
    fast_margin : int
        How far above ``threshold`` the fast path's threshold lies (0..254); it moves with the
        threshold (a sensitivity slider moves both).
    """

    threshold: int = 200
    window: int = 5
    refractory_ms: int = 2000
    fast_window: int = 0
    fast_margin: int = 0

    def __post_init__(self) -> None:
        _check(1 <= self.threshold <= 255, f"detector.threshold={self.threshold} must be in 1..255")
        _check(1 <= self.window <= 255, f"detector.window={self.window} must be in 1..255")
        _check(0 <= self.refractory_ms <= 600_000, f"detector.refractory_ms={self.refractory_ms} must be in 0..600000")
        _check(0 <= self.fast_window <= self.window,
               f"detector.fast_window={self.fast_window} must be in 0..window ({self.window}; 0: no fast path)")
        _check(0 <= self.fast_margin <= 254, f"detector.fast_margin={self.fast_margin} must be in 0..254")


@dataclass(frozen=True)
class PersonalizationConfig:
    """How :mod:`wakeword.personalize` adapts a bundle's last layer to one user's voice.

    prior_weight : float
        Pull of the shipped layer (an L2 penalty on the change of its weights and bias, per
        embedding unit): larger keeps the personalized model closer to the original.
    positive_weight : float
        Total weight of the user's enrollment windows against the total weight of the negatives
        (room sound and the packaged negative speech), which is 1.
    augment_snr_db : tuple of float
        Each enrollment sample is also mixed with the user's room sound at these speech-to-noise
        ratios (dB), so the new layer learns the voice in the room it will hear it in.
    augment_speed : tuple of float
        ... and resampled to these speeds (1.05: 5% faster, pitch included), as the same user says the
        word a little faster or slower from one time to the next.
    augment_gain_db : tuple of float
        ... and at these gains (dB), clipped to int16: nearer and further from the microphone.
    positive_offsets : int
        Positive windows per recording: the best detector window and this many windows shifted by one
        model call either side of it (the detector fires on the way up to the peak, too).
    sample_floor : int
        A sample whose best detector window scores under this (0..255) is refused: it does not
        sound like the wake word to the model (silence, another word, a cut-off recording).
    template_stage : bool
        Also give the personal bundle a template stage (:class:`PersonalStage`): detections in a band
        under the threshold whose window looks like the user's recordings.
    template_margin : float
        The stage's cosine cutoff: the lowest leave-one-out cosine among the recordings, less this.
    band_step, band_max_depth : int
        The band's floor is lowered from the threshold in steps of ``band_step``, at most
        ``band_max_depth`` under it, while the stage fires on none of the negatives (the room and the
        packaged negative speech).
    band_cosine_margin : float
        While the band is lowered, a negative window in the band counts as a false accept already when
        its cosine to the template comes within this much of the cutoff (the packaged negatives are a
        few minutes; a margin keeps room for the hard negatives they lack). The stage keeps the cutoff.
        0.1 was chosen on the dev half (3 enrollments a speaker, two runs): it removed the one false
        accept a personal model made there (snowboy), and no speaker's FRR moved; 0.05 did not.
    negative_margin : int
        The new layer's bias is lowered until the packaged negative speech and the room sound peak
        no higher than under the shipped layer, and at least this far (score units) below the
        threshold.
    """

    prior_weight: float = 1.0
    positive_weight: float = 1.0
    template_stage: bool = True
    template_margin: float = 0.02
    band_step: int = 8
    band_max_depth: int = 64
    band_cosine_margin: float = 0.1
    augment_snr_db: tuple[float, ...] = (20.0, 10.0)
    augment_speed: tuple[float, ...] = ()
    augment_gain_db: tuple[float, ...] = ()
    positive_offsets: int = 0
    sample_floor: int = 96
    negative_margin: int = 16

    def __post_init__(self) -> None:
        _check(self.prior_weight > 0, f"personalization.prior_weight={self.prior_weight} must be > 0")
        _check(self.positive_weight > 0, f"personalization.positive_weight={self.positive_weight} must be > 0")
        _check(all(-10.0 <= v <= 60.0 for v in self.augment_snr_db),
               f"personalization.augment_snr_db={self.augment_snr_db} must lie in -10..60 dB")
        _check(all(0.8 <= v <= 1.25 for v in self.augment_speed),
               f"personalization.augment_speed={self.augment_speed} must lie in 0.8..1.25")
        _check(all(-20.0 <= v <= 20.0 for v in self.augment_gain_db),
               f"personalization.augment_gain_db={self.augment_gain_db} must lie in -20..20 dB")
        _check(0 <= self.positive_offsets <= 10, f"personalization.positive_offsets={self.positive_offsets} must be in 0..10")
        _check(0 <= self.sample_floor <= 255, f"personalization.sample_floor={self.sample_floor} must be in 0..255")
        _check(0 <= self.template_margin <= 1, f"personalization.template_margin={self.template_margin} must be in 0..1")
        _check(0 <= self.band_cosine_margin <= 1,
               f"personalization.band_cosine_margin={self.band_cosine_margin} must be in 0..1")
        _check(1 <= self.band_step <= 64 and 0 <= self.band_max_depth <= 128,
               "personalization.band_step must be in 1..64 and band_max_depth in 0..128")
        _check(0 <= self.negative_margin <= 128,
               f"personalization.negative_margin={self.negative_margin} must be in 0..128")


ModelKind = typing.Literal["streaming", "window"]


@dataclass(frozen=True)
class ModelSpec:
    """How the runtime drives a model file.

    kind : "streaming" (state kept inside the model, ``input_frames`` new frames per call)
        or "window" (the last ``input_frames`` frames per call).
    stride_frames : frames between two calls (== input_frames for streaming models).
    """

    file: str
    sha256: str
    kind: ModelKind
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    input_dtype: str
    output_dtype: str
    input_scale: float
    input_zero_point: int
    output_scale: float
    output_zero_point: int
    stride_frames: int
    receptive_field_frames: int
    size_bytes: int
    ops: tuple[str, ...] = ()
    tflm_arena_bytes: int = 0
    macs_per_inference: int = 0

    def __post_init__(self) -> None:
        _check(len(self.sha256) == 64 and all(c in "0123456789abcdef" for c in self.sha256),
               "model.sha256 must be 64 lowercase hex digits")
        _check(len(self.input_shape) == 3 and self.input_shape[0] == 1,
               f"model.input_shape={list(self.input_shape)} must be [1, frames, channels]")
        _check(len(self.output_shape) == 2 and self.output_shape[0] == 1,
               f"model.output_shape={list(self.output_shape)} must be [1, keywords]")
        _check(self.stride_frames >= 1, "model.stride_frames must be >= 1")
        if self.kind == "streaming":
            _check(self.input_shape[1] == self.stride_frames,
                   "a streaming model takes exactly stride_frames new frames per call")
        else:
            _check(self.stride_frames <= self.input_shape[1], "model.stride_frames must not exceed the window")
        _check(self.input_dtype in ("int8", "uint8", "float32"), f"model.input_dtype={self.input_dtype!r} unsupported")
        _check(self.output_dtype in ("int8", "uint8", "float32"), f"model.output_dtype={self.output_dtype!r} unsupported")
        _check(self.size_bytes > 0, "model.size_bytes must be > 0")

    @property
    def frames_per_call(self) -> int:
        return self.input_shape[1]

    @property
    def keyword_count(self) -> int:
        return self.output_shape[1]


@dataclass(frozen=True)
class VerifierConfig:
    """The second stage of a cascade (phones and desktops; the microcontroller runs the first alone).

    A larger model from the same training run confirms each first-stage detection: it is run from
    a fresh state over the ``context_frames`` feature frames that end at the triggering model call,
    and the detection stands when the mean of its last ``window`` scores is at least ``threshold``.
    With the verifier on, the first stage runs at ``first_stage_threshold`` (lower than the
    detector's own threshold, which is the first stage alone's operating point).

    model : ModelSpec of the verifier's file (a streaming model on the same features and stride).
    """

    model: ModelSpec
    threshold: int
    window: int
    first_stage_threshold: int

    def __post_init__(self) -> None:
        _check(1 <= self.threshold <= 255, f"verifier.threshold={self.threshold} must be in 1..255")
        _check(1 <= self.first_stage_threshold <= 255,
               f"verifier.first_stage_threshold={self.first_stage_threshold} must be in 1..255")
        _check(1 <= self.window <= 255, f"verifier.window={self.window} must be in 1..255")
        _check(self.model.kind == "streaming", "verifier.model must be a streaming model")
        _check(self.model.receptive_field_frames > 0,
               "verifier.model.receptive_field_frames must be known (> 0): it sets the context replayed per candidate")

    @property
    def context_frames(self) -> int:
        """Frames replayed on each trigger: the receptive field of the first of the ``window`` calls
        and every call after it (a multiple of the stride, so the calls fall where the stream's do)."""
        stride = self.model.stride_frames
        frames = self.model.receptive_field_frames + (self.window - 1) * stride
        return -(-frames // stride) * stride


@dataclass(frozen=True)
class PersonalStage:
    """A personal bundle's template stage (made by :mod:`wakeword.personalize`, run by the engine).

    Besides the detector, an excursion of the first keyword's window mean to ``band_threshold`` or
    above (a full detector window, below the detector's own threshold) is a detection when the mean
    of its window's hidden vectors (the model's last hidden layer, tensor ``hidden_tensor``, minus
    ``hidden_zero_point``) has a cosine of at least ``cutoff`` to ``template``: the user's enrolled
    word. Phones and desktops only; the board runs the detector alone.
    """

    template: tuple[float, ...]
    cutoff: float
    band_threshold: int
    hidden_tensor: int
    hidden_zero_point: int

    def __post_init__(self) -> None:
        _check(len(self.template) >= 1 and all(math.isfinite(v) for v in self.template)
               and any(v != 0 for v in self.template), "personal.template must be finite and not all zero")
        _check(-1.0 <= self.cutoff <= 1.0, f"personal.cutoff={self.cutoff} must be in -1..1")
        _check(1 <= self.band_threshold <= 255, f"personal.band_threshold={self.band_threshold} must be in 1..255")
        _check(self.hidden_tensor >= 0, "personal.hidden_tensor must be a tensor index")


FORMAT_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    """The model card: the single source of settings for runtime, app and firmware."""

    format_version: int
    name: str
    version: str
    keywords: tuple[str, ...]
    features: FeatureConfig
    model: ModelSpec
    detector: DetectorConfig
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    #: the optional second stage (:class:`VerifierConfig`); None: the first stage alone
    verifier: VerifierConfig | None = None
    #: a personal bundle's template stage (:class:`PersonalStage`); None in shipped bundles
    personal: PersonalStage | None = None

    def __post_init__(self) -> None:
        _check(self.format_version == FORMAT_VERSION,
               f"format_version={self.format_version} is not supported by this runtime (it reads {FORMAT_VERSION})")
        _check(bool(self.keywords), "keywords must not be empty")
        _check(len(set(self.keywords)) == len(self.keywords), "keywords must be distinct")
        _check(len(self.keywords) == self.model.keyword_count,
               f"{len(self.keywords)} keywords but the model has {self.model.keyword_count} outputs")
        _check(bool(self.name) and self.name.isascii() and not self.name.startswith(".")
               and all(c.isalnum() or c in "-_." for c in self.name),
               f"name={self.name!r} must be non-empty, not start with '.', and use only ASCII letters, digits, "
               "'-', '_' or '.'")
        parts = self.version.split(".")
        _check(len(parts) == 3 and all(p.isascii() and p.isdigit() and len(p) <= 6 for p in parts),
               f"version={self.version!r} must be MAJOR.MINOR.PATCH")
        if self.verifier is not None:
            v = self.verifier.model
            _check(v.file != self.model.file, "verifier.model.file must differ from model.file")
            _check(v.stride_frames == self.model.stride_frames and v.input_shape[2] == self.model.input_shape[2],
                   "the verifier must take the model's features at the model's stride")
            _check(v.keyword_count == self.model.keyword_count, "the verifier must score the model's keywords")
        if self.personal is not None:
            _check(self.personal.band_threshold < self.detector.threshold,
                   "personal.band_threshold must be below detector.threshold")

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        a, b, c = (int(p) for p in self.version.split("."))
        return a, b, c
