"""``pmokit init``: from nothing to a working configuration for a site, on Jira Cloud and Data Center sandboxes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from config import load_settings
from pmokit.cli import cli
from sandbox import BOT_ACCOUNT_ID, BOT_EMAIL, BOT_NAME, BOT_TOKEN, Sandbox
from sandbox import catalog as c
from sandbox.seed import PROGRAMS
from tests.conftest import ANCHOR

TOKEN_VAR = "PMOKIT_INIT_TEST_TOKEN"
WEBHOOK_SECRET = "init-test-webhook-secret-4f1c"
PUBLIC_URL = "https://pmo.example.com"
ENV = {TOKEN_VAR: BOT_TOKEN, "PMOKIT_WEBHOOK_SECRET": WEBHOOK_SECRET}
FILES = ["pmokit.yaml", "portfolio.yaml", "phases.yaml", "rules.yaml", "gates.yaml", "portfolio_rules.yaml"]
DEMO_FIELDS = {"budget": "Budget (CNY)", "actual_cost": "Actual Cost (CNY)", "forecast_cost": "Forecast Cost (CNY)",
               "sponsor": "Sponsor", "story_points": "Story Points", "baseline_start": "Baseline Start",
               "baseline_end": "Baseline End", "payment_amount": "Payment Amount (CNY)",
               "payment_status": "Payment Status", "probability": "Risk Probability", "impact": "Risk Impact",
               "project_type": "Project Type"}


def failing_checks(output: str) -> set[str]:
    """The names of doctor's checks that failed (its lines ``✗ NAME …``)."""
    return {line[2:].split()[0] for line in output.splitlines() if line.startswith("✗ ")}


def init_args(sb: Sandbox, out: Path, *extra: str) -> list[str]:
    args = ["init", "--yes", "--jira-url", sb.url, "--token-env", TOKEN_VAR, "--confluence-url", sb.wiki_url,
            "--out", str(out), *extra]
    return args + (["--email", BOT_EMAIL] if sb.options.flavor == "cloud" else [])


def settings_of(out: Path):
    return load_settings([out], require_secrets=False)  # the variables are set in the commands' environment only


def assert_no_secret(text: str) -> None:
    assert BOT_TOKEN not in text and WEBHOOK_SECRET not in text


def written(out: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(out.iterdir()) if p.is_file())


@pytest.fixture
def site(request):
    jira, confluence = request.param
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor=jira, confluence_flavor=confluence) as sb:
        yield sb


@pytest.mark.parametrize("site", [("cloud", "cloud"), ("datacenter", "datacenter")], indirect=True,
                         ids=["cloud", "datacenter"])
