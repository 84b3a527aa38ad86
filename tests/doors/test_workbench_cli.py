"""The command for a Danish HR manager: Danish or English words, help for every option, names instead of
keys, tables that stay readable when piped; and a first day with spreadsheets only (README)."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import eduplan_command
from rich.console import Console

from services.doors.cli import build_parser, subparsers_of
from services.doors.cli.words import HELP_DA, TEXT, Words, chosen_language
from services.doors.render import Grid, show

TENANT = "smedjen"
AS_OF = "2026-06-30"


def run(database_url: str, tmp_path: Path, *args: str, lang_env: str = "C.UTF-8",
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EDUPLAN_DATABASE_URL": database_url, "EDUPLAN_DATA_DIR": str(tmp_path / "data"),
           "LANG": lang_env}
    for name in ("LC_ALL", "LANGUAGE", "EDUPLAN_KAFKA_BOOTSTRAP"):
        env.pop(name, None)
    done = subprocess.run([*eduplan_command(), *args], capture_output=True, env=env, timeout=timeout, check=False)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode("utf-8"),
                                       done.stderr.decode("utf-8"))


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, (done.args, done.stdout, done.stderr)
    return done.stdout


# --- help, words and tables (no database) ----------------------------------------------------------

def test_every_option_of_every_command_has_help_text() -> None:
    parser = build_parser()
    missing = []
    for sub in [parser, *subparsers_of(parser)]:
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
                continue
            if not (action.help or "").strip() or action.help == argparse.SUPPRESS:
                missing.append(f"{sub.prog} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []
    assert len(subparsers_of(parser)) > 20  # the walk reaches the actions of tokens, plan, projections, …


def test_every_help_text_has_its_danish() -> None:
    parser = build_parser()
    texts = {parser.description}
    for sub in [parser, *subparsers_of(parser)]:
        texts.add(sub.description)
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                texts.update(choice.help for choice in action._choices_actions)
            elif not isinstance(action, argparse._HelpAction):
                texts.add(action.help)
    texts.discard(None)
    assert sorted(text for text in texts if text not in HELP_DA) == []
    danish = build_parser("da")
    assert danish.description == "Planlæg og følg op på medarbejdernes efter- og videreuddannelse."
    kpi = next(sub for sub in subparsers_of(danish) if sub.prog == "eduplan kpi")
    as_of = next(action for action in kpi._actions if "--as-of" in action.option_strings)
    assert as_of.help is not None and as_of.help.startswith("datoen, tallene opgøres pr. (standard: i dag")


def test_lang_is_taken_before_or_after_the_command_and_from_LANG(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = build_parser()
    assert parser.parse_args(["--lang", "da", "companies"]).lang == "da"
    assert parser.parse_args(["companies", "--lang", "da"]).lang == "da"
    assert parser.parse_args(["tokens", "list", "--lang", "en"]).lang == "en"
    assert parser.parse_args(["companies"]).lang is None
    monkeypatch.setenv("LANG", "da_DK.UTF-8")
    assert chosen_language(None) == "da" and chosen_language("en") == "en"
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert chosen_language(None) == "en" and chosen_language("da") == "da"


def test_every_text_has_both_languages_and_the_same_fields() -> None:
    import string

    for key, (english, danish) in TEXT.items():
        assert english.strip() and danish.strip(), key
        fields = [{name for _, name, _, _ in string.Formatter().parse(text) if name} for text in (english, danish)]
        assert fields[0] == fields[1], key
    da = Words("da")
    assert da("agreements_made") == "Aftaler indgået (cyklus)"
    assert da("agreements_completed_on_time").strip() == "gennemført til tiden"
    assert da.number(3.75) == "3,8" and Words("en").number(3.75) == "3.8"


def test_a_table_is_tab_separated_when_piped_and_whole_on_a_narrow_terminal() -> None:
    long = "Kvalitetssikring og dokumentation i fødevareproduktionen"
    grids = [Grid("Titel", ["afdeling", "tal"], [[long, "12"], ["kontor", "3"]], right=frozenset({1})),
             Grid("sidste cyklus", ["nøgletal", "værdi"], [["x", "1"]])]
    piped = io.StringIO()
    show(grids, out=piped, terminal=False)
    assert piped.getvalue() == f"afdeling\ttal\n{long}\t12\nkontor\t3\n\nsidste cyklus\tværdi\nx\t1\n"
    narrow = Console(file=io.StringIO(), width=30, force_terminal=True, color_system=None)
    show(grids[:1], console=narrow)
    shown = narrow.file.getvalue()  # type: ignore[attr-defined]
    assert long in shown  # not folded onto several lines, not cut with an ellipsis
    assert max(len(line) for line in shown.splitlines()) > 30


# --- the first day with spreadsheets only (README) -------------------------------------------------

FILLED: dict[str, list[dict[str, str]]] = {
    "company": [{"navn": "Smedjen A/S", "cvr_nr": "12345678", "registreret_dato": "01-01-2026"}],
    "departments": [{"afdeling": "produktion", "navn": "Produktion"},
                    {"afdeling": "kontor", "navn": "Kontor og salg"}],
    "employees": [
        {"medarbejder_id": "m1", "navn": "Anna Jensen", "afdeling": "produktion", "jobgruppe": "faglært",
         "ansat_dato": "01-08-2021"},
        {"medarbejder_id": "m2", "navn": "Bo Nielsen", "afdeling": "produktion", "jobgruppe": "ufaglært",
         "ansat_dato": "01-02-2022"},
        {"medarbejder_id": "m3", "navn": "Carl Holm", "afdeling": "kontor", "jobgruppe": "funktionær",
         "ansat_dato": "01-01-2022"},
    ],
    "reviews": [{"medarbejder_id": "m1", "afholdt_dato": "10-03-2026", "uddannelsespunkt": "ja"},
                {"medarbejder_id": "m2", "afholdt_dato": "11-03-2026", "uddannelsespunkt": "ja"}],
    "agreements": [
        {"aftale_id": "a1", "medarbejder_id": "m1", "titel": "Truckcertifikat", "aftalt_dato": "10-03-2026"},
        {"aftale_id": "a2", "medarbejder_id": "m2", "titel": "Svejsning", "aftalt_dato": "11-03-2026",
         "frist": "31-05-2026"},
    ],
    "bookings": [{"tilmelding_id": "b1", "medarbejder_id": "m1", "tilmeldt_dato": "12-03-2026",
                  "aftale_id": "a1", "kursus": "Truckcertifikat", "kursustype": "amu", "timer": "7,4",
                  "startdato": "20-04-2026", "slutdato": "21-04-2026"}],
    "completions": [{"tilmelding_id": "b1", "gennemført_dato": "21-04-2026", "bestået": "ja"}],
}
"""What an HR manager writes into the Danish templates on the first day."""


def fill_template(workbook: Path, rows: list[dict[str, str]]) -> Path:
    """As in Excel: the template's header row kept, its two examples replaced by the company's own rows."""
    import openpyxl

    book = openpyxl.load_workbook(workbook)
    sheet = book.active
    assert sheet is not None and sheet.max_row == 3  # the header and the two examples
    header = [str(cell.value) for cell in sheet[1]]
    assert all(set(row) <= set(header) for row in rows), (header, rows)
    sheet.delete_rows(2, 2)
    for row in rows:
        sheet.append([row.get(column) for column in header])
    book.save(workbook)
    return workbook


@pytest.fixture(scope="module")
def first_day(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Templates → filled in → `eduplan import` of each, in the README's order; nothing else."""
    tmp_path = tmp_path_factory.mktemp("first-day")
    for kind, rows in FILLED.items():
        template = tmp_path / f"{kind}.xlsx"
        ok(run(module_database_url, tmp_path, "import", "--template", kind, "--lang", "da", "--out", str(template)))
        filled = fill_template(template, rows)
        said = ok(run(module_database_url, tmp_path, "import", "--tenant", TENANT, "--kind", kind, str(filled),
                      lang_env="da_DK.UTF-8"))
        assert said.splitlines()[-1] == f"modtaget={len(rows)} dubletter=0 afvist=0", said
        assert said.splitlines()[0] == "række 2\tmodtaget"
    yield module_database_url, tmp_path


