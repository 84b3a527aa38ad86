"""The contract's check order (§1–2), in one place. The first rule a message breaks is its rejection:

1. size        more than MAX_MESSAGE_BYTES bytes: ``too_large``, before it is read at all
2. envelope    JSON, an object, message_id, tenant, type (a string), occurred_at, actor and data an
               object — and the envelope fields that are stored hold text PostgreSQL can keep (no NUL,
               no unpaired surrogate): ``invalid_envelope``
3. forbidden   the sender may not write this tenant (the doors' access rules, passed in): ``forbidden``
4. type        a known message type: ``unknown_type``
5. data        the type's data, then text PostgreSQL can keep in every field that is stored:
               ``invalid_data``, naming the field
6. references  ``unknown_employee``, ``unknown_booking``, … and
7. state       ``invalid_state`` — the deciders judge both, references first, against the states of
               the message's streams (:func:`judge`).

Steps 1–5 are pure and run in :func:`prepare`, before any database is involved. Only what is stored
is judged: extra fields (ignored by the data models and never stored) cannot reject a message, whatever
they hold. A rejection keeps the tenant, message_id and type that could be read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.aggregates import agreement, booking
from domain.decider import NewEvent, State, decide, referenced_streams, target_stream
from domain.errors import Reason, Rejected
from domain.messages import (
    Envelope,
    Message,
    event_data,
    parse_data,
    parse_envelope,
    readable_ids,
    readable_type,
)
from domain.rules import MAX_MESSAGE_BYTES

TenantPolicy = Callable[[str], bool]
"""Whether the sender of a message may write the given tenant (None: any tenant)."""
Guard = Callable[[Message, Mapping[str, State], Sequence[str]], None]
"""A door's own rule for a message (:attr:`Prepared.guard`): given the message, the states of its streams and the
live bookings of its agreement other than its own (empty unless :attr:`Prepared.agreement_links`); raises Rejected."""

UNSTORABLE = "contains a NUL character or an unpaired surrogate, which text cannot hold"
_STORED_ENVELOPE_TEXT = ("message_id", "type", "actor")


@dataclass(frozen=True)
class Prepared:
    """A message after the pure checks (steps 1–5); ``streams``: its target stream, then the streams it reads."""

    raw: bytes
    tenant: str | None
    message_id: str | None
    type: str | None = None
    message: Message | None = None
    rejection: Rejected | None = None
    streams: tuple[str, ...] = ()
    idempotent: bool = True
    """False when the message may not claim its (tenant, message_id): a forbidden one is no one's message."""
    source: str | None = None
    """Where the message was read, when a door can name it (the Kafka door: the record's place). A message
    without an idempotency key is recognised by it when it is read again: it gets no second outcome."""
    guard: Guard | None = None
    """A door's own rule for this message, decided after the contract's (:func:`judge`) on the same states, under
    the same locks: it raises Rejected to refuse the message (the planning assistant's bookings)."""
    agreement_links: bool = False
    """Whether the guard also reads the live bookings of the agreement this message books (a CourseBooked's
    agreement_id), other than its own: the append then locks the agreement's stream exclusively — bookings of the
    agreement, which lock it shared, are decided before or after it, never beside it — and checks under that lock
    that the log holds no such booking beyond the ones the guard was given."""

    @property
    def key(self) -> tuple[str, str] | None:
        """The idempotency key, when there is one."""
        if self.tenant is None or self.message_id is None or not self.idempotent:
            return None
        return (self.tenant, self.message_id)

    @property
    def linked_agreement(self) -> tuple[str, str] | None:
        """(agreement_id, own booking_id) when the guard reads the agreement's bookings (``agreement_links``)."""
        if not self.agreement_links or self.message is None:
            return None
        return booking.agreement_link(self.message)

    @property
    def exclusive_streams(self) -> tuple[str, ...]:
        """The streams the append locks exclusively: the one the message writes, and the agreement whose bookings
        its guard reads; the other streams of ``streams`` are locked shared."""
        linked = self.linked_agreement
        if linked is None:
            return self.streams[:1]
        return tuple(dict.fromkeys((*self.streams[:1], agreement.stream(linked[0]))))

    @property
    def stored_source(self) -> str | None:
        """The source its outcome is stored with: only a message without an idempotency key needs one."""
        return self.source if self.key is None else None


