"""The statement checker itself: it accepts the spec's own examples and catches each rule broken."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from xapi_rules import is_duration, problems

VALID: dict[str, Any] = {
    "id": "3f4442f4-fbfc-522c-b5ba-f21692e69b22",
    "actor": {"objectType": "Agent", "account": {"homePage": "https://hr.example", "name": "E1"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed", "da": "gennemførte"}},
    "object": {"objectType": "Activity", "id": "https://hr.example/xapi/acme/courses/40116",
               "definition": {"name": {"und": "Førstehjælp"}, "type": "http://adlnet.gov/expapi/activities/course",
                              "extensions": {"https://hr.example/xapi/extensions/course-kind": "amu"}}},
    "result": {"completion": True, "success": True, "duration": "PT7H24M"},
    "context": {"registration": "5569a664-1b57-547c-b1ec-854abb9d6082",
                "extensions": {"https://hr.example/xapi/extensions/booking-id": "B1",
                               "https://hr.example/xapi/extensions/note": None}},
    "timestamp": "2026-04-06T00:00:00Z",
    "version": "1.0.0",
}


def test_a_valid_statement_and_the_specifications_examples_pass() -> None:
    assert problems(VALID) == []
    # (§2.4's example also has the id 12345678-1234-5678-1234-567812345678, of no RFC 4122 variant: left out)
    simplest = {"actor": {"mbox": "mailto:xapi@adlnet.gov"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/created", "display": {"en-US": "created"}},
                "object": {"id": "http://example.adlnet.gov/xapi/example/activity"}}
    assert problems(simplest) == []
    voiding = {"actor": {"objectType": "Agent", "name": "Example Admin", "mbox": "mailto:admin@example.adlnet.gov"},
               "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
               "object": {"objectType": "StatementRef", "id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"}}
    assert problems(voiding) == []


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(statement: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = statement
        for key in parents:
            target = target[key]
        target[last] = value
    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(statement: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = statement
        for key in parents:
            target = target[key]
        del target[last]
    return change


BROKEN = {
    "no actor": _drop("actor"),
    "no verb": _drop("verb"),
    "no object": _drop("object"),
    "unknown top-level property": _set("tenant", "acme"),
    "stored as a date only": _set("stored", "2026-04-06"),
    "id not a UUID": _set("id", "statement-1"),
    "id in upper case": _set("id", VALID["id"].upper()),
    "id of no RFC 4122 variant": _set("id", "3f4442f4-fbfc-522c-75ba-f21692e69b22"),
    "verb id not an IRI": _set("verb.id", "completed"),
    "verb id with a space": _set("verb.id", "http://adlnet.gov/expapi/verbs/com pleted"),
    "language tag not RFC 5646": _set("verb.display", {"english!": "completed"}),
    "language tag too long": _set("object.definition.name", {"danish-language": "x"}),
    "empty language map": _set("verb.display", {}),
    "agent with two identifiers": _set("actor.mbox", "mailto:a@b.example"),
    "agent with no identifier": _drop("actor.account"),
    "account without home page": _drop("actor.account.homePage"),
    "account home page not an IRL": _set("actor.account.homePage", "urn:eduplan:hr"),
    "agent of unknown property": _set("actor.email", "a@b.example"),
    "activity id relative": _set("object.id", "/courses/40116"),
    "activity type not an IRI": _set("object.definition.type", "course"),
    "unknown definition property": _set("object.definition.title", "x"),
    "extension key not an IRI": _set("context.extensions", {"booking-id": "B1"}),
    "voiding an activity": _set("verb.id", "http://adlnet.gov/expapi/verbs/voided"),
    "success as a string": _set("result.success", "true"),
    "duration in hours as a number": _set("result.duration", 7.4),
    "duration with a unit word": _set("result.duration", "7.4 hours"),
    "null outside extensions": _set("result.response", None),
    "empty object": _set("result", {}),
    "unknown context property": _set("context.tenant", "acme"),
    "registration not a UUID": _set("context.registration", "b-1"),
    "platform beside a StatementRef": lambda s: (
        s.update(object={"objectType": "StatementRef", "id": VALID["id"]}),
        s["context"].update(platform="eduplan")),
    "timestamp without time zone": _set("timestamp", "2026-04-06T00:00:00"),
    "timestamp as a date": _set("timestamp", "2026-04-06"),
    "timestamp on no real day": _set("timestamp", "2026-02-30T00:00:00Z"),
    "version of a patch release": _set("version", "1.0.3"),
    "StatementRef with extra property": _set("object", {"objectType": "StatementRef", "id": VALID["id"],
                                                        "definition": {}}),
}


@pytest.mark.parametrize("change", BROKEN.values(), ids=BROKEN.keys())
def test_each_broken_rule_is_reported(change: Callable[[dict[str, Any]], None]) -> None:
    statement = copy.deepcopy(VALID)
    change(statement)
    assert problems(statement), statement


@pytest.mark.parametrize("text", ["PT4H35M59.14S", "P3Y1M29DT4H35M59.14S", "P3Y", "P4W", "PT0S", "PT7H24M",
                                  "P1DT2H"])
def test_iso_8601_durations_from_the_specification_pass(text: str) -> None:
    assert is_duration(text)


@pytest.mark.parametrize("text", ["P", "PT", "P4W1D", "PT7.5H24M", "7H24M", "PT7h", "P1YT", "PT-1H", "P0.5Y1M"])
def test_malformed_durations_fail(text: str) -> None:
    assert not is_duration(text)
