"""Align's visual system (issue 22): one set of tokens for colour, type and space, checked where it is written.

- Every colour, font size and space in align.css is a token of its `:root` (or a local custom property set from
  one), so a page cannot drift off the scale one literal at a time.
- Text tokens reach WCAG 2.2 AA (4.5:1) on every surface they are drawn on; the data colours reach 3:1 against
  the page (1.4.11, non-text contrast).
- Chart series, the answer bars' ends and the heatmap's steps stay apart for readers with the three full colour-
  vision deficiencies, simulated with Machado, Oliveira & Fernandes (2009) at severity 100 (colorspacious), and
  measured as CAM02-UCS distances (ΔE′; about 1 is a just-noticeable difference).
- Colour is never a chart series' only mark: each series of a figure has its own marker shape and dash.
"""

import itertools
import re
from pathlib import Path

import numpy as np
import pytest
import tinycss2
from colorspacious import cspace_convert, deltaE

from feedback import charts

STYLESHEET = Path(__file__).resolve().parents[1] / "alignsite" / "static" / "align" / "align.css"
DEFICIENCIES = ["protanomaly", "deuteranomaly", "tritanomaly"]
APART = 10.0  # ΔE′ that two series' colours keep under every simulated deficiency (ten just-noticeable steps)
SPACE_PROPERTIES = re.compile(r"(margin|padding|gap|row-gap|column-gap|scroll-padding)(-[a-z]+)*")
LITERAL_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(")


def declarations():
    """Yield (selector, property, value) of every declaration in align.css, inside @media blocks too."""

    def rules(nodes):
        for node in nodes:
            if node.type == "qualified-rule":
                yield tinycss2.serialize(node.prelude).strip(), node.content
            elif node.type == "at-rule" and node.content is not None:
                yield from rules(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True))

    sheet = tinycss2.parse_stylesheet(STYLESHEET.read_text(), skip_comments=True, skip_whitespace=True)
    for selector, content in rules(sheet):
        for item in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
            if item.type == "declaration":
                yield selector, item.name, tinycss2.serialize(item.value).strip()


def tokens() -> dict[str, str]:
    return {name: value for selector, name, value in declarations() if selector == ":root"}


def styled():
    """Every declaration outside :root."""
    return [(selector, name, value) for selector, name, value in declarations() if selector != ":root"]


def srgb(colour: str) -> np.ndarray:
    digits = colour.lstrip("#")
    digits = "".join(2 * d for d in digits) if len(digits) == 3 else digits
    return np.array([int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)])


def contrast(first: str, second: str) -> float:
    """WCAG 2.2's contrast ratio of two sRGB colours (1 to 21)."""

    def luminance(colour):
        linear = np.where(srgb(colour) <= 0.04045, srgb(colour) / 12.92, ((srgb(colour) + 0.055) / 1.055) ** 2.4)
        return float(linear @ [0.2126, 0.7152, 0.0722])

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def seen(colour: str, deficiency: str | None) -> np.ndarray:
    if deficiency is None:
        return srgb(colour)
    space = {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}
    return np.clip(cspace_convert(srgb(colour), space, "sRGB1"), 0, 1)


def closest_pair(colours, deficiency):
    """Return (ΔE′, first, second) of the two colours that look most alike to a reader with `deficiency`."""
    return min(
        (float(deltaE(seen(a, deficiency), seen(b, deficiency), input_space="sRGB1")), a, b)
        for a, b in itertools.combinations(colours, 2)
    )


# -- one set of tokens ---------------------------------------------------------------------------------------


def test_no_colour_outside_the_tokens():
    literals = [(s, name, value) for s, name, value in styled() if LITERAL_COLOUR.search(value)]
    assert literals == []