def prepare(raw: bytes | str | Any, may_write: TenantPolicy | None = None) -> Prepared:
    """Steps 1–5 of the check order. ``raw`` is the message's bytes or text, or an already decoded value."""
    read = _read(raw)
    if isinstance(read, Prepared):
        return read
    raw_bytes, decoded, suspicious = read
    tenant, message_id = readable_ids(decoded)
    if suspicious and message_id is not None and unstorable_text(message_id) is not None:
        message_id = None
    type_ = readable_type(decoded)
    if suspicious and type_ is not None and unstorable_text(type_) is not None:
        type_ = None

    def rejected(reason: Reason, detail: str, *, idempotent: bool = True) -> Prepared:
        return Prepared(raw_bytes, tenant, message_id, type_, rejection=Rejected(reason, printable(detail)),
                        idempotent=idempotent)

    try:
        envelope = _envelope(decoded, suspicious)
    except Rejected as rejection:
        return rejected(rejection.reason, rejection.detail)
    if may_write is not None and not may_write(envelope.tenant):
        return rejected(Reason.FORBIDDEN, f"the sender may not write tenant {envelope.tenant!r}", idempotent=False)
    try:
        message = _message(envelope, suspicious)
    except Rejected as rejection:
        return rejected(rejection.reason, rejection.detail)
    streams = (target_stream(message), *referenced_streams(message))
    return Prepared(raw_bytes, tenant, message_id, type_, message=message, streams=streams)


def judge(message: Message, states: Mapping[str, State]) -> list[NewEvent]:
    """Steps 6–7: the events a message that passed :func:`prepare` becomes, given the states of its
    streams — or Rejected, references (``unknown_*``) before state (``invalid_state``)."""
    return decide(message, states)


def _read(raw: bytes | str | Any) -> tuple[bytes, Any, bool] | Prepared:
    """Steps 1 and the start of 2: size, then JSON. The raw bytes, the decoded value and whether it may hold
    text PostgreSQL cannot (JSON text in UTF-8 can only carry NUL or an unpaired surrogate as a \\u escape) —
    or the rejection."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", errors="surrogateescape")
    if isinstance(raw, bytes | bytearray | memoryview):
        raw = bytes(raw)
        if len(raw) > MAX_MESSAGE_BYTES:
            return _anonymous(raw, Reason.TOO_LARGE, _too_large(raw))
        try:
            # UTF-16 and UTF-32 text (which json reads too) has zero bytes, and its escapes are spelt otherwise
            return raw, json.loads(raw), b"\\u" in raw or b"\x00" in raw
        except (ValueError, UnicodeDecodeError) as error:
            return _anonymous(raw, Reason.INVALID_ENVELOPE, f"the message is not valid JSON ({_first_line(error)})")
        except RecursionError:
            return _anonymous(raw, Reason.INVALID_ENVELOPE, "the message is nested too deeply to be read")
    try:
        encoded = json.dumps(raw, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
    except (TypeError, ValueError, RecursionError):
        unreadable = repr(raw).encode("utf-8", errors="backslashreplace")
        return _anonymous(unreadable, Reason.INVALID_ENVELOPE, "the message is not a JSON value that can be read")
    if len(encoded) > MAX_MESSAGE_BYTES:
        return _anonymous(encoded, Reason.TOO_LARGE, _too_large(encoded))
    return encoded, raw, True


def _envelope(decoded: Any, suspicious: bool) -> Envelope:
    envelope = parse_envelope(decoded)
    for name in _STORED_ENVELOPE_TEXT if suspicious else ():
        value = getattr(envelope, name)
        if value is not None and unstorable_text(value) is not None:
            raise Rejected(Reason.INVALID_ENVELOPE, f"{name} {UNSTORABLE}")
    return envelope


def _message(envelope: Envelope, suspicious: bool) -> Message:
    message = parse_data(envelope)
    where = unstorable_text(event_data(message), "data") if suspicious else None
    if where is not None:
        raise Rejected(Reason.INVALID_DATA, f"{where} {UNSTORABLE}")
    return message


def unstorable_text(value: Any, path: str = "") -> str | None:
    """The path of the first string (or key) in ``value`` that PostgreSQL text cannot hold, else None."""
    for where, text in strings_in(value, path):
        if "\x00" in text:
            return where or "message"
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return where or "message"
    return None


def strings_in(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a JSON value with its path, keys included; iterative, so any depth is fine."""
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, inner in reversed(item.items()):
                yield where, str(key)
                stack.append((f"{where}.{key}" if where else str(key), inner))
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", inner) for index, inner in reversed(list(enumerate(item))))


def printable(text: str) -> str:
    """A detail sentence as text can hold it: NUL and unpaired surrogates written as escapes."""
    if unstorable_text(text) is None:
        return text
    escaped = text.replace("\x00", "\\u0000")
    return escaped.encode("utf-8", errors="backslashreplace").decode("utf-8")


def _anonymous(raw: bytes, reason: Reason, detail: str) -> Prepared:
    return Prepared(raw, None, None, rejection=Rejected(reason, detail))


def _too_large(raw: bytes) -> str:
    return f"the message is {len(raw)} bytes; at most {MAX_MESSAGE_BYTES} are accepted"


def _first_line(error: Exception) -> str:
    text = str(error)
    return text.splitlines()[0] if text else text
