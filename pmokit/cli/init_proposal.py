"""What ``pmokit init`` proposes for a site: the portfolio (programs from project categories), the phases (from
the statuses of the project record's workflow), the logical field map (by name, in English or Chinese) and the
names the example standard uses (issue types, statuses, the PMO's group) as the site spells them.

Pure: a survey of the site and the example standard in, a :class:`Proposal` out, with everything it could not
map said in words. Nothing here reads the network or a file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connector.site_survey import Field, JiraSurvey

# Names a site may give what the example standard calls by its English name, beside the example's own spelling:
# the glossary's Chinese terms and the names Jira's own templates use.
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "budget": ("Budget (CNY)", "Budget", "Project Budget", "预算", "项目预算", "预算金额"),
    "actual_cost": ("Actual Cost (CNY)", "Actual Cost", "Actual Costs", "实际成本", "实际费用"),
    "forecast_cost": ("Forecast Cost (CNY)", "Forecast Cost", "Forecast", "预测成本", "预计成本"),
    "sponsor": ("Sponsor", "Project Sponsor", "项目发起人", "发起人"),
    "story_points": ("Story Points", "Story point estimate", "故事点", "故事点数"),
    "baseline_start": ("Baseline Start", "Baseline Start Date", "基线开始", "基线开始日期", "计划开始日期"),
    "baseline_end": ("Baseline End", "Baseline End Date", "基线结束", "基线结束日期", "计划结束日期"),
    "payment_amount": ("Payment Amount (CNY)", "Payment Amount", "回款金额", "付款金额"),
    "payment_status": ("Payment Status", "回款状态", "付款状态"),
    "probability": ("Risk Probability", "Probability", "风险概率", "概率", "发生概率"),
    "impact": ("Risk Impact", "Impact", "风险影响", "影响", "影响程度"),
    "project_type": ("Project Type", "项目类型"),
    "epic_link": ("Epic Link", "史诗链接"),
}
# Logical fields proposed only when the site has them (the example standard does not name them).
OPTIONAL_FIELDS = frozenset({"epic_link"})

ISSUE_TYPES: dict[str, tuple[str, ...]] = {
    "Project": ("Project", "项目", "Project Record", "项目档案"),
    "Milestone": ("Milestone", "里程碑"),
    "Risk": ("Risk", "风险"),
    "Epic": ("Epic", "史诗", "长篇故事"),
    "Story": ("Story", "故事", "用户故事"),
    "Task": ("Task", "任务"),
    "Bug": ("Bug", "缺陷", "故障"),
}
STATUSES: dict[str, tuple[str, ...]] = {
    "In Progress": ("In Progress", "进行中", "处理中"),
    "In Review": ("In Review", "审核中", "评审中"),
    "Cancelled": ("Cancelled", "Canceled", "已取消", "取消"),
}
# The glossary's other words for a phase, beside the example's names and statuses.
PHASE_NAMES: dict[str, tuple[str, ...]] = {"execution": ("实施",), "acceptance": ("上线",), "closure": ("结项",)}
# Groups that are the PMO, best first; the group picker is asked for each.
PMO_GROUPS = ("pmo", "PMO", "项目管理办公室", "项目管理部", "项目管理中心", "项目管理")

FIELD_ID = re.compile(r"^customfield_\d+$")
PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,9}$")
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
UNIT = re.compile(r"[(（][^()（）]{1,12}[)）]\s*$")


@dataclass(frozen=True)
class Choices:
    """What the person chose where the proposal is not enough (flags or answers to prompts)."""

    projects: tuple[str, ...] = ()  # only these project keys (empty: every project)
    record_type: str | None = None
    pmo_group: str | None = None
    language: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)  # logical name -> Jira field name or id ("": none)
    portfolio_name: str | None = None


@dataclass(frozen=True)
class MappedField:
    logical: str
    written: str  # what the configuration says: the field's name, or its id when the name is not unique
    field: Field


@dataclass
class Proposal:
    programs: list[dict[str, Any]]
    programs_from: str  # categories | one program
    skipped_projects: list[str]
    record_type: str | None  # the site's name for the record issue type; None: the site has none
    record_statuses: tuple[str, ...]
    phases: list[dict[str, Any]]
    unmatched_phases: list[str]  # example phase ids no status means
    other_statuses: list[str]  # record statuses that mean no phase
    fields: dict[str, MappedField]
    unmapped_fields: dict[str, tuple[str, ...]]  # logical name -> the names looked for
    issue_types: dict[str, str]  # example name -> site name
    missing_issue_types: list[str]
    statuses: dict[str, str]  # example status -> site status
    pmo_group: str | None
    language: str
    kill_status: str | None

    @property
    def project_keys(self) -> list[str]:
        return [key for program in self.programs for key in program["projects"]]


def fold(text: str) -> str:
    """A name as compared: Unicode-normalised, case-folded, without a unit in brackets at its end ("Budget
    (CNY)", "预算（元）"), spaces, dashes or underscores."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = UNIT.sub("", text) if UNIT.sub("", text).strip() else text
    return re.sub(r"[\s_\-]+", "", text.casefold())


def bilingual(name: str) -> str | dict[str, str]:
    """``Digital Storefront 数字店铺`` as ``{en: Digital Storefront, zh: 数字店铺}``; any other name as it is."""
    match = CJK.search(name)
    if match is None or match.start() == 0:
        return name
    en, zh = name[:match.start()].strip(" -·/|"), name[match.start():].strip()
    return {"en": en, "zh": zh} if en and zh and not CJK.search(en) else name


def slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:40].strip("-")


