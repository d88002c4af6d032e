"""Vietnamese analysis: the same chains at index and query time."""

from __future__ import annotations

import unicodedata

import pytest

from indexer.analysis import fold, folded_analyzer, has_diacritics, normalize_text, word_analyzer
from indexer.document import doc_number_key


def words(text, **kwargs):
    return [t.text for t in word_analyzer()(text, **kwargs)]


def folded(text, **kwargs):
    return [t.text for t in folded_analyzer()(text, **kwargs)]


def test_normalize_text_turns_nfd_into_nfc():
    nfc = "Quyết định số 1437/QĐ-UBND về bảo vệ trẻ em"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert normalize_text(nfd) == nfc
    assert unicodedata.is_normalized("NFC", normalize_text(nfd))


def test_nfd_input_gives_the_same_tokens_as_nfc():
    nfc = "Quyết định phê duyệt Chương trình bảo vệ trẻ em"
    nfd = unicodedata.normalize("NFD", nfc)
    assert words(nfd) == words(nfc)
    assert folded(nfd) == folded(nfc)
    # The NFD text is not cut into pieces at the combining marks.
    assert "quyết_định" in words(nfd)
    assert "quyet" in folded(nfd)


@pytest.mark.parametrize("old, new", [
    ("hoà bình", "hòa bình"),
    ("thuỷ lợi", "thủy lợi"),
    ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
    ("sức khoẻ cộng đồng", "sức khỏe cộng đồng"),
    ("hoà nhập cộng đồng", "hòa nhập cộng đồng"),
])
def test_old_and_new_tone_placement_give_the_same_tokens(old, new):
    assert words(old) == words(new)
    assert folded(old) == folded(new)


def test_old_tone_placement_is_rewritten_without_changing_length():
    for old, new in [("hoà", "hòa"), ("thuỷ", "thủy"), ("uỷ", "ủy"), ("khoẻ", "khỏe"), ("hoá", "hóa")]:
        assert normalize_text(old) == new
        assert len(normalize_text(old)) == len(old)
    # Syllables whose placement is fixed stay as they are.
    assert normalize_text("quý hoàng thuyết") == "quý hoàng thuyết"


def test_pyvi_segments_words():
    tokens = words("Công tác bảo vệ trẻ em và bình đẳng giới")
    assert "trẻ_em" in tokens
    assert "bảo_vệ" in tokens
    assert "bình_đẳng" in tokens


def test_word_tokens_are_lowercase_after_segmenting_original_case():
    tokens = words("Sở Lao động – Thương binh và Xã hội")
    assert tokens == [t.lower() for t in tokens]
    assert "lao_động" in tokens
    assert "xã_hội" in tokens


def test_folded_form_strips_every_mark():
    assert fold("bảo vệ trẻ em") == "bao ve tre em"
    assert fold("đường Đông Giang") == "duong Dong Giang"
    assert folded("Bảo vệ trẻ em") == ["bao", "ve", "tre", "em"]
    assert folded("Đồng chí đề nghị") == ["dong", "chi", "de", "nghi"]


def test_has_diacritics():
    assert has_diacritics("trẻ em")
    assert has_diacritics("đi")
    assert not has_diacritics("tre em")


@pytest.mark.parametrize("text, number, word_token, folded_token", [
    ("sửa đổi Thông tư số 24/2015/TT-BTTTT của Bộ", "24/2015/TT-BTTTT", "24/2015/tt-btttt", "24/2015/tt-btttt"),
    ("theo Quyết định 1437/QĐ-UBND của tỉnh", "1437/QĐ-UBND", "1437/qđ-ubnd", "1437/qd-ubnd"),
    ("Nghị định 87/2015/NĐ-CP của Chính phủ", "87/2015/NĐ-CP", "87/2015/nđ-cp", "87/2015/nd-cp"),
])
def test_document_numbers_are_kept_whole(text, number, word_token, folded_token):
    assert word_token in words(text)
    assert folded_token in folded(text)
    # No piece of the number is a token of its own.
    for piece in ("24", "2015", "tt", "btttt", "1437", "qđ", "qd", "ubnd", "87", "nđ", "nd", "cp"):
        assert piece not in words(text)
        assert piece not in folded(text)


def test_document_number_offsets_cover_the_whole_number():
    text = "sửa đổi Thông tư số 24/2015/TT-BTTTT của Bộ"
    token = next(t for t in word_analyzer()(text, chars=True) if "/" in t.text)
    assert text[token.startchar:token.endchar] == "24/2015/TT-BTTTT"


def test_doc_number_key_normalizes_spellings():
    assert doc_number_key("87/2015/NĐ-CP") == "87/2015/nd-cp"
    assert doc_number_key("87/2015/nd-cp") == "87/2015/nd-cp"
    assert doc_number_key("1437/QĐ-UBND") == doc_number_key("1437/qd-ubnd")
    assert doc_number_key(unicodedata.normalize("NFD", "1437/QĐ-UBND")) == "1437/qd-ubnd"


def test_word_token_offsets_point_at_the_original_words():
    text = "Sở Lao động – Thương binh và Xã hội tổ chức hội nghị bảo vệ trẻ em."
    # Whoosh reuses one Token object: read each token while iterating.
    tokens = [(t.text, t.startchar, t.endchar) for t in word_analyzer()(text, chars=True)]
    spans = {token: text[start:end] for token, start, end in tokens}
    assert spans["lao_động"] == "Lao động"
    assert spans["thương_binh"] == "Thương binh"
    assert spans["xã_hội"] == "Xã hội"
    assert spans["trẻ_em"] == "trẻ em"
    for token, start, end in tokens:
        assert normalize_text(text[start:end]).lower().replace(" ", "_") == token


def test_offsets_point_at_old_style_words_in_the_original_text():
    text = "trẻ em được trợ giúp để hoà nhập cộng đồng, Uỷ ban xã theo dõi"
    word_spans = {t.text: text[t.startchar:t.endchar] for t in word_analyzer()(text, chars=True)}
    assert word_spans["hòa_nhập"] == "hoà nhập"
    assert word_spans["ủy_ban"] == "Uỷ ban"
    folded_spans = [(t.text, text[t.startchar:t.endchar]) for t in folded_analyzer()(text, chars=True)]
    assert ("hoa", "hoà") in folded_spans
    assert ("uy", "Uỷ") in folded_spans
    assert ("tre", "trẻ") in folded_spans


def test_folded_tokens_have_positions_for_phrases():
    tokens = [(t.text, t.pos) for t in folded_analyzer()("bảo vệ trẻ em", positions=True)]
    assert tokens == [("bao", 0), ("ve", 1), ("tre", 2), ("em", 3)]
