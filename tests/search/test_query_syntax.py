"""Query understanding without an index: syntax, synonyms, document numbers, stop words."""

from __future__ import annotations

import pytest

from indexer.search.plan import build
from indexer.search.understand import parse
from indexer.synonyms import Synonyms, SynonymsError, load


def test_plain_words_are_units_with_folded_syllables():
    parsed = parse("Bảo vệ trẻ em")
    assert [u.alternatives[0] for u in parsed.units] == [("bao",), ("ve",), ("tre",), ("em",)]
    assert parsed.syllables == ["bao", "ve", "tre", "em"]
    assert "trẻ_em" in parsed.words


def test_quoted_phrase_and_exclusion():
    parsed = parse('"bảo hiểm xã hội" -"y tế" -tự')
    assert parsed.phrases == [("bao", "hiem", "xa", "hoi")]
    assert ("y", "te") in parsed.excluded and ("tu",) in parsed.excluded
    assert parsed.syllables == ["bao", "hiem", "xa", "hoi"]  # the phrase's words count too


def test_or_merges_two_units_into_alternatives():
    parsed = parse("lương OR thưởng tết")
    assert len(parsed.units) == 2
    assert parsed.units[0].alternatives[:2] == [("luong",), ("thuong",)]


@pytest.mark.parametrize("q, filters", [
    ("nam:2015 đầu tư", {"nam": ["2015"]}),
    ("loai:luat hôn nhân", {"loai": ["luat"]}),
    ('loại:"nghị định" đầu tư', {"loai": ["nghị định"]}),
    ("so:87/2015/NĐ-CP", {"so": ["87/2015/NĐ-CP"]}),
    ("site:stttt trẻ em", {"site": ["stttt"]}),
    ("-site:stttt trẻ em", {"site!": ["stttt"]}),
    ("nam:2010-2015 lương", {"nam": ["2010-2015"]}),
])
def test_field_filters(q, filters):
    assert parse(q).filters == filters


@pytest.mark.parametrize("q", [
    'bảo vệ "trẻ em', "nam:abc lương", "nam:1234567 lương", "title:trẻ em", "loai: lương", '""', '- -', "-",
    'AND OR NOT ((( * ? ~ ^ field: "', "OR", "OR OR OR", "a OR", "OR b", "-\"\"", ":", "so:", "nam:", "\\",
])
def test_malformed_syntax_degrades_to_words(q):
    parsed = parse(q)  # never raises
    build(parsed)
    build(parsed, require_all=False)


def test_malformed_filters_become_words():
    assert parse("nam:abc lương").filters == {}
    assert "abc" in parse("nam:abc lương").syllables
    assert parse("title:trẻ em").filters == {}


def test_only_exclusions_search_the_words():
    parsed = parse("-lương")
    assert parsed.excluded == []
    assert parsed.syllables == ["luong"]


def test_abbreviation_expands_and_is_reported():
    parsed = parse("trách nhiệm UBND tỉnh")
    unit = next(u for u in parsed.units if u.text == "UBND")
    assert ("ubnd",) in unit.alternatives and ("uy", "ban", "nhan", "dan") in unit.alternatives
    assert {"term": "UBND", "expansions": ["ủy ban nhân dân"]} in parsed.expansions


def test_expansion_works_the_other_way():
    parsed = parse("ủy ban nhân dân tỉnh")
    assert any(("ubnd",) in u.alternatives for u in parsed.units)


@pytest.mark.parametrize("q", ["LĐ-TBXH", "lđ-tbxh", "LĐTBXH", "ld tbxh"])
def test_hyphenated_abbreviation_however_typed(q):
    parsed = parse(q)
    assert len(parsed.units) == 1
    assert ("lao", "dong", "thuong", "binh", "va", "xa", "hoi") in parsed.units[0].alternatives


def test_capitals_only_abbreviation():
    assert any(("tre", "em") in u.alternatives for u in parse("Ủy ban quốc gia về TE").units)
    # "te" is also an ordinary syllable once folded (kinh tế): lower case is not expanded.
    assert not any(("tre", "em") in u.alternatives for u in parse("kinh te").units)


@pytest.mark.parametrize("q, codes, years", [
    ("nghị định 87/2015", ["nd"], ["87/2015"]),
    ("nd 87/2015", ["nd"], ["87/2015"]),
    ("NĐ 87/2015", ["nd"], ["87/2015"]),
    ("thông tư 87/2015", ["tt"], ["87/2015"]),
    ("luật 87/2015", ["qh"], ["87/2015"]),
])
def test_document_type_with_number_and_year(q, codes, years):
    parsed = parse(q)
    assert parsed.doc_type_codes == codes
    assert [u.alternatives[0][0] for u in parsed.units if u.number_year] == years


def test_whole_document_number_key():
    assert parse("87/2015/NĐ-CP").doc_numbers == ["87/2015/nd-cp"]
    assert parse("Nghị định 87/2015/nd-cp").doc_numbers == ["87/2015/nd-cp"]


def test_stop_words_are_not_required_but_stay_in_order():
    parsed = parse("thời hiệu thừa kế là bao lâu")
    # "là" is a stop word; "bao lâu" is a question phrase.
    assert [u.text for u in parsed.content_units] == ["thời", "hiệu", "thừa", "kế"]
    assert parsed.syllables == ["thoi", "hieu", "thua", "ke", "la", "bao", "lau"]


@pytest.mark.parametrize("q, content, stop", [
    # Typed with diacritics, an unmarked syllable is what was typed: "ma" (ma túy) is not "mà".
    ("chất ma túy là gì", ["ma", "túy"], ["là", "gì"]),
    ("ly hôn thì ai nuôi con", ["con", "nuôi"], ["thì", "ai"]),
    ("cho thuê nhà trong bao lâu", ["thuê"], ["cho", "trong", "bao", "lâu"]),
    ("bao gồm những gì", ["bao", "gồm"], ["những", "gì"]),
    # Typed without, a syllable that also folds a common content word stays content.
    ("vi pham giao thong", ["vi"], []),
    ("thu tuc dang ky ket hon o dau", ["dang", "ky"], ["o", "dau"]),
    ("toi da bao nhieu ngay", ["da"], ["bao", "nhieu"]),
    ("xu phat cua ai", ["xu"], ["cua", "ai"]),
])
def test_stop_words_depend_on_how_the_query_is_typed(q, content, stop):
    units = {u.text.lower(): u.stop for u in parse(q).units}
    assert all(units[w] is False for w in content), units
    assert all(units[w] is True for w in stop), units


def test_synonyms_file_format(tmp_path):
    table = Synonyms.from_text("# comment\nUBND = ủy ban nhân dân\nnot a group\n^TE^ = trẻ em\nly hôn = ly dị\n")
    assert len(table) == 3
    extra = tmp_path / "extra.txt"
    extra.write_text("SLĐTBXH = sở lao động thương binh và xã hội\nUBND = chính quyền tỉnh\n", encoding="utf-8")
    merged = load([extra])
    parsed = parse("UBND", merged)
    assert ("chinh", "quyen", "tinh") in parsed.units[0].alternatives
    assert ("uy", "ban", "nhan", "dan") in parsed.units[0].alternatives  # merged with the shipped group
    assert parse("SLĐTBXH", merged).expansions


def test_missing_synonyms_file_is_one_clear_error(tmp_path):
    with pytest.raises(SynonymsError, match="không đọc được tệp từ đồng nghĩa"):
        load([tmp_path / "nope.txt"])