def test_the_first_day_gives_kpis_and_actions(first_day: tuple[str, Path]) -> None:
    url, tmp_path = first_day
    document = json.loads(ok(run(url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", AS_OF, "--json")))
    company = document["company"]
    assert company["active_employees"] == 3 and company["agreements_made"] == 2
    assert company["mus_coverage"] == pytest.approx(2 / 3)
    assert set(document["departments"]) == {"produktion", "kontor"}
    actions = json.loads(ok(run(url, tmp_path, "actions", "--tenant", TENANT, "--as-of", AS_OF, "--json")))
    assert {(a["kind"], a["ref"]) for a in actions["actions"]} >= {("agreement_overdue", "a2"),
                                                                   ("review_missing", "m3")}


async def test_the_first_day_gives_a_dashboard(first_day: tuple[str, Path]) -> None:
    import httpx

    from services.core.app import app_for_url
    from services.doors.http import create_app

    url, _ = first_day
    core = await app_for_url(url)
    api = create_app(app=core, run_projections=False)
    try:
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=api)
            async with httpx.AsyncClient(transport=transport, base_url="http://eduplan.test") as http:
                page = await http.get("/", params={"tenant": TENANT, "as_of": AS_OF, "lang": "da"})
    finally:
        await core.close()
    assert page.status_code == 200, page.text[:500]
    assert "Kontor og salg" in page.text and "Produktion" in page.text


def test_kpi_in_danish_with_department_names(first_day: tuple[str, Path]) -> None:
    url, tmp_path = first_day
    for piped in (run(url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", AS_OF, lang_env="da_DK.UTF-8"),
                  run(url, tmp_path, "--lang", "da", "kpi", "--tenant", TENANT, "--as-of", AS_OF),
                  run(url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", AS_OF, "--lang", "da",
                      lang_env="en_US.UTF-8")):
        blocks = ok(piped).split("\n\n")  # this cycle, then the last cycle's verdict
        lines = blocks[0].splitlines()
        assert lines[0].split("\t") == ["Nøgletal", "hele virksomheden", "Kontor og salg", "Produktion"]
        assert blocks[1].startswith("sidste cyklus 2025-03-01 – 2026-02-28\thele virksomheden")
        rows = {line.split("\t")[0]: line.split("\t")[1:] for line in lines[1:]}
        assert rows["Aktive medarbejdere"] == ["3", "1", "2"]
        assert rows["Aftaler indgået (cyklus)"] == ["2", "0", "2"]
        assert rows["MUS-dækning"] == ["67 %", "0 %", "100 %"]
        assert rows["  status for cyklussen"][0] in ("bagud", "på sporet", "intet med frist endnu")


def test_kpi_in_english_by_default(first_day: tuple[str, Path]) -> None:
    url, tmp_path = first_day
    lines = ok(run(url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", AS_OF)).splitlines()
    assert lines[0].split("\t") == ["KPI", "company", "Kontor og salg", "Produktion"]
    assert lines[1].split("\t") == ["Active employees", "3", "1", "2"]
    assert all("│" not in line and "━" not in line for line in lines)  # tab-separated, not a drawn table


def test_actions_in_danish_and_english(first_day: tuple[str, Path]) -> None:
    url, tmp_path = first_day
    danish = ok(run(url, tmp_path, "actions", "--tenant", TENANT, "--as-of", AS_OF, lang_env="da_DK.UTF-8"))
    rows = [line.split("\t") for line in danish.splitlines()]
    assert rows[0] == ["siden", "opgave", "medarbejder", "leder", "afdeling", "reference", "detaljer"]
    assert ["2026-06-01", "aftale over frist", "m2", "", "Produktion", "a2"] in [row[:6] for row in rows]
    assert any(row[1] == "MUS mangler" and row[4] == "Kontor og salg" for row in rows[1:])
    assert ["a2", "aftalen 'Svejsning' havde frist 2026-05-31 og er ikke gennemført"] in [row[5:] for row in rows]
    english = ok(run(url, tmp_path, "actions", "--tenant", TENANT, "--as-of", AS_OF))
    rows = [line.split("\t") for line in english.splitlines()]
    assert rows[0] == ["since", "kind", "employee_id", "manager_id", "department", "ref", "detail"]
    assert ["2026-06-01", "agreement_overdue", "m2", "", "Produktion", "a2",
            "agreement 'Svejsning' was due by 2026-05-31 and is not completed"] in rows


def test_a_department_is_chosen_by_its_key_or_its_name(first_day: tuple[str, Path]) -> None:
    url, tmp_path = first_day
    for given in ("produktion", "Produktion"):
        document = json.loads(ok(run(url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", AS_OF, "--department",
                                     given, "--json")))
        assert list(document["departments"]) == ["produktion"]
    actions = json.loads(ok(run(url, tmp_path, "actions", "--tenant", TENANT, "--as-of", AS_OF, "--department",
                                "kontor og salg", "--json")))
    assert [(a["kind"], a["ref"]) for a in actions["actions"]] == [("review_missing", "m3")]


def test_companies_and_errors_in_danish(first_day: tuple[str, Path]) -> None:
    url, tmp_path = first_day
    danish = ok(run(url, tmp_path, "companies", lang_env="da_DK.UTF-8")).splitlines()
    assert danish[0].split("\t") == ["id", "navn", "CVR-nr.", "registreret"]
    assert danish[1].split("\t") == [TENANT, "Smedjen A/S", "12345678", "2026-01-01"]
    assert ok(run(url, tmp_path, "companies", "--lang", "en")).splitlines()[0] == "tenant\tname\tcvr\tregistered_on"
    unknown = run(url, tmp_path, "kpi", "--tenant", "ingen-saadan", "--lang", "da")
    assert unknown.returncode == 1 and "der er ingen beskeder for virksomheden 'ingen-saadan'" in unknown.stderr
    usage = run(url, tmp_path, "import", "--tenant", TENANT, lang_env="da_DK.UTF-8")
    assert usage.returncode == 2 and "import kræver --tenant, --kind og en FIL" in usage.stderr
    missing = run(url, tmp_path, "actions", "--lang", "da")
    assert missing.returncode == 2 and "eduplan actions: fejl: disse argumenter mangler: --tenant" in missing.stderr
    missing = run(url, tmp_path, "actions")
    assert missing.returncode == 2 and "error: the following arguments are required: --tenant" in missing.stderr


def test_ingest_and_rejections_in_danish(first_day: tuple[str, Path]) -> None:
    url, tmp_path = first_day
    feed = tmp_path / "feed.jsonl"
    left = {"message_id": "left-m9", "tenant": TENANT, "type": "EmployeeLeft", "occurred_at": "2026-06-01T00:00:00Z",
            "data": {"employee_id": "m9", "left_on": "2026-06-01"}}
    feed.write_text(json.dumps(left) + "\n", encoding="utf-8")
    said = ok(run(url, tmp_path, "ingest", str(feed), lang_env="da_DK.UTF-8"))
    assert said.splitlines()[-1] == "modtaget=0 dubletter=0 afvist=1"
    rows = [line.split("\t") for line in ok(run(url, tmp_path, "rejections", "--tenant", TENANT, "--lang", "da"))
            .splitlines()]
    assert rows[0] == ["modtaget", "besked-id", "type", "årsag", "detaljer"]
    assert rows[1][1:4] == ["left-m9", "EmployeeLeft", "unknown_employee"]
    none = ok(run(url, tmp_path, "rejections", "--unattributed", "--lang", "da"))
    assert none.strip() == "Ingen afviste beskeder uden en læsbar virksomhed."


def test_a_second_import_is_all_duplicates_said_in_english(first_day: tuple[str, Path]) -> None:
    url, tmp_path = first_day
    said = ok(run(url, tmp_path, "import", "--tenant", TENANT, "--kind", "employees",
                  str(tmp_path / "employees.xlsx")))
    assert said.splitlines() == ["row 2\tduplicate", "row 3\tduplicate", "row 4\tduplicate",
                                 "accepted=0 duplicate=3 rejected=0"]


def test_course_runs_import_from_a_danish_template(first_day: tuple[str, Path]) -> None:
    url, tmp_path = first_day
    template = tmp_path / "hold.xlsx"
    ok(run(url, tmp_path, "import", "--template", "runs", "--lang", "da", "--out", str(template)))
    said = ok(run(url, tmp_path, "import", "--tenant", TENANT, "--kind", "runs", str(template), "--json"))
    assert [json.loads(line)["status"] for line in said.splitlines()] == ["accepted", "accepted"]
    events = [json.loads(line) for line in ok(run(url, tmp_path, "events", "--tenant", TENANT)).splitlines()]
    runs = {e["data"]["run_id"]: e["data"] for e in events if e["type"] == "CourseRunAnnounced"}
    assert runs["r-2026-09"] == {"run_id": "r-2026-09", "title": "Truckcertifikat", "kind": "amu", "code": "47592",
                                 "competence": "truck", "provider": "AMU Syd", "starts_on": "2026-09-07",
                                 "ends_on": "2026-09-11", "hours": 37, "seats": 8, "fee": 1250.5}
    assert runs["r-2026-06"]["starts_on"] == "2026-06-08" and runs["r-2026-06"]["fee"] == 1250.5
    english = ok(run(url, tmp_path, "import", "--template", "runs"))
    assert english.lstrip("\ufeff").splitlines()[0].split(";")[:4] == ["run_id", "title", "kind", "code"]


def test_a_department_renamed_is_shown_by_its_new_name(first_day: tuple[str, Path]) -> None:
    """(Last in this module: the tests above read the first names.)"""
    url, tmp_path = first_day
    renamed = tmp_path / "omdoebt.csv"
    renamed.write_text("afdeling;navn\r\nkontor;Administration\r\n", encoding="utf-8-sig")
    ok(run(url, tmp_path, "import", "--tenant", TENANT, "--kind", "departments", str(renamed)))
    heading = ok(run(url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", AS_OF)).splitlines()[0]
    assert heading.split("\t") == ["KPI", "company", "Administration", "Produktion"]


def test_a_plan_in_danish_names_its_company_and_departments(capsys: pytest.CaptureFixture[str]) -> None:
    from services.doors.cli.plan import Names, print_plan

    document = {
        "plan_id": "p1", "tenant": TENANT, "from": "2026-07-01", "to": "2026-12-31", "status": "feasible",
        "objective": 1993, "bound": 2000, "gap": 0.0035,
        "solver": {"name": "OR-Tools CP-SAT", "version": "9", "wall_time_s": 0.25},
        "assignments": [{"agreement_id": "a2", "employee_id": "m2", "department": "produktion", "run_id": "r1",
                         "starts_on": "2026-08-10", "ends_on": "2026-08-14", "value": 995}],
        "unplanned": [{"agreement_id": "a3", "employee_id": "m3", "why": "no_eligible_run",
                       "detail": {"en": "No course run fits.", "da": "Intet kursushold passer."}}],
    }
    print_plan(document, Words("da"), Names("Smedjen A/S", {"produktion": "Produktion"}))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Plan p1 for Smedjen A/S, 2026-07-01 til 2026-12-31"
    assert "gyldig, ikke bevist optimal: værdi 1993, grænse 2000 (afstand 0,35%)" in lines[1] and "0,25 s" in lines[1]
    assert ["a2", "m2", "Produktion", "r1", "2026-08-10", "2026-08-14", "995"] in [line.split("\t") for line in lines]
    assert ["a3", "m3", "no_eligible_run", "Intet kursushold passer."] in [line.split("\t") for line in lines]
    assert "Ikke planlagt (1):" in lines
