"""PNG charts of latency and throughput against scale, from every results file (the latest
non-smoke run per scale): bench/charts/latency.png and throughput.png, linked from
bench/REPORT.md and the README. matplotlib is a dev dependency."""

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import report

CHARTS = Path(__file__).resolve().parent / "charts"


def latest_per_scale() -> list[dict[str, Any]]:
    latest: dict[int, dict[str, Any]] = {}
    for result in report.load_all():
        if not result.get("smoke"):
            latest[result["scale"]] = result
    return [latest[s] for s in sorted(latest)]


def _plot(results: list[dict[str, Any]], key: str, ylabel: str, title: str, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(10, 5.5))
    scales = [r["scale"] for r in results]
    colours = plt.get_cmap("tab20").colors
    for i, (name, (_label, kind)) in enumerate(report.READS.items()):
        points = [
            (s, r["raw"].get(key.format(name=name))) for s, r in zip(scales, results, strict=True)
        ]
        points = [(s, v) for s, v in points if isinstance(v, int | float)]
        if points:
            style = "--" if kind == "floor" else "-"
            ax.plot(
                *zip(*points, strict=True),
                style,
                marker="o",
                color=colours[i % len(colours)],
                label=f"{name} ({kind})",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("customers")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    else:
        ax.text(0.5, 0.5, "no run has this figure yet", ha="center", transform=ax.transAxes)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _plot_work(results: list[dict[str, Any]], path: Path) -> None:
    """Seconds against customers, each job beside the line of linear growth from its smallest
    scale: a job above its dashed line grows worse than linearly."""
    fig, ax = plt.subplots(figsize=(10, 5.5))
    colours = plt.get_cmap("tab10").colors
    for i, (label, key) in enumerate(report.WORK.items()):
        points = [(r["scale"], r["raw"].get(key)) for r in results]
        points = [(s, v) for s, v in points if isinstance(v, int | float) and v > 0]
        if not points:
            continue
        colour = colours[i % len(colours)]
        ax.plot(*zip(*points, strict=True), "-", marker="o", color=colour, label=label)
        (s0, v0), last = points[0], points[-1][0]
        ax.plot([s0, last], [v0, v0 * last / s0], ":", color=colour, alpha=0.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("customers")
    ax.set_ylabel("seconds (dotted: linear growth from the smallest scale)")
    ax.set_title("Whole-population jobs vs scale")
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="upper left")
    else:
        ax.text(0.5, 0.5, "no run has this figure yet", ha="center", transform=ax.transAxes)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_charts() -> list[Path]:
    CHARTS.mkdir(exist_ok=True)
    results = latest_per_scale()
    latency, throughput = CHARTS / "latency.png", CHARTS / "throughput.png"
    work = CHARTS / "work.png"
    _plot(results, "{name}_p95_ms", "p95 ms at concurrency 1", "Latency vs scale", latency)
    _plot(results, "{name}_c8_rps", "req/s at concurrency 8", "Throughput vs scale", throughput)
    _plot_work(results, work)
    return [latency, throughput, work]
