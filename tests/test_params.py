"""search_app.params: URL parameters parsed and checked where they arrive, messages that help."""
import pytest

from corpus.knowledge.provinces import closest_provinces
from search_app import create_app
from search_app.params import BadParameter, SearchParams


def test_closest_provinces_ignore_accents_case_and_typos():
    assert closest_provinces("vinh lng")[0] == "Vĩnh Long"
    assert closest_provinces("BAC CAN")[0] == "Bắc Kạn"
    assert closest_provinces("Atlantis") == []


@pytest.mark.parametrize("args,parameter,says,never", [
    ({"province_2025": ["Bến Tre"]}, "province_2025", "Bến Tre thuộc tỉnh/thành Vĩnh Long từ 1/7/2025", "Tuyên Quang"),
    ({"province_2025": ["ben tre"]}, "province_2025", "chọn «Vĩnh Long»", "Tuyên Quang"),
    ({"province_2025": ["Vinh Lng"]}, "province_2025", "Gần nhất: Vĩnh Long", "Tuyên Quang"),
    ({"province_2025": ["Atlantis"]}, "province_2025", "Không có «Atlantis» trong danh sách 34", "Tuyên Quang"),
    ({"province": ["Huế"]}, "province", "«Thừa Thiên Huế» trong danh sách trước 1/7/2025", "Hà Giang"),
    ({"province": ["Ha Giag"]}, "province", "Gần nhất: Hà Giang", "Tuyên Quang"),
    ({"year": ["1850"]}, "year", "Năm phải từ 1900 đến 2100", "bốn chữ số"),
    ({"year": ["２０１９"]}, "year", "Năm phải từ 1900 đến 2100", "bốn chữ số"),  # full-width digits
])
def test_bad_provinces_and_years_say_what_to_use(args, parameter, says, never):
    with pytest.raises(BadParameter) as err:
        SearchParams.from_args(args)
    assert err.value.name == parameter and says in str(err.value) and never not in str(err.value)


def test_web_error_names_where_a_province_went(mini_home):
    client = create_app({"DANVAN_HOME": str(mini_home), "TESTING": True}).test_client()
    response = client.get("/search.json", query_string={"q": "dân vận", "province_2025": "Bến Tre"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == "province_2025" and "Vĩnh Long" in error["message"]
    page = client.get("/search", query_string={"q": "dân vận", "province_2025": "Bến Tre"})
    assert page.status_code == 400 and "Bến Tre thuộc tỉnh/thành Vĩnh Long" in page.get_data(as_text=True)


def test_web_page_past_the_end_says_which_page_is_last(mini_home):
    client = create_app({"DANVAN_HOME": str(mini_home), "TESTING": True}).test_client()
    data = client.get("/search.json", query_string={"q": "dân vận", "limit": "1", "page": "50"}).get_json()
    assert data["hits"] == [] and data["pages"] == 3
    assert sum("trang cuối là trang 3" in m for m in data["messages"]) == 1  # said once, not by two layers


def test_a_facets_toggle_urls_are_each_values_toggled_parameters_url():
    """Facet links are made a facet at a time (the other parameters encoded once): each is the URL of the
    parameters with that value toggled, whatever else is selected, before or after the facet."""
    import random

    from indexer.schema import FACETS

    rng = random.Random(9)
    pool = ["Hà Nội", "Nghệ An", "2020", "25-NQ/TW", "a&b=c", "chỉ thị", "x y", ""]
    for _ in range(300):
        params = SearchParams(q=rng.choice(["", "dân vận", "a&b"]),
                              **{n: tuple(rng.sample(pool, rng.randint(0, 2))) for n in FACETS if rng.random() < 0.5},
                              date_from=rng.choice([None, "2020-01-01"]), sort=rng.choice(["relevance", "date"]),
                              page=rng.choice([1, 3]), limit=rng.choice([20, 50]))
        for name in FACETS:
            values = rng.sample(pool, 4) + list(getattr(params, name))
            assert params.toggle_urls(name, values, "/search") == [params.toggle(name, v).url("/search")
                                                                   for v in values]