def test_init_doctor_webhook_then_sync_check_report_work_with_no_edits(site, run_cli, tmp_path):
    """The path of docs/connect.md, on Cloud and on Data Center: init with flags, doctor (only the webhook missing,
    and the store not yet made), register the webhook twice (one webhook), doctor passes, then sync, a dry-run
    check that writes nothing to Jira and a report preview, with no edit to what init wrote."""
    site.state.user("pmokit-bot").groups.append("jira-administrators")  # it registers its own webhook
    out = tmp_path / "pmo"
    result = run_cli(*init_args(site, out, "--public-url", PUBLIC_URL), env=ENV)
    assert result.exit_code == 0, result.output
    assert_no_secret(result.output)
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, ".pmokit-init.json"])
    assert_no_secret(written(out))
    assert run_cli("--config", str(out), "config", "validate", "--strict", env=ENV).exit_code == 0

    settings = settings_of(out)
    cloud = site.options.flavor == "cloud"
    # The bot is the account the token signs in as, never the example's placeholder.
    assert (settings.jira.bot.account_id, settings.jira.bot.name) == ((BOT_ACCOUNT_ID, None) if cloud
                                                                     else (None, BOT_NAME))
    assert settings.jira.flavor == site.options.flavor
    assert settings.jira.auth.type == ("cloud" if cloud else "pat")
    secret = settings.jira.auth.api_token if cloud else settings.jira.auth.token
    assert secret.reference == f"${{{TOKEN_VAR}}}"
    assert settings.webhooks.secret.reference == "${PMOKIT_WEBHOOK_SECRET}"
    assert settings.confluence.resolved_flavor == site.options.confluence_flavor
    assert (settings.confluence.url, settings.confluence.space) == (site.wiki_url, "PMO")
    assert settings.confluence.parent_page == "Portfolio Reports"
    # The programs are the project categories, with the projects in each.
    assert [(str(p.name), p.projects) for p in settings.portfolio.programs] == [
        (str(name), [key for key, _, _ in PROGRAMS[program]])
        for program, name in (("storefront", "Digital Storefront (数字店铺)"),
                              ("fulfilment", "Supply Chain and Fulfilment (供应链与履约)"),
                              ("payments", "Payments and Finance (支付与金融)"))]
    assert [(p.id, p.statuses) for p in settings.phases] == [
        ("initiation", ["Initiation"]), ("planning", ["Planning"]), ("execution", ["Execution"]),
        ("acceptance", ["Acceptance"]), ("closure", ["Closure"])]
    assert settings.portfolio.fields == DEMO_FIELDS
    assert settings.portfolio.record_issue_type == "Project"
    assert "not mapped: nothing" in result.output
    assert settings.webhooks.public_url == PUBLIC_URL
    edited = {name: (out / name).read_bytes() for name in FILES}

    doctor = run_cli("--config", str(out), "doctor", env=ENV)
    assert doctor.exit_code == 1, doctor.output
    assert failing_checks(doctor.output) == {"webhook", "store"}, doctor.output
    assert "pmokit webhook register" in doctor.output and "pmokit db upgrade" in doctor.output
    for _ in range(2):
        registered = run_cli("--config", str(out), "webhook", "register", env=ENV)
        assert registered.exit_code == 0, registered.output
    hooks = [h for h in site.state.webhooks.values() if h.url == f"{PUBLIC_URL}/webhooks/jira"]
    assert len(hooks) == 1 and len(site.state.webhooks) == 1
    assert hooks[0].secret == WEBHOOK_SECRET
    assert run_cli("--config", str(out), "db", "upgrade", env=ENV).exit_code == 0
    doctor = run_cli("--config", str(out), "doctor", env=ENV)
    assert doctor.exit_code == 0, doctor.output
    assert "12 checks: 12 passed, 0 failed" in doctor.output

    sync = run_cli("--config", str(out), "sync", env=ENV)
    assert sync.exit_code == 0, sync.output
    assert "3000 issues" in sync.output
    check = run_cli("--config", str(out), "check", "--dry-run", "--project", "SHOP", env=ENV)
    assert check.exit_code in (0, 1), check.output  # 1: some SHOP issue has a gap (the demo has them)
    assert "dry run:" in check.output and "nothing written" in check.output
    site.reset_stats()
    again = run_cli("--config", str(out), "check", "--dry-run", "--project", "OMS", env=ENV)
    assert again.exit_code in (0, 1), again.output
    assert site.stats()["writes_total"] == 0  # Jira's own count: the dry run wrote nothing there
    preview = tmp_path / "preview"
    report = run_cli("--config", str(out), "report", "--preview", str(preview), env=ENV)
    assert report.exit_code == 0, report.output
    assert (preview / "portfolio-weekly" / "index.html").is_file()
    for output in (sync.output, check.output, report.output, doctor.output, registered.output):
        assert_no_secret(output)
    assert {name: (out / name).read_bytes() for name in FILES} == edited  # no hand edit, and none by pmokit


def test_jira_data_center_with_confluence_cloud(run_cli, tmp_path):
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor="datacenter", confluence_flavor="cloud") as sb:
        out = tmp_path / "pmo"
        result = run_cli(*init_args(sb, out, "--confluence-email", BOT_EMAIL), env=ENV)
        assert result.exit_code == 0, result.output
        settings = settings_of(out)
        assert settings.jira.auth.type == "pat" and settings.jira.bot.name == BOT_NAME
        assert settings.confluence.resolved_flavor == "cloud" and settings.confluence.auth.type == "cloud"
        assert settings.confluence.auth.email == BOT_EMAIL


def _rename(sb: Sandbox, field_id: str, name: str) -> None:
    with sb.state.lock:
        field = sb.state.fields[field_id]
        field.name = name
        field.clause_names = (name, f"cf[{field_id.rsplit('_', 1)[1]}]")


