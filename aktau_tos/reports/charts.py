"""Charts for the report, drawn with matplotlib's Agg backend (no display) as PNG bytes.

Each is sized for an e-mail column of 600 px read on a phone: one figure width, fonts large enough once scaled
down, scales that follow the data at any volume, and a written message instead of an empty axis when there is
nothing to draw. Titles, labels, legends and ticks are in the reader's language (the one active as it is drawn),
numbers and days written as that language writes them. DejaVu Sans has Latin and Cyrillic (Kazakh's letters too);
Chinese needs a CJK font on the worker (`make languages` installs WenQuanYi Micro Hei), which the text falls back to.
"""

import functools
import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: workers have no display

import matplotlib.pyplot as plt
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from matplotlib import font_manager
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.dates import AutoDateLocator, num2date
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from aktau_tos.reports import l10n
from aktau_tos.reports.kpis import DESIGN_TEU_PER_DAY, DIRECTION_LABELS, DailyKpis
from aktau_tos.reports.l10n import number as _number

WIDTH_IN = 4.8  # at 150 dpi: 720 px, shown at up to 600 px (sharp on high-density screens)
DPI = 150
FONT = 9
IN_COLOUR, OUT_COLOUR, DESIGN_COLOUR = "#3d7ab8", "#9cc3e6", "#c0392b"
OCCUPANCY_COLOURS = plt.get_cmap("YlOrRd").with_extremes(bad="#dddddd")  # grey: no ground slot there
BAR_HEIGHT = 0.7  # of a block's row on the occupancy chart
# Fonts for Chinese, the first one installed taking the glyphs DejaVu Sans lacks. Matplotlib reads the fonts it
# cached when it first ran: one installed since is added from its file.
CJK_FONTS = {
    "WenQuanYi Micro Hei": "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "WenQuanYi Zen Hei": "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "Noto Sans CJK SC": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
}


def _font_family() -> list[str]:
    known = {font.name for font in font_manager.fontManager.ttflist}
    for name, path in CJK_FONTS.items():
        if name not in known and Path(path).is_file():
            font_manager.fontManager.addfont(path)
    known = {font.name for font in font_manager.fontManager.ttflist}
    return ["DejaVu Sans", *(name for name in CJK_FONTS if name in known)]


FONT_FAMILY = _font_family()


@dataclass(frozen=True)
class Chart:
    """A chart's PNG, and whether it had data to draw (if not, it says so in words)."""

    png: bytes
    has_data: bool


@dataclass(frozen=True)
class BlockBar:
    """One block on the occupancy chart: a bar from 0 to its places, filled with its stacks."""

    code: str
    places: int
    used: int
    width: float  # in places: proportional to the block's capacity
    fills: list[list[float]]  # rows x bays: stack height over the tier limit; NaN where no ground slot exists

    @property
    def share(self) -> float:
        return self.used / self.places if self.places else 0.0


def _fonts(draw):
    """Draws with the fonts for every language the report is written in."""

    @functools.wraps(draw)
    def drawn(*args, **kwargs):
        with plt.rc_context({"font.family": FONT_FAMILY}):
            return draw(*args, **kwargs)

    return drawn


def _number_tick(value: float, _position) -> str:
    return _number(value) if float(value).is_integer() else l10n.figure(round(float(value), 2))


def _day_tick(value: float, _position) -> str:
    return l10n.day_month(num2date(value).date())


def _figure(height_in: float):
    figure, axis = plt.subplots(figsize=(WIDTH_IN, height_in))
    axis.tick_params(labelsize=FONT - 1)
    return figure, axis


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _no_data(axis, message: str) -> None:
    axis.set_axis_off()
    axis.text(0.5, 0.5, message, ha="center", va="center", fontsize=FONT + 1, color="#555555", wrap=True,
              transform=axis.transAxes)  # fmt: skip


@_fonts
def throughput_chart(kpis: DailyKpis) -> Chart:
    """TEU in and out on each of the last days, stacked, against the design pace (a line at about 658 TEU a day)."""
    series = kpis.daily_throughput
    figure, axis = _figure(3.0)
    days = [row["day"] for row in series]
    teu_in = [row["teu_in"] for row in series]
    teu_out = [row["teu_out"] for row in series]
    total = sum(teu_in) + sum(teu_out)
    axis.bar(days, teu_in, color=IN_COLOUR, label=str(DIRECTION_LABELS["in"]))
    axis.bar(days, teu_out, bottom=teu_in, color=OUT_COLOUR, label=str(DIRECTION_LABELS["out"]))
    axis.axhline(DESIGN_TEU_PER_DAY, color=DESIGN_COLOUR, linewidth=1.5,
                 label=_("design pace, %(teu)s TEU a day") % {"teu": _number(DESIGN_TEU_PER_DAY)})  # fmt: skip
    busiest = max((i + o for i, o in zip(teu_in, teu_out, strict=True)), default=0)
    axis.set_ylim(0, max(busiest, DESIGN_TEU_PER_DAY) * 1.15)
    axis.set_ylabel(_("TEU a day"), fontsize=FONT)
    axis.xaxis.set_major_locator(AutoDateLocator(minticks=4, maxticks=8))
    axis.xaxis.set_major_formatter(FuncFormatter(_day_tick))
    axis.yaxis.set_major_formatter(FuncFormatter(_number_tick))
    design_total = DESIGN_TEU_PER_DAY * len(series)
    title = ngettext("Throughput, last %(days)d day", "Throughput, last %(days)d days", len(series)) % {
        "days": len(series)
    }
    summary = _("%(teu)s TEU in and out, %(share)s%% of the design pace") % {
        "teu": _number(total),
        "share": _number(100 * total / design_total if series else 0),
    }
    axis.set_title(f"{title}\n{summary}", fontsize=FONT + 1, loc="left")
    if not total:
        axis.text(0.5, 0.5, _("No box arrived or left in these days."), ha="center", va="center", fontsize=FONT + 1,
                  color="#555555", transform=axis.transAxes)  # fmt: skip
    axis.legend(fontsize=FONT - 1, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=3, frameon=False)
    return Chart(_png(figure), has_data=bool(total))


