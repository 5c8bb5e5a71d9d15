"""The ``wakeword`` command: detect in files, listen on a microphone, inspect bundles."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Sequence

from .bundle import Bundle, open_bundle
from .command import add_bundle_options, command
from .config import PersonalizationConfig, to_dict
from .engine import Engine
from .errors import WakewordError

DEFAULT_BUNDLE = "alexa"


def _load(args: argparse.Namespace) -> Bundle:
    """The bundle named by ``args.bundle``: a peer model, or a bundle whose signature is verified."""
    positional = getattr(args, "bundle_positional", None)
    if positional and args.bundle not in (None, DEFAULT_BUNDLE, positional):
        raise WakewordError(f"two bundles named: {positional!r} and --bundle {args.bundle!r}; give one")
    bundle = positional or args.bundle
    if bundle is None:
        raise WakewordError("no bundle given: --bundle NAME|PATH")
    if getattr(args, "personal", False):
        from .personalize import PersonalStore

        original = open_bundle(bundle, allow_unsigned=args.allow_unsigned, trusted_key_files=tuple(args.trusted_key))
        store = PersonalStore(args.personal_dir)
        if not store.has(original.manifest.name):
            raise WakewordError(f"no personalized {original.manifest.name} under {store.root}; run: wakeword "
                                f"personalize --bundle {bundle} --samples ... --room ...")
        return store.open_for(original)
    return open_bundle(bundle, allow_unsigned=args.allow_unsigned, trusted_key_files=tuple(args.trusted_key))


def _load_engine(args: argparse.Namespace, threshold: int | None) -> Engine:
    engine = Engine(_load(args), cascade=args.cascade)
    if threshold is not None:
        engine.detector.set_threshold(threshold)
    return engine


def cmd_detect(args: argparse.Namespace) -> int:
    from .audio import load_audio
    from .health import HealthMonitor

    engine = _load_engine(args, args.threshold)
    monitor = HealthMonitor(engine) if args.health_report else None
    status = 0
    for path in args.files:
        try:
            if monitor is None:
                detections = engine.process_file(path)
            else:
                samples = load_audio(path)
                monitor.new_stream()
                detections = monitor.feed(samples)
        except WakewordError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        if args.json:
            print(json.dumps({"file": path, "detections": [d.to_dict() for d in detections]}))
        else:
            found = ", ".join(f"{d.keyword} at {d.t_ms / 1000:.2f} s (score {d.score})" for d in detections)
            print(f"{path}: {found or 'no detection'}")
    if monitor is not None:  # written locally; nothing is sent anywhere (docs/PRIVACY.md)
        report = json.dumps(monitor.report().to_dict(), indent=2)
        tmp = args.health_report.with_name(args.health_report.name + ".tmp")
        tmp.write_text(report + "\n")
        tmp.replace(args.health_report)
        print(f"model-health counters: {args.health_report}", file=sys.stderr)
    return status


def cmd_info(args: argparse.Namespace) -> int:
    bundle = _load(args)
    if args.json:
        print(json.dumps(to_dict(bundle.manifest), indent=2))
        return 0
    m = bundle.manifest
    print(f"bundle      {bundle.source}")
    print(f"name        {m.name} {m.version} (format {m.format_version})")
    print(f"keywords    {', '.join(m.keywords)}")
    print(f"model       {m.model.kind}, {m.model.size_bytes} bytes, input {list(m.model.input_shape)} "
          f"{m.model.input_dtype}, stride {m.model.stride_frames} frames, sha256 {m.model.sha256[:16]}...")
    print(f"tflm        arena {m.model.tflm_arena_bytes} bytes, ops {', '.join(m.model.ops)}")
    print(f"detector    threshold {m.detector.threshold}/256, window {m.detector.window}, "
          f"refractory {m.detector.refractory_ms} ms"
          + (f", fast path: the newest {m.detector.fast_window} calls at "
             f"{min(m.detector.threshold + m.detector.fast_margin, 255)}" if m.detector.fast_window else ""))
    point = m.metrics.get("operating_point")
    if isinstance(point, dict):
        clips = (f"{point.get('positives')} held-out keyword clips" if "positives_kind" in point
                 else f"{point.get('positives')} real clips")
        print(f"expected    {point.get('fa_per_hour', float('nan')):.2f} false accepts/h on real speech, "
              f"FRR {point.get('frr', float('nan')):.1%} (threshold {point.get('threshold')}, window "
              f"{point.get('window')}; {clips}, {point.get('negative_hours', 0):.2f} h of negatives)")
        if isinstance(point.get("fa_per_hour_in_noise"), (int, float)):
            print(f"in noise    {point['fa_per_hour_in_noise']:.2f} false accepts/h on the same speech with "
                  f"training noise at {point.get('noise_snr_db', float('nan')):g} dB SNR "
                  f"({point.get('noise_hours', 0):.2f} h; target {point.get('noise_target_fa_per_hour')})")
        if isinstance(point.get("latency_ms"), (int, float)):
            limit = point.get("max_latency_ms")
            print(f"latency     median {point['latency_ms']:.0f} ms from the end of the phrase to the event on "
                  "those clips"
                  + (f" (limit {limit} ms" + ("" if point.get("latency_target_met") else ", not reachable within "
                                              "the FRR budget") + ")" if limit else "")
                  + (f" ({point['latency_window_alone_ms']:.0f} ms without the fast path)"
                     if m.detector.fast_window and isinstance(point.get("latency_window_alone_ms"), (int, float))
                     else "")
                  + (f"; {point['real_latency_ms']:.0f} ms on the real clips"
                     if isinstance(point.get("real_latency_ms"), (int, float)) else ""))
        if isinstance(point.get("real_frr"), (int, float)):
            print(f"real clips  FRR {point['real_frr']:.1%} on {point.get('real_positives')} recordings of the "
                  f"keyword ({point.get('real_positives_half')} half; they measured it, they did not choose it)")
    if m.verifier is not None:
        cascade = m.metrics.get("cascade", {})
        print(f"cascade     verifier {m.verifier.model.file} ({m.verifier.model.size_bytes} bytes): first stage "
              f"{m.verifier.first_stage_threshold}, verifier {m.verifier.threshold} over {m.verifier.window} calls"
              + (f"; expected {cascade['fa_per_hour']:.2f} false accepts/h, "
                 f"{cascade.get('fa_per_hour_in_noise', float('nan')):.2f} in noise, FRR {cascade['frr']:.1%}"
                 if "fa_per_hour" in cascade else "")
              + " (wakeword detect/listen --cascade)")
    for key, value in m.metrics.items():
        if not isinstance(value, (dict, list)):
            print(f"metric      {key} = {value}")
    return 0


def cmd_personalize(args: argparse.Namespace) -> int:
    from .audio import load_audio
    from .personalize import PersonalStore, personalize

    store = PersonalStore(args.personal_dir)
    if args.rollback:
        try:
            name = open_bundle(args.bundle, allow_unsigned=args.allow_unsigned,
                               trusted_key_files=tuple(args.trusted_key)).manifest.name
        except WakewordError:  # the original no longer loads: its name as given
            name = Path(str(args.bundle)).name
        removed = store.rollback(name)
        print(f"removed {store.path(name)}: back to the original {name}" if removed
              else f"no personalized {name} under {store.root}; nothing to undo")
        return 0
    if not args.samples or args.room is None:
        raise WakewordError("give --samples (3-10 recordings of the wake word) and --room (a few seconds of your "
                            "room without it)")
    args.personal = False
    bundle = _load(args)
    samples = [load_audio(p) for p in args.samples]   # held in memory only; nothing is written but the bundle
    room = load_audio(args.room)
    result = personalize(bundle, samples, room, keyword=args.keyword,
                         config=PersonalizationConfig(prior_weight=args.prior_weight))
    for line in result.summary_lines():
        print(line)
    path = store.save(result)
    print(f"saved {path} (signed with this device's key {store.key_dir}); use it with --personal, "
          f"undo with: wakeword personalize --bundle {bundle.name} --rollback")
    return 0


def cmd_listen(args: argparse.Namespace) -> int:
    from .mic import Listener, MicrophoneSource

    engine = _load_engine(args, args.threshold)
    source = MicrophoneSource(device=args.device)
    deadline = time.monotonic() + args.seconds if args.seconds else None

    def on_detection(detection):
        print(json.dumps(detection.to_dict()) if args.json else
              f"{detection.t_ms / 1000:8.2f} s  {detection.keyword}  (score {detection.score})", flush=True)

    listener = Listener(engine, source, on_detection=on_detection)
    print(f"listening for {', '.join(engine.keywords)} (Ctrl+C to stop)", file=sys.stderr)
    listener.start()
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.1)
            if listener.error is not None:
                raise listener.error
    except KeyboardInterrupt:
        pass
    finally:
        listener.stop()
    if listener.overruns:
        print(f"warning: {listener.overruns} audio blocks dropped (inference too slow)", file=sys.stderr)
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from .mic import list_input_devices

    devices = list_input_devices()
    if not devices:
        print("no input devices found", file=sys.stderr)
        return 1
    for dev in devices:
        print(f"{dev['index']:3d}  {dev['name']}  ({dev['channels']} ch, {dev['default_samplerate']:.0f} Hz)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wakeword", description="Wake word detection on LiteRT.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("detect", help="detect wake words in audio files")
    p.add_argument("files", nargs="+", metavar="FILE")
    add_bundle_options(p, default=DEFAULT_BUNDLE)
    p.add_argument("--threshold", type=int, help="override the detector threshold (1..255)")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.add_argument("--health-report", type=Path, default=None, metavar="JSON",
                   help="also write the model-health counters over all files here (wakeword.health; opt-in, "
                        "counts only, written locally)")
    p.set_defaults(func=cmd_detect)

    p = sub.add_parser("listen", help="detect wake words from the microphone")
    add_bundle_options(p, default=DEFAULT_BUNDLE)
    p.add_argument("--threshold", type=int)
    p.add_argument("--device", default=None, help="input device index or name (see `wakeword devices`)")
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until Ctrl+C)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_listen)

    p = sub.add_parser("devices", help="list audio input devices")
    p.set_defaults(func=cmd_devices)

    p = sub.add_parser("info", help="show a bundle's manifest")
    add_bundle_options(p, default=DEFAULT_BUNDLE)
    # the bundle as a bare argument too (wakeword info alexa), as before --bundle was everywhere
    p.add_argument("bundle_positional", nargs="?", metavar="BUNDLE", help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("personalize", help="adapt a bundle to your voice from a few recordings (kept on this device)")
    add_bundle_options(p, default=DEFAULT_BUNDLE)
    p.add_argument("--samples", nargs="+", metavar="WAV", help="3-10 recordings of you saying the wake word, one each")
    p.add_argument("--room", metavar="WAV", help="a few seconds (3 or more) of your room without the wake word")
    p.add_argument("--keyword", default=None, help="which keyword of the bundle (default: its first)")
    p.add_argument("--prior-weight", type=float, default=PersonalizationConfig.prior_weight,
                   help="how strongly the new last layer is held to the shipped one (default: %(default)s)")
    p.add_argument("--rollback", action="store_true", help="delete the personalized bundle: back to the original")
    p.set_defaults(func=cmd_personalize)

    for name in ("detect", "listen", "info", "personalize"):
        sub.choices[name].add_argument(
            "--personal-dir", type=Path, default=None, metavar="DIR",
            help="where personalized bundles live (default: $WAKEWORD_PERSONAL_DIR or ~/.local/share/wakeword/personal)")
    for name in ("detect", "listen", "info"):
        sub.choices[name].add_argument(
            "--personal", action="store_true",
            help="use this device's personalized version of the bundle (made by `wakeword personalize`)")

    for name in ("detect", "listen"):
        sub.choices[name].add_argument(
            "--cascade", action="store_true",
            help="confirm each detection with the bundle's verifier (the second stage, for phones and desktops; "
                 "--threshold then sets the first stage's)")

    try:
        from .cli_update import add_update_subcommands
    except ImportError:
        pass
    else:
        add_update_subcommands(sub)
    return parser


@command
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
