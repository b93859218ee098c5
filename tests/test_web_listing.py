"""What a listing says about its own order: the current sort tab is the order shown."""
import re

import pytest

from search_app import create_app


@pytest.fixture
def client(mini_home):
    return create_app({"DANVAN_HOME": str(mini_home), "TESTING": True}).test_client()


def current_tab(page: str) -> str:
    sort_nav = re.search(r'<nav class="sort".*?</nav>', page, re.S).group()
    return re.search(r'aria-current="true">([^<]+)<', sort_nav).group(1)


@pytest.mark.parametrize("args", [{}, {"directive": "25-NQ/TW"}, {"province": "Hà Giang", "sort": "relevance"},
                                  {"q": "!!!"}])
def test_a_listing_without_words_is_newest_first_and_says_so(client, args):
    """No words to rank by: the list is by date, and the "Mới nhất" tab, not "Liên quan nhất", is current."""
    page = client.get("/search", query_string=args).get_data(as_text=True)
    assert current_tab(page) == "Mới nhất"
    data = client.get("/search.json", query_string=args).get_json()
    assert data["sort"] == "date"
    dates = [h["published"] or "" for h in data["hits"]]
    assert dates == sorted(dates, reverse=True)


def test_a_query_keeps_the_sort_asked_for(client):
    assert current_tab(client.get("/search?q=dân+vận").get_data(as_text=True)) == "Liên quan nhất"
    assert current_tab(client.get("/search?q=dân+vận&sort=date").get_data(as_text=True)) == "Mới nhất"
    assert client.get("/search.json?q=dân+vận").get_json()["sort"] == "relevance"