def occupancy_layout(yard_map: list[dict]) -> list[BlockBar]:
    """Each block's bar on the occupancy chart, as long as its places, with its stacks' fill (from yard_map)."""
    bars = []
    for entry in yard_map:
        block = entry["block"]
        fills = [[cell["fill"] if cell["exists"] else float("nan") for cell in row] for row in entry["grid"]]
        bars.append(BlockBar(block.code, entry["capacity"], entry["used"], float(entry["capacity"]), fills))
    return bars


@_fonts
def occupancy_chart(bars: list[BlockBar]) -> Chart:
    """A heatmap per block, one block a row, each as long as its places: a 12-place area is a short bar beside a
    1,500-place block, and every stack is coloured by its height over the tier limit (colour bar in %)."""
    figure, axis = _figure(0.32 * len(bars) + 1.0)
    shown = [bar for bar in bars if bar.places]
    if not shown:
        _no_data(axis, _("No yard blocks are set up."))
        return Chart(_png(figure), has_data=False)
    scale = Normalize(vmin=0, vmax=1)
    longest = max(bar.width for bar in shown)
    for index, bar in enumerate(shown):
        bottom, top = index - BAR_HEIGHT / 2, index + BAR_HEIGHT / 2
        if bar.fills and bar.fills[0]:
            axis.imshow(bar.fills, cmap=OCCUPANCY_COLOURS, norm=scale, aspect="auto", interpolation="nearest",
                        extent=(0, bar.width, top, bottom))  # fmt: skip
        axis.add_patch(Rectangle((0, bottom), bar.width, BAR_HEIGHT, fill=False, edgecolor="#555555", linewidth=0.5))
        axis.text(bar.width + longest * 0.01, index, f"{_number(100 * bar.share)}%  {_number(bar.used)}/"
                  f"{_number(bar.places)}", va="center", fontsize=FONT - 1)  # fmt: skip
    axis.set_xlim(0, longest * 1.28)  # room for the figures after the longest bar
    axis.set_ylim(len(shown) - 0.5, -0.5)  # the first block on top
    axis.set_yticks(range(len(shown)), [bar.code for bar in shown])
    axis.set_xlabel(_("places (bays x rows x tier limit)"), fontsize=FONT)
    axis.xaxis.set_major_formatter(FuncFormatter(_number_tick))
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    used, places = sum(bar.used for bar in shown), sum(bar.places for bar in shown)
    axis.set_title(
        ngettext(
            "Yard occupancy now: %(share)s%% of %(places)s place",
            "Yard occupancy now: %(share)s%% of %(places)s places",
            places,
        )
        % {"share": _number(100 * used / places), "places": _number(places)},
        fontsize=FONT + 1,
        loc="left",
    )
    colour_bar = figure.colorbar(ScalarMappable(norm=scale, cmap=OCCUPANCY_COLOURS), ax=axis, fraction=0.04,
                                 pad=0.02, format=PercentFormatter(1.0))  # fmt: skip
    colour_bar.set_label(_("stack height / tier limit"), fontsize=FONT - 1)
    colour_bar.ax.tick_params(labelsize=FONT - 1)
    return Chart(_png(figure), has_data=True)


@_fonts
def dwell_chart(kpis: DailyKpis, period: str = "month to date") -> Chart:
    """How long the boxes that left in the period stayed, in day bins; a message when none left."""
    dwell = kpis.dwell[period]
    figure, axis = _figure(2.6)
    if not dwell["total"]:
        _no_data(axis, _("No departures in the %(period)s: no dwell to show.") % {"period": dwell["label"]})
        return Chart(_png(figure), has_data=False)
    labels, counts = list(dwell["counts"]), list(dwell["counts"].values())
    bars = axis.bar(labels, counts, color=IN_COLOUR)
    axis.bar_label(bars, labels=[_number(count) for count in counts], fontsize=FONT - 1)
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole boxes, at 3 as at 30,000
    axis.yaxis.set_major_formatter(FuncFormatter(_number_tick))
    axis.set_ylim(0, max(counts) * 1.18)
    axis.set_ylabel(_("boxes"), fontsize=FONT)
    axis.set_xlabel(_("time in the yard"), fontsize=FONT)
    title = _("Dwell of the boxes that left, %(period)s") % {"period": dwell["label"]}
    summary = ngettext(
        "%(boxes)s box, %(mean)s days on average", "%(boxes)s boxes, %(mean)s days on average", dwell["total"]
    ) % {
        "boxes": _number(dwell["total"]),
        "mean": _number(dwell["mean_days"], 1),
    }
    axis.set_title(f"{title}\n{summary}", fontsize=FONT + 1, loc="left")
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    return Chart(_png(figure), has_data=True)
