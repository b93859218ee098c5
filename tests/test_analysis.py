import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.knowledge.vietnamese import normalize
from indexer import analysis
from indexer.analysis import ANALYZER, FOLDED_ANALYZER, syllables, terms

TEXT = "Phong trào “Dân vận khéo”, kinh tế - xã hội. Hoà giải ở cơ sở"


def tokens(analyzer, text):
    return [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True)]


def test_offsets_point_at_the_source_characters():
    for text, pos, start, end in tokens(ANALYZER, TEXT):
        source = TEXT[start:end].lower().replace(" ", "_")
        assert source.replace("hoà", "hòa") == text, (text, source)


def test_bigrams_share_the_first_syllable_position_and_stop_at_punctuation():
    toks = tokens(ANALYZER, TEXT)
    by_text = {t[0]: t for t in toks}
    assert by_text["dân_vận"][1] == by_text["dân"][1]
    assert "vận_khéo" in by_text
    assert "khéo_kinh" not in by_text  # the comma breaks the phrase
    assert "tế_xã" not in by_text  # so does the dash
    assert "trào_dân" not in by_text  # and the opening quote


def test_positions_count_syllables_only():
    syll = [t for t in tokens(ANALYZER, TEXT) if "_" not in t[0]]
    assert [t[1] for t in syll] == list(range(len(syll)))


def test_old_and_new_tone_placement_index_alike():
    assert syllables("hoà giải") == syllables("hòa giải") == ["hòa", "giải"]


def test_folded_analyzer_matches_unaccented_input():
    assert [t.text for t in FOLDED_ANALYZER("Dân vận khéo")] == [t.text for t in FOLDED_ANALYZER("dan van kheo")]
    assert "dang" in [t.text for t in FOLDED_ANALYZER("Đảng")]


def test_a_text_lowered_at_once_is_each_character_lowered_alone():
    # syllables_and_joins lowers a whole text unless it holds a capital sigma or a dotted I: for every other
    # character its lower case must be one character, a syllable's character exactly when it is one, and a space
    # exactly when it is one.
    exceptions = {analysis._SIGMA, analysis._DOTTED_I}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if char in exceptions or 0xD800 <= code < 0xE000:
            continue
        lower = char.lower()
        assert len(lower) == 1, hex(code)
        assert bool(analysis._SPLIT.fullmatch(char)) == bool(analysis._SPLIT.fullmatch(lower)), hex(code)
        assert char.isspace() == lower.isspace(), hex(code)
    assert len(analysis._DOTTED_I.lower()) == 2


@pytest.mark.parametrize("text", ["ΟΔΟΣ.Α", "ΟΔΟΣ Α", "Đảng ΣΑ", "İstanbul İ", "Dân Vận, KHÉO"])
def test_syllables_are_lowered_one_at_a_time_where_the_text_holds_sigma_or_dotted_i(text):
    parts = analysis._SPLIT.split(normalize(text))
    assert analysis.syllables_and_joins(text) == (tuple(part.lower() for part in parts[1::2]),
                                                  tuple(part.isspace() for part in parts[2:-1:2]))


def _analyzer_positions(analyzer, text):
    return _grouped((t.text, t.pos) for t in analyzer(text, positions=True))


def _grouped(pairs):
    positions = {}
    for term, pos in pairs:
        positions.setdefault(term, []).append(pos)
    return positions


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("aăâeêioôơuưyđĐ àáảãạềốừ_-.,\n\t0İ\u0301") + ["Hoà", "kinh tế"]),
                max_size=60).map("".join) | st.text(max_size=40))
def test_terms_are_what_the_analyzers_produce(text):
    for folded, analyzer in ((False, ANALYZER), (True, FOLDED_ANALYZER)):
        found, positions = terms(text, folded)
        # each term's positions in the same (increasing) order
        assert _grouped(zip(found, positions)) == _analyzer_positions(analyzer, text)


EDGE_CASES = [
    "Ban Dân vận Tỉnh ủy Hà Giang (TP. Hà Giang) tổ chức hội nghị... Đẩy mạnh chuyển đổi số, "
    "năm 2022 đạt 1.250 hộ; email: a.b@x.vn -> http://x.vn/a?b=1 ==> xong!\n\nHOÀ GIẢI Ở CƠ SỞ",
    "", " ", "\n", "Đảng", "a", "...", "1.250", "Mr. Dr. ThS. Nguyễn Văn A", "UBND TP.HCM", "x\ny\n\nz",
    "Hà Nội Hà Nội Hà Nội", "cộng hòa xã hội chủ nghĩa việt nam", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Covid-19, 5G, iPhone, e-mail, K'Ho, Ê Đê; M'Nông!", "— “Dân vận khéo” —", "a_b __ c",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["Tp.", "TP", "Mr.", "Mrs", "Ms.", "Dr.", "ThS.", "Đ.", "==>", "->", ">", ">>", ".",
                                 "...", "\n", "://", "http", "@", "a@b.vn", "x.y", "1", "2,5", "_", "-", "+", " ",
                                 "Dân", "vận", "ĐẢNG", "A", "z", "9", "“", "!", "\t", "\xa0", "\u3000 \r"]),
                max_size=12).map("".join))
