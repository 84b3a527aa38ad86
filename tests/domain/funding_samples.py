"""Valid sample messages of the funding types, about the sample company's employee e-1 and booking b-1."""

from __future__ import annotations

from typing import Any

from domain.funding.catalog import install_schemes

SCHEMES = frozenset({"veu", "ikuf", "tl-arbejdsgiverne", "anlaegsgartner"})
install_schemes(SCHEMES)  # the domain validates scheme ids against the schemes the rules define

FUNDING_SAMPLE_DATA: dict[str, dict[str, Any]] = {
    "EducationLevelRecorded": {"employee_id": "e-1", "level": "vocational", "recorded_on": "2020-01-01"},
    "EmploymentTermsSet": {"employee_id": "e-1", "effective_from": "2020-01-01",
                           "collective_agreement": "industriens-overenskomst", "weekly_hours": 37},
    "CourseCostsRecorded": {"booking_id": "b-1", "recorded_on": "2026-03-10", "fee": 1250.5, "travel_km": 60,
                            "hourly_wage": 235.75},
    "CourseWagePaid": {"booking_id": "b-1", "paid_on": "2026-04-30", "hourly_wage": 240},
    "FundingApplied": {"booking_id": "b-1", "scheme": "veu", "applied_on": "2026-03-10", "amount": 4555},
    "FundingGranted": {"booking_id": "b-1", "scheme": "veu", "granted_on": "2026-03-20", "amount": 4555},
    "FundingPaid": {"booking_id": "b-1", "scheme": "veu", "paid_on": "2026-05-01", "amount": 4555},
    "FundingRejected": {"booking_id": "b-1", "scheme": "veu", "rejected_on": "2026-03-20"},
}
