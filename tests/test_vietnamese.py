import unicodedata

import pytest

from corpus.knowledge.vietnamese import fold, has_diacritics, key, normalize


@pytest.mark.parametrize("old,new", [
    ("hoà", "hòa"), ("Hoà giải", "Hòa giải"), ("HOÀ", "HÒA"), ("toả", "tỏa"), ("thuỷ", "thủy"),
    ("Uỷ ban", "Ủy ban"), ("khoẻ", "khỏe"), ("loè", "lòe"), ("hoạ sĩ", "họa sĩ"), ("luỹ", "lũy"),
])
def test_old_tone_placement_maps_to_one_form(old, new):
    assert normalize(old) == new
    assert normalize(new) == new


@pytest.mark.parametrize("word", ["hoàng", "toán", "quý", "quỳnh", "thuyền", "khuya", "oai"])
def test_closed_syllables_and_qu_are_untouched(word):
    assert normalize(word) == word


def test_normalize_is_nfc_and_length_preserving():
    decomposed = unicodedata.normalize("NFD", "Hoà giải ở cơ sở")
    out = normalize(decomposed)
    assert unicodedata.is_normalized("NFC", out)
    assert len(out) == len(unicodedata.normalize("NFC", decomposed))


def test_fold_handles_d_bar_and_keeps_offsets():
    text = "Đảng bộ đồng bào Dân vận khéo"
    assert fold(text) == "Dang bo dong bao Dan van kheo"
    assert len(fold(text)) == len(text)


def test_has_diacritics_and_key():
    assert has_diacritics("dân") and not has_diacritics("dan van")
    assert key("  Tỉnh   VĨNH Long ") == "tinh vinh long"
