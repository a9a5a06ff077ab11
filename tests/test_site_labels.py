"""Labels as Jira and Confluence take them.

Sources:
- Confluence: its own label code, `com.atlassian.confluence.labels.LabelParser` (invalid characters
  `: ; , . ? & [ ] ( ) # ^ * @ !  < >` and any whitespace, `MAX_LABEL_NAME_LENGTH = 255`) and
  `com.atlassian.confluence.util.LabelUtil` (`LABEL_DELIM_CHARS = " ,"`: a label text is split at spaces and
  commas), as decompiled in public repositories; what Confluence Cloud's REST API did with a space, recorded in
  n8n-io/n8n#37002 (`new abc` sent to `POST /wiki/rest/api/content/{id}/label` came back as the two labels `new`
  and `abc`, with 200); Atlassian's change notice "Update to POST /wiki/rest/api/content/{id}/label"
  (community.developer.atlassian.com/t/45320) and the v1 OpenAPI description: a label "with invalid characters or
  too many characters" is a 400 (the whole request). Confluence lower-cases labels.
- Jira: `com.atlassian.jira.issue.label.LabelParser` (`MAX_LABEL_LENGTH = 255`, a space is invalid) and the 400
  real sites answer, recorded in projectdiscovery/nuclei#1689 and prometheus-community/jiralert#108:
  `{"errorMessages":[],"errors":{"labels":"The label 'Severity: high' contains spaces which is invalid."}}`; the
  length message as Jira's own tests assert it ("… exceeds the maximum length for a single label of 255
  characters.").

pmokit reads labels the PMO names in its YAML (`scope.labels` of a rule: Jira; `documents[].confluence_label`:
Confluence). One with a space was taken and matched nothing on a real site, ever: the rule never applied, or the
document was never found and every project was told it was missing. `pmokit config validate` now refuses it, at
its line, with the reason.
"""

from __future__ import annotations

import re

from tests.test_config_validate import GOOD, problems

LABEL = "/wiki/rest/api/content/{id}/label"


def _page(sb) -> str:
    return next(p.id for p in sb.state.pages.values() if p.title == "Portfolio Reports")


def test_confluence_splits_at_spaces_and_refuses_other_characters(fresh_sandbox):
    sb = fresh_sandbox
    session, page = sb.session(), _page(sb)
    url = f"{sb.url}{LABEL.format(id=page)}"
    split = session.post(url, json=[{"prefix": "global", "name": "Feasibility Study"}], timeout=10)
    assert split.status_code == 200
    names = {label["name"] for label in split.json()["results"]}
    assert {"feasibility", "study"} <= names and "feasibility study" not in names
    for bad in ("v1.0", "risk:high", "a&b", "why?", "(draft)", "tab\there", "x" * 256):
        refused = session.post(url, json=[{"prefix": "global", "name": "fine"}, {"prefix": "global", "name": bad}],
                               timeout=10)
        assert refused.status_code == 400, bad
        assert refused.json()["statusCode"] == 400 and refused.json()["message"]
    assert "fine" not in sb.state.pages[page].labels  # a refused request adds none of its labels


def test_jira_refuses_a_label_with_a_space(fresh_sandbox):
    sb = fresh_sandbox
    session = sb.session()
    issue = sb.state.issue("SHOP-2")
    before = list(issue.labels)
    for body in ({"update": {"labels": [{"add": "needs review"}]}}, {"fields": {"labels": ["needs review"]}},
                 {"fields": {"summary": "renamed", "labels": ["ok", "needs review"]}}):
        answer = session.put(f"{sb.url}/rest/api/2/issue/SHOP-2", json=body, timeout=10)
        assert answer.status_code == 400
        assert answer.json() == {"errorMessages": [],
                                 "errors": {"labels": "The label 'needs review' contains spaces which is invalid."}}
    assert issue.labels == before and issue.summary != "renamed"  # nothing of a refused edit is applied
    long = session.put(f"{sb.url}/rest/api/3/issue/SHOP-2", json={"update": {"labels": [{"add": "x" * 256}]}},
                       timeout=10)
    assert long.status_code == 400 and "exceeds the maximum length" in long.json()["errors"]["labels"]
    assert session.put(f"{sb.url}/rest/api/2/issue/SHOP-2", json={"update": {"labels": [{"add": "needs-review"}]}},
                       timeout=10).status_code == 204


RULES = """\
rules:
  - id: study
    kind: documents
    scope:
      labels: [strategic, needs review]
    documents:
      - name: feasibility study
        confluence_label: {label}
"""


def test_validate_refuses_labels_no_site_can_carry(run_cli, write_yaml):
    path = write_yaml("pmokit.yaml", GOOD + RULES.format(label="Feasibility Study"))
    result = run_cli("config", "validate", str(path), env={"PMOKIT_TEST_TOKEN": "x"})
    assert result.exit_code == 2, result.output
    found = {ypath: (line, column, message) for line, column, ypath, message in problems(result.output)}
    line, column, message = found["rules[0].scope.labels[1]"]
    assert (line, column) == (27, 27)
    assert message.startswith("'needs review' cannot be a Jira label: Jira refuses labels with spaces")
    assert "'needs-review'" in message
    line, column, message = found["rules[0].documents[0].confluence_label"]
    assert (line, column) == (30, 27)
    assert "Confluence splits a label at spaces and commas (into 2 labels)" in message
    assert "'feasibility-study'" in message  # as Confluence would show it: lower case
    assert str(path) in result.output


def test_validate_refuses_characters_confluence_refuses(run_cli, write_yaml):
    path = write_yaml("pmokit.yaml", GOOD + RULES.format(label="study:v1.0").replace(", needs review", ""))
    result = run_cli("config", "validate", str(path), env={"PMOKIT_TEST_TOKEN": "x"})
    assert result.exit_code == 2, result.output
    [(_, _, ypath, message)] = problems(result.output)
    assert ypath == "rules[0].documents[0].confluence_label"
    assert re.search(r"Confluence refuses labels with \. :", message), message
    fixed = write_yaml("fixed.yaml", GOOD + RULES.format(label="feasibility-study").replace(", needs review", ""))
    assert run_cli("config", "validate", str(fixed), env={"PMOKIT_TEST_TOKEN": "x"}).exit_code == 0
