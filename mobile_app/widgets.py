"""Kivy widgets of the app: the live score graph, the detection log, flat dark-theme controls."""

from __future__ import annotations

import time
from collections import deque

import numpy as np
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line, Rectangle, RoundedRectangle
from kivy.metrics import dp, sp
from kivy.properties import ColorProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.spinner import Spinner, SpinnerOption
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.widget import Widget

# ---- dark theme ------------------------------------------------------------------------
BACKGROUND = (0.067, 0.075, 0.094, 1)
PANEL = (0.11, 0.122, 0.149, 1)
PANEL_LIGHT = (0.16, 0.176, 0.212, 1)
GRID = (0.22, 0.24, 0.28, 1)
TEXT = (0.91, 0.92, 0.94, 1)
TEXT_DIM = (0.6, 0.63, 0.68, 1)
ACCENT = (0.18, 0.75, 0.95, 1)      # score line, primary buttons
ACCENT_DARK = (0.11, 0.45, 0.6, 1)
THRESHOLD = (1.0, 0.62, 0.2, 1)     # threshold line
DETECTION = (0.3, 0.85, 0.45, 1)    # detection markers, "listening"
DANGER = (0.9, 0.33, 0.33, 1)


def _label_texture(text: str, font_size: float, color=TEXT_DIM, bold: bool = False):
    label = CoreLabel(text=text, font_size=font_size, color=color, bold=bold)
    label.refresh()
    return label.texture


class Panel(BoxLayout):
    """A BoxLayout on a rounded dark panel."""

    bg_color = ColorProperty(PANEL)
    radius = NumericProperty(dp(10))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.canvas.before:
            self._bg_color = Color(rgba=self.bg_color)
            self._bg = RoundedRectangle(pos=self.pos, size=self.size, radius=[self.radius])
        self.bind(pos=self._sync, size=self._sync, bg_color=self._sync)

    def _sync(self, *_):
        self._bg.pos = self.pos
        self._bg.size = self.size
        self._bg_color.rgba = self.bg_color


class FlatButton(Button):
    """A flat button in the theme's colours."""

    def __init__(self, *, color_normal=PANEL_LIGHT, **kwargs):
        kwargs.setdefault("font_size", sp(15))
        kwargs.setdefault("color", TEXT)
        super().__init__(background_normal="", background_down="", background_disabled_normal="",
                         background_color=color_normal, **kwargs)
        self._normal = color_normal
        self.bind(state=self._on_state_color)

    def set_base_color(self, color) -> None:
        self._normal = color
        self.background_color = color

    def _on_state_color(self, *_):
        r, g, b, a = self._normal
        self.background_color = (r * 0.75, g * 0.75, b * 0.75, a) if self.state == "down" else self._normal


class FlatToggle(ToggleButton):
    def __init__(self, **kwargs):
        kwargs.setdefault("font_size", sp(14))
        super().__init__(background_normal="", background_down="", background_color=PANEL_LIGHT,
                         color=TEXT, **kwargs)
        self.bind(state=self._on_state_color)
        self._on_state_color()

    def _on_state_color(self, *_):
        self.background_color = ACCENT_DARK if self.state == "down" else PANEL_LIGHT


class DarkSpinnerOption(SpinnerOption):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.background_normal = ""
        self.background_color = PANEL_LIGHT
        self.color = TEXT
        self.height = dp(40)


class DarkSpinner(Spinner):
    def __init__(self, **kwargs):
        kwargs.setdefault("font_size", sp(15))
        super().__init__(option_cls=DarkSpinnerOption, background_normal="", background_down="",
                         background_color=PANEL_LIGHT, color=TEXT, **kwargs)


def ThemedLabel(text: str = "", *, dim: bool = False, **kwargs) -> Label:
    """A left-aligned label whose text wraps to its width."""
    kwargs.setdefault("font_size", sp(14))
    kwargs.setdefault("halign", "left")
    kwargs.setdefault("valign", "middle")
    label = Label(text=text, color=TEXT_DIM if dim else TEXT, **kwargs)
    label.bind(size=lambda w, s: setattr(w, "text_size", (s[0], None)))
    return label


