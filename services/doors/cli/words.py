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
    "col_tenant": ("tenant", "virksomhed"),
    "col_company": ("company", "navn"),
    "col_company_id": ("tenant", "id"),
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
    "funding_paid": ("paid", "udbetalt"),
    "funding_partly_paid": ("partly_paid", "delvist udbetalt"),
    "funding_granted": ("granted", "bevilget"),
    "funding_applied": ("applied", "ansøgt"),
    "funding_applied_late": ("applied_late", "ansøgt for sent"),
    "funding_rejected": ("rejected", "afslået"),
    "funding_cancelled": ("cancelled", "kursus aflyst"),
    "funding_not_eligible": ("not_eligible", "ikke berettiget"),
    "funding_lost": ("lost", "tabt"),
    "funding_at_risk": ("at_risk", "i risiko"),
    "funding_to_apply": ("to_apply", "skal søges"),
    "funding_rules": ("funding rules: {error}", "tilskudsregler: {error}"),
    # Planning
    "plan_head": ("Plan {plan_id} for {company}, {start} to {end}", "Plan {plan_id} for {company}, {start} til {end}"),
    "plan_status": ("  {status}: objective {objective}, bound {bound} (gap {gap}), {solver} in {seconds} s",
                    "  {status}: værdi {objective}, grænse {bound} (afstand {gap}), {solver} på {seconds} s"),
    "plan_planned": ("Planned ({n}):", "Planlagt ({n}):"),
    "plan_unplanned": ("Unplanned ({n}):", "Ikke planlagt ({n}):"),
    "plan_run": ("run", "hold"),
    "plan_optimal": ("optimal", "optimal"),
    "plan_feasible": ("feasible", "gyldig, ikke bevist optimal"),
    "col_agreement": ("agreement", "aftale"),
    "col_ends": ("ends", "slut"),
    "col_value": ("value", "værdi"),
    "col_why": ("why", "hvorfor"),
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
                      "token {id} ({role}, {scope}) er oprettet; det vises kun denne ene gang"),
    "token_revoked": ("token {id} revoked at {when}", "token {id} tilbagekaldt {when}"),
    "no_token": ("there is no token with the id {id!r} (see `eduplan tokens list`)",
                 "der findes intet token med id'et {id!r} (se `eduplan tokens list`)"),
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
    "headline_this_cycle": ("this cycle", "denne cyklus"),
    "headline_due": ("({done} of {due} due)", "({done} af {due} med frist)"),
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


