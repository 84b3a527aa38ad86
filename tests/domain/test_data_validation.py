"""Data is checked strictly as JSON: types, enums, ranges, real dates, cross-field rules; defaults filled."""

from __future__ import annotations

from typing import Any

import pytest
from domain_samples import MISSING, SEASONS, message

from domain.errors import Reason, Rejected
from domain.messages import event_data, parse_message


def invalid_data(raw: object) -> str:
    with pytest.raises(Rejected) as caught:
        parse_message(raw)
    assert caught.value.reason is Reason.INVALID_DATA, repr(caught.value)
    return caught.value.detail


COURSE = {"title": "AMU 40121", "kind": "amu", "hours": 37}
WHEEL_WITHOUT_JULY = {key: value for key, value in SEASONS.items() if key != "7"}

CASES: list[tuple[str, dict[str, Any], str]] = [
    # missing fields
    ("EmployeeRegistered", {"employee_id": MISSING}, "data.employee_id is required"),
    ("CourseBooked", {"course": {"title": "x", "kind": "amu"}}, "data.course.hours is required"),
    ("PracticeFollowUpHeld", {"applied": MISSING}, "data.applied is required"),
    ("CompanyRegistered", {"registered_on": MISSING}, "data.registered_on is required"),
    ("EmployeeRegistered", {"name": None}, "data.name must be a string"),
    # wrong types
    ("EmployeeRegistered", {"employee_id": 17}, "data.employee_id must be a string"),
    ("CommitteeMeetingHeld", {"management_reps": "2"}, "data.management_reps must be an integer"),
    ("CommitteeMeetingHeld", {"management_reps": 2.5}, "data.management_reps must be an integer"),
    ("CommitteeMeetingHeld", {"topics": "budget"}, "data.topics must be a list"),
    ("CommitteeMeetingHeld", {"topics": ["budget", 3]}, "data.topics[1] must be a string"),
    ("CourseBooked", {"course": "AMU"}, "data.course must be an object"),
    ("CourseBooked", {"course": {**COURSE, "hours": "37"}}, "data.course.hours must be a number"),
    ("CourseBooked", {"course": {**COURSE, "level": 2.5}}, "data.course.level must be an integer or a string"),
    ("DevelopmentReviewHeld", {"education_item": "yes"}, "data.education_item must be true or false"),
    ("DevelopmentReviewHeld", {"education_item": 1}, "data.education_item must be true or false"),
    ("AnnualWheelDefined", {"months": ["busy"] * 12}, "data.months must be an object"),
    # booleans are not numbers
    ("CompetenceAssessed", {"level": True}, "data.level must be an integer"),
    ("CourseBooked", {"course": {**COURSE, "hours": True}}, "data.course.hours must be a number"),
    ("CourseCompleted", {"hours_attended": False}, "data.hours_attended must be a number"),
    ("KnowledgeShared", {"audience": True}, "data.audience must be an integer"),
    # empty IDs and names
    ("EmployeeRegistered", {"employee_id": ""}, "data.employee_id must not be empty"),
    ("EmployeeRegistered", {"name": "  "}, "data.name must not be empty"),
    ("CourseBooked", {"buddies": ["e-2", ""]}, "data.buddies[1] must not be empty"),
    # unknown enum values
    ("EducationStrategyAdopted", {"formality": "Formal"}, "data.formality must be 'formal' or 'informal'"),
    ("EmployeeRegistered", {"job_family": "intern"}, "data.job_family must be"),
    ("AmbassadorAppointed", {"role": "union"}, "data.role must be"),
    ("AnnualWheelDefined", {"kind": "monthly"}, "data.kind must be"),
    ("AnnualWheelDefined", {"months": {**SEASONS, "7": "quiet"}}, "data.months.7 must be"),
    ("CompetenceGapIdentified", {"source": "hr"}, "data.source must be"),
    ("CourseBooked", {"course": {**COURSE, "kind": "online"}}, "data.course.kind must be"),
    ("KnowledgeShared", {"format": "email"}, "data.format must be"),
    # out of range
    ("EducationStrategyAdopted", {"cycle_start_month": 0}, "data.cycle_start_month must be at least 1"),
    ("EducationStrategyAdopted", {"cycle_start_month": 13}, "data.cycle_start_month must be at most 12"),
    ("EducationStrategyAdopted", {"completion_target": 1.01}, "data.completion_target must be at most 1"),
    ("EducationStrategyAdopted", {"completion_target": -0.1}, "data.completion_target must be at least 0"),
    ("CompetenceAssessed", {"level": 0}, "data.level must be at least 1"),
    ("CompetenceAssessed", {"level": 6}, "data.level must be at most 5"),
    ("CompetenceGapIdentified", {"current_level": 5, "target_level": 5}, "data.current_level must be at most 4"),
    ("CompetenceGapIdentified", {"current_level": -1}, "data.current_level must be at least 0"),
    ("CompetenceGapIdentified", {"target_level": 6}, "data.target_level must be at most 5"),
    ("CourseBooked", {"course": {**COURSE, "hours": 0}}, "data.course.hours must be greater than 0"),
    ("CourseBooked", {"course": {**COURSE, "hours": -3}}, "data.course.hours must be greater than 0"),
    ("CourseCompleted", {"hours_attended": -1}, "data.hours_attended must be at least 0"),
    ("CommitteeMeetingHeld", {"employee_reps": -1}, "data.employee_reps must be at least 0"),
    ("KnowledgeShared", {"audience": -1}, "data.audience must be at least 0"),
    ("AnnualWheelDefined", {"focus_areas": [{"quarter": 5, "title": "Safety"}]},
     "data.focus_areas[0].quarter must be at most 4"),
    # dates
    ("EmployeeRegistered", {"hired_on": "2026-02-30"}, "data.hired_on must be a real calendar date"),
    ("EmployeeRegistered", {"hired_on": "2026-13-01"}, "data.hired_on must be a real calendar date"),
    ("EmployeeRegistered", {"hired_on": "2026-3-1"}, "data.hired_on must be a date written as YYYY-MM-DD"),
    ("EmployeeRegistered", {"hired_on": "2026-03-01T00:00:00Z"}, "data.hired_on must be a date"),
    ("EmployeeRegistered", {"hired_on": "20260301"}, "data.hired_on must be a date"),
    ("EmployeeRegistered", {"hired_on": 20260301}, "data.hired_on must be a date"),
    ("DevelopmentReviewHeld", {"follow_up_on": "soon"}, "data.follow_up_on must be a date"),
    # the CVR number is a string of exactly 8 digits
    ("CompanyRegistered", {"cvr": 12345678}, "data.cvr must be a string"),
    ("CompanyRegistered", {"cvr": "1234567"}, "data.cvr must be a CVR number"),
    ("CompanyRegistered", {"cvr": "123456789"}, "data.cvr must be a CVR number"),
    ("CompanyRegistered", {"cvr": "1234 567"}, "data.cvr must be a CVR number"),
    ("CompanyRegistered", {"cvr": "١٢٣٤٥٦٧٨"}, "data.cvr must be a CVR number"),
    ("CompanyRegistered", {"name": " "}, "data.name must not be empty"),
    ("CompanyRegistered", {"registered_on": "2026-02-30"}, "data.registered_on must be a real calendar date"),
    # cross-field rules
    ("CourseBooked", {"starts_on": "2026-04-06", "ends_on": "2026-04-05"},
     "data.ends_on must not be before data.starts_on"),
    ("CompetenceGapIdentified", {"current_level": 3, "target_level": 3},
     "data.target_level must be greater than data.current_level"),
    ("CompetenceGapIdentified", {"current_level": 4, "target_level": 2},
     "data.target_level must be greater than data.current_level"),
    # the annual wheel needs exactly the twelve months
    ("AnnualWheelDefined", {"months": WHEEL_WITHOUT_JULY}, "data.months must have all 12 months"),
    ("AnnualWheelDefined", {"months": {**SEASONS, "13": "low"}}, "data.months must have only the months"),
    ("AnnualWheelDefined", {"months": {}}, "data.months must have all 12 months"),
]


