"""Charts for the report, drawn with matplotlib's Agg backend (no display) as PNG bytes."""

import io
import math

import matplotlib

matplotlib.use("Agg")  # before pyplot: workers have no display

import matplotlib.pyplot as plt

from aktau_tos.reports.kpis import DailyKpis


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def occupancy_heatmap(yard_map: list[dict]) -> bytes:
    """Each block as a grid of stack heights relative to its tier limit (darker is fuller), two blocks a row."""
    shown = [entry for entry in yard_map if entry["grid"]]
    rows = max(1, math.ceil(len(shown) / 2))
    figure, axes = plt.subplots(rows, 2, figsize=(10, 1.25 * rows + 0.6), squeeze=False)
    for axis in axes.flat:
        axis.set_axis_off()
    for axis, entry in zip(axes.flat, shown, strict=False):
        axis.set_axis_on()
        grid = [[cell["fill"] for cell in row] for row in entry["grid"]]
        axis.imshow(grid, cmap="YlOrRd", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        axis.set_title(f"{entry['block'].code}: {entry['used']} of {entry['capacity']} places", fontsize=8, loc="left")
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle("Yard occupancy by block (stack height / tier limit)", fontsize=10)
    figure.tight_layout()
    return _png(figure)


def dwell_histogram(kpis: DailyKpis) -> bytes:
    dwell = kpis.dwell["month to date"]
    figure, axis = plt.subplots(figsize=(6, 2.6))
    axis.bar(list(dwell["counts"]), list(dwell["counts"].values()), color="#3d7ab8")
    axis.set_title("Dwell of containers that left, month to date", fontsize=10)
    axis.tick_params(labelsize=7)
    return _png(figure)


def throughput_bars(kpis: DailyKpis) -> bytes:
    figure, axis = plt.subplots(figsize=(6, 2.6))
    names = [row["period"] for row in kpis.throughput]
    axis.bar(names, [row["teu"] for row in kpis.throughput], color="#3d7ab8", label="TEU handled")
    axis.plot(names, [row["design_teu"] for row in kpis.throughput], "k_", markersize=40, label="design, pro rata")
    axis.set_title("Throughput against the 240,000 TEU/year design", fontsize=10)
    axis.legend(fontsize=7)
    axis.tick_params(labelsize=7)
    return _png(figure)