HELP_DA: dict[str, str] = {
    # eduplan audit
    "verify, checkpoint and export the tamper-evident event log":
        "kontrollér, underskriv og eksportér den manipulationssikre hændelseslog",
    "check a tenant's log against its hash chain and signed checkpoints; exit 0 intact, 1 broken":
        "kontrollér en virksomheds log mod dens hashkæde og underskrevne kontrolpunkter; exit 0 intakt, 1 brudt",
    "the tenant whose log to verify (with --file: must match the export)":
        "virksomheden, hvis log skal kontrolleres (med --file: skal svare til eksporten)",
    "verify this export offline (no database)": "kontrollér denne eksport offline (uden database)",
    "an Ed25519 public key (PEM) that checks the checkpoints; repeat it for keys used earlier "
    "(default EDUPLAN_AUDIT_PUBLIC_KEY; HMAC checkpoints take EDUPLAN_AUDIT_KEY)":
        "en offentlig Ed25519-nøgle (PEM), der kontrollerer kontrolpunkterne; gentag den for tidligere brugte "
        "nøgler (standard EDUPLAN_AUDIT_PUBLIC_KEY; HMAC-kontrolpunkter bruger EDUPLAN_AUDIT_KEY)",
    "sign a checkpoint over a tenant's events now": "underskriv et kontrolpunkt over en virksomheds hændelser nu",
    "the tenant to checkpoint": "virksomheden, der skal have et kontrolpunkt",
    "every tenant with unsigned events": "alle virksomheder med uunderskrevne hændelser",
    "write a tenant's events with hashes and its checkpoints (JSON Lines)":
        "skriv en virksomheds hændelser med hashværdier og dens kontrolpunkter (JSON Lines)",
    "the tenant to export": "virksomheden, der skal eksporteres",
    "only up to this cursor (default: the whole log)": "kun til og med denne cursor (standard: hele loggen)",
    "the file to write (- = standard output)": "filen, der skal skrives (- = standardoutput)",
    "write a new Ed25519 key pair for signing checkpoints":
        "skriv et nyt Ed25519-nøglepar til underskrift af kontrolpunkter",
    "the private key file (created, mode 600); the public key goes to FILE.pub":
        "den private nøglefil (oprettes med rettigheder 600); den offentlige nøgle skrives til FILE.pub",
    "Plan and follow up employees' further education.":
        "Planlæg og følg op på medarbejdernes efter- og videreuddannelse.",
    LANG_HELP: "sprog i beskeder og tabeloverskrifter: da eller en (standard: da, når LANG begynder med da, ellers en)",
    "the HR manager's actions: overdue agreements, missing reviews, check-ins, buddies …":
        "HR-chefens opgaver: aftaler over frist, manglende MUS, lederopfølgning, makkere …",
    "load the sample companies, print their KPIs and serve the dashboard":
        "indlæs eksempelvirksomhederne, vis deres nøgletal og start overblikket",
    "expected, applied, granted, paid, at-risk and lost funding":
        "forventet, ansøgt, bevilget, udbetalt, truet og tabt tilskud",
    "ingest JSON Lines of messages from FILE (- = stdin)": "indlæs beskeder som JSON Lines fra FIL (- = standardinput)",
    "list rejected messages: a tenant's, or those without a tenant":
        "vis afviste beskeder: en virksomheds, eller dem uden en virksomhed",
    "replay a tenant's event log (JSON Lines)": "afspil en virksomheds hændelseslog (JSON Lines)",
    "write a generated feed (JSON Lines) for trials and benchmarks":
        "skriv et genereret datasæt (JSON Lines) til afprøvning og målinger",
    "erase an employee's personal data (destroys their key)":
        "slet en medarbejders personoplysninger (destruerer vedkommendes nøgle)",
    "propose a course plan for a tenant and window (or: plan accept PLAN_ID, plan show PLAN_ID)":
        "foreslå en kursusplan for en virksomhed og en periode (eller: plan accept PLAN_ID, plan show PLAN_ID)",
    "the KPI document of a tenant as of a date, or a series of KPIs":
        "en virksomheds nøgletal pr. en dato, eller en række af nøgletal over tid",
    "each active employee's competence levels and targets": "hver aktiv medarbejders kompetenceniveauer og mål",
    "every company (tenant) with its display name": "alle virksomheder med deres navne",
    "run the projection runner until stopped": "kør opdateringen af nøgletallene, indtil den stoppes",
    "projection maintenance": "vedligehold af nøgletallenes tabeller",
    "the HTTP API, the dashboard and the projection runner": "HTTP-API'et, overblikket og opdateringen af nøgletallene",
    "import a spreadsheet (CSV or XLSX): each row becomes one message of its kind":
        "indlæs et regneark (CSV eller XLSX): hver række bliver én besked af sin type",
    "create, list and revoke access tokens (HTTP and dashboard)":
        "opret, vis og tilbagekald adgangstokens (HTTP og overblik)",
    "export a tenant's records in a standard format": "eksportér en virksomheds data i et standardformat",
    "the Kafka door: consume eduplan.messages, publish eduplan.events":
        "Kafka-indgangen: læs eduplan.messages, udgiv eduplan.events",
    "write the AsyncAPI document of the Kafka doors": "skriv AsyncAPI-dokumentet for Kafka-indgangene",
    "The HR manager's actions on a date (contract §7), sorted by since, kind and ref. A table on a terminal, "
    "tab-separated values with a header row when piped.":
        "HR-chefens opgaver på en dato (kontraktens §7), sorteret efter siden, opgave og reference. En tabel i "
        "terminalen, tabulatorseparerede værdier med en overskriftsrække, når uddata sendes videre.",
    "the tenant (company)": "virksomheden",
    "the business date the actions are as of (default: today, or the day of --known-at)":
        "datoen, opgaverne opgøres pr. (standard: i dag, eller dagen for --known-at)",
    "only employees whose manager on that date is this employee":
        "kun medarbejdere, hvis leder på datoen er denne medarbejder",
    "only employees in this department on that date (its key, or its registered name)":
        "kun medarbejdere i denne afdeling på datoen (dens nøgle eller registrerede navn)",
    "print the contract's JSON document instead of a table": "udskriv kontraktens JSON-dokument i stedet for en tabel",
    "print the summary and stop": "udskriv oversigten og stop",
    "address the dashboard listens on (default 127.0.0.1)": "adressen, overblikket lytter på (standard 127.0.0.1)",
    "port of the dashboard (default 8000, or a free one when it is taken)":
        "overblikkets port (standard 8000, eller en ledig, hvis den er optaget)",
    "the company (tenant)": "virksomheden",
    "only courses starting in this year": "kun kurser, der starter i dette år",
    "YYYY-MM-DD (default: today)": "ÅÅÅÅ-MM-DD (standard: i dag)",
    "print the JSON document (amounts explained)": "udskriv JSON-dokumentet (med beløbenes forklaring)",
    "JSON Lines, one message a line; - reads standard input": "JSON Lines, én besked pr. linje; - læser standardinput",
    "print one outcome per line, with its input line number (the summary goes to stderr)":
        "udskriv ét udfald pr. linje med dens linjenummer (oversigten går til stderr)",
    "tenants processed in parallel (default 4)": "virksomheder, der behandles samtidig (standard 4)",
    "messages decided and appended together (default 250)": "beskeder, der afgøres og gemmes samlet (standard 250)",
    "processes sharing a large input's tenants, this one included (default 1: this process alone; each process"
    " holds a pool of --workers + 2 connections)": "processer, der deler en stor fils virksomheder, denne medregnet"
                                                   " (standard 1: kun denne proces; hver proces har en pulje på"
                                                   " --workers + 2 forbindelser)",
    "the tenant whose rejected messages to list": "virksomheden, hvis afviste beskeder skal vises",
    "the rejected messages whose tenant could not be read (operators)":
        "de afviste beskeder, hvis virksomhed ikke kunne læses (til driften)",
    'print {"rejections": [...]} instead of a table': 'udskriv {"rejections": [...]} i stedet for en tabel',
    "at most this many, oldest first (default 1000)": "højst så mange, ældste først (standard 1000)",
    "the tenant whose events to print": "virksomheden, hvis hændelser skal udskrives",
    "continue after this cursor (an event's `cursor`, or the `next` printed at the end)":
        "fortsæt efter denne markør (en hændelses `cursor`, eller den `next`, der udskrives til sidst)",
    "stop after N events (default 0 = all)": "stop efter N hændelser (standard 0 = alle)",
    "file to write (default - = standard output)": "filen, der skrives (standard - = standardoutput)",
    "number of companies, cycling through the report's cases (default: the nine cases)":
        "antal virksomheder, på skift blandt rapportens cases (standard: de ni cases)",
    "employees per company at the start (default: each case's own size)":
        "medarbejdere pr. virksomhed ved start (standard: hver cases egen størrelse)",
    "years of history, ending 2026-11-20 (default 3)": "års historik frem til 2026-11-20 (standard 3)",
    "the same seed gives the same feed; the seed is part of every tenant name and message id, so feeds of "
    "different seeds never share one (default 2026)":
        "samme frø giver samme datasæt; frøet indgår i hvert virksomhedsnavn og besked-id, så datasæt med "
        "forskellige frø deler aldrig ét (standard 2026)",
    "leave out the deliberately bad messages (about 1.5 %% of the feed)":
        "udelad de bevidst forkerte beskeder (ca. 1,5 %% af datasættet)",
    "the employee's tenant": "medarbejderens virksomhed",
    "the employee_id whose personal data to erase": "employee_id på den, hvis personoplysninger skal slettes",
    "Propose which course run each plannable agreement should take between --from and --to, within seats, "
    "the annual wheel's capacity and without overlaps; say why for the others.":
        "Foreslå hvilket kursushold hver planlægbar aftale skal bruge mellem --from og --to, inden for "
        "pladserne og årshjulets kapacitet og uden overlap; sig hvorfor for de øvrige.",
    "the company (tenant) to plan for": "virksomheden, der planlægges for",
    "first day (YYYY-MM-DD)": "første dag (ÅÅÅÅ-MM-DD)",
    "last day (YYYY-MM-DD)": "sidste dag (ÅÅÅÅ-MM-DD)",
    "print the plan document": "udskriv plandokumentet",
    "seconds the solver may search (default 20)": "sekunder, løseren må søge (standard 20)",
    "book a plan's assignments through the intake": "book planens tildelinger gennem modtagelsen",
    "print a stored plan": "udskriv en gemt plan",
    "the plan_id of a proposed plan": "plan_id på en foreslået plan",
    "booked_on (default: today)": "booked_on (standard: i dag)",
    "refuse a plan of another tenant": "afvis en plan for en anden virksomhed",
    "print every outcome": "udskriv hvert udfald",
    "the tenant (company) to report on": "virksomheden, der skal opgøres",
    "the business date the figures are as of (default: today, or the day of --known-at)":
        "datoen, tallene opgøres pr. (standard: i dag, eller dagen for --known-at)",
    "YYYY-MM-DD (default: today, or the day of --known-at)": "ÅÅÅÅ-MM-DD (standard: i dag, eller dagen for --known-at)",
    "an RFC 3339 instant with offset, e.g. 2026-03-10T08:00:00Z: only messages recorded by then count "
    "(default: now)":
        "et tidspunkt efter RFC 3339 med tidszone, fx 2026-03-10T08:00:00Z: kun beskeder modtaget inden da "
        "tæller med (standard: nu)",
    "the day the sample history runs up to and the KPIs are read on (default: today)":
        "dagen, eksempelhistorikken går frem til, og nøgletallene opgøres pr. (standard: i dag)",
    "only this department under `departments` (its key, or its registered name)":
        "kun denne afdeling under `departments` (dens nøgle eller registrerede navn)",
    "manager: also every key per manager": "manager: også alle nøgletal pr. leder",
    "KPIs at each month's (quarter's) last day in --from/--to":
        "nøgletal på hver måneds (hvert kvartals) sidste dag i --from/--to",
    "series: first day (YYYY-MM-DD)": "række: første dag (ÅÅÅÅ-MM-DD)",
    "series: last day (YYYY-MM-DD)": "række: sidste dag (ÅÅÅÅ-MM-DD)",
    "series: month or quarter ends": "række: måneds- eller kvartalsskift",
    "series: comma-separated KPI keys (default: every key)":
        "række: kommaseparerede nøgletal (standard: alle nøgletal)",
    "only employees of this department (its key, or its registered name)":
        "kun medarbejdere i denne afdeling (dens nøgle eller registrerede navn)",
    "print the contract's JSON": "udskriv kontraktens JSON",
    "print JSON": "udskriv JSON",
    "build a new version beside the live one, then switch": "byg en ny version ved siden af den aktive, og skift så",
    "each projection's position and lag": "hver tabels position og forsinkelse",
    "the projection to rebuild (default: all)": "tabellen, der skal genopbygges (standard: alle)",
    "address to listen on (default EDUPLAN_HTTP_HOST or 127.0.0.1)":
        "adressen, der lyttes på (standard EDUPLAN_HTTP_HOST eller 127.0.0.1)",
    "port to listen on (default EDUPLAN_HTTP_PORT or 8000)":
        "porten, der lyttes på (standard EDUPLAN_HTTP_PORT eller 8000)",
    "do not run the projection runner here": "kør ikke opdateringen af nøgletallene her",
    "server processes sharing the port and the database (default 1)":
        "serverprocesser, der deler porten og databasen (standard 1)",
    "Each row of FILE becomes the message of --kind and goes through the same checks as every other message; "
    "outcomes are printed per row number (the header is row 1). Importing the same file again only gives "
    "duplicates. Column headers may be English or Danish; `eduplan import --template KIND` shows them.":
        "Hver række i FIL bliver en besked af typen --kind og kontrolleres som alle andre beskeder; udfaldet "
        "udskrives pr. rækkenummer (overskriften er række 1). Indlæses samme fil igen, giver det kun dubletter. "
        "Kolonneoverskrifter kan være på dansk eller engelsk; `eduplan import --template TYPE` viser dem.",
    "the spreadsheet (.csv or .xlsx; - is not accepted)": "regnearket (.csv eller .xlsx; - kan ikke bruges)",
    "the company (tenant) the rows belong to": "virksomheden, rækkerne hører til",
    "what each row is: company, departments, employees, reviews, agreements, bookings, completions or runs":
        "hvad hver række er: company (virksomheden), departments (afdelinger), employees (medarbejdere), "
        "reviews (MUS), agreements (aftaler), bookings (tilmeldinger), completions (gennemførte kurser) "
        "eller runs (kursushold)",
    "write the template of KIND (header row and a Danish and an English example) instead; its headers are "
    "Danish with --lang da (or a Danish LANG)":
        "skriv i stedet skabelonen for TYPE (overskriftsrække og et dansk og et engelsk eksempel); "
        "overskrifterne er på dansk med --lang da (eller et dansk LANG)",
    "where --template writes (.xlsx or .csv; default: CSV on standard output)":
        "hvor --template skriver (.xlsx eller .csv; standard: CSV på standardoutput)",
    "print one outcome per row as JSON (with its row number)": "udskriv ét udfald pr. række som JSON (med rækkenummer)",
    "create a token and print it, once": "opret et token og udskriv det, én gang",
    "every token: id, name, role, tenant, created, last used, revoked":
        "alle tokens: id, navn, rolle, virksomhed, oprettet, sidst brugt, tilbagekaldt",
    "revoke a token (and end its dashboard sessions)": "tilbagekald et token (og afslut dets sessioner i overblikket)",
    "hr_system: send messages; leadership: KPIs, reads and dashboard; auditor: also the log, rejections, audit "
    "and exports; admin: everything":
        "hr_system: sende beskeder; leadership: nøgletal, opslag og overblik; auditor: også loggen, afviste "
        "beskeder, revision og eksport; admin: alt",
    "the one tenant the token is for": "den ene virksomhed, tokenet gælder for",
    "the token is for every tenant": "tokenet gælder for alle virksomheder",
    "who or what holds it (shown in `tokens list`)": "hvem eller hvad der har det (vises i `tokens list`)",
    "print the token and its record as JSON": "udskriv tokenet og dets oplysninger som JSON",
    "one JSON object per token": "ét JSON-objekt pr. token",
    "the token's id, as `tokens list` shows it": "tokenets id, som `tokens list` viser det",
    "xAPI 1.0.3 statements (JSON Lines) of bookings, completions, knowledge sharing and cancellations":
        "xAPI 1.0.3-udsagn (JSON Lines) om tilmeldinger, gennemførte kurser, videndeling og afmeldinger",
    "the tenant (a company) whose records to export": "virksomheden, hvis data skal eksporteres",
    "only statements whose business date is on or after YYYY-MM-DD":
        "kun udsagn, hvis dato er ÅÅÅÅ-MM-DD eller senere",
    "write to FILE (replaced only when complete); - = stdout":
        "skriv til FIL (erstattes først, når den er færdig); - = standardoutput",
}
"""The help texts of the command's options and commands in Danish, by their English text (which the command
modules keep beside their options); a help text without its Danish is shown in English."""


def translate_help(parsers: list[argparse.ArgumentParser], lang: str) -> None:
    """Put the help texts and descriptions of ``parsers`` into ``lang`` (only Danish differs from the code)."""
    if lang != "da":
        return
    for parser in parsers:
        if parser.description:
            parser.description = HELP_DA.get(parser.description, parser.description)
        for action in parser._actions:
            if action.help:
                action.help = HELP_DA.get(action.help, action.help)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    if choice.help:
                        choice.help = HELP_DA.get(choice.help, choice.help)