def propose(survey: JiraSurvey, example: Mapping[str, Any], choices: Choices = Choices()) -> Proposal:
    """The proposal for ``survey``; ``example`` is the example standard's data (portfolio and phases)."""
    programs, skipped, programs_from = _programs(survey, choices)
    keys = {key for program in programs for key in program["projects"]}
    issue_types = _issue_types(survey, keys)
    type_map = {name: site for name in ISSUE_TYPES if (site := _pick(issue_types, ISSUE_TYPES[name]))}
    record_type = choices.record_type or type_map.get(example["portfolio"].get("record_issue_type", "Project"))
    if record_type is not None and record_type not in issue_types:
        record_type = _pick(issue_types, (record_type,))
    record_statuses = _record_statuses(survey, keys, record_type)
    phases, unmatched, used = _phases(example["phases"], record_statuses)
    other = [s for s in record_statuses if fold(s) not in used]
    fields, unmapped = _fields(survey.fields, example["portfolio"].get("fields") or {}, choices.fields)
    statuses = {name: site for name in STATUSES if (site := _pick(survey.statuses, STATUSES[name]))}
    kill = example["portfolio"].get("kill") or {}
    kill_status = _pick(record_statuses, STATUSES.get(kill.get("status", ""), (kill.get("status", ""),))) \
        if kill.get("status") else None
    language = choices.language or _language(phases)
    return Proposal(programs=programs, programs_from=programs_from, skipped_projects=skipped,
                    record_type=record_type, record_statuses=record_statuses, phases=phases,
                    unmatched_phases=unmatched, other_statuses=other, fields=fields, unmapped_fields=unmapped,
                    issue_types=type_map,
                    missing_issue_types=[t for t in ISSUE_TYPES if t not in type_map and t != "Project"],
                    statuses=statuses, pmo_group=choices.pmo_group or _pmo_group(survey.groups),
                    language=language, kill_status=kill_status)


def _programs(survey: JiraSurvey, choices: Choices) -> tuple[list[dict[str, Any]], list[str], str]:
    wanted = {k.upper() for k in choices.projects}
    skipped = [f"{p.key} (not a key pmokit takes: capital letters, digits and _, 10 at most)"
               for p in survey.projects if not PROJECT_KEY.match(p.key) and (not wanted or p.key in wanted)]
    projects = [p for p in survey.projects if PROJECT_KEY.match(p.key) and (not wanted or p.key in wanted)]
    skipped += [f"{key} (no such project, or the bot cannot see it)"
                for key in sorted(wanted - {p.key for p in survey.projects})]
    categories = {c.id: c for c in survey.categories}
    with_category = [p for p in projects if p.category_id in categories]
    if not with_category:
        name: str | dict[str, str] = {"en": "Portfolio", "zh": "项目组合"}
        return ([{"key": "portfolio", "name": name, "projects": [p.key for p in projects]}] if projects else [],
                skipped, "one program")
    programs: list[dict[str, Any]] = []
    keys: set[str] = set()
    for category in survey.categories:
        members = [p.key for p in with_category if p.category_id == category.id]
        if members:
            key = _unique(slug(bilingual_en(category.name)) or f"category-{category.id}", keys)
            programs.append({"key": key, "name": bilingual(category.name), "projects": members})
    rest = [p.key for p in projects if p.category_id not in categories]
    if rest:
        programs.append({"key": _unique("uncategorised", keys),
                         "name": {"en": "Projects without a category", "zh": "未分类项目"}, "projects": rest})
    return programs, skipped, "categories"


def bilingual_en(name: str) -> str:
    found = bilingual(name)
    return found["en"] if isinstance(found, dict) else found


