"""Inline-SVG charts: well-formed, accessible (title, description with values), escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from controlplane.charts import (
    Bar,
    Series,
    _luminance,
    bar_chart,
    heat_colour,
    heatmap,
    line_chart,
    number,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert "style" not in str(markup)  # presentation attributes only (CSP allows them)
    return root


def contrast(a: str, b: str) -> float:
    lums = sorted(_luminance([int(c[i:i + 2], 16) for i in (1, 3, 5)]) for c in (a, b))
    return (lums[1] + 0.05) / (lums[0] + 0.05)


def test_numbers_are_written_the_french_way() -> None:
    assert number(99.956, 2, "%") == "99,96\u00a0%"
    assert number(12345.5, 1) == "12\u202f345,5"
    assert number(None) == "inconnu"
    assert number(float("nan"), 1, "ms") == "inconnu"


def test_line_chart_breaks_on_unknown_days_and_lists_values() -> None:
    chart = line_chart(
        [Series("Latence", [12.0, 14.5, None, 13.0, 15.0]), Series("Perte", [0.1, 0, 0, 0, 2])],
        ["01/11", "02/11", "03/11", "04/11", "05/11"],
        title="Latence du circuit <THD-01>", unit="ms", threshold=20, threshold_label="Contrat",
    )
    root = parse(chart)
    assert root.find(f"{SVG}title").text == "Latence du circuit <THD-01>"
    desc = root.find(f"{SVG}desc").text
    assert "Latence : 01/11 12,0\u00a0ms, 02/11 14,5\u00a0ms, 03/11 inconnu" in desc
    # Latency: two runs either side of the unknown day, loss: one run of five points.
    polylines = [p.get("points").split() for p in root.iter(f"{SVG}polyline")]
    assert sorted(len(points) for points in polylines) == [2, 2, 5]
    points = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert "Latence, 04/11 : 13,0\u00a0ms" in points
    assert len(points) == 9
    contract = [line for line in root.iter(f"{SVG}line") if line.find(f"{SVG}title") is not None]
    assert contract[0].find(f"{SVG}title").text == "Contrat : 20,0\u00a0ms"


def test_line_chart_scales_values_into_the_plot() -> None:
    root = parse(line_chart([Series("RTT", [0.0, 50.0, 100.0])], ["a", "b", "c"], title="t"))
    ys = [float(c.get("cy")) for c in root.iter(f"{SVG}circle")]
    assert ys[0] > ys[1] > ys[2]  # higher values drawn higher
    assert ys[1] == pytest.approx((ys[0] + ys[2]) / 2)


def test_bar_chart_colours_by_target_and_says_so_in_words() -> None:
    chart = bar_chart(
        [Bar("Circuit A", 99.99, href="/console/network/circuits/1"), Bar("Circuit B", 99.2),
         Bar("Circuit C", None)],
        title="Disponibilité par circuit", unit="%", target=99.9, x_min=99.0, x_max=100.0,
    )
    root = parse(chart)
    desc = root.find(f"{SVG}desc").text
    assert desc.startswith("Objectif : 99,90\u00a0%.")
    assert "Circuit A : 99,99\u00a0% (objectif atteint)" in desc
    assert "Circuit B : 99,20\u00a0% (objectif manqué)" in desc
    assert "Circuit C : inconnu" in desc
    rects = list(root.iter(f"{SVG}rect"))
    assert [r.get("fill") for r in rects] == ["#2e6b30", "#a61b1b", "#9ca3af"]
    widths = [float(r.get("width")) for r in rects]
    assert widths[0] > widths[1] > widths[2]
    links = list(root.iter(f"{SVG}a"))
    assert [a.get("href") for a in links] == ["/console/network/circuits/1"]


def test_bar_chart_lower_is_better_for_latency() -> None:
    root = parse(bar_chart([Bar("x", 30.0), Bar("y", 10.0)], title="RTT", unit="ms",
                           target=20.0, higher_is_better=False))
    assert [r.get("fill") for r in root.iter(f"{SVG}rect")] == ["#a61b1b", "#2e6b30"]


def test_heatmap_writes_each_value_in_its_cell() -> None:
    chart = heatmap(
        ["CH Exemple", "Clinique <b>"], ["P1", "P2"], [[1.0, 0.5], [0.0, None]],
        title="Prérequis HN",
    )
    root = parse(chart)
    cells = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")]
    assert cells == ["CH Exemple, P1 : 100\u00a0%", "CH Exemple, P2 : 50\u00a0%",
                     "Clinique <b>, P1 : 0\u00a0%", "Clinique <b>, P2 : ?"]
    assert "<b>" not in str(chart)


def test_heat_colours_go_from_red_to_green_with_readable_text() -> None:
    worst, best = heat_colour(0.0)[0], heat_colour(1.0)[0]
    assert re.fullmatch(r"#[0-9a-f]{6}", worst)
    assert int(worst[1:3], 16) > int(worst[3:5], 16)  # red dominates
    assert int(best[3:5], 16) > int(best[1:3], 16)  # green dominates
    assert heat_colour(-1) == heat_colour(0) and heat_colour(2) == heat_colour(1)
    for step in range(21):
        fill, ink = heat_colour(step / 20)
        assert contrast(fill, ink) >= 4.5, (step, fill, ink)


def test_two_charts_never_share_ids() -> None:
    one = parse(line_chart([Series("a", [1.0])], ["x"], title="Même titre"))
    two = parse(line_chart([Series("a", [2.0])], ["x"], title="Même titre"))
    assert one.get("aria-labelledby") != two.get("aria-labelledby")


def test_empty_charts_say_there_is_no_data() -> None:
    for chart in (line_chart([], [], title="t"), bar_chart([], title="t"),
                  heatmap([], [], [], title="t")):
        assert parse(chart).find(f"{SVG}desc").text == "Aucune donnée."