@pytest.mark.parametrize(("type_", "changes", "detail"), CASES)
def test_invalid_data_is_rejected_naming_the_field(type_: str, changes: dict[str, Any], detail: str) -> None:
    assert invalid_data(message(type_, **changes)).startswith(detail)


def test_a_wheel_missing_a_month_names_it() -> None:
    assert '"7"' in invalid_data(message("AnnualWheelDefined", months=WHEEL_WITHOUT_JULY))


def test_a_company_may_register_without_a_cvr_number_and_keeps_its_leading_zeros() -> None:
    assert event_data(parse_message(message("CompanyRegistered", cvr=None)))["cvr"] is None
    assert event_data(parse_message(message("CompanyRegistered")))["cvr"] == "01234567"


def test_a_leap_day_is_a_real_date() -> None:
    assert event_data(parse_message(message("EmployeeRegistered", hired_on="2028-02-29")))["hired_on"] == "2028-02-29"


def test_a_one_day_course_ends_the_day_it_starts() -> None:
    parse_message(message("CourseBooked", starts_on="2026-04-06", ends_on="2026-04-06"))


def test_boundaries_of_the_ranges_are_accepted() -> None:
    parse_message(message("EducationStrategyAdopted", cycle_start_month=12, completion_target=1))
    parse_message(message("EducationStrategyAdopted", cycle_start_month=1, completion_target=0))
    parse_message(message("CompetenceGapIdentified", current_level=0, target_level=1))
    parse_message(message("CompetenceGapIdentified", current_level=4, target_level=5))
    parse_message(message("CommitteeMeetingHeld", management_reps=0, employee_reps=0))


