"""The council report: Dutch by default, English on request with the same figures, page 1 first,
one chart per chapter, a glossary, whole counts, shares in per cent, one row per street."""

from __future__ import annotations

import re
import string

import pandas as pd
import pytest

from mobisim import pipeline
from mobisim.render import report
from mobisim.render.format import number, percent, share_with_range
from mobisim.render.i18n import LANGUAGES, catalogue, t, use_language
from mobisim.render.report.lists import per_street

#: Column headers of counted things (Dutch and English): their cells are whole numbers.
COUNT_HEADERS = {"kinderen", "children", "oversteken", "crossings", "wegvakken", "segments", "vergunningen",
                 "permits", "plaatsen op straat", "on-street spaces", "fietsen", "bikes", "plaatsen vrij",
                 "spaces freed", "plafond", "cap", "vrij opgeteld", "freed in total", "vrij dit jaar",
                 "freed this year"}
#: The programme's chapters (Dutch headings) that carry a chart each.
CHAPTERS = ("chapter.regime", "chapter.toets", "chapter.schools", "chapter.parking")


@pytest.fixture(scope="module")
def council(data_dir, tmp_path_factory):
    """The fixture city run (written: report.md/html in Dutch) and its English report."""
    out = tmp_path_factory.mktemp("council") / "render"
    result = pipeline.run_scenario(data_dir / "render_scenario.toml", out_dir=out, progress=False)
    sc = pipeline.as_scenario(data_dir / "render_scenario.toml")
    md_en, html_en = report.report_pages(result, sc, lang="en")
    return {"md": (out / "report.md").read_text(encoding="utf-8"),
            "html": (out / "report.html").read_text(encoding="utf-8"), "md_en": md_en, "html_en": html_en}