def test_fields_are_mapped_by_name_in_chinese_and_what_cannot_be_mapped_is_listed(run_cli, tmp_path):
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        _rename(sb, c.BUDGET, "预算（元）")
        _rename(sb, c.RISK_PROBABILITY, "风险概率")
        _rename(sb, c.SPONSOR, "Geldgeber")  # a name init does not know
        out = tmp_path / "pmo"
        result = run_cli(*init_args(sb, out), env=ENV)
        assert result.exit_code == 0, result.output
        fields = settings_of(out).portfolio.fields
        assert fields["budget"] == "预算（元）" and fields["probability"] == "风险概率"
        assert "sponsor" not in fields
        assert "field sponsor: no Jira field named Sponsor, Project Sponsor, 项目发起人, 发起人" in result.output
        # The rules that needed it are adapted, and say so; the configuration is still valid.
        assert "record-fields: without sponsor" in result.output
        assert "G2: without the condition 'sponsor is not empty'" in result.output
        rules = yaml.safe_load((out / "rules.yaml").read_text(encoding="utf-8"))["rules"]
        assert next(r for r in rules if r["id"] == "record-fields")["fields"] == [
            "budget", "baseline_start", "baseline_end"]
        assert "Not on the site: sponsor" in (out / "portfolio.yaml").read_text(encoding="utf-8")
        assert run_cli("--config", str(out), "config", "validate", "--strict", env=ENV).exit_code == 0

        # Named by hand, it is mapped (by id where the name is not unique).
        again = run_cli(*init_args(sb, out, "--field", "sponsor=Geldgeber"), env=ENV)
        assert again.exit_code == 0, again.output
        assert settings_of(out).portfolio.fields["sponsor"] == "Geldgeber"


