"""Deterministic seeds: the demo e-commerce portfolio (scalable with ``issues``), an empty site, or a file.

The demo has three programs and twelve projects spread over the five phases, with project records,
epics, stories, tasks, bugs, milestones (due dates, payment amounts), risks (probability × impact),
custom fields, people shared between projects (some over-allocated), long-tailed changelogs, and
documents as attachments and remote links: some projects meet the example PMO standard, some do not.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

from . import catalog as c
from .histories import freeze_seeded
from .model import SIssue, SiteState, SPage, SProject, SSpace

PROGRAMS = {
    "storefront": [("SHOP", "Storefront Revamp 店铺改版", "Execution"),
                   ("MOB", "Mobile App 3.0 移动应用", "Planning"),
                   ("SRCH", "Search Relevance 搜索优化", "Acceptance"),
                   ("CMS", "Content Platform 内容平台", "Closure")],
    "fulfilment": [("WMS", "Warehouse Management 仓储管理", "Execution"),
                   ("OMS", "Order Management 订单管理", "Initiation"),
                   ("LOG", "Last-mile Logistics 末端物流", "Execution"),
                   ("RET", "Returns Portal 退货门户", "Planning")],
    "payments": [("PAY", "Payment Gateway 支付网关", "Acceptance"),
                 ("RISK", "Fraud Detection 风控反欺诈", "Execution"),
                 ("FIN", "Finance Reconciliation 财务对账", "Initiation"),
                 ("LOY", "Loyalty Program 会员积分", "Closure")],
}
PHASE_NAMES = [p for p, _ in c.PHASES]
# Each program is a Jira project category, named in both languages as the projects are.
CATEGORIES = {"storefront": ("Digital Storefront 数字店铺", "Storefront, mobile app, search and content"),
              "fulfilment": ("Supply Chain and Fulfilment 供应链与履约", "Warehouse, orders, logistics and returns"),
              "payments": ("Payments and Finance 支付与金融", "Payments, fraud, finance and loyalty")}

# Documents a project has by the time it leaves each phase (the example standard asks for them).
DOCUMENTS = [
    ("feasibility-study", "Feasibility Study 可行性研究报告.pdf", "Initiation"),
    ("technical-proposal", "Technical Proposal 技术方案.docx", "Planning"),
    ("contract", "Contract 合同文件.pdf", "Planning"),
    ("acceptance-report", "Acceptance Report 验收报告.pdf", "Acceptance"),
    ("lessons-learned", "Lessons Learned 经验教训.docx", "Closure"),
]
# The demo's deliberate gaps: (project, document) pairs that are missing although the phase needs them.
MISSING_DOCUMENTS = {("LOG", "technical-proposal"), ("RISK", "contract"), ("PAY", "acceptance-report"),
                     ("LOY", "lessons-learned"), ("MOB", "feasibility-study")}
# Projects whose record lacks a required description section or field.
INCOMPLETE_RECORDS = {"RET": "Scope", "WMS": "Risks"}
# How each project fares, so that the portfolio has what a real one has: a few healthy projects, some with one
# concern, a few in trouble, each for a reason of its own. Applied to the values drawn (never drawing more, so
# every other issue of the demo stays as it was).
HEALTH = {"LOG": "green", "FIN": "green", "WMS": "green",
          "PAY": "amber", "SRCH": "amber", "RET": "amber", "SHOP": "amber",
          "OMS": "red", "RISK": "red", "MOB": "red", "CMS": "red", "LOY": "red"}
# Days from the baseline's start to "today", where a project's plan is not its work's start.
BASELINE_AGO = {"FIN": 20, "RET": 70}
FORECAST = {"SHOP": 1.08}  # SHOP's concern: a forecast 8% over its budget
# A healthy project has spent no more than the work it has done is worth (its CPI at or above 1).
HEALTHY_SPENT = [0.0, 0.04, 0.36, 0.72, 0.9]
NO_SPONSOR = {"OMS"}
SECTIONS = ["Background", "Objectives", "Scope", "Budget", "Risks"]


@dataclass(frozen=True)
class SeedOptions:
    issues: int = 3000
    long_history_share: float = 0.03  # share of work items with long changelogs
    long_history: tuple[int, int] = (101, 180)  # min, max histories of a long one
    short_history: tuple[int, int] = (2, 14)
    anchor: date | None = None  # "today" of the seed; default: the real today
    seed: int = 20261122
    # projects: a Jira project per project, its record an issue of type Project (the default);
    # epics: a Jira project per program, each project an epic in it (on the stage-gate workflow), its work
    # directly under it, as organisations that keep every project of a department in one Jira project do.
    layout: str = "projects"


# With layout "epics": each program's Jira project.
PROGRAM_PROJECTS = {"storefront": "STORE", "fulfilment": "SUPPLY", "payments": "PAYFIN"}


def build(kind: str | Path, flavor: str = "cloud", options: SeedOptions | None = None) -> SiteState:
    """A new site: ``demo``, ``empty``, or a seed file (YAML or JSON)."""
    options = options or SeedOptions()
    state = SiteState(flavor=flavor, anchor=options.anchor or date.today())
    c.install_catalog(state)
    if kind == "empty":
        _install_confluence(state, [])
    elif kind in ("demo", "demo-epics"):
        _Demo(state, replace(options, layout="epics") if kind == "demo-epics" else options).build()
    else:
        load_file(state, Path(kind))
    for issue in state.issues.values():
        freeze_seeded(issue)
    # Later histories get ids above every seeded one (issue id × 1000 + n), as Jira's ids only grow.
    state.counters["history"] = max(state.counters["history"], (max(state.issues, default=0) + 1) * 1000)
    return state


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


class _Demo:
    def __init__(self, state: SiteState, options: SeedOptions):
        self.state, self.options = state, options
        self.rng = random.Random(options.seed)
        self.people = sorted(u for u in state.users if not u.startswith("557058"))
        self.next_issue_id = 10001

    def build(self) -> None:
        projects = [(program, *p) for program, items in PROGRAMS.items() for p in items]
        per_project = max(self.options.issues // len(projects), 20)
        teams = self._teams(len(projects))
        epics = self.options.layout == "epics"
        if epics:  # a project's epic moves through the phases, as a project record does
            self.state.issue_types["Epic"].workflow = "stage-gate"
        shown = []
        for index, (program, key, name, phase) in enumerate(projects):
            record = self._project(index, program, key, name, phase, per_project, teams[index])
            shown.append((record.key if epics else key, name))
        _install_confluence(self.state, shown)

    def _teams(self, count: int) -> list[list[str]]:
        # A few people work on three or four projects at once: the resource conflicts of the demo.
        busy = self.people[3:7]
        teams = []
        for index in range(count):
            pool = [p for p in self.people if p not in busy]
            team = self.rng.sample(pool, 6)
            team += [busy[j] for j in range(len(busy)) if (index + j) % 3 == 0]
            teams.append(team)
        return teams

    def _issue(self, project: SProject, issue_type: str, summary: str, status: str, created: datetime,
               updated: datetime, **kwargs: Any) -> SIssue:
        issue_id = self.next_issue_id
        self.next_issue_id += 1
        key = f"{project.key}-{project.next_number}"
        project.next_number += 1
        status_obj = self.state.status_by_name(status)
        assert status_obj is not None, status
        history_count = kwargs.pop("history_count", None)
        if history_count is None:
            low, high = self.options.short_history
            if issue_type not in ("Project", "Epic") and self.rng.random() < self.options.long_history_share:
                low, high = self.options.long_history
            history_count = self.rng.randint(low, high)
        # Nothing happens after the seed's "today".
        latest = _at(self.state.anchor, 21)
        created = min(created, latest - timedelta(days=1))
        issue = SIssue(id=issue_id, key=key, project_key=project.key, issue_type=issue_type, summary=summary,
                       status=status_obj.id, created=created, updated=min(max(updated, created), latest),
                       reporter=kwargs.pop("reporter", project.lead), history_seed=self.rng.getrandbits(32),
                       seeded_histories=history_count, **kwargs)
        if status_obj.category == "done" and issue.resolutiondate is None:
            issue.resolutiondate = issue.updated
        self.state.issues[issue_id] = issue
        self.state.keys[key] = issue_id
        return issue

    def _jira_project(self, index: int, program: str, key: str, name: str, lead: str) -> SProject:
        """The Jira project a project lives in: its own, or (layout "epics") its program's."""
        category = self.state.category(*CATEGORIES[program])
        if self.options.layout == "epics":
            key, name = PROGRAM_PROJECTS[program], CATEGORIES[program][0]
            index = list(PROGRAM_PROJECTS).index(program)
        if key not in self.state.projects:
            self.state.projects[key] = SProject(id=str(10000 + index), key=key, name=name, lead=lead,
                                                issue_types=list(self.state.issue_types), category=category.id)
        return self.state.projects[key]

    def _project(self, index: int, program: str, key: str, name: str, phase: str, count: int,
                 team: list[str]) -> SIssue:
        rng, anchor = self.rng, self.state.anchor
        phase_index = PHASE_NAMES.index(phase)
        lead = team[0]
        project = self._jira_project(index, program, key, name, lead)
        epics_layout = self.options.layout == "epics"
        start = anchor - timedelta(days=40 + 45 * phase_index + rng.randint(0, 20))
        end = start + timedelta(days=300 + rng.randint(0, 60))
        window = (start, end)

        budget = rng.choice((80, 120, 150, 200, 260, 320, 450)) * 10_000
        spent_share = [0.02, 0.1, 0.45, 0.8, 0.97][phase_index] * rng.uniform(0.8, 1.35)
        forecast_share = rng.uniform(0.9, 1.25)
        health = HEALTH.get(key, "red")
        if health == "green":
            spent_share = min(spent_share, HEALTHY_SPENT[phase_index])
            forecast_share = min(forecast_share, 1.03)
        elif health == "amber":
            forecast_share = min(forecast_share, 1.04)
        forecast_share = FORECAST.get(key, forecast_share)
        baseline_start = self.state.anchor - timedelta(days=BASELINE_AGO[key]) if key in BASELINE_AGO else start
        record_custom = {
            c.BUDGET: budget, c.ACTUAL_COST: round(budget * spent_share, -3),
            c.FORECAST_COST: round(budget * forecast_share, -3),
            c.BASELINE_START: baseline_start.isoformat(),
            c.BASELINE_END: (baseline_start + (end - start)).isoformat(), c.PMO_PHASE: phase,
            c.PROJECT_TYPE: "Standard",
        }
        if key not in NO_SPONSOR:
            record_custom[c.SPONSOR] = self.state.users[self.people[rng.randrange(3)]].display_name
        sections = [s for s in SECTIONS if INCOMPLETE_RECORDS.get(key) != s]
        description = "\n".join(f"h2. {s}\n{name}: {s.lower()} of the project." for s in sections)
        record = self._issue(project, "Epic" if epics_layout else "Project", name, phase, _at(start),
                             _at(anchor - timedelta(days=rng.randint(1, 10))), assignee=lead,
                             description=description, custom=record_custom, duedate=end,
                             history_count=max(phase_index + 2, 4), labels=["pmo", program])
        self._documents(record, key, phase_index)
        self._approvals(record, phase_index)

        # The work's epics (with layout "epics" the project is the epic: its work sits right under it).
        epics = [record] if epics_layout else [
            self._issue(project, "Epic", f"{name.split(' ')[0]} epic {n + 1}", self._work_status(phase_index, 0.5),
                        _at(start + timedelta(days=n * 9)), _at(anchor - timedelta(days=rng.randint(1, 30))),
                        assignee=rng.choice(team), parent=record.id)
            for n in range(max(3, count // 60))]
        self._milestones(project, record, window, phase_index, team, {"green": 0, "amber": 1}.get(health, 2))
        for n in range(rng.randint(4, 8)):
            probability, impact = rng.randint(1, 5), rng.randint(1, 5)
            impact = min(impact, {"green": 2, "amber": 3}.get(health, 5))  # green: no risk above 10; amber: 15
            self._issue(project, "Risk", f"Risk {n + 1}: {rng.choice(RISKS)}",
                        "Done" if rng.random() < 0.3 else "To Do", _at(start + timedelta(days=rng.randint(0, 60))),
                        _at(anchor - timedelta(days=rng.randint(1, 40))), assignee=rng.choice(team),
                        parent=record.id, custom={c.RISK_PROBABILITY: probability, c.RISK_IMPACT: impact})
        remaining = count - (project.next_number - 1 - self._issues_before(project, record))
        for n in range(max(remaining, 0)):
            kind = rng.choices(("Story", "Task", "Bug"), (5, 3, 2))[0]
            created = start + timedelta(days=rng.randint(0, max((anchor - start).days - 1, 1)))
            updated = created + timedelta(days=rng.randint(0, max((anchor - created).days, 0)), hours=rng.randint(0, 9))
            custom = {c.STORY_POINTS: rng.choice((1, 2, 3, 5, 8, 13))} if kind == "Story" else {}
            due = (created + timedelta(days=rng.randint(10, 60))) if rng.random() < 0.4 else None
            epic = epics[n % len(epics)]
            self._issue(project, kind, f"{kind} {n + 1}: {rng.choice(WORK)}",
                        self._work_status(phase_index, rng.random()), _at(created, rng.randint(8, 18)),
                        _at(min(updated, anchor), rng.randint(8, 20), rng.randint(0, 59)),
                        assignee=rng.choice(team) if rng.random() < 0.9 else None, parent=epic.id,
                        custom=custom, duedate=due, priority=rng.choice(("Low", "Medium", "Medium", "High")),
                        labels=rng.sample(LABELS, rng.randint(0, 2)))
        return record

    def _issues_before(self, project: SProject, record: SIssue) -> int:
        """How many issues of the Jira project came before this project's record (other projects' issues, in a
        program's Jira project)."""
        return int(record.key.rsplit("-", 1)[1]) - 1

    def _work_status(self, phase_index: int, draw: float) -> str:
        done_share = [0.0, 0.05, 0.45, 0.85, 1.0][phase_index]
        doing_share = [0.05, 0.15, 0.3, 0.1, 0.0][phase_index]
        if draw < done_share:
            return "Done"
        return "In Progress" if draw < done_share + doing_share else "To Do"

    def _milestones(self, project: SProject, record: SIssue, window: tuple[date, date], phase_index: int,
                    team: list[str], most_slips: int = 2) -> None:
        rng, anchor = self.rng, self.state.anchor
        start, end = window
        span = (end - start).days
        for n, (phase, zh) in enumerate(c.PHASES):
            due = start + timedelta(days=int(span * (n + 1) / 5))
            done = n < phase_index or (n == phase_index and rng.random() < 0.3)
            custom: dict[str, Any] = {}
            if n >= 1:
                custom[c.PAYMENT_AMOUNT] = float(rng.choice((10, 20, 30)) * 10_000)
                custom[c.PAYMENT_STATUS] = ("Paid" if done and rng.random() < 0.7 else
                                            "Invoiced" if done else "Not invoiced")
            slips = min(rng.choice((0, 0, 1, 2)), most_slips)
            self._issue(project, "Milestone", f"M{n + 1} {phase} complete {zh}完成", "Done" if done else "To Do",
                        _at(start), _at(min(anchor, due + timedelta(days=3)) if done else anchor - timedelta(days=2)),
                        assignee=project.lead, parent=record.id, duedate=due + timedelta(days=14 * slips),
                        due_history=tuple(due + timedelta(days=14 * k) for k in range(slips)),
                        custom=custom, history_count=4 + slips)

    def _approvals(self, record: SIssue, phase_index: int) -> None:
        """The PMO approved each gate the project has passed (G2 needs two approvers in the example standard)."""
        pmo = [a for a, u in self.state.users.items() if u.name in c.PMO_MEMBERS]
        for gate in range(1, phase_index + 1):
            approvers = pmo[:2] if gate == 2 else [pmo[gate % len(pmo)]]
            for n, approver in enumerate(approvers):
                when = min(record.created + timedelta(days=35 * gate + n), _at(self.state.anchor) - timedelta(days=1))
                record.comments.append({"id": str(self.state.next_id("comment")), "author": approver,
                                        "body": f"Gate review done.\n/pmo approve G{gate}", "created": when,
                                        "updated": when})

    def _documents(self, record: SIssue, key: str, phase_index: int) -> None:
        for n, (kind, filename, phase) in enumerate(DOCUMENTS):
            needed_by = PHASE_NAMES.index(phase)
            # Present once its gate is passed; in the current phase, for about half of the projects.
            present = needed_by < phase_index or (needed_by == phase_index and (phase_index == 4 or n % 2 == 0))
            if not present or (key, kind) in MISSING_DOCUMENTS:
                continue
            created = record.created + timedelta(days=10 + 30 * needed_by)
            if n % 2 == 0:
                record.attachments.append({
                    "id": str(self.state.next_id("attachment")), "filename": filename,
                    "size": 120_000 + 1000 * n, "mimeType": "application/pdf" if filename.endswith(".pdf")
                    else "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "created": _at(min(created.date(), self.state.anchor)), "author": record.assignee})
            else:
                record.remote_links.append({
                    "id": self.state.next_id("remotelink"),
                    "url": f"/wiki/spaces/PMO/pages/{record.key if self.options.layout == 'epics' else key}-{kind}",
                    "title": filename.rsplit(".", 1)[0]})


RISKS = ["vendor delivery delay", "peak-season traffic", "payment provider outage", "data migration errors",
         "key engineer leaves", "scope creep", "regulatory change", "integration defects"]
WORK = ["checkout flow", "product detail page", "coupon engine", "inventory sync", "order API", "search index",
        "refund workflow", "courier integration", "risk scoring", "ledger export", "points redemption",
        "CMS templates", "mobile push", "A/B test", "performance budget", "accessibility fixes"]
LABELS = ["backend", "frontend", "mobile", "data", "infra", "ux", "618-campaign", "double-11"]


def _install_confluence(state: SiteState, projects: list[tuple[str, str]]) -> None:
    space = SSpace(id=str(state.next_id("space")), key="PMO", name="Project Management Office 项目管理办公室")
    state.spaces[space.key] = space
    now = _at(state.anchor - timedelta(days=100))
    admin = c.ADMIN.account_id

    def page(title: str, parent: str | None, body: str, labels: list[str] | None = None) -> SPage:
        p = SPage(id=str(state.next_id("page")), title=title, space_key=space.key, parent_id=parent, body=body,
                  version=1, created=now, updated=now, author=admin, labels=labels or [])
        state.pages[p.id] = p
        return p

    home = page("PMO Home", None, "<p>Welcome to the PMO space. 欢迎来到项目管理办公室。</p>")
    space.homepage_id = home.id
    page("Portfolio Reports", home.id, "<p>Portfolio reports are published here by pmokit.</p>")
    documents = page("Project Documents", home.id, "<p>Project documents 项目文档.</p>")
    for key, name in projects:
        project_page = page(f"{key} — {name}", documents.id, f"<p>Documents of {name}.</p>", ["project", key.lower()])
        if (key, "feasibility-study") not in MISSING_DOCUMENTS:
            page(f"{key} Feasibility Study", project_page.id, "<p>可行性研究报告</p>", ["feasibility-study"])


def load_file(state: SiteState, path: Path) -> None:
    """A seed file: ``projects`` (with an optional ``category``, the name of its project category) with their
    ``issues`` (type, summary, status, and optional fields)."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("projects"), list):
        raise ValueError(f"{path}: a seed file needs a 'projects' list")
    anchor = state.anchor
    next_id = 10001
    lead = next(iter(u for u in state.users if not u.startswith("557058")))
    for p_index, spec in enumerate(data["projects"]):
        project = SProject(id=str(10000 + p_index), key=spec["key"], name=spec.get("name", spec["key"]),
                           lead=_user_id(state, spec.get("lead")) or lead, issue_types=list(state.issue_types),
                           category=state.category(str(spec["category"])).id if spec.get("category") else "")
        state.projects[project.key] = project
        for item in spec.get("issues", []):
            status = state.status_by_name(item.get("status", "To Do"))
            if status is None:
                raise ValueError(f"{path}: unknown status {item.get('status')!r}")
            created = _at(anchor - timedelta(days=int(item.get("age_days", 30))))
            key = f"{project.key}-{project.next_number}"
            project.next_number += 1
            custom = {}
            for name, value in (item.get("fields") or {}).items():
                field = state.field_by_name(name)
                if field is None:
                    raise ValueError(f"{path}: unknown field {name!r} in {key}")
                custom[field.id] = value
            issue = SIssue(id=next_id, key=key, project_key=project.key, issue_type=item.get("type", "Task"),
                           summary=item.get("summary", key), status=status.id, created=created,
                           updated=created + timedelta(days=int(item.get("age_days", 30)) // 2),
                           reporter=project.lead, assignee=_user_id(state, item.get("assignee")),
                           description=item.get("description", ""), labels=list(item.get("labels", [])),
                           duedate=date.fromisoformat(item["due"]) if item.get("due") else None, custom=custom,
                           parent=state.keys.get(item["parent"]) if item.get("parent") else None,
                           history_seed=next_id, seeded_histories=int(item.get("histories", 0)))
            state.issues[next_id] = issue
            state.keys[key] = next_id
            next_id += 1
    _install_confluence(state, [(p.key, p.name) for p in state.projects.values()])


def _user_id(state: SiteState, ident: str | None) -> str | None:
    user = state.user(ident)
    return user.account_id if user else None
