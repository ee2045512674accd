"""How text becomes terms: the analyzers every index registers, and
Chinese, Japanese and Korean runs spelt out as characters and pairs."""

from __future__ import annotations

import re

import tantivy

STEM = "emporium_stem"
WORDS = "emporium_words"
KEYWORD = "emporium_keyword"
KEYWORD_WORDS = "emporium_title"


def _analyzers() -> dict[str, tantivy.TextAnalyzer]:
    def build(tokenizer, *filters) -> tantivy.TextAnalyzer:
        builder = tantivy.TextAnalyzerBuilder(tokenizer)
        for f in filters:
            builder = builder.filter(f)
        return builder.build()

    base = (
        tantivy.Filter.remove_long(40),
        tantivy.Filter.lowercase(),
        tantivy.Filter.ascii_fold(),
    )
    return {
        STEM: build(
            tantivy.Tokenizer.simple(), *base, tantivy.Filter.stemmer("english")
        ),
        WORDS: build(tantivy.Tokenizer.simple(), *base),
        KEYWORD_WORDS: build(tantivy.Tokenizer.simple(), *base),
        KEYWORD: build(
            tantivy.Tokenizer.raw(),
            tantivy.Filter.lowercase(),
            tantivy.Filter.ascii_fold(),
        ),
    }


ANALYZERS = _analyzers()


def analyze(name: str, text: str) -> list[str]:
    return ANALYZERS[name].analyze(text)


# Han, kana and Hangul are written without spaces between words: a run of
# them is indexed as its characters and its overlapping pairs of characters
# (bigrams), and searched as its pairs, so a word inside a run is found.
CJK_RUN = re.compile(
    "[\u3005-\u3007\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]+"
)


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] or [run]


def cjk_for_index(text: str) -> str:
    """``text`` with each CJK run spelt out as its characters and pairs."""
    return CJK_RUN.sub(lambda m: f" {' '.join([*m[0], *_pairs(m[0])])} ", text)


def cjk_for_query(words: list[str]) -> list[str]:
    """Query words with each CJK run split into its pairs (a lone character
    stays itself): every pair must be found."""
    result = []
    for word in words:
        for part in CJK_RUN.sub(lambda m: f" {' '.join(_pairs(m[0]))} ", word).split():
            result.append(part)
    return result


def normalize_title(text: str) -> str:
    """A name reduced to its words, for the exact-title match and the sort."""
    return " ".join(analyze(KEYWORD_WORDS, text or ""))
