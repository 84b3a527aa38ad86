"""Funding messages: schemes must be known, amounts must be money, claims go applied → granted or rejected →
paid (never more than granted), on bookings and employees that exist."""

from __future__ import annotations

import pytest
from decider_spec import given
from domain_samples import booking, employee, message

from domain.errors import Reason

STAFF = [employee("e-1"), employee("e-2")]
BOOKED = [*STAFF, booking()]
APPLIED = [*BOOKED, message("FundingApplied", amount=5000)]
GRANTED = [*APPLIED, message("FundingGranted", amount=4555.5)]
CLAIM_STEPS = ["FundingApplied", "FundingGranted", "FundingPaid", "FundingRejected"]
BOOKING_SCOPED = ["CourseCostsRecorded", "CourseWagePaid", *CLAIM_STEPS]
AMOUNTS = {"FundingApplied": "amount", "FundingGranted": "amount", "FundingPaid": "amount",
           "CourseCostsRecorded": "fee", "CourseWagePaid": "hourly_wage"}


@pytest.mark.parametrize("type_", CLAIM_STEPS)
def test_an_unknown_scheme_is_invalid_data_naming_the_field(type_: str) -> None:
    given(*GRANTED).when(message(type_, scheme="lottery")).then_rejects(Reason.INVALID_DATA, "data.scheme")


@pytest.mark.parametrize("type_", sorted(AMOUNTS))
@pytest.mark.parametrize("amount, says", [
    (10.005, "at most 2 decimals"), (-1, "must not be negative"), (-0.01, "must not be negative"),
    ("100", "must be an amount"), (True, "must be an amount"), (1e12, "less than"),
])
def test_an_amount_that_is_not_money_is_invalid_data(type_: str, amount: object, says: str) -> None:
    field = AMOUNTS[type_]
    rejection = given(*GRANTED).when(message(type_, **{field: amount})).then_rejects(Reason.INVALID_DATA, says)
    assert f"data.{field}" in rejection.detail


@pytest.mark.parametrize("amount", [0, 1, 0.1, 4555.55, 1250.5, 9_999_999_999.99])
def test_money_with_up_to_two_decimals_is_accepted(amount: float) -> None:
    given(*BOOKED).when(message("FundingApplied", amount=amount)).then("funding-b-1", "FundingApplied", amount=amount)


@pytest.mark.parametrize("type_", BOOKING_SCOPED)
def test_a_booking_scoped_funding_message_needs_the_booking(type_: str) -> None:
    given(*STAFF).when(message(type_)).then_rejects(Reason.UNKNOWN_BOOKING, "'b-1'")


@pytest.mark.parametrize("type_", ["EducationLevelRecorded", "EmploymentTermsSet"])
def test_an_employee_fact_needs_the_employee(type_: str) -> None:
    given().when(message(type_)).then_rejects(Reason.UNKNOWN_EMPLOYEE, "'e-1'")


def test_data_is_judged_before_references() -> None:
    given().when(message("FundingPaid", scheme="lottery")).then_rejects(Reason.INVALID_DATA, "data.scheme")
    given().when(message("FundingPaid", amount=1.234)).then_rejects(Reason.INVALID_DATA, "data.amount")


def test_references_are_judged_before_state() -> None:
    given(*STAFF).when(message("FundingPaid", amount=10**6)).then_rejects(Reason.UNKNOWN_BOOKING)


def test_a_cancelled_booking_gets_no_application() -> None:
    spec = given(*BOOKED, message("CourseCancelled"))
    spec.when(message("FundingApplied")).then_rejects(Reason.INVALID_STATE, "cancelled")


def test_a_scheme_is_applied_for_once_until_decided() -> None:
    given(*APPLIED).when(message("FundingApplied")).then_rejects(Reason.INVALID_STATE, "already applied")
    given(*GRANTED).when(message("FundingApplied")).then_rejects(Reason.INVALID_STATE, "already granted")


def test_another_scheme_has_its_own_claim() -> None:
    given(*APPLIED).when(message("FundingApplied", scheme="ikuf")).then("funding-b-1", "FundingApplied", scheme="ikuf")


def test_after_a_rejection_the_company_may_apply_again() -> None:
    spec = given(*APPLIED, message("FundingRejected"))
    spec.when(message("FundingApplied")).then("funding-b-1", "FundingApplied")


@pytest.mark.parametrize("type_", ["FundingGranted", "FundingRejected"])
def test_a_decision_needs_an_application_awaiting_one(type_: str) -> None:
    given(*BOOKED).when(message(type_)).then_rejects(Reason.INVALID_STATE, "no application")
    given(*GRANTED).when(message(type_)).then_rejects(Reason.INVALID_STATE, "no application")
    given(*APPLIED, message("FundingRejected")).when(message(type_)).then_rejects(Reason.INVALID_STATE)


def test_nothing_is_paid_before_a_grant() -> None:
    given(*APPLIED).when(message("FundingPaid")).then_rejects(Reason.INVALID_STATE, "not granted")


def test_paid_more_than_granted_is_refused_also_over_several_payments() -> None:
    given(*GRANTED).when(message("FundingPaid", amount=4555.51)).then_rejects(Reason.INVALID_STATE, "more than")
    spec = given(*GRANTED, message("FundingPaid", amount=4000))
    spec.when(message("FundingPaid", amount=555.51)).then_rejects(Reason.INVALID_STATE, "more than the 4555.5 kr")
    spec.when(message("FundingPaid", amount=555.5)).then("funding-b-1", "FundingPaid", amount=555.5)


def test_payments_are_counted_exactly_to_the_ore() -> None:
    spec = given(*BOOKED, message("FundingApplied", amount=0.3), message("FundingGranted", amount=0.3),
                 message("FundingPaid", amount=0.1), message("FundingPaid", amount=0.2))
    spec.when(message("FundingPaid", amount=0.01)).then_rejects(Reason.INVALID_STATE, "more than")


def test_employee_facts_land_on_the_employee_stream_and_leave_its_state_alone() -> None:
    spec = given(*STAFF, message("EmploymentTermsSet"), message("EducationLevelRecorded", level="long_higher",
                                                                  higher_education_last_used_on="2010-05-01"))
    before = spec.state("employee-e-1")
    spec.when(message("EmployeeMoved")).then("employee-e-1", "EmployeeMoved")
    assert spec.state("employee-e-1").department == "ops"  # type: ignore[union-attr]
    assert before.department == "rd"  # type: ignore[union-attr]


def test_terms_take_their_defaults() -> None:
    spec = given(*STAFF)
    spec.when(message("EmploymentTermsSet", weekly_hours=None, collective_agreement=None)).then(
        "employee-e-1", "EmploymentTermsSet", weekly_hours=37, apprentice=False, public_benefits=False,
        collective_agreement=None)


@pytest.mark.parametrize("changes, field", [
    ({"level": "phd"}, "data.level"), ({"weekly_hours": 0}, "data.weekly_hours"),
    ({"recorded_on": "2026-02-30"}, "data.recorded_on"),
])
def test_bad_employee_facts_are_invalid_data(changes: dict[str, object], field: str) -> None:
    type_ = "EmploymentTermsSet" if "weekly_hours" in changes else "EducationLevelRecorded"
    given(*STAFF).when(message(type_, **changes)).then_rejects(Reason.INVALID_DATA, field)


def test_travel_distance_must_be_a_plausible_number() -> None:
    given(*BOOKED).when(message("CourseCostsRecorded", travel_km=-3)).then_rejects(Reason.INVALID_DATA, "travel_km")
