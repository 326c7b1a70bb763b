"""The 12-week health line as server-rendered SVG geometry (no script, no library): weekly
scores 0-100 mapped onto a fixed canvas, oldest week on the left."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WIDTH = 480
HEIGHT = 140
PAD_X = 32  # room for the score axis labels
PAD_TOP = 12
PAD_BOTTOM = 20  # room for the week labels


@dataclass(frozen=True, slots=True)
class ChartPoint:
    week_start: date
    score: int
    grade: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class ScoreChart:
    width: int
    height: int
    points: tuple[ChartPoint, ...]

    @property
    def polyline(self) -> str:
        """The `points` attribute of the SVG polyline."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def axis(self) -> tuple[tuple[int, float], ...]:
        """(score, y) for the 0, 50 and 100 grid lines."""
        return tuple((s, _y(s)) for s in (0, 50, 100))


def _y(score: float) -> float:
    return PAD_TOP + (100 - score) * (HEIGHT - PAD_TOP - PAD_BOTTOM) / 100


def score_chart(weekly: Sequence[tuple[date, int, str]]) -> ScoreChart:
    """One point per week (oldest first), spread evenly across the width; a single week sits
    in the middle. Each point keeps its snapshot's grade (coloured by the template)."""
    span = WIDTH - 2 * PAD_X
    n = len(weekly)
    points = tuple(
        ChartPoint(
            week,
            score,
            grade,
            PAD_X + (span * i / (n - 1) if n > 1 else span / 2),
            _y(score),
        )
        for i, (week, score, grade) in enumerate(weekly)
    )
    return ScoreChart(WIDTH, HEIGHT, points)
