"""The README's worked examples, one per shipped scheme, computed with the shipped rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from domain.funding.expected import fund_expected, veu_expected
from domain.funding.facts import CourseFacts
from services.core.funding.loader import SHIPPED, load_rules

BOOK = load_rules([SHIPPED])


def anna(first: date, last: date, booking_id: str = "b-1", **changes: object) -> CourseFacts:
    base: dict[str, object] = dict(
        booking_id=booking_id, employee_id="anna", department="ops", title="AMU", kind="amu",
        booked_on=date(2015, 1, 1),
        starts_on=first, ends_on=last, hours=Fraction(37), hours_attended=False, cancelled=False,
        hired_on=date(2015, 1, 1), job_family="skilled", hourly_wage=Decimal(250))
    base.update(changes)
    return CourseFacts(**base)  # type: ignore[arg-type]


def test_veu_2023() -> None:
    assert BOOK.veu is not None
    expected = veu_expected(BOOK.veu, anna(date(2023, 4, 17), date(2023, 4, 21), travel_km=Decimal(84)))
    assert (expected.amount, expected.deadline) == (Decimal("4885.00"), date(2023, 5, 19))


def test_ikuf_2021() -> None:
    assert BOOK.veu is not None
    course = anna(date(2021, 4, 12), date(2021, 4, 16), fee=Decimal(1200),
                  collective_agreement="industriens-overenskomst")
    veu = {"b-1": veu_expected(BOOK.veu, course)}
    assert veu["b-1"].amount == Decimal("4459.98")
    ikuf = fund_expected(BOOK.funds["ikuf"], [course], BOOK.agreements, veu)["b-1"]
    assert (ikuf.amount, ikuf.deadline) == (Decimal("4602.52"), date(2021, 4, 11))


def test_tl_arbejdsgiverne_2026_with_its_yearly_cap() -> None:
    courses = [anna(date(2026, 5, 4), date(2026, 5, 8), fee=Decimal(1200), collective_agreement="tl-arbejdsgiverne"),
               anna(date(2026, 9, 7), date(2026, 9, 11), "b-2", fee=Decimal(1200),
                    collective_agreement="tl-arbejdsgiverne")]
    found = fund_expected(BOOK.funds["tl-arbejdsgiverne"], courses, BOOK.agreements, {})
    assert (found["b-1"].amount, found["b-1"].deadline) == (Decimal("10450.00"), date(2026, 4, 4))
    assert found["b-2"].amount == Decimal("4550.00")


def test_anlaegsgartner_2023() -> None:
    assert BOOK.veu is not None
    course = anna(date(2023, 4, 17), date(2023, 4, 21), fee=Decimal(750), collective_agreement="anlaegsgartnerarbejde")
    veu = {"b-1": veu_expected(BOOK.veu, course)}
    found = fund_expected(BOOK.funds["anlaegsgartner"], [course], BOOK.agreements, veu)["b-1"]
    assert (veu["b-1"].amount, found.amount) == (Decimal("4555.00"), Decimal("3340.00"))
