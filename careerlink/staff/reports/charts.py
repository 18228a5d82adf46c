"""Server-rendered SVG charts (pygal), with no script, a title and a description.

pygal writes a <script> with its configuration (for optional tooltips) even when told to load
no script; it is removed here, so the SVG is a picture and nothing else. The <title> and <desc>
are the first children of the root, where screen readers look for them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pygal
from flask_babel import gettext as _
from pygal.style import Style

from careerlink.staff.reports.queries import Report

# pygal's tree has plain tag names and writes the xmlns attributes itself.

# High-contrast colours that stay apart in greyscale print.
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#52606d",
    colors=("#1d4ed8", "#b45309", "#047857", "#7c3aed", "#b91c1c"),
    font_family="Arial, Helvetica, sans-serif",
)

CHARTS = {"bar": pygal.Bar, "line": pygal.Line}


def render_svg(report: Report) -> str:
    """The report's chart as an SVG document (UTF-8 text)."""
    chart = CHARTS[report.chart_kind](
        js=[],
        disable_xml_declaration=True,
        style=STYLE,
        width=900,
        height=450,
        title=str(report.title),
        x_label_rotation=30 if len(report.x_labels) > 6 else 0,
        truncate_label=40,
        legend_at_bottom=True,
        print_values=False,
        allow_interruptions=True,
        no_data_text=_("No data for these filters"),
    )
    chart.x_labels = report.x_labels
    for name, values in report.series:
        chart.add(name, values)
    root = chart.render_tree()
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "script":
                parent.remove(child)
    for child in list(root):
        if child.tag == "title":
            root.remove(child)
    title = ET.Element("title", id="chart-title")
    title.text = str(report.title)
    desc = ET.Element("desc", id="chart-desc")
    desc.text = report.description + " " + _("The figures are in the table beside the chart.")
    root.insert(0, desc)
    root.insert(0, title)
    root.set("width", "900")  # an intrinsic size: an <img> of it is not 300 by 150
    root.set("height", "450")
    root.set("role", "img")
    root.set("aria-labelledby", "chart-title chart-desc")
    return ET.tostring(root, encoding="unicode")
