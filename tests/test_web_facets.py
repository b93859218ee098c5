"""URL parameters, facet links, chips and the year chart: plain data, no Flask."""
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest

from search_app.facets import facet_links, selection_chips, year_chart
from search_app.params import DEFAULT_LIMIT, BadParameter, SearchParams


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_these_modules_need_no_flask():
    code = "import sys, search_app.facets, search_app.params; sys.exit('flask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_params_round_trip_through_their_url():
    p = SearchParams(q="dân vận khéo", province=("Hà Giang", "Vĩnh Long"), year=("2019",),
                     directive=("16/CT-TTg",), date_from="2019-01-01", sort="date", page=3, provinces="2025")
    url = p.url("/search")
    assert url.startswith("/search?q=d%C3%A2n")
    assert SearchParams.from_args(args_of(url)) == p
    assert SearchParams().url("/search") == "/search"  # defaults stay out of URLs


def test_params_clean_what_arrives():
    p = SearchParams.from_args({"q": ["  dân\x00  vận \n"], "province": ["", "Hà Giang", "Hà Giang"],
                                "provinces": ["nonsense"], "limit": ["5"]})
    assert p.q == "dân vận"
    assert p.province == ("Hà Giang",)
    assert p.provinces == "published"
    assert p.limit == 5 and p.page == 1
    assert SearchParams.from_args({}).limit == DEFAULT_LIMIT
    assert SearchParams.from_args({"q": "a single string works too"}).q == "a single string works too"


def test_messy_filter_values_are_canonical_once_parsed():
    p = SearchParams.from_args({"province": ["ha giang"], "directive": ["16/ct - ttg"]})
    assert p.province == ("Hà Giang",) and p.directive == ("16/CT-TTg",)


def test_long_queries_are_cut_not_refused():
    p = SearchParams.from_args({"q": ["dân " * 5000]})
    assert p.q_truncated and len(p.q) <= 1000


@pytest.mark.parametrize("args, name", [
    ({"page": ["-1"]}, "page"),
    ({"page": ["0"]}, "page"),
    ({"page": ["abc"]}, "page"),
    ({"page": ["١"]}, "page"),  # Arabic-Indic digit: isdigit() but not a page number
    ({"page": ["99999999999999999999"]}, "page"),
    ({"limit": ["0"]}, "limit"),
    ({"limit": ["101"]}, "limit"),
    ({"year": ["abc"]}, "year"),
    ({"year": ["20x9"]}, "year"),
    ({"year": ["3019"]}, "year"),
    ({"sort": ["size"]}, "sort"),
    ({"date_from": ["2020-13-01"]}, "date_from"),
    ({"date_to": ["yesterday"]}, "date_to"),
    ({"date_from": ["2024-01-01"], "date_to": ["2023-01-01"]}, "date_from"),
    ({"province": ["x" * 300]}, "province"),
    ({"year": [str(y) for y in range(1990, 2020)]}, "year"),
    ({"province": ["Atlantis"]}, "province"),
    ({"province_2025": ["Hà Giang"]}, "province_2025"),  # merged into Tuyên Quang in 2025
    ({"directive": ["nghị quyết"]}, "directive"),
])
def test_bad_parameters_say_which_and_how(args, name):
    with pytest.raises(BadParameter) as exc:
        SearchParams.from_args(args)
    assert exc.value.name == name
    assert str(exc.value)  # a Vietnamese sentence for the error page


def test_toggle_selects_unselects_and_resets_the_page():
    p = SearchParams(q="hòa giải", province=("Hà Giang",), page=4)
    both = p.toggle("province", "Vĩnh Long")
    assert both.province == ("Hà Giang", "Vĩnh Long") and both.page == 1
    assert both.toggle("province", "Hà Giang").province == ("Vĩnh Long",)
    assert p.without("province").province == ()
    assert SearchParams(date_from="2020-01-01").without("date_from").date_from is None
    assert p.cleared() == SearchParams(q="hòa giải")


def test_hidden_fields_carry_the_rest_of_the_state():
    p = SearchParams(q="x", year=("2019",), date_from="2019-01-01", page=2, sort="date")
    assert p.hidden_fields(skip=("q",)) == [("year", "2019"), ("date_from", "2019-01-01"), ("sort", "date")]
    assert ("date_from", "2019-01-01") not in p.hidden_fields(skip=("date_from", "date_to"))