def test_every_font_size_is_on_the_type_scale():
    scale = {f"var({name})" for name in tokens() if name.startswith("--text-")}
    allowed = scale | {"inherit", "var(--option-size)"}
    sizes = [(s, name, value) for s, name, value in styled() if name in ("font-size", "--option-size")]
    shorthands = [(s, name, value.split("/")[0].strip()) for s, name, value in styled() if name == "font"]
    assert sizes and [(s, name, value) for s, name, value in sizes + shorthands if value not in allowed] == []
    # the scale itself rises step by step, with no two steps alike
    steps = sorted(float(tokens()[v[4:-1]].removesuffix("rem")) for v in scale)
    assert len(steps) >= 5 and len(set(steps)) == len(steps)


def test_every_space_is_on_the_spacing_scale():
    steps = {name for name in tokens() if name.startswith("--space-")}
    off_scale = []
    for selector, name, value in styled():
        if SPACE_PROPERTIES.fullmatch(name) or name in ("--option-inset", "--option-gap"):
            for part in re.split(r"\s+(?![^(]*\))", value.replace("!important", "").strip()):
                used = set(re.findall(r"var\((--[\w-]+)", part))
                if part in ("0", "auto") or (used and used <= steps | {"--option-inset", "--option-gap"}):
                    continue
                off_scale.append((selector, name, part))
    assert off_scale == []


def test_every_token_used_is_defined():
    defined = set(tokens()) | {name for _, name, _ in styled() if name.startswith("--")}
    used = {name for _, _, value in declarations() for name in re.findall(r"var\((--[\w-]+)", value)}
    assert used - defined == set()


# -- contrast -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["--ink", "--muted", "--accent", "--bad", "--good"])
@pytest.mark.parametrize("surface", ["--bg", "--surface-accent", "--surface-chosen", "--surface-good", "--surface-bad"])
def test_text_tokens_reach_aa_on_every_surface(text, surface):
    assert contrast(tokens()[text], tokens()[surface]) >= 4.5


@pytest.mark.parametrize("step", [f"--heat-{n}" for n in range(1, 6)])
def test_the_heatmaps_figures_reach_aa_on_every_step(step):
    assert contrast(tokens()["--ink"], tokens()[step]) >= 4.5


def test_a_primary_buttons_label_reaches_aa():
    assert contrast(tokens()["--bg"], tokens()["--accent"]) >= 4.5


@pytest.mark.parametrize("colour", [*charts.COLOURS, "--data-low", "--data-high"])
def test_data_colours_reach_non_text_contrast_on_the_page(colour):
    # The answer bars' grey middle (--data-neutral) is exempt as 1.4.11 allows: each share is written under its bar.
    assert contrast(tokens().get(colour, colour), tokens()["--bg"]) >= 3.0


# -- colour-blind-safe ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
def test_chart_series_colours_stay_apart(deficiency):
    distance, first, second = closest_pair(charts.COLOURS, deficiency)
    assert distance >= APART, (first, second)


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
def test_low_and_high_answers_stay_apart(deficiency):
    ends = [tokens()["--data-low"], tokens()["--data-neutral"], tokens()["--data-high"]]
    assert closest_pair(ends, deficiency)[0] >= APART
    heat = [tokens()[f"--heat-{n}"] for n in (1, 5)]
    assert closest_pair(heat, deficiency)[0] >= APART


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
def test_heatmap_steps_are_told_apart_from_their_neighbours(deficiency):
    steps = [tokens()[f"--heat-{n}"] for n in range(1, 6)]
    for low, high in itertools.pairwise(steps):
        assert closest_pair([low, high], deficiency)[0] >= 5.0, (low, high)


def test_a_red_green_palette_fails_the_same_check():
    # The check can fail: the red and green a traffic light uses look alike to a deuteranope.
    assert closest_pair(["#d62728", "#2ca02c"], "deuteranomaly")[0] < APART


# -- colour is never a series' only mark ---------------------------------------------------------------------


@pytest.mark.parametrize("series", [2, 5, 8, 10])
def test_every_series_of_a_figure_has_its_own_shape_or_dash(series):
    styles = [charts.series_style(n) for n in range(series)]
    marks = [(s["marker"]["symbol"], s["line"]["dash"]) for s in styles]
    assert len(set(marks)) == series
    if series <= len(charts.SYMBOLS):
        assert len({symbol for symbol, _ in marks}) == series
