"""Inline SVG charts drawn by hand: every mark carries its value as a hover ``<title>``, every text is placed
from its measured width, so the page's plots stay small, exact and free of overlapping labels.

Text widths come from the DejaVu Sans font shipped with matplotlib, the first font the page asks for (Verdana,
its fallback, has near-identical metrics), with a safety margin. The drawing area of each chart is a
``rect.area`` element: the page's layout checks measure it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

FONT = "'DejaVu Sans', Verdana, sans-serif"
TEXT = "#222"
MUTED = "#666"
GRID = "#e5e7eb"
#: matplotlib's tab10, then tab20's light shades: one colour per model.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
           "#dbdb8d", "#9edae5")


@lru_cache(maxsize=1)
def _font():
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    return FT2Font(findfont(FontProperties(family="DejaVu Sans")))


@lru_cache(maxsize=4096)
def text_width(text: str, size: float = 11.0) -> float:
    """Width in pixels of ``text`` at font size ``size`` (px), 5 % wider than DejaVu Sans draws it."""
    font = _font()
    font.set_size(size, 72)
    font.set_text(text, 0.0)
    return 1.05 * font.get_width_height()[0] / 64.0


def fit(text: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis to at most ``width`` pixels at ``size``."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def number(value: float) -> str:
    """A tick or hover value in few characters: 0.25, 3.5k, 1.2M, 1.0e-05."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.3g}M"
    if magnitude >= 1e3:
        return f"{value / 1e3:.3g}k"
    if magnitude < 1e-3:
        return f"{value:.1e}"
    return f"{value:.3g}"


@dataclass
class Scale:
    """A map from data values (``low``, ``high``) to pixels (``start``, ``end``), linear or log10."""

    low: float
    high: float
    start: float
    end: float
    log: bool = False

    def __post_init__(self) -> None:
        if self.high == self.low:
            self.low, self.high = self.low - 0.5, self.high + 0.5

    def _t(self, value: float) -> float:
        return math.log10(value) if self.log else value

    def __call__(self, value: float) -> float:
        low, high = self._t(self.low), self._t(self.high)
        return self.start + (self._t(value) - low) / (high - low) * (self.end - self.start)

    def ticks(self, count: int = 5) -> list[float]:
        """Round values inside the domain: decades on a log scale, 1-2-5 steps on a linear one."""
        low, high = sorted((self.low, self.high))
        if self.log:
            first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
            return [10.0 ** k for k in range(first, last + 1)]
        raw = (high - low) / max(1, count)
        step = 10 ** math.floor(math.log10(raw))
        step *= next(m for m in (1, 2, 2.5, 5, 10) if m * step >= raw)
        first = math.ceil(low / step - 1e-9)
        return [round(k * step, 12) for k in range(first, math.floor(high / step + 1e-9) + 1)]


def padded(values: list[float], share: float = 0.06, log: bool = False) -> tuple[float, float]:
    """The range of ``values`` widened by ``share`` on both sides (in log10 on a log scale)."""
    finite = [v for v in values if math.isfinite(v) and (v > 0 or not log)]
    if not finite:
        return (0.1, 10.0) if log else (0.0, 1.0)
    low, high = min(finite), max(finite)
    if log:
        a, b = math.log10(low), math.log10(high)
        pad = max(share * (b - a), 0.15)
        return 10 ** (a - pad), 10 ** (b + pad)
    pad = share * (high - low) or max(abs(high) * share, 0.05)
    return low - pad, high + pad