def test_unknown_data_fields_are_ignored_and_not_stored() -> None:
    data = event_data(parse_message(message("DepartmentRegistered", head_count=40)))
    assert data == {"department": "rd", "name": "Research & Development"}


def test_static_defaults_are_filled_in() -> None:
    assert event_data(parse_message(message("EducationStrategyAdopted"))) == {
        "adopted_on": "2026-01-01", "formality": "formal", "vision": "Everyone learns",
        "cycle_start_month": 3, "completion_target": 0.85,
    }
    assert event_data(parse_message(message("CommitteeMeetingHeld")))["topics"] == []
    assert event_data(parse_message(message("AnnualWheelDefined")))["focus_areas"] == []
    booked = event_data(parse_message(message("CourseBooked")))
    assert (booked["buddies"], booked["collective"]) == ([], False)
    assert event_data(parse_message(message("CourseCompleted")))["passed"] is True


def test_null_for_an_optional_field_means_its_default() -> None:
    data = event_data(parse_message(message("EducationStrategyAdopted", cycle_start_month=None,
                                             completion_target=None)))
    assert (data["cycle_start_month"], data["completion_target"]) == (3, 0.85)


def test_optional_fields_without_a_default_are_null() -> None:
    agreed = event_data(parse_message(message("EducationAgreed")))
    assert (agreed["due_by"], agreed["gap_id"], agreed["course_code"]) == (None, None, None)
    review = event_data(parse_message(message("DevelopmentReviewHeld")))
    assert (review["follow_up_on"], review["notes"]) == (None, None)
    assert event_data(parse_message(message("ManagerAssigned")))["assigned_on"] is None
    assert event_data(parse_message(message("AmbassadorAppointed")))["appointed_on"] is None
    assert event_data(parse_message(message("KnowledgeShared")))["audience"] is None
    assert event_data(parse_message(message("CourseCompleted")))["hours_attended"] is None
    course = event_data(parse_message(message("CourseBooked")))["course"]
    assert course == {"title": "AMU 40121 Refrigeration", "kind": "amu", "hours": 37,
                      "code": None, "provider": None, "competence": None, "level": None}
    assert event_data(parse_message(message("CourseBooked")))["agreement_id"] is None


def test_a_company_wheel_has_department_null_even_when_left_out() -> None:
    assert event_data(parse_message(message("AnnualWheelDefined", department=MISSING)))["department"] is None


def test_wheel_months_are_stored_in_calendar_order() -> None:
    shuffled = dict(reversed(list(SEASONS.items())))
    months = event_data(parse_message(message("AnnualWheelDefined", months=shuffled)))["months"]
    assert list(months) == [str(month) for month in range(1, 13)]


@pytest.mark.parametrize("level", [3, "B2", None])
def test_a_course_level_is_an_integer_or_a_string(level: object) -> None:
    course = {"title": "Danish", "kind": "vocational", "hours": 20, "level": level}
    assert event_data(parse_message(message("CourseBooked", course=course)))["course"]["level"] == level


def test_numbers_keep_their_json_form() -> None:
    course = {"title": "x", "kind": "private", "hours": 7.5}
    assert event_data(parse_message(message("CourseBooked", course=course)))["course"]["hours"] == 7.5
    assert event_data(parse_message(message("EducationStrategyAdopted", completion_target=1)))[
        "completion_target"] == 1


def test_focus_areas_are_stored_as_given() -> None:
    areas = [{"quarter": 1, "title": "Safety"}, {"quarter": 3, "title": "Digital tools"}]
    data = event_data(parse_message(message("AnnualWheelDefined", kind="fixed", focus_areas=areas)))
    assert data["focus_areas"] == areas