def _unique(key: str, taken: set[str]) -> str:
    candidate, n = key, 2
    while candidate in taken:
        candidate, n = f"{key}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _issue_types(survey: JiraSurvey, keys: set[str]) -> list[str]:
    seen: dict[str, None] = {}
    for project in survey.projects:
        if project.key in keys:
            seen.update(dict.fromkeys(project.statuses))
    return list(seen)


def _record_statuses(survey: JiraSurvey, keys: set[str], record_type: str | None) -> tuple[str, ...]:
    """The statuses of the record issue type's workflows in the portfolio's projects (all the site's statuses
    when there is no record type)."""
    if record_type is None:
        return survey.statuses
    seen: dict[str, None] = {}
    for project in survey.projects:
        if project.key in keys:
            seen.update(dict.fromkeys(project.statuses.get(record_type, ())))
    return tuple(seen)


def _pick(names: Iterable[str], wanted: Sequence[str]) -> str | None:
    """The first of ``names`` that is one of ``wanted``, best ``wanted`` first (compared as :func:`fold` does)."""
    by_fold: dict[str, str] = {}
    for name in names:
        by_fold.setdefault(fold(name), name)
    return next((by_fold[fold(w)] for w in wanted if fold(w) in by_fold), None)


def _phases(example: Sequence[Mapping[str, Any]], statuses: Sequence[str],
            ) -> tuple[list[dict[str, Any]], list[str], set[str]]:
    phases: list[dict[str, Any]] = []
    unmatched: list[str] = []
    used: set[str] = set()
    for phase in example:
        name = phase.get("name") or {}
        names = [*(name.values() if isinstance(name, dict) else [name]), *phase.get("statuses", ()),
                 *PHASE_NAMES.get(phase["id"], ())]
        wanted = {fold(str(n)) for n in names}
        found = [s for s in statuses if fold(s) in wanted and fold(s) not in used]
        if not found:
            unmatched.append(phase["id"])
            continue
        used.update(fold(s) for s in found)
        phases.append({"id": phase["id"], "name": phase["name"], "statuses": found})
    return phases, unmatched, used


def _fields(site: Sequence[Field], example: Mapping[str, str], chosen: Mapping[str, str],
            ) -> tuple[dict[str, MappedField], dict[str, tuple[str, ...]]]:
    counts: dict[str, int] = {}
    for f in site:
        counts[f.name.casefold()] = counts.get(f.name.casefold(), 0) + 1
    by_id = {f.id: f for f in site}
    mapped: dict[str, MappedField] = {}
    unmapped: dict[str, tuple[str, ...]] = {}
    for logical in [*example, *(name for name in FIELD_NAMES if name not in example)]:
        # The example's own name first; an id it gives (customfield_10016) is its site's, not this one's.
        own = [example[logical]] if logical in example and not FIELD_ID.match(example[logical]) else []
        names = tuple(dict.fromkeys([*own, *FIELD_NAMES.get(logical, ())]))
        if logical in chosen:
            found = _field_named(site, by_id, (chosen[logical],)) if chosen[logical] else None
        else:
            found = _field_named(site, by_id, names)
        if found is None:
            if logical not in OPTIONAL_FIELDS:
                unmapped[logical] = names
            continue
        unique = counts.get(found.name.casefold(), 0) == 1
        mapped[logical] = MappedField(logical, found.name if unique else found.id, found)
    return mapped, unmapped


def _field_named(site: Sequence[Field], by_id: Mapping[str, Field], names: Sequence[str]) -> Field | None:
    """The field with one of ``names`` (an id, the exact name, or the name as :func:`fold` compares it), best name
    first; custom fields before system ones."""
    ordered = sorted(site, key=lambda f: not f.custom)
    for name in names:
        if name in by_id:
            return by_id[name]
        exact = [f for f in ordered if f.name.casefold() == name.casefold()]
        if exact:
            return exact[0]
    for name in names:
        close = [f for f in ordered if fold(f.name) == fold(name)]
        if close:
            return close[0]
    return None


def _pmo_group(groups: Sequence[str]) -> str | None:
    for wanted in PMO_GROUPS:
        exact = [g for g in groups if g.casefold() == wanted.casefold()]
        if exact:
            return exact[0]
    return next((g for wanted in PMO_GROUPS for g in groups if wanted.casefold() in g.casefold()), None)


def _language(phases: Sequence[Mapping[str, Any]]) -> str:
    """Chinese when most phase statuses are written in Chinese, else English."""
    written = [s for phase in phases for s in phase["statuses"]]
    chinese = sum(1 for s in written if CJK.search(s))
    return "zh" if written and chinese * 2 > len(written) else "en"