@dataclass
class Chart:
    """One SVG: a drawing area at (``left``, ``top``) of ``width`` × ``height`` px inside its margins."""

    width: float
    height: float
    left: float = 48.0
    top: float = 10.0
    right: float = 12.0
    bottom: float = 40.0
    label: str = ""
    parts: list[str] = field(default_factory=list)

    @property
    def total_width(self) -> float:
        return self.left + self.width + self.right

    @property
    def total_height(self) -> float:
        return self.top + self.height + self.bottom

    def area(self) -> None:
        """The drawing area's frame (``rect.area``)."""
        self.parts.append(f'<rect class="area" x="{self.left:.1f}" y="{self.top:.1f}" width="{self.width:.1f}" '
                          f'height="{self.height:.1f}" fill="none" stroke="{GRID}"/>')

    def text(self, x: float, y: float, text: str, size: float = 11.0, anchor: str = "start", color: str = TEXT,
             rotate: float | None = None, title: str | None = None, weight: str | None = None) -> None:
        """A label whose baseline starts (``anchor``: start, middle, end) at (x, y)."""
        transform = f' transform="rotate({rotate:g} {x:.1f} {y:.1f})"' if rotate else ""
        bold = f' font-weight="{weight}"' if weight else ""
        hover = f"<title>{escape(title)}</title>" if title and title != text else ""
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" '
                          f'fill="{color}"{bold}{transform}>{hover}{escape(text)}</text>')

    def mark(self, shape: str, title: str, **attrs) -> None:
        """A data mark (``circle``, ``rect``, ``path``, ``polyline``) with its value as a hover title."""
        body = " ".join(f'{k.rstrip("_").replace("_", "-")}="{_attr(v)}"' for k, v in attrs.items())
        self.parts.append(f'<{shape} class="mark" {body}><title>{escape(title)}</title></{shape}>')

    def line(self, x1: float, y1: float, x2: float, y2: float, color: str = GRID, width: float = 1.0,
             dash: str | None = None, title: str | None = None) -> None:
        style = f' stroke-dasharray="{dash}"' if dash else ""
        hover = f"<title>{escape(title)}</title>" if title else ""
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
                          f'stroke-width="{width:g}"{style}>{hover}</line>')

    def x_axis(self, scale: Scale, label: str, ticks: list[float] | None = None,
               names: dict[float, str] | None = None) -> None:
        """Ticks, grid lines and tick labels under the area (thinned until no two labels touch), and ``label``."""
        ticks = scale.ticks() if ticks is None else ticks
        names = names or {}
        labels = [(scale(t), names.get(t, number(t))) for t in ticks]
        labels = [(x, s) for x, s in labels if self.left - 1 <= x <= self.left + self.width + 1]
        step = 1
        while any(abs(b[0] - a[0]) < (text_width(a[1], 10) + text_width(b[1], 10)) / 2 + 6
                  for a, b in zip(labels[::step], labels[step::step])):
            step += 1
        bottom = self.top + self.height
        for x, _ in labels:
            self.line(x, self.top, x, bottom)
        for x, s in labels[::step]:
            self.text(x, bottom + 14, s, size=10, anchor="middle", color=MUTED)
        self.text(self.left + self.width / 2, bottom + 31, fit(label, 11, self.width), anchor="middle", title=label)

    def y_axis(self, scale: Scale, label: str, ticks: list[float] | None = None) -> None:
        """Ticks, grid lines and tick labels left of the area, thinned to one per 16 px, and a vertical ``label``."""
        ticks = [t for t in (scale.ticks() if ticks is None else ticks)
                 if min(scale.start, scale.end) - 1 <= scale(t) <= max(scale.start, scale.end) + 1]
        step = max(1, math.ceil(16 / max(1e-9, min((abs(scale(b) - scale(a)) for a, b in zip(ticks, ticks[1:])),
                                                   default=16))))
        for t in ticks:
            self.line(self.left, scale(t), self.left + self.width, scale(t))
        for t in ticks[::step]:
            self.text(self.left - 5, scale(t) + 3.5, number(t), size=10, anchor="end", color=MUTED)
        middle = self.top + self.height / 2
        self.text(10, middle, fit(label, 11, self.height), anchor="middle", rotate=-90, title=label)

    def row_labels(self, names: list[str], ys: list[float], width: float, size: float = 11.0) -> None:
        """Names right-aligned left of the area (cut to ``width`` px, the full name on hover)."""
        for name, y in zip(names, ys):
            self.text(self.left - 6, y + size * 0.35, fit(name, size, width), size=size, anchor="end", title=name)

    def render(self) -> str:
        """The ``<svg>`` element."""
        w, h = self.total_width, self.total_height
        body = "".join(self.parts)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" viewBox="0 0 {w:.0f} '
                f'{h:.0f}" font-family="{FONT}" role="img" aria-label="{escape(self.label)}">{body}</svg>')


def _attr(value) -> str:
    return f"{value:.1f}" if isinstance(value, float) else escape(str(value))


def colors(names: list[str]) -> dict[str, str]:
    """One stable colour per name, in the given order (cycling after 20)."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def diverging(value: float, low: float = -1.0, high: float = 1.0) -> str:
    """RdYlGn colour of ``value`` between ``low`` (red) and ``high`` (green); grey for NaN."""
    if value is None or not math.isfinite(value):
        return "#eeeeee"
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    return to_hex(colormaps["RdYlGn"](min(1.0, max(0.0, (value - low) / (high - low)))))


def ink_on(fill: str) -> str:
    """Black or white, whichever reads on the colour ``fill`` (#rrggbb)."""
    r, g, b = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"
