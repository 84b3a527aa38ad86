"""given(messages).when(message).then(event) / .then_rejects(reason): specs over the pure decider.

``given`` runs each message through the same path as the service (parse, fold, decide) against an
in-memory log, so a spec's history is itself checked.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from domain.decider import NewEvent, State, decide, evolve, initial_state, referenced_streams, target_stream
from domain.errors import Reason, Rejected
from domain.messages import parse_message


class Spec:
    def __init__(self) -> None:
        self.log: dict[str, list[NewEvent]] = defaultdict(list)

    def state(self, stream: str) -> State:
        state = initial_state(stream)
        for event in self.log[stream]:
            state = evolve(state, event.type, event.data)
        return state

    def handle(self, raw: object) -> list[NewEvent]:
        msg = parse_message(raw)
        streams = [target_stream(msg), *referenced_streams(msg)]
        events = decide(msg, {stream: self.state(stream) for stream in streams})
        for event in events:
            self.log[event.stream].append(event)
        return events

    def when(self, raw: object) -> Outcome:
        try:
            return Outcome(events=self.handle(raw), rejection=None)
        except Rejected as rejected:
            return Outcome(events=[], rejection=rejected)


class Outcome:
    def __init__(self, events: list[NewEvent], rejection: Rejected | None) -> None:
        self.events = events
        self.rejection = rejection

    def then(self, stream: str, type_: str, **fields: Any) -> NewEvent:
        """Exactly one event, on ``stream`` of ``type_``, whose data has at least ``fields``."""
        assert self.rejection is None, f"rejected: {self.rejection!r}"
        assert len(self.events) == 1, self.events
        event = self.events[0]
        assert (event.stream, event.type) == (stream, type_)
        assert {name: event.data.get(name) for name in fields} == fields
        return event

    def then_rejects(self, reason: Reason, mentioning: str = "") -> Rejected:
        assert self.rejection is not None, f"accepted: {self.events!r}"
        assert self.rejection.reason is reason, repr(self.rejection)
        assert mentioning in self.rejection.detail, repr(self.rejection)
        return self.rejection


def given(*messages: object) -> Spec:
    spec = Spec()
    for raw in messages:
        spec.handle(raw)
    return spec