def test_pyvi_tokens_are_the_tokens_pyvi_makes(text):
    from indexer.analysis import _pyvi, pyvi_tokens

    assert pyvi_tokens(text) == _pyvi().sylabelize(text)[1]
    for edge in EDGE_CASES:
        assert pyvi_tokens(edge) == _pyvi().sylabelize(edge)[1]


def test_blanks_passed_over_are_the_whitespace_but_the_new_line():
    import sys

    from indexer.analysis import _BLANKS, _pyvi, pyvi_tokens

    assert sorted(_BLANKS) == [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c != "\n"]
    text = "Dân vận\n \t" + " " * 20_000 + "khéo \n\u3000" + "\xa0" * 20_000  # long runs, at the end too
    assert pyvi_tokens(text) == _pyvi().sylabelize(text)[1] == ["Dân", "vận", "\n", "khéo", "\n"]


@pytest.mark.shared
def test_segment_finds_the_words_pyvi_finds(shared_dir):
    # The fast path (indexer.crf) against pyvi itself, on edge cases and a few hundred news paragraphs.
    import json
    import lzma

    from indexer.analysis import _pyvi, segment

    texts = list(EDGE_CASES)
    with lzma.open(shared_dir / "data" / "vn-news-corpus.jsonl.xz", "rt", encoding="utf-8") as lines:
        for _ in range(80):
            article = json.loads(next(lines))
            texts.append(article["text"])
            texts += [p for p in article["text"].split("\n") if p.strip()][:5]
        for _ in range(200):  # and a few thousand sentences: pyvi's rare trigrams among them
            texts += [s for s in json.loads(next(lines))["text"].replace("\n", ". ").split(". ") if s.strip()]
    assert len(texts) > 3000
    for text in texts:
        # pyvi's output string exactly ("_" inside a word, " " between words; the text itself if no token)
        assert (" ".join("_".join(word) for word in segment(text)) or text) == _pyvi().tokenize(text), text[:80]


def test_viterbi_finds_the_best_label_sequence():
    import itertools
    import random

    from indexer.crf import Crf

    rng = random.Random(7)
    for _ in range(200):
        transitions = ((rng.uniform(-3, 3), rng.uniform(-3, 3)), (rng.uniform(-3, 3), rng.uniform(-3, 3)))
        crf = Crf(("B", "I"), {}, transitions)
        n = rng.randint(1, 8)
        scores = [[rng.uniform(-3, 3) for _ in range(n)] for _ in range(2)]

        def total(path):
            return (sum(scores[label][t] for t, label in enumerate(path))
                    + sum(transitions[a][b] for a, b in zip(path, path[1:])))

        best = max(itertools.product((0, 1), repeat=n), key=total)
        assert crf.viterbi(scores) == list(best)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3)), max_size=30),
       st.tuples(*[st.sampled_from([-1.0, 0.0, 0.5, 1.0, 0.1 + 0.2])] * 4), st.booleans())
def test_compiled_viterbi_labels_as_the_python_one_ties_too(scores, transitions, fractions):
    # small whole scores (and 0.1 + 0.2) tie often: the tie rule and the order of the sums are what is tested
    import numpy as np

    from indexer.crf import Crf, compiled_viterbi

    first = [a / 10 if fractions else float(a) for a, _ in scores]
    second = [b / 10 if fractions else float(b) for _, b in scores]
    crf = Crf(("B", "I"), {}, (transitions[:2], transitions[2:]))
    compiled = compiled_viterbi()(np.array(first), np.array(second), np.array(crf.transitions))
    assert compiled.tolist() == crf.viterbi([first, second])


def test_pyvi_model_read_from_its_file_labels_as_crfsuite_does(tmp_path):
    from indexer.analysis import _crf, _pyvi
    from indexer.crf import Crf

    crf = _crf()
    tagger = _pyvi().model.tagger_
    assert crf.labels == tuple(tagger.labels()) == ("B_W", "I_W")
    attributes = [["bias", "word.lower():dân", "word.istitle()", "+1:word.lower():vận", "+1:word.bi_gram()"],
                  ["bias", "word.lower():vận", "-1:word.lower():dân", "-1:word.istitle()", "-1:word.bi_gram()"],
                  ["bias", "word.lower():khéo", "word.unknown()"]]
    scores = [[0.0] * len(attributes), [0.0] * len(attributes)]
    for t, names in enumerate(attributes):
        for name in names:
            for label, weight in enumerate(crf.state.get(name, (0.0, 0.0))):
                scores[label][t] += weight
    assert [crf.labels[i] for i in crf.viterbi(scores)] == tagger.tag(attributes)
    bad = tmp_path / "bad.crfsuite"
    bad.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="crfsuite"):
        Crf.read(bad)


