"""The one home of the command's language: which one is chosen (``--lang``, else ``LANG``), and every word
the command prints in Danish and English.

``eduplan --lang da …`` or ``eduplan COMMAND … --lang da`` choose Danish; without it, a ``LANG`` that starts
with ``da`` (``da_DK.UTF-8``) does; English otherwise. JSON output is the contract's and is never translated.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

LANGS = ("da", "en")

LANG_HELP = "language of messages and table headings: da or en (default: da when LANG starts with da, else en)"


def chosen_language(option: str | None = None) -> str:
    """``option`` when given, else Danish when the environment's ``LANG`` starts with ``da``, else English."""
    if option:
        return "da" if option.lower().startswith("da") else "en"
    return "da" if os.environ.get("LANG", "").lower().startswith("da") else "en"


def language_of_argv(argv: list[str]) -> str:
    """The language a command line asks for, before it is parsed (so argparse's own words follow it)."""
    option = None
    for number, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and number + 1 < len(argv):
            option = argv[number + 1]
        elif arg.startswith("--lang="):
            option = arg.split("=", 1)[1]
    return chosen_language(option)


ARGPARSE_DA = {
    "usage: ": "brug: ",
    "positional arguments": "argumenter",
    "options": "tilvalg",
    "show this help message and exit": "vis denne hjælp og afslut",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fejl: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argumentet %(argument_name)s: %(message)s",
    "the following arguments are required: %s": "disse argumenter mangler: %s",
    "one of the arguments %s is required": "et af argumenterne %s skal angives",
    "not allowed with argument %s": "kan ikke bruges sammen med %s",
    "unrecognized arguments: %s": "ukendte argumenter: %s",
    "expected one argument": "mangler en værdi",
    "expected at most one argument": "tager højst én værdi",
    "expected at least one argument": "mangler mindst én værdi",
    "ambiguous option: %(option)s could match %(matches)s": "tvetydigt tilvalg: %(option)s kan være %(matches)s",
    "invalid %(type)s value: %(value)r": "ugyldig værdi af typen %(type)s: %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "ugyldigt valg: %(value)r (vælg mellem %(choices)s)",
}
"""argparse's own words (usage, its errors) in Danish."""


def speak_argparse(lang: str) -> None:
    """Make argparse say its usage lines and errors in ``lang`` (it looks its words up when it says them)."""
    import gettext

    argparse._ = (lambda text: ARGPARSE_DA.get(text, text)) if lang == "da" else gettext.gettext  # type: ignore[attr-defined]