class ScoreGraph(Widget):
    """The last ``window_ms`` of one keyword's scores, the detector threshold and detections.

    Feed it with :meth:`set_history` from the UI thread (at most ~15 times a second);
    only the canvas of this widget is rebuilt, and only when something changed.

    Draws the raw uint8 model scores (thin), their moving mean over the detector window
    (thick: what the detector compares with the threshold), the threshold line, and a
    marker at each detection.
    """

    threshold = NumericProperty(200)
    window_ms = NumericProperty(4000)
    keyword = StringProperty("")
    detections = ListProperty([])       # [(t_ms, score), ...]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._t = np.zeros(0, np.int64)
        self._s = np.zeros(0, np.float32)
        self._mean_window = 1
        self._end_ms = 0
        self.redraws = 0
        self.bind(pos=self._redraw, size=self._redraw, threshold=self._redraw,
                  window_ms=self._redraw, detections=self._redraw, keyword=self._redraw)

    def set_history(self, t_ms: np.ndarray, scores: np.ndarray, *, mean_window: int = 1,
                    end_ms: int | None = None) -> None:
        """New data: ``t_ms`` (n,) and ``scores`` (n,) of the shown keyword."""
        end = int(end_ms if end_ms is not None else (t_ms[-1] if len(t_ms) else 0))
        if len(t_ms) == len(self._t) and end == self._end_ms and len(t_ms) and t_ms[-1] == self._t[-1]:
            return                              # nothing new: skip the redraw
        self._t = np.asarray(t_ms, np.int64)
        self._s = np.asarray(scores, np.float32)
        self._mean_window = max(1, int(mean_window))
        self._end_ms = end
        self._redraw()

    def clear(self) -> None:
        self._t = np.zeros(0, np.int64)
        self._s = np.zeros(0, np.float32)
        self._end_ms = 0
        self.detections = []
        self._redraw()

    # geometry
    def _plot_box(self):
        left, bottom = self.x + dp(36), self.y + dp(24)
        return left, bottom, max(1.0, self.right - dp(10) - left), max(1.0, self.top - dp(28) - bottom)

    def _redraw(self, *_):
        self.redraws += 1
        x0, y0, w, h = self._plot_box()
        end = max(self._end_ms, int(self.window_ms))
        start = end - int(self.window_ms)

        def px(t):
            return x0 + (np.asarray(t, np.float64) - start) / self.window_ms * w

        def py(score):
            return y0 + np.asarray(score, np.float64) / 256.0 * h

        self.canvas.clear()
        with self.canvas:
            Color(*PANEL)
            RoundedRectangle(pos=self.pos, size=self.size, radius=[dp(10)])
            # title
            title = _label_texture(f"score \u00b7 {self.keyword}" if self.keyword else "score", sp(13), TEXT, bold=True)
            Color(1, 1, 1, 1)
            Rectangle(texture=title, size=title.size, pos=(x0, self.top - dp(6) - title.size[1]))
            # legend, right-aligned: a short line in each series' colour, then its name
            x = self.right - dp(10)
            for name, color, width in (("detection", DETECTION, 1.5), ("threshold", THRESHOLD, 1.4),
                                       ("window mean", ACCENT, 1.6), ("score", (*ACCENT[:3], 0.45), 1.0)):
                tex = _label_texture(name, sp(11))
                x -= tex.size[0]
                ty = self.top - dp(8) - tex.size[1]
                Color(1, 1, 1, 1)
                Rectangle(texture=tex, size=tex.size, pos=(x, ty))
                x -= dp(4)
                Color(*color)
                Line(points=[x - dp(14), ty + tex.size[1] / 2, x, ty + tex.size[1] / 2], width=dp(width))
                x -= dp(14) + dp(10)
            # grid: scores 0/64/128/192/256
            for level in (0, 64, 128, 192, 256):
                Color(*GRID)
                y = float(py(level))
                Line(points=[x0, y, x0 + w, y], width=1)
                tex = _label_texture(str(level), sp(10))
                Color(1, 1, 1, 1)
                Rectangle(texture=tex, size=tex.size, pos=(x0 - dp(6) - tex.size[0], y - tex.size[1] / 2))
            # time ticks every second
            first = (start // 1000 + 1) * 1000
            for t in range(int(first), int(end) + 1, 1000):
                x = float(px(t))
                Color(*GRID[:3], 0.5)
                Line(points=[x, y0, x, y0 + h], width=1)
                tex = _label_texture(f"{t / 1000:.0f} s", sp(10))
                Color(1, 1, 1, 1)
                Rectangle(texture=tex, size=tex.size, pos=(x - tex.size[0] / 2, y0 - dp(4) - tex.size[1]))
            # detections
            for t_ms, score in self.detections:
                if start <= t_ms <= end:
                    x = float(px(t_ms))
                    Color(*DETECTION[:3], 0.9)
                    Line(points=[x, y0, x, y0 + h], width=dp(1.5))
                    tex = _label_texture(f"{self.keyword} {score}", sp(11), DETECTION, bold=True)
                    Color(1, 1, 1, 1)
                    tx = x + dp(4) if x + dp(4) + tex.size[0] < x0 + w else x - dp(4) - tex.size[0]
                    Rectangle(texture=tex, size=tex.size, pos=(tx, y0 + dp(4)))
            # scores
            keep = self._t >= start - 1000
            t, s = self._t[keep], self._s[keep]
            if len(t) >= 2:
                pts = np.empty(2 * len(t))
                pts[0::2] = np.clip(px(t), x0, x0 + w)
                pts[1::2] = py(s)
                Color(*ACCENT[:3], 0.35)
                Line(points=pts.tolist(), width=1)
                if self._mean_window > 1 and len(s) >= self._mean_window:
                    kernel = np.ones(self._mean_window, np.float32) / self._mean_window
                    mean = np.convolve(s, kernel, mode="valid")
                    mt = t[self._mean_window - 1:]
                    mpts = np.empty(2 * len(mt))
                    mpts[0::2] = np.clip(px(mt), x0, x0 + w)
                    mpts[1::2] = py(mean)
                    Color(*ACCENT)
                    Line(points=mpts.tolist(), width=dp(1.6))
            # threshold
            y = float(py(self.threshold))
            Color(*THRESHOLD)
            Line(points=[x0, y, x0 + w, y], width=dp(1.4))
            tex = _label_texture(f"threshold {int(self.threshold)}", sp(11), THRESHOLD)
            Color(1, 1, 1, 1)
            Rectangle(texture=tex, size=tex.size, pos=(x0 + w - tex.size[0] - dp(4), y + dp(2)))


class DetectionLog(BoxLayout):
    """Newest-first list of detections (time of day, keyword, stream time, score)."""

    max_entries = NumericProperty(200)

    def __init__(self, **kwargs):
        kwargs.setdefault("orientation", "vertical")
        super().__init__(**kwargs)
        self.entries: deque[dict] = deque()
        self._scroll = ScrollView(do_scroll_x=False, bar_color=ACCENT, bar_width=dp(3))
        self._grid = GridLayout(cols=1, size_hint_y=None, spacing=dp(2), padding=(0, dp(2)))
        self._grid.bind(minimum_height=self._grid.setter("height"))
        self._scroll.add_widget(self._grid)
        self._empty = ThemedLabel("No detections yet.", dim=True, size_hint_y=None, height=dp(30))
        self._grid.add_widget(self._empty)
        self.add_widget(self._scroll)

    @staticmethod
    def format_entry(entry: dict) -> str:
        clock = time.strftime("%H:%M:%S", time.localtime(entry["wall_time"]))
        return (f"[b]{clock}[/b]   {entry['keyword']}   at {entry['t_ms'] / 1000:.2f} s"
                f"   score {entry['score']}/256")

    def add(self, keyword: str, t_ms: int, score: int, *, wall_time: float | None = None) -> dict:
        entry = {"keyword": keyword, "t_ms": int(t_ms), "score": int(score),
                 "wall_time": time.time() if wall_time is None else wall_time}
        if self._empty.parent is not None:
            self._grid.remove_widget(self._empty)
        self.entries.appendleft(entry)
        row = Label(text=self.format_entry(entry), markup=True, color=TEXT, font_size=sp(14),
                    size_hint_y=None, height=dp(28), halign="left", valign="middle")
        row.bind(size=lambda w, s: setattr(w, "text_size", s))
        with row.canvas.before:
            Color(*DETECTION[:3], 0.12)
            rect = RoundedRectangle(pos=row.pos, size=row.size, radius=[dp(6)])
        row.bind(pos=lambda w, p: setattr(rect, "pos", p), size=lambda w, s: setattr(rect, "size", s))
        row.padding = (dp(8), 0)
        self._grid.add_widget(row, index=len(self._grid.children))   # on top
        while len(self.entries) > self.max_entries:
            self.entries.pop()
            self._grid.remove_widget(self._grid.children[0])
        return entry

    def clear(self) -> None:
        self.entries.clear()
        self._grid.clear_widgets()
        self._grid.add_widget(self._empty)

    def shown_texts(self) -> list[str]:
        """The text of every row on screen, top to bottom (markup removed)."""
        import re

        rows = [w for w in reversed(self._grid.children) if w is not self._empty]
        return [re.sub(r"\[/?[a-z]+\]", "", w.text) for w in rows]