FACETS = {
    "province": [{"value": "Hà Giang", "count": 2, "selected": True},
                 {"value": "Vĩnh Long", "count": 1, "selected": False}],
    "year": [{"value": "2022", "count": 1, "selected": False},
             {"value": "2019", "count": 2, "selected": False}],
}


def test_facet_links_are_plain_data_with_toggle_urls():
    p = SearchParams(q="dân vận", province=("Hà Giang",), page=2)
    links = facet_links(FACETS, p, "/search")
    assert set(links["province"][0]) == {"value", "count", "selected", "toggle_url"}
    hg, vl = links["province"]
    assert args_of(hg["toggle_url"]) == {"q": ["dân vận"]}  # selected: the link removes it
    assert args_of(vl["toggle_url"]) == {"q": ["dân vận"], "province": ["Hà Giang", "Vĩnh Long"]}
    assert "page=" not in vl["toggle_url"]
    year_2019 = links["year"][1]
    assert args_of(year_2019["toggle_url"])["year"] == ["2019"]


def test_chips_remove_one_value_each():
    p = SearchParams(q="x", province=("Hà Giang", "Vĩnh Long"), directive=("25-NQ/TW",), date_to="2020-12-31")
    chips = selection_chips(p, "/search")
    assert [(c["name"], c["value"]) for c in chips] == [
        ("province", "Hà Giang"), ("province", "Vĩnh Long"), ("directive", "25-NQ/TW"), ("date_to", "2020-12-31")]
    assert args_of(chips[0]["remove_url"]) == {"q": ["x"], "province": ["Vĩnh Long"], "directive": ["25-NQ/TW"],
                                               "date_to": ["2020-12-31"]}
    assert "date_to" not in args_of(chips[3]["remove_url"])
    assert selection_chips(SearchParams(q="x"), "/search") == []


def test_year_chart_fills_gaps_and_scales_bars():
    links = facet_links(FACETS, SearchParams(), "/search")["year"]
    chart = year_chart(links, width=300, height=60)
    assert [b["value"] for b in chart["bars"]] == ["2019", "2020", "2021", "2022"]
    b2019, b2020, _, b2022 = chart["bars"]
    assert b2019["height"] == 2 * b2022["height"] > 0
    assert b2020["count"] == 0 and b2020["toggle_url"] is None and b2020["height"] == 0
    assert b2019["toggle_url"] == links[1]["toggle_url"]
    assert all(0 <= b["x"] and b["x"] + b["width"] <= 300 for b in chart["bars"])
    assert all(b["y"] + b["height"] <= 60 for b in chart["bars"])
    assert year_chart([])["bars"] == []
    assert year_chart([{"value": "2019", "count": 0, "selected": True, "toggle_url": "u"}])["bars"] == []


def test_a_few_years_are_centred_not_stretched():
    one = year_chart([{"value": "2019", "count": 3, "selected": False, "toggle_url": "u"}], width=120)
    (bar,) = one["bars"]
    assert bar["width"] < 120 / 4 and abs(bar["x"] + bar["width"] / 2 - 60) < 1
    assert [label["text"] for label in one["labels"]] == ["2019"]


def test_year_chart_skips_gaps_over_long_spans():
    values = [{"value": y, "count": 1, "selected": False, "toggle_url": "u"} for y in ("1945", "2024")]
    assert [b["value"] for b in year_chart(values)["bars"]] == ["1945", "2024"]


@pytest.mark.parametrize("first, last", [(1996, 2025), (2015, 2025), (1990, 2025), (2024, 2025)])
def test_year_labels_stay_inside_the_chart(first, last):
    """The first and last year were centred under thin edge bars, half outside the SVG, and cut off."""
    from search_app.facets import LABEL_CHAR_WIDTH

    values = [{"value": str(y), "count": 1 + y % 3, "selected": False, "toggle_url": "u"}
              for y in range(first, last + 1)]
    chart = year_chart(values)
    labels = chart["labels"]
    assert [label["text"] for label in labels] == [str(first), str(last)]
    for label in labels:
        half = len(label["text"]) * LABEL_CHAR_WIDTH / 2
        assert 0 <= label["x"] - half and label["x"] + half <= chart["width"]
    # They stay under the bars they name, as near as the edges allow, and never overlap.
    assert labels[0]["x"] <= chart["bars"][0]["x"] + chart["bars"][0]["width"] + LABEL_CHAR_WIDTH * 2
    assert labels[1]["x"] - labels[0]["x"] >= 4 * LABEL_CHAR_WIDTH
