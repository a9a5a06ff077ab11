"""Running rule test cases: the configured rules over each case's issues, compared with what was expected."""

from __future__ import annotations

from dataclasses import dataclass, field

from config.models import Settings

from .casefile import Case, case_now, changes_of, comments_of, issues_of
from .context import Standard
from .decide import take_commands
from .engine import evaluate_settings
from .facts import Facts
from .results import Result


@dataclass
class CaseReport:
    name: str
    source: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def run_case(case: Case, source: str, settings: Settings) -> CaseReport:
    """The configuration's rules over the case's issues at its moment, against what the case expects."""
    phase_by_status = {s.casefold(): p.id for p in settings.phases for s in (*p.statuses, *p.values)}
    program_of = settings.portfolio.program_of
    issues = issues_of(case, phase_by_status)
    facts = Facts.build(issues, changes=changes_of(case, issues), comments=comments_of(case, issues),
                        program_of=program_of, groups=case.groups)
    # The case's commands are taken as pmokit takes them when it reads them: in order, at the case's moment.
    take_commands(facts, Standard.of(settings, case.language), case_now(case), [i.key for i in issues])
    results = evaluate_settings(settings, facts, case_now(case), language=case.language)
    by_key: dict[tuple[str, str], Result] = {(r.rule_id, r.identity): r for r in results}
    known_rules = {r.id for r in settings.rules}
    report = CaseReport(case.name, source)
    for expected in case.expect:
        where = f"{expected.rule} on {expected.issue}"
        if expected.rule not in known_rules:
            report.failures.append(f"{where}: no rule with id '{expected.rule}' in the configuration")
            continue
        actual = by_key.get((expected.rule, expected.issue))
        if expected.state == "none":
            if actual is not None:
                report.failures.append(f"{where}: expected the rule not to apply, got {_show(actual)}")
            continue
        if actual is None:
            report.failures.append(f"{where}: expected {expected.state}, but the rule did not apply (check its scope)")
            continue
        diffs = []
        if actual.state.value != expected.state:
            diffs.append(f"state: expected {expected.state}, got {actual.state.value}")
        if expected.missing is not None and list(actual.missing) != expected.missing:
            diffs.append(f"missing: expected {expected.missing}, got {list(actual.missing)}")
        if expected.message is not None and expected.message not in actual.message:
            diffs.append(f"message: expected to contain {expected.message!r}, got {actual.message!r}")
        if diffs:
            report.failures.append(f"{where}:\n      " + "\n      ".join(diffs) + f"\n      (evidence: "
                                   f"{'; '.join(actual.evidence) or 'none'})")
    return report


def _show(result: Result) -> str:
    return f"{result.state.value} ({result.message})"
