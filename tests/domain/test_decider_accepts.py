"""Every contract message type, when valid and its references hold, becomes one event of the same name."""

from __future__ import annotations

import pytest
from decider_spec import given
from domain_samples import SAMPLE_DATA, employee, message

from domain.decider import PERSONAL_FIELDS, initial_state, referenced_streams, target_stream
from domain.funding.messages import FUNDING_DATA_MODELS
from domain.message_data import DATA_MODELS
from domain.messages import event_data, parse_message

STAFF = [employee("e-1"), employee("e-2", name="Bo Nielsen"), employee("m-1", job_family="manager")]
GAP = message("CompetenceGapIdentified")
AGREEMENT = message("EducationAgreed")
BOOKING = message("CourseBooked")
APPLIED = message("FundingApplied")

WHERE = {  # type -> (stream, subject, what must already have happened)
    "CompanyRegistered": ("company", None, []),
    "EducationStrategyAdopted": ("company", None, []),
    "DepartmentRegistered": ("company", None, []),
    "AnnualWheelDefined": ("company", None, []),
    "CommitteeMeetingHeld": ("company", None, []),
    "EmployeeRegistered": ("employee-e-1", "e-1", STAFF[1:]),
    "EmployeeMoved": ("employee-e-1", "e-1", STAFF),
    "EmployeeLeft": ("employee-e-1", "e-1", STAFF),
    "ManagerAssigned": ("employee-e-1", "e-1", STAFF),
    "AmbassadorAppointed": ("employee-e-1", "e-1", STAFF),
    "DevelopmentReviewHeld": ("employee-e-1", "e-1", STAFF),
    "CompetenceAssessed": ("employee-e-1", "e-1", STAFF),
    "CompetenceGapIdentified": ("gap-g-1", "e-1", STAFF),
    "CompetenceGapClosed": ("gap-g-1", "e-1", [*STAFF, GAP]),
    "EducationAgreed": ("agreement-a-1", "e-1", STAFF),
    "EducationAgreementWithdrawn": ("agreement-a-1", "e-1", [*STAFF, AGREEMENT]),
    "CourseBooked": ("booking-b-1", "e-1", STAFF),
    "BuddyPaired": ("booking-b-1", "e-1", [*STAFF, BOOKING]),
    "SubstituteArranged": ("booking-b-1", "e-1", [*STAFF, BOOKING]),
    "ManagerCheckInHeld": ("booking-b-1", "e-1", [*STAFF, BOOKING]),
    "CourseCompleted": ("booking-b-1", "e-1", [*STAFF, BOOKING]),
    "CourseCancelled": ("booking-b-1", "e-1", [*STAFF, BOOKING]),
    "KnowledgeShared": ("booking-b-1", "e-1", [*STAFF, BOOKING]),
    "PracticeFollowUpHeld": ("booking-b-1", "e-1", [*STAFF, BOOKING, message("CourseCompleted")]),
    "EducationLevelRecorded": ("employee-e-1", "e-1", STAFF),
    "EmploymentTermsSet": ("employee-e-1", "e-1", STAFF),
    "CourseCostsRecorded": ("funding-b-1", "e-1", [*STAFF, BOOKING]),
    "CourseWagePaid": ("funding-b-1", "e-1", [*STAFF, BOOKING]),
    "FundingApplied": ("funding-b-1", "e-1", [*STAFF, BOOKING]),
    "FundingGranted": ("funding-b-1", "e-1", [*STAFF, BOOKING, APPLIED]),
    "FundingRejected": ("funding-b-1", "e-1", [*STAFF, BOOKING, APPLIED]),
    "FundingPaid": ("funding-b-1", "e-1", [*STAFF, BOOKING, APPLIED, message("FundingGranted")]),
    "CourseRunAnnounced": ("run-r-1", None, []),
    "CourseRunWithdrawn": ("run-r-1", None, [message("CourseRunAnnounced")]),
    "PlanningRulesSet": ("company", None, []),
}


def test_every_contract_type_has_a_data_model_and_a_sample() -> None:
    assert set(DATA_MODELS) == set(SAMPLE_DATA) == set(WHERE)
    assert len(DATA_MODELS) == 27 + len(FUNDING_DATA_MODELS)


@pytest.mark.parametrize("type_", sorted(WHERE))
def test_a_valid_message_becomes_one_event_of_the_same_type_on_its_stream(type_: str) -> None:
    stream, subject, history = WHERE[type_]
    raw = message(type_)

    event = given(*history).when(raw).then(stream, type_)

    assert event.subject == subject
    expected = event_data(parse_message(raw))
    if type_ == "CourseCompleted":
        expected["hours_attended"] = 37
    assert event.data == expected


@pytest.mark.parametrize("type_", sorted(WHERE))
def test_referenced_streams_never_include_the_target(type_: str) -> None:
    msg = parse_message(message(type_))
    assert target_stream(msg) not in referenced_streams(msg)


def test_a_manager_assigned_to_themself_references_no_other_stream() -> None:
    msg = parse_message(message("ManagerAssigned", manager_id="e-1"))
    assert referenced_streams(msg) == []
    given(*STAFF).when(message("ManagerAssigned", manager_id="e-1")).then("employee-e-1", "ManagerAssigned")


def test_a_booking_references_its_employee_agreement_and_buddies_once_each() -> None:
    msg = parse_message(message("CourseBooked", agreement_id="a-1", buddies=["e-2", "e-2", "e-1"]))
    assert referenced_streams(msg) == ["employee-e-1", "agreement-a-1", "employee-e-2"]


def test_an_agreement_references_its_employee_and_gap() -> None:
    msg = parse_message(message("EducationAgreed", gap_id="g-1"))
    assert referenced_streams(msg) == ["employee-e-1", "gap-g-1"]


def test_only_the_company_stream_has_a_state_before_its_first_event() -> None:
    assert initial_state("company") is not None
    assert initial_state("employee-e-1") is None
    assert initial_state("booking-b-1") is None


def test_personal_fields_are_the_contract_personal_data() -> None:
    assert PERSONAL_FIELDS == {
        "EmployeeRegistered": ("name",),
        "DevelopmentReviewHeld": ("notes",),
        "EducationAgreementWithdrawn": ("reason",),
        "CourseCancelled": ("reason",),
        "SubstituteArranged": ("substitute",),
    }


def test_department_registered_may_be_repeated_to_rename() -> None:
    spec = given(message("DepartmentRegistered"))
    spec.when(message("DepartmentRegistered", name="R&D")).then("company", "DepartmentRegistered", name="R&D")


def test_the_company_stream_takes_facts_in_any_order_and_repeats() -> None:
    spec = given(message("AnnualWheelDefined"), message("CommitteeMeetingHeld"),
                 message("EducationStrategyAdopted"))
    spec.when(message("AnnualWheelDefined", department="rd")).then("company", "AnnualWheelDefined",
                                                                    department="rd")
