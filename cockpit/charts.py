"""Geometry for the dashboard's server-rendered inline SVG (no script, no chart library): the
template only places the rectangles computed here."""

from collections.abc import Sequence
from dataclasses import dataclass

from customers.read import GradeCounts

# Stacked bottom to top, worst first; "unscored" (alive, no snapshot yet) sits on top in grey.
STACK = ("critical", "at_risk", "healthy", "unscored")
COLOURS = {"critical": "#ba2121", "at_risk": "#d98c00", "healthy": "#2e7d32", "unscored": "#bbb"}


@dataclass(frozen=True)
class Rect:
    x: int
    y: float
    width: int
    height: float
    fill: str
    title: str


@dataclass(frozen=True)
class Bar:
    x: int
    centre: int
    label: str  # the week's end, e.g. "Nov 30"
    rects: tuple[Rect, ...]


@dataclass(frozen=True)
class StackedChart:
    width: int
    height: int  # of the plot; the labels take LABEL_SPACE more
    total_height: int
    bars: tuple[Bar, ...]
    peak: int


LABEL_SPACE = 16


def stacked_weeks(
    weeks: Sequence[GradeCounts], *, height: int = 120, bar: int = 22, gap: int = 10
) -> StackedChart:
    """One bar per week, its height the customers counted that week (scaled to the largest
    week), split by grade."""
    peak = max((w.scored + w.unscored for w in weeks), default=0)
    bars = []
    for i, week in enumerate(weeks):
        x = gap + i * (bar + gap)
        counts = {**week.counts, "unscored": week.unscored}
        top = float(height)
        rects = []
        for grade in STACK:
            n = counts.get(grade, 0)
            if not n or not peak:
                continue
            h = height * n / peak
            top -= h
            day = week.day.isoformat() if week.day else "now"
            title = f"{day}: {n} {grade.replace('_', ' ')}"
            rects.append(Rect(x, round(top, 2), bar, round(h, 2), COLOURS[grade], title))
        label = week.day.strftime("%b %d") if week.day else "now"
        bars.append(Bar(x, x + bar // 2, label, tuple(rects)))
    width = gap + len(weeks) * (bar + gap)
    return StackedChart(width, height, height + LABEL_SPACE, tuple(bars), peak)
