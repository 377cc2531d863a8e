"""Server-side SVG charts (pygal), with no script: the numbers are in the table beside them."""

from __future__ import annotations

import re
import sys

import pygal
from pygal.style import Style

# pygal appends an old-style import hook for its map plugins (unused here) to sys.meta_path;
# it has no find_spec, so every failed import anywhere warns (and fails on newer Pythons).
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    colors=("#1f3a5f", "#2e8540", "#d9822b", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    value_font_size=11,
    title_font_size=14,
)


def _config(chart_class, title: str, **options):
    return chart_class(
        title=title,
        style=STYLE,
        js=[],  # pygal links its tooltip script from the web otherwise: never load it
        disable_xml_declaration=True,
        width=800,
        height=340,
        explicit_size=False,
        legend_at_bottom=True,
        print_values=False,
        show_y_guides=True,
        truncate_label=-1,
        **options,
    )


def bar(title: str, labels: list[str], series: dict[str, list], *, stacked=False, horizontal=False):
    """A bar chart as an SVG string; `series` maps a legend name to one value per label."""
    kind = {
        (False, False): pygal.Bar,
        (True, False): pygal.StackedBar,
        (False, True): pygal.HorizontalBar,
        (True, True): pygal.HorizontalStackedBar,
    }[(stacked, horizontal)]
    chart = _config(kind, title, show_legend=len(series) > 1)
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, [v if v is not None else None for v in values])
    return _without_script(chart.render(is_unicode=True))


# pygal writes its configuration (labels included) as an inline script for its tooltips; the
# page shows the chart without it, and labels never end up inside a script element.
_SCRIPT = re.compile(r"<script.*</script>", re.DOTALL)


# Its hidden tooltip group has a style attribute, which the page's CSP refuses: the same as an
# SVG attribute instead. (Its <style> element gets the page's nonce: `with_style_nonce`.)
_OPACITY = re.compile(r'style="opacity: ?([0-9.]+)"')


def _without_script(svg: str) -> str:
    return _OPACITY.sub(r'opacity="\1"', _SCRIPT.sub("", svg))
