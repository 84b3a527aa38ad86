"""Whatever JSON arrives, parsing answers with a Message or a Rejected, never another exception."""

from __future__ import annotations

import json
from typing import Any

from domain_samples import SAMPLE_DATA, envelope
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import Rejected
from domain.messages import event_data, parse_message, readable_ids

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def near_valid_messages(draw: st.DrawFn) -> dict[str, Any]:
    """A valid sample message with some envelope or data fields replaced by arbitrary JSON."""
    type_ = draw(st.sampled_from(sorted(SAMPLE_DATA)))
    data: dict[str, Any] = dict(SAMPLE_DATA[type_])
    for name in draw(st.lists(st.sampled_from(sorted(data) or ["x"]), max_size=2)):
        data[name] = draw(json_values)
    raw = envelope(type=type_, data=data)
    for name in draw(st.lists(st.sampled_from(sorted(raw)), max_size=1)):
        raw[name] = draw(json_values)
    return raw


def _parses_or_rejects(raw: object) -> None:
    try:
        msg = parse_message(raw)
    except Rejected as rejected:
        assert rejected.detail
        return
    json.dumps(event_data(msg), allow_nan=False)


@settings(max_examples=150, deadline=None, database=None)
@given(json_values)
def test_parse_message_only_ever_rejects_arbitrary_json(raw: object) -> None:
    _parses_or_rejects(raw)
    readable_ids(raw)


@settings(max_examples=200, deadline=None, database=None)
@given(near_valid_messages())
def test_parse_message_only_ever_rejects_near_valid_messages(raw: dict[str, Any]) -> None:
    _parses_or_rejects(raw)
    tenant, message_id = readable_ids(raw)
    assert tenant is None or tenant == raw["tenant"]
    assert message_id is None or message_id == raw["message_id"]