def test_a_site_without_categories_is_one_program_and_chinese_statuses_are_phases(run_cli, tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("projects:\n"
                    "  - {key: ONE, issues: [{type: Project, summary: One record, status: Planning}]}\n"
                    "  - {key: TWO, issues: [{type: Task, summary: A task}]}\n"
                    "  - {key: THREE}\n", encoding="utf-8")
    with Sandbox.start(seed=str(seed), anchor=ANCHOR) as sb:
        with sb.state.lock:  # the site names its phase statuses in Chinese
            for status in list(sb.state.statuses.values()):
                chinese = dict(c.PHASES).get(status.name)
                if chinese:
                    sb.state.statuses[status.id] = dataclasses.replace(status, name=chinese)
        out = tmp_path / "pmo"
        result = run_cli(*init_args(sb, out, "--project", "one", "--project", "TWO"), env=ENV)
        assert result.exit_code == 0, result.output
        settings = settings_of(out)
        assert [(p.key, p.projects) for p in settings.portfolio.programs] == [("portfolio", ["ONE", "TWO"])]
        assert "(no project categories)" in result.output
        assert [(p.id, p.statuses) for p in settings.phases] == [
            ("initiation", ["立项"]), ("planning", ["规划"]), ("execution", ["执行"]), ("acceptance", ["验收"]),
            ("closure", ["收尾"])]
        assert settings.language == "zh"  # the phase statuses are Chinese
        assert run_cli("--config", str(out), "config", "validate", "--strict", env=ENV).exit_code == 0


def test_a_phase_no_status_means_is_left_out_with_its_gates(run_cli, tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("projects:\n  - {key: ONE, issues: [{type: Project, summary: One record, status: Planning}]}\n",
                    encoding="utf-8")
    with Sandbox.start(seed=str(seed), anchor=ANCHOR) as sb:
        with sb.state.lock:
            status = next(s for s in sb.state.statuses.values() if s.name == "Acceptance")
            sb.state.statuses[status.id] = dataclasses.replace(status, name="Sign-off")
        out = tmp_path / "pmo"
        result = run_cli(*init_args(sb, out), env=ENV)
        assert result.exit_code == 0, result.output
        settings = settings_of(out)
        assert [p.id for p in settings.phases] == ["initiation", "planning", "execution", "closure"]
        assert "phase acceptance: no status of Project means it; the phase and its gates are left out" in result.output
        assert "left out rule G3: it leads from execution to acceptance" in result.output
        assert "left out rule G4: it leads from acceptance to closure" in result.output
        gates = {r.id for r in settings.rules if r.kind == "gate"}
        assert gates == {"G1", "G2", "GM"}
        children = next(r for r in settings.rules if r.id == "record-children")
        assert children.scope.phases == ["planning", "execution", "closure"]
        assert "Sign-off" in result.output  # a status of the record that means no phase is named
        assert run_cli("--config", str(out), "config", "validate", "--strict", env=ENV).exit_code == 0


def test_running_init_again_leaves_an_edited_file_alone_unless_forced(run_cli, tmp_path):
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        out = tmp_path / "pmo"
        assert run_cli(*init_args(sb, out), env=ENV).exit_code == 0
        rules = out / "rules.yaml"
        edited = rules.read_text(encoding="utf-8").replace("severity: warning", "severity: error", 1)
        rules.write_text(edited, encoding="utf-8")
        portfolio_before = (out / "portfolio.yaml").read_text(encoding="utf-8")
        _rename(sb, c.BUDGET, "预算")  # the site changed since: the unedited portfolio.yaml follows it

        again = run_cli(*init_args(sb, out), env=ENV)
        assert again.exit_code == 0, again.output
        assert f"kept {rules}: edited since pmokit init wrote it (--force overwrites it)" in again.output
        assert rules.read_text(encoding="utf-8") == edited
        portfolio_after = (out / "portfolio.yaml").read_text(encoding="utf-8")
        assert portfolio_after != portfolio_before and "budget: 预算" in portfolio_after
        assert "unchanged pmokit.yaml, phases.yaml, gates.yaml, portfolio_rules.yaml" in again.output

        third = run_cli(*init_args(sb, out), env=ENV)  # still edited: still kept
        assert f"kept {rules}: edited since" in third.output and rules.read_text(encoding="utf-8") == edited

        forced = run_cli(*init_args(sb, out, "--force"), env=ENV)
        assert forced.exit_code == 0, forced.output
        assert "wrote rules.yaml" in forced.output and rules.read_text(encoding="utf-8") != edited


def test_a_configuration_init_did_not_write_is_never_overwritten(run_cli, tmp_path):
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        out = tmp_path / "pmo"
        out.mkdir()
        (out / "pmokit.yaml").write_text("# mine\n", encoding="utf-8")
        result = run_cli(*init_args(sb, out), env=ENV)
        assert f"kept {out / 'pmokit.yaml'}: not written by pmokit init (--force overwrites it)" in result.output
        assert (out / "pmokit.yaml").read_text(encoding="utf-8") == "# mine\n"
        assert (out / "portfolio.yaml").is_file()


def test_interactive_init_asks_with_the_proposals_as_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("PMOKIT_CONFIG", raising=False)
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        _rename(sb, c.PAYMENT_STATUS, "Stato pagamento")
        out = tmp_path / "pmo"
        answers = [sb.url, "", BOT_EMAIL, TOKEN_VAR,  # Jira: URL, flavour (as found), email, token variable
                   "", "", "", "", "",  # Confluence: URL, email, token variable, space, parent page: as proposed
                   "pmo.example.com", PUBLIC_URL,  # the public URL: not a URL, then one
                   "no such field", "Stato pagamento",  # payment_status: a field Jira lacks, then one it has
                   "", "zh", "y"]  # the PMO's group as found, Chinese, write
        result = CliRunner().invoke(cli, ["init", "--interactive", "--out", str(out)], env=ENV,
                                    input="\n".join(answers) + "\n", catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "Jira flavour (cloud, datacenter) [cloud]:" in result.output
        assert f"Confluence URL (Enter: none) [{sb.url}/wiki]:" in result.output
        assert f"Environment variable holding the bot's Confluence API token [{TOKEN_VAR}]:" in result.output
        assert "Confluence space of the reports [PMO]:" in result.output
        assert "Page the reports hang under (Enter: none) [Portfolio Reports]:" in result.output
        assert "Jira has no field 'no such field'" in result.output
        assert "Group whose members approve gates [pmo]:" in result.output
        assert "Language of comments and pages (en, zh) [en]:" in result.output
        settings = settings_of(out)
        assert settings.language == "zh" and settings.portfolio.fields["payment_status"] == "Stato pagamento"
        assert settings.jira.bot.account_id == BOT_ACCOUNT_ID
        assert "'pmo.example.com' is not an http:// or https:// URL" in result.output
        assert settings.webhooks.public_url == PUBLIC_URL
        assert_no_secret(result.output)
        assert_no_secret(written(out))


@pytest.mark.parametrize("args, flag", [
    ([], "--jira-url"),
    (["--token-env", TOKEN_VAR], "--email"),
    (["--email", BOT_EMAIL], "--token-env"),
    (["--email", BOT_EMAIL, "--token-env", "PMOKIT_INIT_UNSET"], "--token-env: environment variable "
                                                                 "PMOKIT_INIT_UNSET is not set"),
    (["--email", BOT_EMAIL, "--token-env", TOKEN_VAR, "--field", "budgte=Budget"], "--field"),
])
def test_without_a_terminal_a_missing_value_is_one_line_naming_its_flag(sandbox, run_cli, tmp_path, args, flag):
    base = [] if not args and flag == "--jira-url" else ["--jira-url", sandbox.url]
    result = run_cli("init", "--out", str(tmp_path / "pmo"), *base, *args, env=ENV)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and flag in lines[0], result.output
    assert not (tmp_path / "pmo").exists()
    assert_no_secret(result.output)


def test_a_wrong_token_is_refused_without_showing_it(sandbox, run_cli, tmp_path):
    result = run_cli(*init_args(sandbox, tmp_path / "pmo"), env={**ENV, TOKEN_VAR: "not-the-token-9d2e"})
    assert result.exit_code == 3, result.output
    assert "Jira refused the credentials" in result.output and TOKEN_VAR in result.output
    assert "not-the-token-9d2e" not in result.output
