"""Reading answers: a list parsed in pieces is exactly the list parsed whole."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packstation.api.body import UnreadableJson, parse_list_in_pieces, salvage_records

# Values full of what a naive cut would trip on: "},{" in strings and nested lists.
tricky = st.sampled_from(["},{", "}, {", "\\", '"', "[", "]", "{", "}", "é", "\u202e", ""])
texts = st.lists(tricky | st.text(max_size=5), max_size=6).map("".join)
values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | texts,
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(texts, inner, max_size=3), max_leaves=12)
records = st.lists(st.dictionaries(texts, values, min_size=1, max_size=4), max_size=30)


@settings(max_examples=300, deadline=None)
@given(records, st.integers(1, 64), st.booleans())
def test_a_list_in_pieces_is_the_list(items: list[dict[str, object]], piece: int,
                                      spaced: bool) -> None:
    data = json.dumps(items, indent=1 if spaced else None).encode()
    assert parse_list_in_pieces(data, piece=piece) == orjson.loads(data)
    assert salvage_records(data) == orjson.loads(data)


def test_one_unreadable_record_falls_back_to_the_whole_then_salvage() -> None:
    data = b'[{"id": 1}, {"id": 2, "n": ' + b"9" * 5000 + b'}, {"id": 3}]'
    with pytest.raises(UnreadableJson, match="number too long"):
        parse_list_in_pieces(data, piece=4)
    salvaged = salvage_records(data)
    assert salvaged is not None and [getattr(r, "id", r) for r in salvaged] == [
        {"id": 1}, 2, {"id": 3}]
