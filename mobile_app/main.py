"""The wakeword app (Kivy): live detection with a score graph, sensitivity, enrollment.

Desktop:  ``wakeword-app [--bundle microwakeword:alexa] [--replay FILE]`` (or ``python -m mobile_app.main``)
Android:  built by buildozer from this folder (see docs/app.md).

Audio comes from an :class:`wakeword.mic.AudioSource` (PortAudio microphone on desktop,
``android_source.AndroidMicSource`` on Android, or file replay); inference runs on the
:class:`wakeword.mic.Listener` worker thread and the UI only reads its results, so it
never blocks on audio or the model.

``--test-script OUT.json`` (or ``WAKEWORD_APP_TEST_SCRIPT=OUT.json``) drives the app
unattended: start listening, wait for a detection, move the sensitivity slider with
synthetic touches, take a screenshot, write what the UI showed as JSON, exit (0 on success).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("KIVY_NO_ARGS", "1")          # our own argparse handles the command line

if __package__ in (None, ""):                        # run as a script (buildozer's main.py)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
    import catalog  # type: ignore[no-redef]
    import enroll  # type: ignore[no-redef]
    import sensitivity  # type: ignore[no-redef]
    from options import parse_args  # type: ignore[no-redef]
else:
    from . import catalog, enroll, sensitivity
    from .options import parse_args

APP_TITLE = "wakeword"
GRAPH_FPS = 15
MAX_GRAPH_POINTS = 400


OPTIONS = parse_args(None if __name__ == "__main__" else [])   # window size is needed before Kivy starts

from kivy.config import Config  # noqa: E402  (window settings must precede the Window import)

_w, _h = (int(v) for v in OPTIONS.size.split("x"))  # checked by options.window_size
Config.set("graphics", "width", str(_w))
Config.set("graphics", "height", str(_h))
Config.set("input", "mouse", "mouse,disable_multitouch")
Config.set("kivy", "exit_on_escape", "1")

from kivy.app import App  # noqa: E402
from kivy.clock import Clock, mainthread  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.input.motionevent import MotionEvent  # noqa: E402
from kivy.metrics import dp, sp  # noqa: E402
from kivy.uix.boxlayout import BoxLayout  # noqa: E402
from kivy.uix.filechooser import FileChooserListView  # noqa: E402
from kivy.uix.popup import Popup  # noqa: E402
from kivy.uix.progressbar import ProgressBar  # noqa: E402
from kivy.uix.slider import Slider  # noqa: E402
from kivy.utils import platform  # noqa: E402

import numpy as np  # noqa: E402

from wakeword.engine import Engine  # noqa: E402
from wakeword.errors import WakewordError  # noqa: E402
from wakeword.mic import FileSource, Listener, MicrophoneSource  # noqa: E402
from wakeword.personalize import PersonalStore, base_name  # noqa: E402

if __package__ in (None, ""):
    import widgets as W  # type: ignore[no-redef]
else:
    from . import widgets as W


def make_microphone(device=None, buffer_ms: int = 5000):
    """The platform's microphone source."""
    if platform == "android":
        if __package__ in (None, ""):
            from android_source import AndroidMicSource  # type: ignore
        else:
            from .android_source import AndroidMicSource
        return AndroidMicSource(buffer_ms=buffer_ms)
    return MicrophoneSource(device=device, buffer_ms=buffer_ms)


class SyntheticTouch(MotionEvent):
    """A touch posted through the window's input dispatch (used by the test script)."""

    def __init__(self, x: float, y: float):
        from kivy.base import EventLoop

        self._loop = EventLoop
        win = EventLoop.window
        super().__init__("SyntheticTouch", 99, {"x": x / (win.width - 1.0), "y": y / (win.height - 1.0)},
                         is_touch=True, type_id="touch")
        self.profile = ["pos"]

    def depack(self, args):
        self.sx, self.sy = args["x"], args["y"]
        super().depack(args)

    def _post(self, kind, x=None, y=None):
        if x is not None:
            win = self._loop.window
            self.move({"x": x / (win.width - 1.0), "y": y / (win.height - 1.0)})
        self._loop.post_dispatch_input(kind, self)

    def down(self):
        self._post("begin")

    def drag(self, x, y):
        self._post("update", x, y)

    def up(self):
        self._post("end")


