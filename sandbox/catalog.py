"""What every sandbox site has: statuses, workflows, issue types, fields and users."""

from __future__ import annotations

from .model import SField, SIssueType, SiteState, SStatus, STransition, SUser, SWorkflow

PHASES = [("Initiation", "立项"), ("Planning", "规划"), ("Execution", "执行"), ("Acceptance", "验收"),
          ("Closure", "收尾")]

# Custom fields of the demo portfolio (ids as a Cloud site would number them).
STORY_POINTS = "customfield_10016"
BUDGET = "customfield_10100"
ACTUAL_COST = "customfield_10101"
FORECAST_COST = "customfield_10102"
SPONSOR = "customfield_10103"
BASELINE_START = "customfield_10104"
BASELINE_END = "customfield_10105"
PAYMENT_AMOUNT = "customfield_10106"
PAYMENT_STATUS = "customfield_10107"
RISK_PROBABILITY = "customfield_10108"
RISK_IMPACT = "customfield_10109"
PMO_PHASE = "customfield_10110"
PROJECT_TYPE = "customfield_10111"
RANK = "customfield_10019"

PAYMENT_STATES = ("Not invoiced", "Invoiced", "Paid")
PROJECT_TYPES = ("Standard", "Maintenance")

# Jira Cloud's default resolutions (id, name, description). A transition into a status of the done category
# has a screen with the Resolution field; "Done" is set when a transition sets none.
RESOLUTIONS = [("10000", "Done", "Work has been completed."),
               ("10001", "Won't Do", "This issue won't be actioned."),
               ("10002", "Duplicate", "The problem is a duplicate of an existing issue."),
               ("10003", "Cannot Reproduce", "All attempts at reproducing this issue failed, or not enough "
                                             "information was available to reproduce the issue.")]
DONE_RESOLUTION = "10000"

SYSTEM_FIELDS = [
    ("summary", "Summary", "string"), ("issuetype", "Issue Type", "issuetype"), ("project", "Project", "project"),
    ("status", "Status", "status"), ("priority", "Priority", "priority"), ("assignee", "Assignee", "user"),
    ("reporter", "Reporter", "user"), ("creator", "Creator", "user"), ("created", "Created", "datetime"),
    ("updated", "Updated", "datetime"), ("duedate", "Due date", "date"),
    ("resolutiondate", "Resolved", "datetime"), ("resolution", "Resolution", "resolution"),
    ("labels", "Labels", "array"), ("components", "Components", "array"), ("fixVersions", "Fix versions", "array"),
    ("description", "Description", "string"), ("parent", "Parent", "issuelink"),
    ("attachment", "Attachment", "array"), ("issuelinks", "Linked Issues", "array"),
    ("comment", "Comment", "comments-page"), ("subtasks", "Sub-tasks", "array"),
    ("statusCategory", "Status Category", "statusCategory"),
]
NOT_NAVIGABLE = {"comment"}

CUSTOM_FIELDS = [
    (STORY_POINTS, "Story Points", "number", ()), (RANK, "Rank", "any", ()),
    (BUDGET, "Budget (CNY)", "number", ()), (ACTUAL_COST, "Actual Cost (CNY)", "number", ()),
    (FORECAST_COST, "Forecast Cost (CNY)", "number", ()), (SPONSOR, "Sponsor", "string", ()),
    (BASELINE_START, "Baseline Start", "date", ()), (BASELINE_END, "Baseline End", "date", ()),
    (PAYMENT_AMOUNT, "Payment Amount (CNY)", "number", ()),
    (PAYMENT_STATUS, "Payment Status", "option", PAYMENT_STATES),
    (RISK_PROBABILITY, "Risk Probability", "number", ()), (RISK_IMPACT, "Risk Impact", "number", ()),
    (PMO_PHASE, "PMO Phase", "option", tuple(p for p, _ in PHASES)),
    (PROJECT_TYPE, "Project Type", "option", PROJECT_TYPES),
]

ADMIN = SUser("557058:0a1b2c3d-admin", "admin", "Sandbox Admin", "admin@example.com", "sandbox",
              groups=["jira-administrators", "pmo"])
BOT = SUser("557058:0a1b2c3d-pmokit", "pmokit-bot", "pmokit bot", "pmokit-bot@example.com", "sandbox-pmokit-bot",
            groups=["pmo"])