_WORDS = ["đẩy", "mạnh", "chuyển", "đổi", "số", "ở", "cơ", "sở", "công", "tác", "dân", "vận", "và", "của", "Thông", "tin",
          "bài", "viết", "Hà", "Nội", "kinh", "tế", "xã", "hội", "nông", "thôn", "mới", "thực", "hiện", "người", "ĐẢNG",
          "Tp.", "2024", "1.200,5", "x2", ".", ",", "-", "\n", "“", "!", "điện", "tử", "nghị", "quyết", "an", "toàn",
          "giao", "thông", "bảo", "vệ", "môi", "trường", "Hoà", "giải"]


def _word_terms_by_words(text):
    """word_terms written plainly over segment()'s words: the reference the fast path must equal."""
    from collections import Counter

    from corpus.knowledge.vietnamese import normalize
    from indexer.analysis import segment
    from indexer.term_rules import BOILERPLATE, MAX_SYLLABLES, STOPWORDS

    found, prev, prev_len = [], None, 0
    for word in segment(normalize(text)):
        low = [token.lower() for token in word]
        term = "_".join(low)
        if not all(map(str.isalpha, low)) or term in STOPWORDS:
            prev = None
            continue
        if 2 <= len(word) <= MAX_SYLLABLES and term not in BOILERPLATE:
            found.append(term)
        if prev is not None and (prev_len >= 2 or len(word) >= 2) and prev_len + len(word) <= MAX_SYLLABLES:
            found.append(prev + "_" + term)
        prev, prev_len = term, len(word)
    return Counter(found)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=40).map(" ".join))
def test_word_terms_are_pyvis_words_and_pairs_of_them_in_order(text):
    from indexer.analysis import word_terms

    counts = word_terms(text)
    expected = _word_terms_by_words(text)
    assert counts == expected and list(counts) == list(expected)  # the same terms, first seen in the same order


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([f"t{i}_{j}" for i in range(6) for j in range(6)]), st.integers(1, 4)),
       st.integers(0, 6), st.data())
def test_keywords_are_the_top_terms_by_tf_idf_ties_by_term(counts, size, data):
    import math

    from indexer.analysis import Background, keywords

    df = {term: data.draw(st.integers(0, size)) for term in counts if data.draw(st.booleans())}
    top = data.draw(st.integers(1, 12))
    weighted = sorted((-n * math.log((size + 1) / (df.get(term, 0) + 1)) if size else -n, term)
                      for term, n in counts.items() if not (size and df.get(term, 0) >= size))
    assert keywords(counts, Background(size, df), top) == [term.replace("_", " ") for _, term in weighted[:top]]


def test_numba_is_loaded_to_segment_words_only_never_to_search():
    # a fresh process: search start-up and query analysis import what they need, the word segmenter's compiler not
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parent.parent
    code = ("import sys, cli, search_app, indexer.search\n"
            "from indexer.analysis import ANALYZER, FOLDED_ANALYZER, keywords, Background, load_segmenter\n"
            "[t.text for t in ANALYZER('Dân vận khéo')], [t.text for t in FOLDED_ANALYZER('dan van')]\n"
            "keywords({'dân_vận': 2}, Background())\n"
            "print('numba' in sys.modules)\n"
            "load_segmenter()\n"
            "print('numba' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]


def test_a_few_texts_are_segmented_without_compiling_and_alike_once_compiled():
    # Compiling the decoder (numba, ~1.3 s CPU with its import) pays back over thousands of texts: a `danvan import`
    # of one document, which updates the index, took twice main's CPU when its one text compiled it.
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parent.parent
    code = ("import json, sys\n"
            "from indexer.analysis import load_segmenter, segment, word_terms\n"
            "texts = json.loads(sys.stdin.read())\n"
            "before = [(segment(t), sorted(word_terms(t).items())) for t in texts]\n"
            "print('numba' in sys.modules)\n"
            "load_segmenter()\n"
            "print('numba' in sys.modules)\n"
            "print([(segment(t), sorted(word_terms(t).items())) for t in texts] == before)\n")
    texts = [*EDGE_CASES, " ".join(EDGE_CASES) * 20]
    done = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True,
                          cwd=root, timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent",
                                                      "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "True"]