class WakewordApp(App):
    """The app. Public pieces the tests look at: ``engine``, ``listener``, ``log``,
    ``graph``, ``slider``, ``sensitivity_label``."""

    title = APP_TITLE

    def __init__(self, options: argparse.Namespace | None = None, **kwargs):
        super().__init__(**kwargs)
        self.options = options or parse_args([])
        self.choices: list[catalog.ModelChoice] = []
        self.choice: catalog.ModelChoice | None = None
        self.engine: Engine | None = None
        self.listener: Listener | None = None
        self.replay_path: str | None = self.options.replay
        self.test_result: dict | None = None
        self.exit_code = 0
        self._settings: dict = {}
        self._detections_for_graph: list[tuple[int, int]] = []
        self._updating_slider = False
        self._error_state = False
        self._last_stats = ""

    def load_kv(self, filename=None):
        """The UI is built in Python; there is no .kv file to look for."""
        return None

    # ------------------------------------------------------------------ settings (threshold only)
    @property
    def data_dir(self) -> Path:
        """Kivy's ``user_data_dir`` (created with its parents; Kivy itself only makes the last level)."""
        if platform not in ("android", "ios", "win", "macosx"):
            config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
            try:
                config_home.mkdir(parents=True, exist_ok=True)
            except OSError:
                pass
        return Path(self.user_data_dir)

    @property
    def settings_path(self) -> Path:
        return self.data_dir / "settings.json"

    def _load_settings(self) -> None:
        try:
            self._settings = json.loads(self.settings_path.read_text())
        except (OSError, ValueError):
            self._settings = {}
        if not isinstance(self._settings.get("thresholds"), dict):
            self._settings["thresholds"] = {}

    def _save_settings(self) -> None:
        if self.options.test_script:
            return
        try:
            self.settings_path.parent.mkdir(parents=True, exist_ok=True)
            self.settings_path.write_text(json.dumps(self._settings, indent=2))
        except OSError:
            pass

    # ------------------------------------------------------------------ UI
    def build(self):
        Window.clearcolor = W.BACKGROUND
        self._load_settings()
        self.personal_store = PersonalStore(self.data_dir / "personal")
        #: the model each personal one was made from (by base name), to go back to it
        self.personal_origins: dict[str, catalog.ModelChoice] = {}
        self.choices = self._catalog()

        root = BoxLayout(orientation="vertical", padding=dp(12), spacing=dp(8))

        header = BoxLayout(size_hint_y=None, height=dp(40), spacing=dp(8))
        header.add_widget(W.ThemedLabel(f"[b]{APP_TITLE}[/b]", markup=True, font_size=sp(22)))
        self.state_label = W.ThemedLabel("stopped", dim=True, halign="right", font_size=sp(14))
        header.add_widget(self.state_label)
        root.add_widget(header)

        model_row = BoxLayout(size_hint_y=None, height=dp(42), spacing=dp(8))
        model_row.add_widget(W.ThemedLabel("Model", dim=True, size_hint_x=None, width=dp(64)))
        self.model_spinner = W.DarkSpinner(text="(no models found)", values=[c.label for c in self.choices])
        self.model_spinner.bind(text=self._on_model_picked)
        model_row.add_widget(self.model_spinner)
        root.add_widget(model_row)

        source_row = BoxLayout(size_hint_y=None, height=dp(42), spacing=dp(8))
        source_row.add_widget(W.ThemedLabel("Input", dim=True, size_hint_x=None, width=dp(64)))
        self.mic_toggle = W.FlatToggle(text="Microphone", group="source", state="normal" if self.replay_path else "down",
                                       allow_no_selection=False)
        self.file_toggle = W.FlatToggle(text="File replay", group="source", state="down" if self.replay_path else "normal",
                                        allow_no_selection=False)
        self.file_toggle.bind(on_release=lambda *_: self._on_file_mode())
        self.mic_toggle.bind(on_release=lambda *_: self._update_source_label())
        source_row.add_widget(self.mic_toggle)
        source_row.add_widget(self.file_toggle)
        root.add_widget(source_row)
        self.source_label = W.ThemedLabel("", dim=True, size_hint_y=None, height=dp(20), font_size=sp(12))
        root.add_widget(self.source_label)

        self.graph = W.ScoreGraph(size_hint_y=1.0)
        root.add_widget(self.graph)

        sens = W.Panel(orientation="vertical", size_hint_y=None, height=dp(92), padding=(dp(12), dp(6)))
        sens_head = BoxLayout(size_hint_y=None, height=dp(22))
        sens_head.add_widget(W.ThemedLabel("[b]Sensitivity[/b]", markup=True, font_size=sp(15)))
        self.sensitivity_value = W.ThemedLabel("", halign="right", font_size=sp(15))
        sens_head.add_widget(self.sensitivity_value)
        sens.add_widget(sens_head)
        self.slider = Slider(min=1, max=192, step=1, value=25, size_hint_y=None, height=dp(36),
                             cursor_size=(dp(22), dp(22)), value_track=True,
                             value_track_color=W.ACCENT, value_track_width=dp(3))
        self.slider.bind(value=self._on_slider)
        sens.add_widget(self.slider)
        self.sensitivity_label = W.ThemedLabel("", dim=True, size_hint_y=None, height=dp(20), font_size=sp(12))
        sens.add_widget(self.sensitivity_label)
        root.add_widget(sens)

        buttons = BoxLayout(size_hint_y=None, height=dp(50), spacing=dp(8))
        self.start_button = W.FlatButton(text="Start listening", color_normal=W.ACCENT_DARK, bold=True,
                                         size_hint_x=1.6)
        self.start_button.bind(on_release=lambda *_: self.toggle_listening())
        buttons.add_widget(self.start_button)
        self.enroll_button = W.FlatButton(text="Enroll\u2026")
        self.enroll_button.bind(on_release=lambda *_: self.open_enrollment())
        buttons.add_widget(self.enroll_button)
        clear_button = W.FlatButton(text="Clear log")
        clear_button.bind(on_release=lambda *_: self.clear_log())
        buttons.add_widget(clear_button)
        root.add_widget(buttons)

        log_panel = W.Panel(orientation="vertical", size_hint_y=0.62, padding=(dp(10), dp(6)), spacing=dp(4))
        log_panel.add_widget(W.ThemedLabel("[b]Detections[/b]", markup=True, size_hint_y=None, height=dp(22),
                                           font_size=sp(15)))
        self.log = W.DetectionLog()
        log_panel.add_widget(self.log)
        root.add_widget(log_panel)

        self.footer = W.ThemedLabel("", dim=True, size_hint_y=None, height=dp(18), font_size=sp(11))
        root.add_widget(self.footer)

        self._update_source_label()
        Clock.schedule_interval(self._refresh, 1.0 / GRAPH_FPS)
        return root

    def on_start(self):
        wanted = self.options.bundle
        try:
            if wanted:
                choice = catalog.find_choice(self.choices, wanted)
                if choice not in self.choices:
                    self.choices.append(choice)
                    self.model_spinner.values = [c.label for c in self.choices]
            elif self.choices:
                choice = self.choices[0]
            else:
                choice = None
        except WakewordError as exc:
            self.set_state(f"error: {exc}", error=True)
            choice = None
        if choice is not None:
            self.model_spinner.text = choice.label          # loads it via _on_model_picked
        if platform == "android":
            try:
                from android.permissions import Permission, request_permissions  # type: ignore

                request_permissions([Permission.RECORD_AUDIO])
            except ImportError:
                pass
        if self.options.test_script:
            self._test_script = TestScript(self, self.options)   # Clock keeps only weak refs to methods
            self._test_script.begin()

    def on_stop(self):
        self.stop_listening()

    def on_pause(self):          # Android: keep running in the background is not supported; stop cleanly
        self.stop_listening()
        return True

    # ------------------------------------------------------------------ state
    def set_state(self, text: str, *, error: bool = False, active: bool = False) -> None:
        self._error_state = error
        self.state_label.text = text
        self.state_label.color = W.DANGER if error else (W.DETECTION if active else W.TEXT_DIM)

    def _update_source_label(self) -> None:
        if self.file_toggle.state == "down":
            self.source_label.text = f"replaying {self.replay_path}" if self.replay_path else "choose a file to replay"
        else:
            dev = self.options.device
            self.source_label.text = f"microphone {dev}" if dev is not None else "default microphone, 16 kHz mono"

    def _on_file_mode(self) -> None:
        self._update_source_label()
        if not self.replay_path or not Path(self.replay_path).is_file():
            self.choose_replay_file()

    def choose_replay_file(self) -> None:
        start = str(Path(self.replay_path).parent) if self.replay_path else str(Path.home())
        chooser = FileChooserListView(path=start, filters=["*.wav", "*.flac", "*.ogg", "*.raw"])
        box = BoxLayout(orientation="vertical", spacing=dp(6))
        box.add_widget(chooser)
        row = BoxLayout(size_hint_y=None, height=dp(44), spacing=dp(8))
        popup = Popup(title="Audio file to replay", content=box, size_hint=(0.95, 0.85),
                      background_color=W.PANEL, separator_color=W.ACCENT)

        def pick(*_):
            if chooser.selection:
                self.replay_path = chooser.selection[0]
                self._update_source_label()
            popup.dismiss()

        ok = W.FlatButton(text="Replay this file", color_normal=W.ACCENT_DARK)
        ok.bind(on_release=pick)
        cancel = W.FlatButton(text="Cancel")
        cancel.bind(on_release=lambda *_: popup.dismiss())
        row.add_widget(ok)
        row.add_widget(cancel)
        box.add_widget(row)
        popup.open()

    # ------------------------------------------------------------------ model
    def _catalog(self) -> list[catalog.ModelChoice]:
        user_dirs = [catalog.default_user_dir(), self.data_dir / "bundles"]
        return catalog.available_models(user_dirs, personal_store=self.personal_store)

    def _refresh_catalog(self) -> None:
        self.choices = self._catalog()
        self.model_spinner.values = [c.label for c in self.choices]

    def use_personal(self, result) -> bool:
        """Save a personalization (wakeword.personalize) as this device's bundle and switch to it."""
        if self.choice is not None and self.choice.kind != "personal":
            self.personal_origins[self.base_model_name()] = self.choice
        path = self.personal_store.save(result)
        self._refresh_catalog()
        choice = next((c for c in self.choices if c.kind == "personal" and Path(c.ref) == path), None)
        if choice is None:
            return False
        self.select_model(choice)
        return self.choice == choice

    def base_model_name(self) -> str:
        """The current model's name without the personal suffix."""
        return base_name(self.engine.manifest.name) if self.engine is not None else ""

    def rollback_personal(self) -> bool:
        """Delete the personal version of the current model and go back to the original (one step)."""
        name = self.base_model_name()
        if not self.personal_store.rollback(name):
            return False
        self._refresh_catalog()
        original = self.personal_origins.get(name) or next(
            (c for c in self.choices if c.kind != "personal" and c.ref == name), None)
        if original is not None:
            self.select_model(original)
        return True

    def _on_model_picked(self, _spinner, label: str) -> None:
        choice = next((c for c in self.choices if c.label == label), None)
        if choice is not None and choice != self.choice:
            self.select_model(choice)

    def select_model(self, choice: catalog.ModelChoice) -> None:
        was_listening = self.listening
        self.stop_listening()
        try:
            bundle = choice.load(allow_unsigned=self.options.allow_unsigned,
                                 trusted_key_files=tuple(getattr(self.options, "trusted_key", ()) or ()))
            # a bundle with a verifier runs as a cascade here (the phone's second stage)
            engine = Engine(bundle, history_size=4000, cascade=bundle.manifest.verifier is not None)
        except WakewordError as exc:
            self.set_state(f"cannot load {choice.label}", error=True)
            self.footer.text = str(exc)[:200]
            return
        self.choice, self.engine = choice, engine
        if self.model_spinner.text != choice.label:
            self.model_spinner.text = choice.label
        default = engine.manifest.detector.threshold if engine.verifier is None else engine.manifest.verifier.threshold
        saved = self._settings["thresholds"].get(choice.ref)
        threshold = saved if isinstance(saved, int) and 1 <= saved <= 255 else default
        self._apply_threshold(threshold)
        lo, hi = sensitivity.sensitivity_range(default)
        self._updating_slider = True
        self.slider.min, self.slider.max = lo, hi
        self.slider.value = sensitivity.threshold_to_sensitivity(threshold)
        self._updating_slider = False
        self.graph.keyword = engine.keywords[0]
        self._detections_for_graph = []
        self.graph.clear()
        self._show_threshold(threshold)
        self.set_state(f"ready \u00b7 {', '.join(engine.keywords)}")
        if was_listening:
            self.start_listening()

    # ------------------------------------------------------------------ sensitivity
    def _on_slider(self, _slider, value) -> None:
        if self._updating_slider or self.engine is None:
            return
        threshold = sensitivity.sensitivity_to_threshold(value)
        self._apply_threshold(threshold)
        self._show_threshold(threshold)
        if self.choice is not None:
            self._settings["thresholds"][self.choice.ref] = threshold
            self._save_settings()

    def _apply_threshold(self, threshold: int) -> None:
        """The slider's threshold: the detector's, or with a cascade the verifier's (plain int stores:
        safe while the worker runs)."""
        if self.engine.verifier is None:
            self.engine.detector.set_threshold(threshold)
        else:
            self.engine.set_verifier_threshold(threshold)

    def set_threshold(self, threshold: int) -> None:
        """Move the slider to ``threshold`` (which updates the engine)."""
        self.slider.value = sensitivity.threshold_to_sensitivity(threshold)

    def _show_threshold(self, threshold: int) -> None:
        metrics = self.engine.manifest.metrics if self.engine is not None else {}
        cascade = self.engine is not None and self.engine.verifier is not None
        if cascade:  # the label describes the cascade at this verifier threshold
            metrics = metrics.get("cascade", {})
        self.sensitivity_value.text = f"{sensitivity.threshold_to_sensitivity(threshold)}"
        self.sensitivity_label.text = (("verified \u00b7 " if cascade else "")
                                       + sensitivity.describe_threshold(metrics, threshold))
        # the graph shows the first stage's scores: its line is the first stage's threshold
        self.graph.threshold = self.engine.detector.thresholds[0] if cascade else threshold

    # ------------------------------------------------------------------ listening
    @property
    def listening(self) -> bool:
        return self.listener is not None and self.listener.running

    def toggle_listening(self) -> None:
        if self.listening:
            self.stop_listening()
        else:
            self.start_listening()

    def _make_source(self):
        if self.file_toggle.state == "down":
            if not self.replay_path:
                raise WakewordError("choose a file to replay first")
            return FileSource(self.replay_path, realtime=True)
        return make_microphone(self.options.device, self.options.buffer_ms)

    def start_listening(self) -> bool:
        if self.engine is None:
            self.set_state("no model loaded", error=True)
            return False
        self.stop_listening()
        try:
            source = self._make_source()
            listener = Listener(self.engine, source, on_detection=self._on_detection_worker,
                                on_error=self._on_error_worker, on_finished=self._on_finished_worker)
            self._detections_for_graph = []
            self.graph.clear()
            self.listener = listener              # before start(): worker callbacks look it up
            listener.start()
        except WakewordError as exc:
            self.listener = None
            self.set_state("cannot listen", error=True)
            self.footer.text = str(exc)[:200]
            return False
        self.set_state("\u25cf listening", active=True)
        self.start_button.text = "Stop"
        self.start_button.set_base_color(W.DANGER)
        return True

    def stop_listening(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.stop()
            self._last_stats = self._stats_text(listener)
        if hasattr(self, "start_button"):
            self.start_button.text = "Start listening"
            self.start_button.set_base_color(W.ACCENT_DARK)
            if self.engine is not None and not self._error_state:
                self.set_state("stopped")

    # worker-thread callbacks: hand over to the UI thread
    def _on_detection_worker(self, detection) -> None:
        if self.options.test_script and self.listener is not None and self.listener.stop_after_ms is None:
            self.listener.stop_after_ms = detection.t_ms + 1500   # keep the peak on the graph
        self._show_detection(detection)

    @mainthread
    def _show_detection(self, detection) -> None:
        self.log.add(detection.keyword, detection.t_ms, detection.score)
        self._detections_for_graph.append((detection.t_ms, detection.score))
        self.graph.detections = list(self._detections_for_graph)

    @mainthread
    def _on_error_worker(self, exc) -> None:
        self.set_state("audio error", error=True)
        self.footer.text = f"{type(exc).__name__}: {exc}"[:200]

    @mainthread
    def _on_finished_worker(self) -> None:
        if self.listener is not None and not self.listener.running:
            listener = self.listener
            self._refresh(0)
            self.stop_listening()
            if listener.error is None:
                self.set_state("stopped (end of input)" if listener.source.finished else "stopped")

    def clear_log(self) -> None:
        self.log.clear()
        self._detections_for_graph = []
        self.graph.detections = []

    # ------------------------------------------------------------------ periodic UI refresh (15 fps)
    @staticmethod
    def _stats_text(listener: Listener) -> str:
        src = listener.source
        flows = getattr(src, "input_overflows", 0)
        return (f"stream {listener.stream_ms / 1000:.1f} s  \u00b7  dropped blocks {listener.overruns}"
                f"  \u00b7  device overflows {flows}  \u00b7  {getattr(src, 'name', 'audio')}")

    def _refresh(self, _dt) -> None:
        engine = self.engine
        if engine is None:
            return
        for _ in range(3):
            try:
                history = list(engine.score_history)          # snapshot; the worker appends concurrently
                break
            except RuntimeError:
                continue
        else:
            return
        if history:
            history = history[-MAX_GRAPH_POINTS:]
            t = np.fromiter((h[0] for h in history), dtype=np.int64, count=len(history))
            s = np.fromiter((int(h[1][0]) for h in history), dtype=np.float32, count=len(history))
            self.graph.set_history(t, s, mean_window=engine.manifest.detector.window)
        if self.listener is not None:
            self.footer.text = self._stats_text(self.listener)
        elif getattr(self, "_last_stats", None):
            self.footer.text = self._last_stats

    # ------------------------------------------------------------------ enrollment
    def open_enrollment(self) -> None:
        if self.engine is None:
            return
        self.stop_listening()
        EnrollmentPopup(self).open()

    def apply_calibration(self, result: enroll.Calibration) -> None:
        if not result.ok:
            return
        if self.engine.verifier is None:
            self.set_threshold(result.threshold)
        else:  # enrollment calibrates the first stage; the slider keeps the verifier's threshold
            self.engine.detector.set_threshold(result.threshold)
            self._show_threshold(self.engine.verifier_threshold)


class EnrollmentPopup(Popup):
    """Record samples of the wake word and room sound, calibrate, apply (audio stays in memory)."""

    def __init__(self, app: WakewordApp, **kwargs):
        self.app = app
        self.session = enroll.Enrollment(app.engine.bundle)
        self.keyword = app.engine.keywords[0]
        self._cancel = threading.Event()
        self._busy = False
        self.result: enroll.Calibration | None = None
        self.personal = None               # a wakeword.personalize.Personalized, once made
        box = BoxLayout(orientation="vertical", spacing=dp(8), padding=dp(6))
        self.info = W.ThemedLabel(
            f"Say \u201c{self.keyword}\u201d once per recording ({enroll.SAMPLE_SECONDS:.1f} s each), then record "
            f"about {enroll.ROOM_SECONDS:.0f} s of ordinary room sound without it. Then calibrate the threshold, "
            "or personalize the model to your voice. Recordings stay in memory on this device and are discarded; "
            "only the threshold or your personal model is kept.",
            size_hint_y=None, height=dp(110))
        box.add_widget(self.info)
        self.progress = ProgressBar(max=1.0, value=0, size_hint_y=None, height=dp(16))
        box.add_widget(self.progress)
        self.status = W.ThemedLabel("", size_hint_y=None, height=dp(24))
        box.add_widget(self.status)
        row = BoxLayout(size_hint_y=None, height=dp(46), spacing=dp(8))
        self.sample_button = W.FlatButton(text="", color_normal=W.ACCENT_DARK)
        self.sample_button.bind(on_release=lambda *_: self._record_sample())
        self.room_button = W.FlatButton(text=f"Record room ({enroll.ROOM_SECONDS:.0f} s)")
        self.room_button.bind(on_release=lambda *_: self._record_room())
        row.add_widget(self.sample_button)
        row.add_widget(self.room_button)
        box.add_widget(row)
        actions = BoxLayout(size_hint_y=None, height=dp(46), spacing=dp(8))
        self.calibrate_button = W.FlatButton(text="Calibrate threshold", disabled=True)
        self.calibrate_button.bind(on_release=lambda *_: self._calibrate())
        self.personalize_button = W.FlatButton(text="Personalize model", disabled=True)
        self.personalize_button.bind(on_release=lambda *_: self._personalize())
        actions.add_widget(self.calibrate_button)
        actions.add_widget(self.personalize_button)
        box.add_widget(actions)
        report_panel = W.Panel(padding=dp(10), bg_color=W.PANEL_LIGHT)
        self.report = W.ThemedLabel("Before/after scores appear here after calibration.", dim=True,
                                    font_size=sp(13), valign="top")
        self.report.bind(size=lambda w, s: setattr(w, "text_size", s))
        report_panel.add_widget(self.report)
        box.add_widget(report_panel)
        buttons = BoxLayout(size_hint_y=None, height=dp(46), spacing=dp(8))
        self.apply_button = W.FlatButton(text="Apply", disabled=True, color_normal=W.ACCENT_DARK)
        self.apply_button.bind(on_release=lambda *_: self._apply())
        self.undo_button = W.FlatButton(text="Back to original",
                                        disabled=not app.personal_store.has(app.base_model_name()))
        self.undo_button.bind(on_release=lambda *_: self._undo())
        close = W.FlatButton(text="Close")
        close.bind(on_release=lambda *_: self.dismiss())
        buttons.add_widget(self.apply_button)
        buttons.add_widget(self.undo_button)
        buttons.add_widget(close)
        box.add_widget(buttons)
        super().__init__(title=f"Personal enrollment \u00b7 {self.keyword}", content=box, size_hint=(0.96, 0.9),
                         auto_dismiss=False, background_color=W.PANEL, separator_color=W.ACCENT, **kwargs)
        self._update()

    def on_dismiss(self):
        self._cancel.set()
        self.session.discard()

    def _update(self) -> None:
        n = len(self.session.samples)
        self.sample_button.text = f"Record sample {min(n + 1, self.session.sample_count)}/{self.session.sample_count}" \
            if n < self.session.sample_count else "Samples done"
        self.sample_button.disabled = self._busy or n >= self.session.sample_count
        self.room_button.disabled = self._busy
        self.calibrate_button.disabled = self._busy or not self.session.ready
        self.personalize_button.disabled = self._busy or not self.session.ready

    def _run_recording(self, seconds: float, done) -> None:
        self._busy = True
        self._update()
        source = make_microphone(self.app.options.device, self.app.options.buffer_ms)

        def progress(fraction):
            Clock.schedule_once(lambda dt: setattr(self.progress, "value", fraction))

        def work():
            try:
                audio = enroll.record(source, seconds, on_progress=progress, cancel=self._cancel)
                error = None
            except WakewordError as exc:
                audio, error = None, exc
            Clock.schedule_once(lambda dt: finish(audio, error))

        def finish(audio, error):
            self._busy = False
            if error is not None:
                self.status.text = f"recording failed: {error}"
            else:
                try:
                    done(audio)
                except WakewordError as exc:
                    self.status.text = str(exc)
            self._update()

        threading.Thread(target=work, name="enroll-record", daemon=True).start()

    def _record_sample(self) -> None:
        self.status.text = f"say \u201c{self.keyword}\u201d now\u2026"

        def done(audio):
            n = self.session.add_sample(audio)
            self.status.text = f"sample {n} recorded"
        self._run_recording(enroll.SAMPLE_SECONDS, done)

    def _record_room(self) -> None:
        self.status.text = "recording room sound: don't say the wake word\u2026"

        def done(audio):
            self.session.set_room(audio)
            self.status.text = f"room sound recorded ({len(audio) / 16000:.0f} s)"
        self._run_recording(enroll.ROOM_SECONDS, done)

    def _in_background(self, status: str, job, show, *, name: str, catch=(WakewordError,)) -> None:
        """Run ``job()`` off the UI thread with the dialog busy; then ``show(result)``, or its error in the status."""
        self._busy = True
        self._update()
        self.status.text = status

        def work():
            try:
                result, error = job(), None
            except catch as exc:
                result, error = None, exc
            Clock.schedule_once(lambda dt: finish(result, error))

        def finish(result, error):
            self._busy = False
            self._update()
            if error is not None:
                self.status.text = str(error)       # e.g. "sample 2 is clipped ...": record it again
                return
            show(result)
            self.report.color = W.TEXT
            self.report.text = "\n".join(result.summary_lines())

        threading.Thread(target=work, name=name, daemon=True).start()

    def _calibrate(self) -> None:
        previous = self.app.engine.detector.thresholds[0]

        def show(result):
            self.result, self.personal = result, None
            self.status.text = "calibrated" if result.ok else "could not calibrate"
            self.apply_button.disabled = not result.ok

        self._in_background("calibrating\u2026", lambda: self.session.calibrate(previous_threshold=previous, margin=8),
                            show, name="enroll-calibrate")

    def _personalize(self) -> None:
        def show(result):
            self.personal, self.result = result, None
            self.status.text = "personal model ready: Apply to use it"
            self.apply_button.disabled = False

        # any failure (not only bad audio) must end the busy state with a message
        self._in_background("personalizing\u2026", self.session.personalize, show, name="enroll-personalize",
                            catch=(Exception,))

    def _undo(self) -> None:
        if self.app.rollback_personal():
            self.status.text = "back to the original model"
        self.undo_button.disabled = True

    def _apply(self) -> None:
        if self.personal is not None:
            try:
                self.app.use_personal(self.personal)
            except WakewordError as exc:
                self.status.text = f"could not save the personal model: {exc}"
                return
            self.dismiss()
        elif self.result is not None:
            self.app.apply_calibration(self.result)
            self.dismiss()


class TestScript:
    """Unattended run: listen -> detection -> drag the slider -> screenshot -> JSON -> exit."""

    def __init__(self, app: WakewordApp, options: argparse.Namespace):
        self.app = app
        self.options = options
        self.t0 = time.monotonic()
        self.result: dict = {"ok": False, "steps": []}

    def step(self, text: str) -> None:
        self.result["steps"].append(f"{time.monotonic() - self.t0:6.2f}s {text}")

    def begin(self) -> None:
        Clock.schedule_once(self._start, 0.3)

    def _start(self, _dt) -> None:
        app = self.app
        if self.options.test_personalize and "model_personal" not in self.result:
            return self._personalize_first()
        self.result["model"] = app.choice.label if app.choice else None
        if app.engine is None or not app.start_listening():
            return self._finish(f"could not start listening: {app.state_label.text} {app.footer.text}")
        self.step("listening")
        self._deadline = time.monotonic() + self.options.timeout
        Clock.schedule_interval(self._wait_detection, 0.05)

    def _personalize_first(self) -> None:
        """Record (from files), press Personalize, wait, press Apply: the app switches to the personal model."""
        from wakeword.audio import load_audio

        app = self.app
        self.result["model_before_personal"] = app.choice.label if app.choice else None
        popup = EnrollmentPopup(app)
        popup.open()
        *samples, room = self.options.test_personalize
        for path in samples:
            popup.session.add_sample(load_audio(path))
        popup.session.set_room(load_audio(room))
        popup._update()
        self.step("enrollment recorded")
        popup.personalize_button.dispatch("on_release")
        deadline = time.monotonic() + self.options.timeout

        def wait(_dt):
            if popup.personal is not None:
                self.result["personal_report"] = popup.report.text
                popup.apply_button.dispatch("on_release")
                self.result["model_personal"] = app.choice.label if app.choice else None
                self.step("personal model applied")
                Clock.schedule_once(self._start, 0.3)
                return False
            if not popup._busy or time.monotonic() > deadline:
                popup.dismiss()
                self._finish(f"personalization failed: {popup.status.text}")
                return False
            return True
        Clock.schedule_interval(wait, 0.1)

    def _wait_detection(self, _dt):
        app = self.app
        if app.log.entries and not app.listening:
            self.step("detection shown, listener stopped")
            Clock.schedule_once(self._drive_slider, 0.3)
            return False
        if time.monotonic() > self._deadline:
            self._finish("timed out waiting for a detection")
            return False
        if app.listener is None and not app.log.entries:
            self._finish(f"listening ended without a detection: {app.state_label.text} {app.footer.text}")
            return False
        return True

    def _slider_x(self, value: float) -> float:
        s = self.app.slider
        frac = (value - s.min) / float(s.max - s.min)
        return s.x + s.padding + frac * (s.width - 2 * s.padding)

    def _drive_slider(self, _dt) -> None:
        app = self.app
        self.result["threshold_before"] = list(app.engine.detector.thresholds)
        self.result["slider_before"] = app.slider.value
        self.result["sensitivity_label_before"] = app.sensitivity_label.text
        target = sensitivity.threshold_to_sensitivity(self.options.test_target_threshold)
        y = app.slider.center_y
        touch = SyntheticTouch(self._slider_x(app.slider.value), y)
        touch.down()
        touch.drag(self._slider_x((app.slider.value + target) / 2), y)
        touch.drag(self._slider_x(target), y)
        touch.up()
        self.step("slider dragged")
        Clock.schedule_once(self._screenshot, 0.4)

    def _screenshot(self, _dt) -> None:
        app = self.app
        self.result["threshold_after"] = list(app.engine.detector.thresholds)
        self.result["slider_after"] = app.slider.value
        self.result["sensitivity_label_after"] = app.sensitivity_label.text
        self.result["graph_threshold"] = app.graph.threshold
        if self.options.screenshot:
            target = Path(self.options.screenshot)
            target.parent.mkdir(parents=True, exist_ok=True)
            saved = Window.screenshot(name=str(target))    # Kivy appends a counter to the name
            if saved and Path(saved).is_file():
                os.replace(saved, target)
                self.result["screenshot"] = str(target)
            self.step("screenshot")
        self._finish(None)

    def _finish(self, error: str | None) -> None:
        app = self.app
        if self.result.get("model_personal"):       # undo: one step back to the model we started with
            self.result["model_detected_with"] = app.choice.label if app.choice else None
            self.result["rolled_back"] = app.rollback_personal()
            self.result["model_after_rollback"] = app.choice.label if app.choice else None
            self.result["personal_left"] = [c.label for c in app.choices if c.kind == "personal"]
        self.result.update({
            "ok": error is None,
            "error": error,
            "log": app.log.shown_texts(),
            "log_entries": [{k: e[k] for k in ("keyword", "t_ms", "score")} for e in app.log.entries],
            "state": app.state_label.text,
            "footer": app.footer.text,
            "graph_redraws": app.graph.redraws,
            "elapsed_s": round(time.monotonic() - self.t0, 2),
        })
        Path(self.options.test_script).write_text(json.dumps(self.result, indent=2))
        app.exit_code = 0 if error is None else 1
        app.stop()


def main(options: argparse.Namespace | None = None) -> int:
    app = WakewordApp(options or OPTIONS)
    app.run()
    return app.exit_code


if __name__ == "__main__":
    sys.exit(main())