PEOPLE = [
    ("li.na", "李娜"), ("wang.wei", "王伟"), ("zhang.min", "张敏"), ("liu.yang", "刘洋"), ("chen.jing", "陈静"),
    ("yang.fan", "杨帆"), ("zhao.lei", "赵磊"), ("huang.li", "黄丽"), ("zhou.tao", "周涛"), ("wu.hao", "吴昊"),
    ("xu.jie", "徐杰"), ("sun.li", "孙丽"), ("ma.chao", "马超"), ("zhu.hong", "朱红"), ("hu.bin", "胡斌"),
    ("guo.qiang", "郭强"), ("he.yan", "何燕"), ("lin.feng", "林峰"), ("luo.ming", "罗明"), ("gao.yuan", "高远"),
    ("liang.xin", "梁欣"), ("song.jia", "宋佳"), ("zheng.kai", "郑凯"), ("xie.ning", "谢宁"), ("han.xue", "韩雪"),
    ("tang.yu", "唐宇"), ("feng.lin", "冯琳"), ("deng.hui", "邓辉"), ("cao.yi", "曹怡"), ("peng.bo", "彭博"),
]
# Program managers and the PMO approve gates.
PMO_MEMBERS = {"li.na", "wang.wei", "zhang.min"}


def account_id(index: int) -> str:
    return f"5b10ac8d82e05b22cc7d{index:04x}"


CANCELLED_ID = "10199"


def install_catalog(state: SiteState) -> None:
    """Statuses, workflows, issue types, fields, groups and users common to every seed."""
    statuses = [SStatus("10000", "To Do", "new"), SStatus("3", "In Progress", "indeterminate"),
                SStatus("10001", "In Review", "indeterminate"), SStatus("10002", "Done", "done")]
    phase_categories = ["new", "indeterminate", "indeterminate", "indeterminate", "done"]
    phase_statuses = [SStatus(str(10100 + i), name, phase_categories[i]) for i, (name, _) in enumerate(PHASES)]
    for status in statuses + phase_statuses:
        state.statuses[status.id] = status

    # Work items: simplified workflow, every status reachable from every other (global transitions).
    state.workflows["software"] = SWorkflow(
        "software", [s.id for s in statuses],
        [STransition("11", "To Do", "10000"), STransition("21", "In Progress", "3"),
         STransition("31", "In Review", "10001"), STransition("41", "Done", "10002")])
    # Project records: one phase forward or back at a time, so a skipped gate is a real 400; and Cancelled, a
    # done status any phase can go to (a project stopped for good), from which any phase can be taken up again.
    cancelled = SStatus(CANCELLED_ID, "Cancelled", "done")
    state.statuses[cancelled.id] = cancelled
    phase_ids = [s.id for s in phase_statuses]
    transitions = []
    for index, status in enumerate(phase_statuses):
        sources = (*(phase_ids[j] for j in (index - 1, index + 1) if 0 <= j < len(phase_ids)), cancelled.id)
        transitions.append(STransition(str(111 + 10 * index), status.name, status.id, sources))
    transitions.append(STransition("191", "Cancel", cancelled.id, tuple(phase_ids)))
    state.workflows["stage-gate"] = SWorkflow("stage-gate", [*phase_ids, cancelled.id], transitions)

    for type_id, name, workflow, level in [
        ("10000", "Epic", "software", 1), ("10001", "Story", "software", 0), ("10002", "Task", "software", 0),
        ("10004", "Bug", "software", 0), ("10005", "Milestone", "software", 0), ("10006", "Risk", "software", 0),
        ("10007", "Project", "stage-gate", 2),
    ]:
        state.issue_types[name] = SIssueType(type_id, name, workflow, level)

    for field_id, name, schema_type in SYSTEM_FIELDS:
        state.fields[field_id] = SField(field_id, name, False, schema_type, (field_id,),
                                        navigable=field_id not in NOT_NAVIGABLE)
    for field_id, name, schema_type, options in CUSTOM_FIELDS:
        number = field_id.rsplit("_", 1)[1]
        state.fields[field_id] = SField(field_id, name, True, schema_type, (name, f"cf[{number}]"),
                                        options=options)

    for user in (ADMIN, BOT):
        state.users[user.account_id] = SUser(**user.__dict__ | {"groups": list(user.groups)})
    for index, (name, display) in enumerate(PEOPLE):
        groups = ["jira-software-users"] + (["pmo"] if name in PMO_MEMBERS else [])
        state.users[account_id(index)] = SUser(account_id(index), name, display, f"{name}@example.com",
                                               f"sandbox-{name}", groups=groups)
    state.groups.clear()
    for user in state.users.values():
        for group in user.groups:
            state.groups.setdefault(group, []).append(user.account_id)
