"""``pmokit doctor`` against sandbox sites, Cloud and Data Center: everything in place passes; each broken thing is
named with its fix, and one check failing or raising never stops the others."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from config import DEFAULT_CONFIG, load_settings
from pmokit.cli.sandbox_config import sandbox_config
from pmokit.store import open_store
from sandbox import BOT_ACCOUNT_ID, BOT_NAME, Sandbox
from tests.conftest import ANCHOR, WEBHOOK_FIXTURES
from webhooks.app import create_app
from webhooks.signature import sign

PUBLIC_URL = "https://pmo.example.com"
HOOK_URL = f"{PUBLIC_URL}/webhooks/jira"
# The events README's deployment steps register (what pmokit handles).
EVENTS = ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created", "comment_updated",
          "comment_deleted"]
CHECKS = ["jira", "bot", "permissions", "fields", "statuses", "reverts", "approvers", "confluence", "webhook", "store",
          "clock", "timezone"]


def _bot_administers_jira(sb: Sandbox) -> Sandbox:
    """Reading Jira's webhooks takes Administer Jira (the webhooks plugin's admin-only filter): these sites give
    pmokit's account that right, as a site does whose bot registers its own webhook."""
    sb.state.user("pmokit-bot").groups.append("jira-administrators")
    return sb


@pytest.fixture(params=["cloud", "datacenter"])
def any_site(request):
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor=request.param, confluence_flavor=request.param) as sb:
        yield _bot_administers_jira(sb)


@pytest.fixture
def cloud_site():
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        yield _bot_administers_jira(sb)


def configure(run_cli, sb: Sandbox, directory: Path, *replacements: tuple[str, str], migrate: bool = True) -> Path:
    """The sandbox's configuration (``pmokit sandbox config``'s) with this instance's public URL, edited by
    ``replacements``; its store migrated by ``pmokit db upgrade``."""
    text = sandbox_config(sb.url, flavor=sb.options.flavor, store=f"sqlite:///{directory / 'store.db'}",
                          confluence_flavor=sb.options.confluence_flavor)
    text = text.replace("  path: /webhooks/jira\n", f"  path: /webhooks/jira\n  public_url: {PUBLIC_URL}\n", 1)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = directory / "pmokit.yaml"
    path.write_text(text, encoding="utf-8")
    if migrate:
        assert run_cli("--config", str(path), "db", "upgrade").exit_code == 0
    return path


def register(sb: Sandbox, url: str = HOOK_URL, events: list[str] = EVENTS) -> None:
    hook = {"name": "pmokit", "url": url, "events": events, "secret": "sandbox"}
    assert sb.session().post(f"{sb.url}/rest/webhooks/1.0/webhook", json=hook).status_code == 201


def lines(output: str) -> dict[str, list[str]]:
    """Each check's line and the lines under it (its warnings and fix), by check name."""
    found: dict[str, list[str]] = {}
    current = ""
    for line in output.splitlines():
        if line[:2] in ("✓ ", "✗ "):
            current = line[2:].split()[0]
            found[current] = [line]
        elif line.startswith("  ") and current:
            found[current].append(line)
    return found


def failing(output: str) -> set[str]:
    return {name for name, block in lines(output).items() if block[0].startswith("✗")}


def test_everything_in_place_passes_on_cloud_and_data_center(run_cli, any_site, tmp_path):
    register(any_site)
    result = run_cli("--config", str(configure(run_cli, any_site, tmp_path)), "doctor")
    assert result.exit_code == 0, result.output
    shown = lines(result.output)
    assert list(shown) == CHECKS
    assert all(block[0].startswith("✓") for block in shown.values()), result.output
    assert "12 checks: 12 passed, 0 failed" in result.output
    assert "signed in as pmokit bot" in shown["jira"][0]
    assert HOOK_URL in shown["webhook"][0]
    assert "Portfolio Reports" in shown["confluence"][0]


