"""The xAPI vocabulary of eduplan's learning records: verbs, activity and extension IRIs, identifiers.

Everything an LRS or an auditor needs to re-derive an exported statement is defined here once:
- statement ids are UUID version 5 in :data:`STATEMENT_NAMESPACE` of the compact JSON array
  ``[tenant, stream, version, verb IRI]`` (UTF-8, no spaces, non-ASCII characters as they are), so the
  same event always yields the same statement id;
- a booking's registration (``context.registration``) is UUID version 5 of ``[tenant, stream]``;
- activity and extension IRIs live under the configured home page (``EDUPLAN_XAPI_HOMEPAGE``).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from urllib.parse import quote, urlsplit

import orjson

STATEMENT_NAMESPACE = uuid.UUID("3eca043a-336b-585c-99e6-c2f6dd916e67")
"""= uuid5(NAMESPACE_URL, "urn:eduplan:xapi:statements"); fixed for good: changing it changes every id."""

STATEMENT_VERSION = "1.0.0"
"""xAPI 1.0.3 §2.4.10: a provider that sets ``version`` MUST set 1.0.0, the data model every 1.0.x shares."""

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
UNDETERMINED_LANGUAGE = "und"
"""RFC 5646 tag of a course title: the sender's own text, in a language eduplan does not know."""


@dataclass(frozen=True, slots=True)
class Verb:
    word: str
    english: str
    danish: str

    @property
    def iri(self) -> str:
        return ADL_VERBS + self.word

    def as_json(self) -> dict[str, Any]:
        return {"id": self.iri, "display": {"en-US": self.english, "da": self.danish}}


REGISTERED = Verb("registered", "registered", "tilmeldte sig")
COMPLETED = Verb("completed", "completed", "gennemførte")
PASSED = Verb("passed", "passed", "bestod")
FAILED = Verb("failed", "failed", "bestod ikke")
SHARED = Verb("shared", "shared", "delte")
VOIDED = Verb("voided", "voided", "annullerede")
VERBS = (REGISTERED, COMPLETED, PASSED, FAILED, SHARED, VOIDED)


def statement_id(tenant: str, stream: str, version: int, verb: Verb) -> str:
    return _uuid5(compact_json([tenant, stream, version, verb.iri]))


def registration_id(tenant: str, stream: str) -> str:
    return _uuid5(compact_json([tenant, stream]))


def compact_json(value: Any) -> bytes:
    """UTF-8 JSON without spaces, non-ASCII as it is: the bytes of Python's
    ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``, written faster."""
    return orjson.dumps(value)


def _uuid5(name: bytes) -> str:
    """``uuid.uuid5(STATEMENT_NAMESPACE, name)`` for a name already in bytes (RFC 4122 §4.3, SHA-1)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_NAMESPACE_BYTES = STATEMENT_NAMESPACE.bytes


def timestamp(day: str) -> str:
    """A business date (YYYY-MM-DD) as an xAPI timestamp: midnight UTC, still that day in Denmark."""
    return f"{day}T00:00:00Z"


def duration(hours: float) -> str:
    """ISO 8601 duration (xAPI §4.6) of a number of hours, to 0.01 s: 7.4 → PT7H24M, 0 → PT0S."""
    hundredths = int((Decimal(str(hours)) * 360000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    whole_hours, rest = divmod(hundredths, 360000)
    minutes, rest = divmod(rest, 6000)
    seconds, fraction = divmod(rest, 100)
    text = "PT"
    if whole_hours:
        text += f"{whole_hours}H"
    if minutes:
        text += f"{minutes}M"
    if fraction:
        text += f"{seconds}.{fraction:02d}".rstrip("0") + "S"
    elif seconds or text == "PT":
        text += f"{seconds}S"
    return text


class InvalidHomepage(ValueError):
    pass


@dataclass(frozen=True)
class Namespace:
    """The IRIs under the configured home page: accounts, activities and extension keys."""

    homepage: str

    @classmethod
    def of(cls, homepage: str) -> Namespace:
        parts = urlsplit(homepage)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise InvalidHomepage(
                f"EDUPLAN_XAPI_HOMEPAGE must be an absolute http(s) address without query or fragment,"
                f" not {homepage!r}")
        return cls(homepage)

    @property
    def _base(self) -> str:
        return self.homepage.rstrip("/") + "/xapi"

    def course(self, tenant: str, code: str) -> str:
        return f"{self._base}/{_segment(tenant)}/courses/{_segment(code)}"

    def booking(self, tenant: str, booking_id: str) -> str:
        return f"{self._base}/{_segment(tenant)}/bookings/{_segment(booking_id)}"

    def extension(self, name: str) -> str:
        return f"{self._base}/extensions/{name}"

    def agent(self, employee_id: str) -> dict[str, Any]:
        """The employee as an Agent identified only by an account: their id, never their name."""
        return {"objectType": "Agent", "account": {"homePage": self.homepage, "name": employee_id}}


def _segment(text: str) -> str:
    return quote(text, safe="")
