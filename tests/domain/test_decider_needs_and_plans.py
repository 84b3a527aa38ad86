"""Gaps and agreements: IDs used once, references must exist and belong to the same employee."""

from __future__ import annotations

from decider_spec import given
from domain_samples import employee, message

from domain.errors import Reason

STAFF = [employee("e-1"), employee("e-2")]


def test_a_gap_id_is_identified_once() -> None:
    spec = given(*STAFF, message("CompetenceGapIdentified"))
    spec.when(message("CompetenceGapIdentified", employee_id="e-2")).then_rejects(Reason.INVALID_STATE, "'g-1'")


def test_closing_an_unknown_gap_is_rejected() -> None:
    given(*STAFF).when(message("CompetenceGapClosed")).then_rejects(Reason.UNKNOWN_GAP, "'g-1'")


def test_a_closed_gap_is_not_closed_again() -> None:
    spec = given(*STAFF, message("CompetenceGapIdentified"), message("CompetenceGapClosed"))
    spec.when(message("CompetenceGapClosed", closed_on="2026-10-01")).then_rejects(Reason.INVALID_STATE, "closed")


def test_an_agreement_id_is_used_once() -> None:
    spec = given(*STAFF, message("EducationAgreed"))
    spec.when(message("EducationAgreed", title="Another")).then_rejects(Reason.INVALID_STATE, "'a-1'")


def test_an_agreement_on_an_unknown_gap_is_rejected() -> None:
    given(*STAFF).when(message("EducationAgreed", gap_id="g-9")).then_rejects(Reason.UNKNOWN_GAP, "'g-9'")


def test_an_agreement_on_another_employees_gap_is_rejected() -> None:
    spec = given(*STAFF, message("CompetenceGapIdentified", employee_id="e-2"))
    spec.when(message("EducationAgreed", gap_id="g-1")).then_rejects(Reason.INVALID_STATE, "another employee")


def test_an_agreement_on_the_employees_own_gap_is_accepted() -> None:
    spec = given(*STAFF, message("CompetenceGapIdentified"))
    spec.when(message("EducationAgreed", gap_id="g-1", course_code="40121")).then(
        "agreement-a-1", "EducationAgreed", gap_id="g-1", course_code="40121", due_by=None)


def test_an_agreement_keeps_the_due_date_it_was_given() -> None:
    given(*STAFF).when(message("EducationAgreed", due_by="2027-02-28")).then(
        "agreement-a-1", "EducationAgreed", due_by="2027-02-28")


def test_an_agreement_on_a_closed_gap_is_still_accepted() -> None:
    spec = given(*STAFF, message("CompetenceGapIdentified"), message("CompetenceGapClosed"))
    spec.when(message("EducationAgreed", gap_id="g-1")).then("agreement-a-1", "EducationAgreed")


def test_withdrawing_an_unknown_agreement_is_rejected() -> None:
    given(*STAFF).when(message("EducationAgreementWithdrawn")).then_rejects(Reason.UNKNOWN_AGREEMENT, "'a-1'")


def test_a_withdrawn_agreement_is_not_withdrawn_again() -> None:
    spec = given(*STAFF, message("EducationAgreed"), message("EducationAgreementWithdrawn"))
    spec.when(message("EducationAgreementWithdrawn")).then_rejects(Reason.INVALID_STATE, "withdrawn")


def test_a_withdrawal_names_the_agreements_employee_as_subject() -> None:
    spec = given(*STAFF, message("EducationAgreed", employee_id="e-2"))
    assert spec.when(message("EducationAgreementWithdrawn")).then(
        "agreement-a-1", "EducationAgreementWithdrawn").subject == "e-2"