def test_json_is_a_list_of_check_ok_detail_fix(run_cli, cloud_site, tmp_path):
    path = configure(run_cli, cloud_site, tmp_path)  # no webhook registered: one check fails
    result = run_cli("--config", str(path), "doctor", "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.output)
    assert [f["check"] for f in findings] == CHECKS
    assert all(set(f) == {"check", "ok", "detail", "fix"} for f in findings)
    by_name = {f["check"]: f for f in findings}
    assert by_name["webhook"]["ok"] is False and HOOK_URL in by_name["webhook"]["fix"]
    assert all(f["ok"] and f["fix"] is None for name, f in by_name.items() if name != "webhook")
    register(cloud_site)
    again = run_cli("--config", str(path), "doctor", "--format", "json")
    assert again.exit_code == 0 and all(f["ok"] for f in json.loads(again.output))


def test_a_bot_without_transition_issues_on_a_project_is_named_with_the_fix(run_cli, cloud_site, tmp_path):
    """(a) The sandbox takes Transition Issues away from pmokit's account on SHOP (whose record is in Execution):
    Jira reports it missing, and offers the account no transition there, so no gate can move SHOP-1 back."""
    register(cloud_site)
    cloud_site.revoke_permission(BOT_NAME, "SHOP", "TRANSITION_ISSUES")
    result = run_cli("--config", str(configure(run_cli, cloud_site, tmp_path)), "doctor")
    assert result.exit_code == 1
    assert failing(result.output) == {"permissions", "reverts"}
    permissions = "\n".join(lines(result.output)["permissions"])
    assert "SHOP: Transition Issues (TRANSITION_ISSUES)" in permissions
    assert "fix: grant pmokit's account these permissions in the permission scheme of SHOP" in permissions
    reverts = "\n".join(lines(result.output)["reverts"])
    assert "G1 cannot move SHOP-1 from Execution back to Initiation" in reverts
    assert "Transition Issues" in reverts and "fix:" in reverts


def test_a_mapped_field_renamed_in_jira_is_named_with_its_new_name(run_cli, cloud_site, tmp_path):
    """(b) An administrator renames the custom field Sponsor (Cloud's "Update custom field"): the configuration's
    field map names a field Jira no longer has."""
    register(cloud_site)
    renamed = cloud_site.session().put(f"{cloud_site.url}/rest/api/3/field/customfield_10103",
                                       json={"name": "Project Sponsor"})
    assert renamed.status_code == 204
    result = run_cli("--config", str(configure(run_cli, cloud_site, tmp_path)), "doctor")
    assert result.exit_code == 1
    assert failing(result.output) == {"fields"}
    block = "\n".join(lines(result.output)["fields"])
    assert "portfolio.fields.sponsor: Jira has no field 'Sponsor'" in block
    assert "fix: set portfolio.fields.sponsor to the field as Jira names it now ('Project Sponsor', or its id " \
           "customfield_10103" in block
    assert "pmokit.yaml:" in block  # where the configuration says it


def test_the_examples_placeholder_bot_id_is_caught_with_the_real_id(run_cli, cloud_site, tmp_path):
    """(c) The example configuration's ``jira.bot.account_id`` left in: pmokit would take its own comment edits for
    a person's. The fix is the id Jira's ``myself`` gives."""
    placeholder = yaml.safe_load(Path(DEFAULT_CONFIG).read_text(encoding="utf-8"))["jira"]["bot"]["account_id"]
    register(cloud_site)
    path = configure(run_cli, cloud_site, tmp_path, (f"account_id: {BOT_ACCOUNT_ID}", f"account_id: {placeholder}"))
    result = run_cli("--config", str(path), "doctor")
    assert result.exit_code == 1
    assert failing(result.output) == {"bot"}
    block = "\n".join(lines(result.output)["bot"])
    assert placeholder in block and "placeholder" in block
    assert "its own comment edits for a person's" in block
    assert f"fix: set jira.bot.account_id: {BOT_ACCOUNT_ID}" in block


def test_a_wrong_bot_name_on_data_center_is_caught_with_the_real_name(run_cli, tmp_path):
    """(c) on Data Center, where pmokit's events name its account by user name."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor="datacenter", confluence_flavor="datacenter") as sb:
        register(_bot_administers_jira(sb))
        path = configure(run_cli, sb, tmp_path, (f"name: {BOT_NAME}", "name: jira-robot"))
        result = run_cli("--config", str(path), "doctor")
    assert result.exit_code == 1
    assert failing(result.output) == {"bot"}
    block = "\n".join(lines(result.output)["bot"])
    assert "jira.bot is jira-robot" in block and f"fix: set jira.bot.name: {BOT_NAME}" in block


def test_no_webhook_for_this_instance_is_named_with_how_to_register_it(run_cli, cloud_site, tmp_path):
    """(d) Jira has no webhook calling ``webhooks.public_url`` + ``webhooks.path`` (one for another address)."""
    register(cloud_site, url="https://old-pmo.example.com/webhooks/jira")
    result = run_cli("--config", str(configure(run_cli, cloud_site, tmp_path)), "doctor")
    assert result.exit_code == 1
    assert failing(result.output) == {"webhook"}
    block = "\n".join(lines(result.output)["webhook"])
    assert f"no webhook in Jira calls {HOOK_URL}" in block and "old-pmo.example.com" in block
    assert "fix: run pmokit webhook register" in block and "/rest/webhooks/1.0/webhook" in block
    assert all(event in block for event in EVENTS)


def test_a_webhook_without_the_comment_events_is_named(run_cli, cloud_site, tmp_path):
    register(cloud_site, events=EVENTS[:3])
    result = run_cli("--config", str(configure(run_cli, cloud_site, tmp_path)), "doctor")
    assert failing(result.output) == {"webhook"}
    assert "does not send comment_created, comment_updated, comment_deleted" in lines(result.output)["webhook"][0]


def test_no_public_url_says_which_key_to_set(run_cli, cloud_site, tmp_path):
    register(cloud_site)
    path = configure(run_cli, cloud_site, tmp_path, (f"  public_url: {PUBLIC_URL}\n", ""))
    result = run_cli("--config", str(path), "doctor")
    assert failing(result.output) == {"webhook"}
    assert "fix: set webhooks.public_url" in "\n".join(lines(result.output)["webhook"])


def test_a_bot_that_may_not_list_webhooks_passes_once_a_signed_delivery_arrived(run_cli, tmp_path):
    """Listing Jira's webhooks takes Administer Jira, which most bots do not hold: doctor fails the check with who
    can fix it until a delivery signed with webhooks.secret has reached this instance's receiver; then it passes,
    saying which events it could not see."""
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        register(sb)  # by an administrator; the bot stays a plain user
        path = configure(run_cli, sb, tmp_path)
        before = run_cli("--config", str(path), "doctor")
        assert before.exit_code == 1 and failing(before.output) == {"webhook"}
        block = "\n".join(lines(before.output)["webhook"])
        assert "may not read Jira's webhooks (that takes Administer Jira) (no delivery in the store yet)" in block
        assert "fix: ask a Jira administrator to run pmokit webhook register" in block and HOOK_URL in block

        settings = load_settings([path])
        store = open_store(settings.store.url, settings.base_dir)
        body = (WEBHOOK_FIXTURES / "webhook-cloud-comment-created.json").read_bytes()
        client = create_app(settings, store.sessions).test_client()
        answer = client.post(settings.webhooks.path, data=body, headers={
            "Content-Type": "application/json", "X-Hub-Signature": sign("sandbox", body)})
        store.engine.dispose()
        assert answer.status_code in (200, 202), answer.get_data(as_text=True)
        after = run_cli("--config", str(path), "doctor")
        # Without a secret the inbox may hold unsigned deliveries: they prove nothing.
        unsigned = run_cli("--config", str(path), "doctor", env={"PMOKIT_WEBHOOK_SECRET": ""})
    assert after.exit_code == 0, after.output
    block = "\n".join(lines(after.output)["webhook"])
    assert "but a signed delivery arrived" in block and "a webhook calls this instance" in block
    assert "warning: which events it sends cannot be read without Administer Jira" in block
    assert unsigned.exit_code == 1 and failing(unsigned.output) == {"webhook"}
    assert "webhooks.secret" in lines(unsigned.output)["webhook"][0] and "is empty" in unsigned.output


def test_checks_that_cannot_ask_fail_alone_and_the_others_run(run_cli, cloud_site, tmp_path):
    """Confluence does not answer (nothing listens at its URL) and Jira answers 503 to every read of a project's
    statuses: those two checks fail with the reason, each after a short retry; every other check still runs and
    passes."""
    register(cloud_site)
    cloud_site.set_faults(after_applying=[{"match": "GET /rest/api/{version}/project/{id_or_key}/statuses",
                                           "answer": "503"}])
    path = configure(run_cli, cloud_site, tmp_path, (f"url: {cloud_site.url}/wiki", "url: http://127.0.0.1:9/wiki"))
    result = run_cli("--config", str(path), "doctor", "--give-up-after", "1")
    assert result.exit_code == 1
    assert failing(result.output) == {"confluence", "statuses"}
    shown = lines(result.output)
    assert list(shown) == CHECKS
    assert "could not be checked" in shown["confluence"][0] and "127.0.0.1:9" in shown["confluence"][0]
    assert "fix: check that http://127.0.0.1:9/wiki is reachable" in "\n".join(shown["confluence"])
    assert "HTTP 503" in shown["statuses"][0]


def test_refused_credentials_fail_with_the_fix_and_no_secret_shown(run_cli, cloud_site, tmp_path):
    register(cloud_site)
    path = configure(run_cli, cloud_site, tmp_path)
    result = run_cli("--config", str(path), "doctor", "--give-up-after", "1",
                     env={"PMOKIT_SANDBOX_TOKEN": "not-the-token-3141", "PMOKIT_WEBHOOK_SECRET": "hook-secret-2718"})
    assert result.exit_code == 1
    assert "not-the-token-3141" not in result.output and "hook-secret-2718" not in result.output
    shown = lines(result.output)
    assert "Jira refused the credentials" in shown["jira"][0]
    assert "fix: check jira.auth" in "\n".join(shown["jira"])
    assert {"jira", "confluence"} <= failing(result.output)
    assert not {"store", "timezone"} & failing(result.output)


def test_a_store_not_yet_created_and_a_misspelt_time_zone(run_cli, cloud_site, tmp_path):
    """Nothing is created or migrated by the doctor: it says to run ``pmokit db upgrade``. A misspelt time zone
    is refused when the configuration loads (before any check), at its line, with what was meant."""
    register(cloud_site)
    path = configure(run_cli, cloud_site, tmp_path, migrate=False)
    result = run_cli("--config", str(path), "doctor")
    assert failing(result.output) == {"store"}
    assert "fix: run pmokit db upgrade" in "\n".join(lines(result.output)["store"])
    assert not (tmp_path / "store.db").exists()
    (tmp_path / "tz").mkdir()
    misspelt = configure(run_cli, cloud_site, tmp_path / "tz", ("timezone: Asia/Shanghai", "timezone: Asia/Shangai"),
                         migrate=False)
    refused = run_cli("--config", str(misspelt), "doctor")
    assert refused.exit_code == 2 and "Asia/Shangai" in refused.output and "Asia/Shanghai" in refused.output


def test_warnings_are_shown_and_do_not_fail(run_cli, cloud_site, tmp_path):
    """A project without a record (deleted by an administrator) leaves no transitions to read there: a warning,
    counted apart from the failures."""
    register(cloud_site)
    assert cloud_site.session().delete(f"{cloud_site.url}/rest/api/3/issue/LOY-1").status_code == 204
    result = run_cli("--config", str(configure(run_cli, cloud_site, tmp_path)), "doctor")
    assert result.exit_code == 0, result.output
    assert "  warning: LOY has no Project to read transitions from" in lines(result.output)["reverts"]
    assert "12 checks: 12 passed, 0 failed; 1 warning(s), which do not count as failures" in result.output
    as_json = json.loads(run_cli("--config", str(tmp_path / "pmokit.yaml"), "doctor", "--format", "json").output)
    assert "warning: LOY has no Project" in next(f for f in as_json if f["check"] == "reverts")["detail"]


def test_a_governed_project_jira_does_not_have(run_cli, cloud_site, tmp_path):
    register(cloud_site)
    path = configure(run_cli, cloud_site, tmp_path, ("    - LOY\n", "    - LOY\n    - NOPE\n"))
    result = run_cli("--config", str(path), "doctor")
    assert result.exit_code == 1
    assert {"permissions", "statuses"} <= failing(result.output)
    shown = lines(result.output)
    assert "NOPE: the project itself" in shown["permissions"][0]
    assert "Jira has no project NOPE" in shown["statuses"][0]
