"""A checker of xAPI 1.0.3 statements, written from the specification's text (Part Two, "Experience API
Data"), for statements a Learning Record Provider sends. Section numbers in the messages are the spec's.

``problems(statement)`` lists every rule a statement breaks (empty = valid). IRIs are checked with the
RFC 3987 grammar (``rfc3987``) and language tags with RFC 5646 (``langcodes``); the rest is by hand.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import langcodes
import rfc3987

STATEMENT_KEYS = {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
                  "version", "attachments"}
REQUIRED = ("actor", "verb", "object")
AGENT_KEYS = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
ACTIVITY_KEYS = {"objectType", "id", "definition"}
DEFINITION_KEYS = {"name", "description", "type", "moreInfo", "extensions", "interactionType",
                   "correctResponsesPattern", "choices", "scale", "source", "target", "steps"}
RESULT_KEYS = {"score", "success", "completion", "response", "duration", "extensions"}
CONTEXT_KEYS = {"registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
                "statement", "extensions"}
CONTEXT_ACTIVITY_KEYS = {"parent", "grouping", "category", "other"}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_N = r"\d+(?:[.,]\d+)?"
DURATION = re.compile(rf"P(?:\d+W|(?=\d|T\d)(?:{_N}Y)?(?:{_N}M)?(?:{_N}D)?(?:T(?=\d)(?:{_N}H)?(?:{_N}M)?(?:{_N}S)?)?)")
VERSION = re.compile(r"1\.0\.\d+")


def problems(statement: Any) -> list[str]:
    found: list[str] = []
    _statement(statement, found)
    _no_nulls(statement, "", found)
    return found


def _statement(s: Any, found: list[str]) -> None:
    if not isinstance(s, dict):
        found.append("a statement must be a JSON object")
        return
    for key in sorted(set(s) - STATEMENT_KEYS):
        found.append(f"{key}: not a statement property (§2.2.s4.b1.b7)")
    for key in REQUIRED:
        if key not in s:
            found.append(f"{key}: required (§2.2.s2.b3)")
    if "id" in s:
        _uuid(s["id"], "id", found)
    if "actor" in s:
        _agent(s["actor"], "actor", found)
    if "verb" in s:
        _verb(s["verb"], found)
    if "object" in s:
        _object(s["object"], s.get("verb", {}).get("id") if isinstance(s.get("verb"), dict) else None, found)
    if "result" in s:
        _result(s["result"], found)
    if "context" in s:
        _context(s["context"], s.get("object"), found)
    for key in ("timestamp", "stored"):
        if key in s:
            _timestamp(s[key], key, found)
    if "authority" in s:
        _agent(s["authority"], "authority", found)
    if "version" in s and s["version"] != "1.0.0":
        found.append(f"version: a provider that sets it MUST set 1.0.0, not {s['version']!r} (§2.4.10.s4.b1)")
    if "attachments" in s:
        found.append("attachments: not expected from this provider")


def _no_nulls(value: Any, path: str, found: list[str]) -> None:
    if value is None:
        found.append(f"{path or 'statement'}: null is allowed only inside extensions (§2.2.s4.b1.b1)")
    elif isinstance(value, dict):
        if not value and path:
            found.append(f"{path}: an empty object SHOULD NOT be sent (§2.2.s2.b1)")
        for key, inner in value.items():
            if key != "extensions":
                _no_nulls(inner, f"{path}.{key}" if path else key, found)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            _no_nulls(inner, f"{path}[{i}]", found)


def _uuid(value: Any, path: str, found: list[str]) -> None:
    if not isinstance(value, str) or not UUID.fullmatch(value):
        found.append(f"{path}: must be a UUID (RFC 4122 variant) in standard lowercase string form (§4.4)")


def is_iri(value: Any) -> bool:
    return isinstance(value, str) and rfc3987.match(value, rule="IRI") is not None


def is_irl(value: Any) -> bool:
    return is_iri(value) and value.split(":", 1)[0].lower() in ("http", "https")


def _iri(value: Any, path: str, found: list[str]) -> None:
    if not is_iri(value):
        found.append(f"{path}: must be an absolute IRI (RFC 3987), not {value!r} (§2.2.s3.b1)")


def _language_map(value: Any, path: str, found: list[str]) -> None:
    if not isinstance(value, dict) or not value:
        found.append(f"{path}: must be a non-empty language map (§4.2)")
        return
    for tag, text in value.items():
        if not langcodes.tag_is_valid(tag):
            found.append(f"{path}: key {tag!r} is not an RFC 5646 language tag (§2.2.s3.b2)")
        if not isinstance(text, str) or not text:
            found.append(f"{path}.{tag}: must be a non-empty string")


def _extensions(value: Any, path: str, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append(f"{path}: must be an object")
        return
    for key in value:
        _iri(key, f"{path} key", found)


def _agent(value: Any, path: str, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append(f"{path}: must be an Agent object")
        return
    if value.get("objectType", "Agent") != "Agent":
        found.append(f"{path}.objectType: only Agents are expected here, not {value.get('objectType')!r}")
    for key in sorted(set(value) - AGENT_KEYS):
        found.append(f"{path}.{key}: not an Agent property (§2.4.2.1)")
    ifis = [key for key in IFIS if key in value]
    if len(ifis) != 1:
        found.append(f"{path}: an Agent has exactly one inverse functional identifier, not {ifis} (§2.4.2.1.s2)")
    account = value.get("account")
    if account is not None:
        if not isinstance(account, dict) or set(account) != {"homePage", "name"}:
            found.append(f"{path}.account: must have exactly homePage and name (§2.4.2.4)")
        else:
            if not is_irl(account["homePage"]):
                found.append(f"{path}.account.homePage: must be an IRL (§2.4.2.4)")
            if not isinstance(account["name"], str) or not account["name"]:
                found.append(f"{path}.account.name: must be a non-empty string (§2.4.2.4)")
    if "name" in value and not isinstance(value["name"], str):
        found.append(f"{path}.name: must be a string")


def _verb(value: Any, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append("verb: must be an object")
        return
    for key in sorted(set(value) - {"id", "display"}):
        found.append(f"verb.{key}: not a Verb property (§2.4.3)")
    _iri(value.get("id"), "verb.id", found)
    if "display" in value:
        _language_map(value["display"], "verb.display", found)


def _object(value: Any, verb: str | None, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append("object: must be an object")
        return
    kind = value.get("objectType", "Activity")
    if verb == VOIDED and kind != "StatementRef":
        found.append("object: a voiding statement's object MUST be a StatementRef (§2.3.2.s2.b1)")
    if kind == "Activity":
        _activity(value, "object", found)
    elif kind == "StatementRef":
        if set(value) != {"objectType", "id"}:
            found.append("object: a StatementRef has exactly objectType and id (§2.4.4.3)")
        _uuid(value.get("id"), "object.id", found)
    else:
        found.append(f"object.objectType: {kind!r} is not expected from this provider")


def _activity(value: dict[str, Any], path: str, found: list[str]) -> None:
    for key in sorted(set(value) - ACTIVITY_KEYS):
        found.append(f"{path}.{key}: not an Activity property (§2.4.4.1)")
    _iri(value.get("id"), f"{path}.id", found)
    definition = value.get("definition")
    if definition is None:
        return
    if not isinstance(definition, dict):
        found.append(f"{path}.definition: must be an object")
        return
    for key in sorted(set(definition) - DEFINITION_KEYS):
        found.append(f"{path}.definition.{key}: not an Activity Definition property (§2.4.4.1.s2)")
    for key in ("name", "description"):
        if key in definition:
            _language_map(definition[key], f"{path}.definition.{key}", found)
    if "type" in definition:
        _iri(definition["type"], f"{path}.definition.type", found)
    if "moreInfo" in definition and not is_irl(definition["moreInfo"]):
        found.append(f"{path}.definition.moreInfo: must be an IRL")
    if "extensions" in definition:
        _extensions(definition["extensions"], f"{path}.definition.extensions", found)


def _result(value: Any, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append("result: must be an object")
        return
    for key in sorted(set(value) - RESULT_KEYS):
        found.append(f"result.{key}: not a Result property (§2.4.5)")
    for key in ("success", "completion"):
        if key in value and not isinstance(value[key], bool):
            found.append(f"result.{key}: must be a boolean (§2.4.5)")
    if "response" in value and not isinstance(value["response"], str):
        found.append("result.response: must be a string")
    if "duration" in value and not is_duration(value["duration"]):
        found.append(f"result.duration: {value['duration']!r} is not an ISO 8601 duration (§4.6)")
    if "extensions" in value:
        _extensions(value["extensions"], "result.extensions", found)


def is_duration(value: Any) -> bool:
    """ISO 8601:2004 §4.4.3.2 (designators; only the smallest given component may have a fraction)."""
    if not isinstance(value, str) or not DURATION.fullmatch(value):
        return False
    numbers = re.findall(r"\d+(?:[.,]\d+)?", value)
    return all("." not in n and "," not in n for n in numbers[:-1])


def _context(value: Any, target: Any, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append("context: must be an object")
        return
    for key in sorted(set(value) - CONTEXT_KEYS):
        found.append(f"context.{key}: not a Context property (§2.4.6)")
    if "registration" in value:
        _uuid(value["registration"], "context.registration", found)
    is_activity = isinstance(target, dict) and target.get("objectType", "Activity") == "Activity"
    for key in ("revision", "platform"):
        if key in value and not is_activity:
            found.append(f"context.{key}: only when the object is an Activity (§2.4.6.s4)")
    if "language" in value and not langcodes.tag_is_valid(value["language"]):
        found.append("context.language: must be an RFC 5646 tag")
    if "statement" in value:
        ref = value["statement"]
        if not isinstance(ref, dict) or ref.get("objectType") != "StatementRef":
            found.append("context.statement: must be a StatementRef")
    activities = value.get("contextActivities")
    if activities is not None:
        for key in sorted(set(activities) - CONTEXT_ACTIVITY_KEYS):
            found.append(f"context.contextActivities.{key}: not a context type (§2.4.6.2.s4)")
        for key, listed in activities.items():
            for i, activity in enumerate(listed if isinstance(listed, list) else [listed]):
                _activity(activity, f"context.contextActivities.{key}[{i}]", found)
    if "extensions" in value:
        _extensions(value["extensions"], "context.extensions", found)


def _timestamp(value: Any, path: str, found: list[str]) -> None:
    if not isinstance(value, str) or not TIMESTAMP.fullmatch(value):
        found.append(f"{path}: must be an RFC 3339 / ISO 8601 timestamp with a time zone (§4.5)")
        return
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        found.append(f"{path}: {value!r} is not a real point in time (§4.5)")
