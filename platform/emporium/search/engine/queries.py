"""Conditions as tantivy queries: the words, the filters, the facet counts."""

from __future__ import annotations

import tantivy

from emporium.search.conditions import FacetCount, SearchConditions, words_of
from emporium.search.engine.analysis import (
    CJK_RUN,
    STEM,
    WORDS,
    analyze,
    cjk_for_query,
    normalize_title,
)
from emporium.search.engine.documents import FACET_PREFIX


def term(schema, field: str, value) -> tantivy.Query:
    return tantivy.Query.term_query(schema, field, value)


def text_query(schema, searcher, words: list[str], title: str) -> tantivy.Query | None:
    """Every word must match; ``title`` (the query as a normalized title)
    lifts an exact title above everything."""
    clauses = []
    for position, word in enumerate(words):
        plain = analyze(WORDS, word)
        if not plain:
            continue
        token = plain[0]
        should = []
        known = False
        if CJK_RUN.match(token):
            # The name's pairs are in name_words: a name outranks a body.
            should.append(
                tantivy.Query.boost_query(term(schema, "name_words", token), 3.0)
            )
        for stem in analyze(STEM, word):
            should.append(tantivy.Query.boost_query(term(schema, "name", stem), 3.0))
            should.append(term(schema, "body", stem))
            known = known or any(
                searcher.doc_freq(field, stem) > 0 for field in ("name", "body")
            )
        # A word found as typed needs neither a typo's leeway nor
        # completing: the automata are most of a query's cost.
        if known:
            pass
        elif len(token) >= 4:
            # One typo (a transposition counts once) in a name's word.
            should.append(
                tantivy.Query.boost_query(
                    tantivy.Query.fuzzy_term_query(schema, "name_words", token, 1),
                    0.5,
                )
            )
        if not known and position == len(words) - 1 and len(token) >= 2:
            # The word being typed: any name word it begins.
            should.append(
                tantivy.Query.boost_query(
                    tantivy.Query.fuzzy_term_query(
                        schema, "name_words", token, 0, prefix=True
                    ),
                    0.5,
                )
            )
        clauses.append(
            (
                tantivy.Occur.Must,
                tantivy.Query.boolean_query(
                    [(tantivy.Occur.Should, q) for q in should]
                ),
            )
        )
    if not clauses:
        return None
    exact = term(schema, "name_exact", title)
    clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(exact, 20.0)))
    return tantivy.Query.boolean_query(clauses)


def filters(schema, facets_known, c: SearchConditions) -> list | None:
    filters = []
    if c.section:
        filters.append(term(schema, "section", c.section))
    elif c.sections:
        filters.append(
            tantivy.Query.term_set_query(schema, "section", list(c.sections))
        )
    if c.category is not None:
        filters.append(term(schema, "category_id", c.category))
    if c.in_stock:
        filters.append(term(schema, "in_stock", 1))
    if c.price_min is not None or c.price_max is not None:
        filters.append(
            tantivy.Query.range_query(
                schema,
                "price",
                tantivy.FieldType.Unsigned,
                c.price_min,
                c.price_max,
            )
        )
    for name, values in c.facets.items():
        if not values:
            continue
        key = facet_key(name, c.section, facets_known)
        if key is None:
            return None  # a facet this index does not know: nothing matches
        field = FACET_PREFIX + key
        if len(values) == 1:
            filters.append(term(schema, field, values[0]))
        else:
            filters.append(tantivy.Query.term_set_query(schema, field, list(values)))
    return filters


def query(schema, searcher, facets_known, c: SearchConditions):
    musts = filters(schema, facets_known, c)
    if musts is None:
        return None, False
    words = words_of(c.words)
    text = text_query(
        schema, searcher, cjk_for_query(words), normalize_title(" ".join(words))
    )
    clauses = [
        (tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in musts
    ]
    if text is not None:
        clauses.append((tantivy.Occur.Must, text))
    if not clauses:
        return tantivy.Query.all_query(), False
    return tantivy.Query.boolean_query(clauses), text is not None


def facet_key(name: str, section: str | None, facets_known) -> str | None:
    """A facet's name in the index: a section's own (``books.format``) when
    the search is within that section, else the name as given (a shared
    facet, or one qualified by its section); None when the index has none."""
    if section and f"{section}.{name}" in facets_known:
        return f"{section}.{name}"
    return name if name in facets_known else None


def facet_counts(searcher, query, names, facets_known, section=None) -> dict:
    fields = {}
    for name in names:
        key = "section" if name == "section" else facet_key(name, section, facets_known)
        if key is not None:
            fields[name] = key if key == "section" else FACET_PREFIX + key
    if not fields:
        return {}
    aggregation = {
        name: {"terms": {"field": field, "size": 10}} for name, field in fields.items()
    }
    answer = searcher.aggregate(query, aggregation)
    return {
        name: [
            FacetCount(str(bucket["key"]), int(bucket["doc_count"]))
            for bucket in answer.get(name, {}).get("buckets", [])
        ]
        for name in fields
    }
