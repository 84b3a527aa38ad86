"""The sentences a manager reads beside each ``why`` code, in Danish and English."""

from __future__ import annotations

from datetime import date

from domain.planning.facts import Agreement, Run


def _run(run: Run) -> tuple[str, str]:
    span = f"{run.starts_on.isoformat()}–{run.ends_on.isoformat()}"
    return (f"hold {run.run_id} ({run.title}, {span})", f"run {run.run_id} ({run.title}, {span})")


def _course(agreement: Agreement) -> tuple[str, str]:
    if (agreement.course_code or "").strip():
        return (f"kursuskode {agreement.course_code}", f"course code {agreement.course_code}")
    if agreement.gap_competence is not None:
        return (f"kompetencen {agreement.gap_competence}", f"the competence {agreement.gap_competence}")
    return (f"titlen «{agreement.title.strip()}»", f"the title “{agreement.title.strip()}”")


def no_eligible_run(agreement: Agreement, first: date, last: date) -> dict[str, str]:
    da, en = _course(agreement)
    span = f"{first.isoformat()}–{last.isoformat()}"
    return {
        "da": f"Intet kursushold med {da} starter og slutter inden for {span} (planens vindue og aftalens frist).",
        "en": f"No course run with {en} starts and ends within {span} (the plan's window and the agreement's"
              " due date).",
    }


def seats(run: Run, taken: int) -> dict[str, str]:
    da, en = _run(run)
    return {
        "da": f"Det tidligste hold der passer, {da}, er fuldt: {taken} af {run.seats} pladser er optaget.",
        "en": f"The earliest run that fits, {en}, is full: {taken} of {run.seats} seats are taken.",
    }


def overlap(run: Run, employee_id: str, day: date, planned_run: str | None, booking: str | None) -> dict[str, str]:
    da, en = _run(run)
    if planned_run is not None:
        other_da, other_en = f"hold {planned_run}, som planen giver", f"run {planned_run}, which the plan gives"
    else:
        other_da, other_en = f"booking {booking}", f"booking {booking}"
    return {
        "da": f"Det tidligste hold der passer, {da}, overlapper den {day.isoformat()} med {other_da}"
              f" medarbejder {employee_id}.",
        "en": f"The earliest run that fits, {en}, overlaps on {day.isoformat()} with {other_en}"
              f" employee {employee_id}.",
    }


def capacity(run: Run, department: str, day: date, cap: int, away: int, planned: int) -> dict[str, str]:
    da, en = _run(run)
    room = max(0, cap - away)
    return {
        "da": f"Det tidligste hold der passer, {da}, ville sende for mange fra afdeling {department} på kursus"
              f" den {day.isoformat()}: loftet er {cap}, {away} er allerede væk på bookede kurser, så der er plads"
              f" til {room}, og planen sender allerede {planned}.",
        "en": f"The earliest run that fits, {en}, would take too many of department {department} away on"
              f" {day.isoformat()}: the cap is {cap}, {away} are already away on booked courses, leaving room"
              f" for {room}, and the plan already sends {planned}.",
    }


def not_chosen(run: Run) -> dict[str, str]:
    da, en = _run(run)
    return {
        "da": f"Det tidligste hold der passer, {da}, havde plads, men planen som helhed scorer højere uden"
              " denne aftale (andre aftaler, hold eller makkerpar gik forud).",
        "en": f"The earliest run that fits, {en}, had room, but the plan as a whole scores higher without"
              " this agreement (other agreements, runs or buddy pairs came first).",
    }