def add_lang_option(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """``--lang`` on the command itself (``top``) and on each of its subcommands, so it may stand before or
    after the subcommand; a subcommand's leaves it unset unless given there."""
    parser.add_argument("--lang", choices=LANGS, default=None if top else argparse.SUPPRESS, help=LANG_HELP)


# key: (English, Danish). Texts with {fields} are formatted by Words.__call__.
TEXT: dict[str, tuple[str, str]] = {
    # Common words
    "yes": ("yes", "ja"),
    "no": ("no", "nej"),
    "company": ("company", "hele virksomheden"),
    "employee": ("employee", "medarbejder"),
    "department": ("department", "afdeling"),
    "manager": ("manager", "leder"),
    # KPI document
    "kpi": ("KPI", "Nøgletal"),
    "kpi_title": ("{company} — as of {as_of} (cycle {start} – {end})",
                  "{company} — opgjort pr. {as_of} (cyklus {start} – {end})"),
    "by_manager": ("by manager", "pr. leder"),
    "last_cycle": ("last cycle {start} – {end}", "sidste cyklus {start} – {end}"),
    "active_employees": ("Active employees", "Aktive medarbejdere"),
    "agreements_made": ("Agreements made (cycle)", "Aftaler indgået (cyklus)"),
    "agreements_completed_on_time": ("  completed on time", "  gennemført til tiden"),
    "agreement_completion_rate": ("Agreement completion rate", "Aftaler gennemført til tiden"),
    "completion_target": ("  target", "  mål"),
    "target_met": ("  target met", "  mål nået"),
    "participation_rate_12m": ("Participation, 12 months", "Deltagelse (12 mdr.)"),
    "training_hours_per_employee_12m": ("Training hours per employee, 12 months",
                                        "Uddannelsestimer pr. medarbejder (12 mdr.)"),
    "mus_coverage": ("Development talk (MUS) coverage", "MUS-dækning"),
    "mus_education_item_rate": ("  with education item", "  med uddannelsespunkt"),
    "open_gaps": ("Open competence gaps", "Åbne kompetencegab"),
    "gaps_closed_in_cycle": ("Gaps closed in cycle", "Kompetencegab lukket i cyklussen"),
    "knowledge_sharing_rate": ("Knowledge sharing rate", "Videndeling"),
    "season_fit_rate": ("Season fit (annual wheel)", "Sæsontilpasning (årshjul)"),
    "buddy_share": ("Buddy share (unskilled/skilled)", "Makkerpar (ufaglærte/faglærte)"),
    "substitute_coverage_busy": ("Substitute coverage, busy months", "Afløserdækning i travle måneder"),
    "agreements_due_to_date": ("Agreements due so far (cycle)", "Aftaler med frist indtil nu (cyklus)"),
    "agreements_due_completed_on_time": ("  completed on time", "  gennemført til tiden"),
    "on_track_rate": ("On-track rate", "Andel på sporet"),
    "cycle_status": ("  cycle status", "  status for cyklussen"),
    "committee_meetings_12m": ("Committee meetings, 12 months", "Møder i uddannelsesudvalget (12 mdr.)"),
    "status_on_track": ("on track", "på sporet"),
    "status_behind": ("behind", "bagud"),
    "status_nothing_due_yet": ("nothing due yet", "intet med frist endnu"),
    # Series
    "series_title_month": ("{company} — month ends {start} – {end}", "{company} — ultimo hver måned {start} – {end}"),
    "series_title_quarter": ("{company} — quarter ends {start} – {end}",
                             "{company} — ultimo hvert kvartal {start} – {end}"),
    "as_of": ("as of", "opgjort pr."),
    "series_only": ("--from, --to and --keys go with --series", "--from, --to og --keys hører sammen med --series"),
    "series_needs": ("--series needs --from and --to", "--series kræver --from og --to"),
    "series_no_as_of": ("--as-of does not go with --series: its dates are the month (quarter) ends",
                        "--as-of kan ikke bruges med --series: datoerne er månedernes (kvartalernes) sidste dage"),
    # Competences
    "competences_title": ("{company} — competences as of {as_of}", "{company} — kompetencer pr. {as_of}"),
    # Companies
    "companies": ("Companies", "Virksomheder"),
    "col_tenant": ("tenant", "nøgle"),
    "col_name": ("name", "navn"),
    "col_cvr": ("cvr", "CVR-nr."),
    "col_registered_on": ("registered_on", "registreret"),
    # Rejections
    "no_rejections": ("No rejected messages for {tenant}.", "Ingen afviste beskeder for {tenant}."),
    "rejections_title": ("Rejected messages — {tenant} ({n})", "Afviste beskeder — {tenant} ({n})"),
    "no_unattributed": ("No rejected messages without a readable tenant.",
                        "Ingen afviste beskeder uden en læsbar virksomhed."),
    "without_tenant": ("messages without a readable tenant", "beskeder uden en læsbar virksomhed"),
    "col_received": ("received", "modtaget"),
    "col_message_id": ("message_id", "besked-id"),
    "col_type": ("type", "type"),
    "col_reason": ("reason", "årsag"),
    "col_detail": ("detail", "detaljer"),
    # Outcomes of ingest and import
    "outcomes_title": ("Messages per tenant", "Beskeder pr. virksomhed"),
    "unreadable": ("(unreadable)", "(ulæselig)"),
    "accepted": ("accepted", "modtaget"),
    "duplicate": ("duplicate", "dublet"),
    "rejected": ("rejected", "afvist"),
    "duplicates": ("duplicate", "dubletter"),
    "summary": ("accepted={accepted} duplicate={duplicate} rejected={rejected}",
                "modtaget={accepted} dubletter={duplicate} afvist={rejected}"),
    "row": ("row", "række"),
    "progress_import": ("import", "indlæser"),
    "progress_ingest": ("ingest", "indlæser"),
    "progress_rebuild": ("rebuild {name}", "genopbygger {name}"),
    "import_needs": ("import needs --tenant, --kind and FILE (or --template KIND)",
                     "import kræver --tenant, --kind og en FIL (eller --template TYPE)"),
    "not_a_tenant": ("--tenant {tenant!r} is not a tenant name (lowercase letters, digits and hyphens)",
                     "--tenant {tenant!r} er ikke et gyldigt virksomhedsnavn (små bogstaver, cifre og bindestreger)"),
    "cannot_write": ("cannot write {path}: {why}", "kan ikke skrive {path}: {why}"),
    "cannot_read": ("cannot read {path}: {why}", "kan ikke læse {path}: {why}"),
    "wrote_lines": ("wrote {n} lines", "skrev {n} linjer"),
    # Actions
    "actions_title": ("Actions — {company} as of {as_of}", "Opgaver — {company} pr. {as_of}"),
    "actions_count": ("{n} action(s)", "{n} opgave(r)"),
    "col_since": ("since", "siden"),
    "col_kind": ("kind", "opgave"),
    "col_employee_id": ("employee_id", "medarbejder"),
    "col_manager_id": ("manager_id", "leder"),
    "col_department": ("department", "afdeling"),
    "col_ref": ("ref", "reference"),
    "action_agreement_overdue": ("agreement_overdue", "aftale over frist"),
    "action_agreement_not_booked": ("agreement_not_booked", "aftale ikke booket"),
    "action_review_missing": ("review_missing", "MUS mangler"),
    "action_follow_up_due": ("follow_up_due", "opfølgning på MUS forfalden"),
    "action_check_in_missing": ("check_in_missing", "lederopfølgning under kursus mangler"),
    "action_sharing_missing": ("sharing_missing", "videndeling mangler"),
    "action_substitute_missing": ("substitute_missing", "afløser mangler"),
    "action_buddy_missing": ("buddy_missing", "makker mangler"),
    "action_funding_deadline": ("funding_deadline", "frist for ansøgning om tilskud"),
    "action_funding_unclaimed": ("funding_unclaimed", "VEU-godtgørelse ikke søgt"),
    # Funding
    "funding_title": ("Funding — {company} as of {as_of}", "Tilskud — {company} pr. {as_of}"),
    "col_booking": ("booking", "tilmelding"),
    "col_starts": ("starts", "start"),
    "col_scheme": ("scheme", "ordning"),
    "col_state": ("state", "status"),
    "col_deadline": ("deadline", "frist"),
    "expected": ("expected", "forventet"),
    "applied": ("applied", "ansøgt"),
    "granted": ("granted", "bevilget"),
    "paid": ("paid", "udbetalt"),
    "at_risk": ("at risk", "i risiko"),
    "lost": ("lost", "tabt"),
    "gross_cost": ("gross cost", "bruttoomkostning"),
    "net_cost": ("net cost", "nettoomkostning"),
    "company_totals": ("Company", "Hele virksomheden"),
    "funding_rules": ("funding rules: {error}", "tilskudsregler: {error}"),
    # Planning
    "plan_head": ("Plan {plan_id} for {company}, {start} to {end}", "Plan {plan_id} for {company}, {start} til {end}"),
    "plan_status": ("  {status}: objective {objective}, bound {bound} (gap {gap}), {solver} in {seconds} s",
                    "  {status}: værdi {objective}, grænse {bound} (afstand {gap}), {solver} på {seconds} s"),
    "plan_planned": ("Planned ({n}):", "Planlagt ({n}):"),
    "plan_unplanned": ("Unplanned ({n}):", "Ikke planlagt ({n}):"),
    "plan_run": ("run", "hold"),
    "plan_book": ("To book it: eduplan plan accept {plan_id} [--on YYYY-MM-DD]",
                  "Sådan bookes planen: eduplan plan accept {plan_id} [--on ÅÅÅÅ-MM-DD]"),
    "plan_needs": ("plan needs {missing} (or an action: accept, show)",
                   "plan kræver {missing} (eller en handling: accept, show)"),
    "plan_refused": ("plan {plan_id} is refused; make a new plan. What changed since:",
                     "plan {plan_id} afvises; lav en ny plan. Det har ændret sig siden:"),
    "plan_rejected": ("rejected {message_id}: {reason}: {detail}", "afvist {message_id}: {reason}: {detail}"),
    # Tokens
    "col_id": ("id", "id"),
    "col_role": ("role", "rolle"),
    "col_created": ("created", "oprettet"),
    "col_last_used": ("last used", "sidst brugt"),
    "col_revoked": ("revoked", "tilbagekaldt"),
    "all_tenants": ("all tenants", "alle virksomheder"),
    "token_created": ("token {id} ({role}, {scope}) created; it is shown only this once",
                      "token {id} ({role}, {scope}) er oprettet; den vises kun denne ene gang"),
    "token_revoked": ("token {id} revoked at {when}", "token {id} tilbagekaldt {when}"),
    "no_token": ("there is no token with the id {id!r} (see `eduplan tokens list`)",
                 "der findes ingen token med id'et {id!r} (se `eduplan tokens list`)"),
    # Erasure
    "erased": ("erased personal data of {employee}", "personoplysningerne om {employee} er slettet"),
    "no_key": ("no key held for {employee}", "der findes ingen nøgle for {employee}"),
    "erased_rejections": ("rejected messages naming {employee} made unreadable: {n}",
                          "afviste beskeder, der nævner {employee}, er gjort ulæselige: {n}"),
    # Projections
    "projections": ("Projections", "Projektioner"),
    "rebuilt": ("rebuilt and switched: {name}", "genopbygget og skiftet: {name}"),
    "all_projections": ("all projections", "alle projektioner"),
    # Errors of reads
    "unknown_tenant": ("there is no message on record for the tenant {tenant!r}",
                       "der er ingen beskeder for virksomheden {tenant!r}"),
    "projections_behind": ("the figures have not yet caught up with the accepted messages; try again in {seconds} s",
                           "tallene er endnu ikke opdateret med de modtagne beskeder; prøv igen om {seconds} s"),
    # Demo
    "demo_database": ("database", "database"),
    "headline_title": ("Headline KPIs as of {as_of}", "Nøgletal pr. {as_of}"),
    "headline_staff": ("staff", "ansatte"),
    "headline_on_time": ("on time, this cycle", "til tiden, denne cyklus"),
    "headline_took_part": ("took part", "deltog"),
    "headline_hours": ("hours each", "timer pr. ansat"),
    "headline_mus": ("MUS", "MUS"),
    "headline_shared": ("shared", "delte viden"),
    "headline_last_cycle": ("last cycle vs target", "sidste cyklus mod mål"),
    "dashboard_at": ("Dashboard: {url}  (Ctrl-C to stop)", "Overblik: {url}  (Ctrl-C stopper)"),
    "loading": ("loading sample companies", "indlæser eksempelvirksomheder"),
}


@dataclass(frozen=True)
class Words:
    """The words of one language: ``words("key", field=value)``."""

    lang: str = "en"

    def __call__(self, key: str, **fields: Any) -> str:
        english, danish = TEXT[key]
        text = danish if self.lang == "da" else english
        return text.format(**fields) if fields else text

    def number(self, value: float, decimals: int = 1) -> str:
        """A number the reader's way: a decimal comma in Danish."""
        text = f"{value:.{decimals}f}"
        return text.replace(".", ",") if self.lang == "da" else text

    def amount(self, text: str | None) -> str:
        """An amount in kroner as the read writes it (``1250.50``), with a decimal comma in Danish."""
        if text is None:
            return "?"
        return text.replace(".", ",") if self.lang == "da" else text


def words_of(args: argparse.Namespace | None) -> Words:
    """The words of the language chosen for a parsed command line."""
    return Words(chosen_language(getattr(args, "lang", None)))