def _tables(md: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """Every Markdown table with the ``##`` heading above it: (heading, headers, rows of cells)."""
    out, heading, lines = [], "", md.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("#"):
            heading = lines[i]
        if lines[i].startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            headers = [c.strip() for c in lines[i].strip("|").split(" | ")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("| "):
                rows.append([c.strip() for c in re.split(r"(?<!\\)\|", lines[i].strip())[1:-1]])
                i += 1
            out.append((heading, headers, rows))
            continue
        i += 1
    return out


def _figures_of(md: str, swap: bool) -> list[str]:
    """The numbers of the five-figure table, in English notation (``swap``: from Dutch)."""
    table = next(rows for _h, _c, rows in _tables(md))
    text = " ".join(cell for row in table for cell in row[1:4])
    nums = re.findall(r"[−+]?\d[\d.,]*", text)
    return [n.translate(str.maketrans({",": ".", ".": ","})) if swap else n for n in nums]


def test_the_report_is_dutch_by_default_and_english_on_request_with_the_same_figures(council):
    md, md_en = council["md"], council["md_en"]
    assert md.splitlines()[0].endswith("rapport voor de gemeenteraad")
    assert md_en.splitlines()[0].endswith("report for the council")
    assert '<html lang="nl">' in council["html"] and '<html lang="en">' in council["html_en"]
    nl_figures, en_figures = _figures_of(md, swap=True), _figures_of(md_en, swap=False)
    assert len(nl_figures) >= 8 and nl_figures == en_figures
    # Dutch decimals in the Dutch report; only the steps' own notes are in English, and say so
    notes = md.index("## Kanttekeningen bij deze run")
    dutch = md[:notes] + md[md.index("\n## ", notes + 1):]
    assert re.search(r"\d,\d %", dutch) and not re.search(r"\d\.\d %", dutch)


def test_page_one_is_the_question_the_five_figures_and_the_data_box(council):
    md = council["md"]
    first_chapter = md.index("\n# ")
    with use_language("nl"):
        for key in ("summary.title", "databox.title"):
            assert md.index(f"## {t(key)}") < first_chapter
        for key in ("summary.crashes", "summary.children", "summary.km", "summary.crossings", "summary.parking"):
            assert t(key) in md[:first_chapter]
    # a figure resting on an estimate says so in its row
    crash_row = next(line for line in md.splitlines() if line.startswith("| Verandering in doden"))
    assert "schatting" in crash_row


def test_no_fractional_counts_and_no_fractions_next_to_percentages(council):
    for md in (council["md"], council["md_en"]):
        checked = 0
        for heading, headers, rows in _tables(md):
            for j, header in enumerate(headers):
                if header in COUNT_HEADERS:
                    for row in rows:
                        assert re.fullmatch(r"[\d.,]*", row[j]) and not re.search(r"[.,]\d{1,2}$", row[j]), \
                            (heading, header, row[j])
                        checked += 1
        assert checked > 10
        # no 0.857-style shares (the traffic model's convergence gap is a number, not a share)
        text = "\n".join(line for line in md.splitlines() if "relative gap" not in line and "relatieve gap" not in line)
        assert not re.search(r"(?<![\d.,])0[.,]\d{3}(?!\d)", text)
        assert not re.search(r"\b\d+[.,]\d+ (kinderen|children|scholen|schools)\b", md)


def test_one_chart_per_chapter_in_html_and_named_in_markdown(council):
    html, md = council["html"], council["md"]
    with use_language("nl"):
        titles = [t(key) for key in CHAPTERS]
    starts = [html.index(f"<h1>{title}</h1>") for title in titles] + [html.index("<h1>", html.index(titles[-1]) + 1)]
    for title, start, end in zip(titles, starts, starts[1:]):
        assert html.count('<figure class="chart"', start, end) >= 1, title
        assert "<svg" in html[start:end]
    assert md.count("_Figuur ") == html.count('<figure class="chart"') >= 4
    assert "de grafiek staat in `report.html`" in md


def test_glossary_and_sources_once(council):
    md = council["md"]
    glossary = md[md.index("## Begrippenlijst"):]
    for term in ("**LTS**", "**Lden**", "**NO2**", "**BRIN**", "**Power Model**", "**8-jarigen-toets**"):
        assert term in glossary
    assert md.count("Mekuria") == 1  # the citation once, in the sources
    assert "LTS 1, but Dutch practice" not in md and "mobisim.rules" not in md


def test_a_street_appears_once_per_list(council):
    lists = 0
    for md, street in ((council["md"], "straat"), (council["md_en"], "street")):
        for heading, headers, rows in _tables(md):
            if headers[0] == street and rows:
                names = [row[0] for row in rows]
                assert len(names) == len(set(names)) or "uitkomst" in headers or "outcome" in headers, heading
                lists += 1
    assert lists >= 4


def test_per_street_keeps_the_busiest_part_and_sums_the_km():
    frame = pd.DataFrame({"street": ["Laan", "Laan", "Laan", "Weg"], "children": [10.0, 40.0, 5.0, 20.0],
                          "km": [0.1, 0.2, 0.3, 0.5], "why": ["a", "b", "c", "d"]})
    out = per_street(frame, weight="children", sums=("km",), counts="n", firsts=("why",)).set_index("street")
    assert out.index.tolist() == ["Laan", "Weg"]  # busiest first
    assert out.loc["Laan", "children"] == 40 and out.loc["Laan", "why"] == "b" and out.loc["Laan", "n"] == 3
    assert out.loc["Laan", "km"] == pytest.approx(0.6)


def test_numbers_in_dutch_and_english():
    assert number(1234.5, 1, locale="nl") == "1.234,5" and number(1234.5, 1, locale="en") == "1,234.5"
    assert percent(12.25, locale="nl") == "12,2 %" and number(True, locale="nl") == "ja"
    assert number(12345, 0, locale="nl") == "12.345" and number(2030) == "2030"  # counts vs years
    assert share_with_range({"value": 0.784, "range": [0.732, 0.843]}, locale="nl") == "78,4 % (73,2 tot 84,3)"


def test_the_catalogue_has_every_string_in_both_languages_with_the_same_fields():
    fields = string.Formatter()
    for key, texts in catalogue().items():
        assert set(texts) == set(LANGUAGES), key
        names = [{f for _, f, _, _ in fields.parse(texts[lang]) if f} for lang in LANGUAGES]
        assert names[0] == names[1], key
    with pytest.raises(ValueError):
        with use_language("fr"):
            pass
