"""`pmokit webhook register|list|delete`: pmokit's admin webhook in Jira, on Cloud and on Data Center.

register asks for the events the receiver acts on (webhooks.events.HANDLED_EVENTS), the portfolio's projects as
the JQL filter and webhooks.secret, at PUBLIC_URL + webhooks.path (--url, else webhooks.public_url). Run twice it
leaves one webhook, and says whether it made, changed or left it; Jira never shows the secret, so a changed
secret is found through the fingerprint pmokit kept of the one it gave.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
import yaml

from pmokit.cli.sandbox_config import sandbox_config
from sandbox.server import ADMIN_EMAIL, ADMIN_TOKEN
from tests.receiver import Receiver
from webhooks.events import HANDLED_EVENTS

SECRET = "register-secret-1"
BASE = "/rest/webhooks/1.0/webhook"


@pytest.fixture(params=["cloud", "datacenter"])
def site(request):
    return request.getfixturevalue("fresh_sandbox" if request.param == "cloud" else "dc_sandbox")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def config_for(sb, directory: Path, *, admin: bool = True, public_url: str | None = None) -> Path:
    """The sandbox configuration, calling Jira as the site's admin (registering webhooks is an admin's), the
    webhook secret from PMOKIT_TEST_HOOK_SECRET."""
    data = yaml.safe_load(sandbox_config(sb.url, flavor=sb.options.flavor, store=f"sqlite:///{directory / 's.db'}",
                                         confluence_flavor=sb.options.confluence_flavor))
    if admin:
        token = f"${{PMOKIT_TEST_ADMIN:-{ADMIN_TOKEN}}}"
        data["jira"]["auth"] = ({"type": "cloud", "email": ADMIN_EMAIL, "api_token": token}
                                if sb.options.flavor == "cloud" else {"type": "pat", "token": token})
    data["webhooks"]["secret"] = "${PMOKIT_TEST_HOOK_SECRET}"
    if public_url:
        data["webhooks"]["public_url"] = public_url
    path = directory / "pmokit.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def hooks(sb) -> list[dict]:
    return sb.session().get(f"{sb.url}{BASE}").json()


def test_register_is_idempotent_and_updates_what_differs(site, tmp_path, run_cli, receiver, monkeypatch):
    monkeypatch.setenv("PMOKIT_TEST_HOOK_SECRET", SECRET)
    config = str(config_for(site, tmp_path))
    public = receiver.url.removesuffix("/hook")
    first = run_cli("--config", config, "webhook", "register", "--url", public)
    assert first.exit_code == 0, first.output
    assert first.output.startswith("registered: ")
    [hook] = hooks(site)
    assert hook["url"] == f"{public}/webhooks/jira"
    assert hook["events"] == list(HANDLED_EVENTS)
    keys = "SHOP, MOB, SRCH, CMS, WMS, OMS, LOG, RET, PAY, RISK, FIN, LOY"  # the example portfolio's, in order
    assert hook["filters"] == {"issue-related-events-section": f"project in ({keys})"}
    assert hook["name"].startswith("pmokit (")
    again = run_cli("--config", config, "webhook", "register", "--url", public)
    assert again.exit_code == 0 and again.output.startswith("unchanged: "), again.output
    assert len(hooks(site)) == 1
    # Jira signs what it sends with the secret pmokit gave it.
    site.session().put(f"{site.url}/rest/api/2/issue/SHOP-3", json={"fields": {"labels": ["hooked"]}})
    assert site.flush_webhooks(10)
    delivery = receiver.received[0]
    assert delivery.path == "/webhooks/jira"
    assert delivery.headers["X-Hub-Signature"] == "sha256=" + hmac.new(SECRET.encode(), delivery.body,
                                                                       hashlib.sha256).hexdigest()
    # Someone narrows the events in Jira: register puts them back, and says what it changed.
    narrowed = {**hook, "events": ["jira:issue_created"]}
    assert site.session().put(hook["self"], json=narrowed).status_code == 200
    fixed = run_cli("--config", config, "webhook", "register", "--url", public)
    assert fixed.exit_code == 0 and fixed.output.startswith("updated: ") and "(events)" in fixed.output, fixed.output
    assert hooks(site)[0]["events"] == list(HANDLED_EVENTS)
    # A new secret cannot be seen in Jira, but pmokit knows it did not give this one.
    monkeypatch.setenv("PMOKIT_TEST_HOOK_SECRET", "register-secret-2")
    rotated = run_cli("--config", config, "webhook", "register", "--url", public)
    assert rotated.exit_code == 0 and "(secret)" in rotated.output, rotated.output
    assert "register-secret" not in rotated.output
    receiver.received.clear()
    site.session().put(f"{site.url}/rest/api/2/issue/SHOP-3", json={"fields": {"labels": ["rotated"]}})
    assert site.flush_webhooks(10)
    assert receiver.received[0].headers["X-Hub-Signature"] == "sha256=" + hmac.new(
        b"register-secret-2", receiver.received[0].body, hashlib.sha256).hexdigest()
    assert len(hooks(site)) == 1


def test_public_url_from_the_configuration_and_list_and_delete(site, tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("PMOKIT_TEST_HOOK_SECRET", SECRET)
    config = str(config_for(site, tmp_path, public_url="https://pmokit.example.com"))
    other = site.session().post(f"{site.url}{BASE}", json={"name": "CI bridge", "url": "https://ci.example.com/jira",
                                                          "events": ["jira:issue_created"], "secret": "theirs"})
    assert other.status_code == 201
    made = run_cli("--config", config, "webhook", "register")
    assert made.exit_code == 0, made.output
    assert "-> https://pmokit.example.com/webhooks/jira" in made.output
    # --url wins over webhooks.public_url.
    elsewhere = run_cli("--config", config, "webhook", "register", "--url", "https://pmokit2.example.com/")
    assert elsewhere.exit_code == 0 and "-> https://pmokit2.example.com/webhooks/jira" in elsewhere.output
    listed = run_cli("--config", config, "webhook", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[-1] == "3 webhook(s), 2 of them pmokit's"
    assert any(line.startswith("other   CI bridge  https://ci.example.com/jira  [jira:issue_created]  enabled")
               for line in lines), listed.output
    assert sum(line.startswith("pmokit  pmokit (") for line in lines) == 2
    assert SECRET not in listed.output and "theirs" not in listed.output
    # delete: pmokit's for the configured URL; then every one of pmokit's; the other webhook stays.
    deleted = run_cli("--config", config, "webhook", "delete")
    assert deleted.exit_code == 0 and deleted.output.startswith("deleted: "), deleted.output
    assert sorted(h["url"] for h in hooks(site)) == ["https://ci.example.com/jira",
                                                     "https://pmokit2.example.com/webhooks/jira"]
    rest = run_cli("--config", config, "webhook", "delete", "--all-pmokit")
    assert rest.exit_code == 0 and "pmokit2.example.com" in rest.output, rest.output
    assert [h["name"] for h in hooks(site)] == ["CI bridge"]
    none = run_cli("--config", config, "webhook", "delete", "--all-pmokit")
    assert none.exit_code == 0 and "nothing deleted" in none.output
    by_name = run_cli("--config", config, "webhook", "delete", "CI bridge")
    assert by_name.exit_code == 0 and hooks(site) == []


def test_without_an_admin_or_a_url_it_says_so_in_one_line(fresh_sandbox, tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("PMOKIT_TEST_HOOK_SECRET", SECRET)
    bot = str(config_for(fresh_sandbox, tmp_path, admin=False))
    refused = run_cli("--config", bot, "webhook", "register", "--url", "https://pmokit.example.com")
    assert refused.exit_code == 3
    assert "Administer Jira" in refused.output and len(refused.output.strip().splitlines()) == 1, refused.output
    nowhere = run_cli("--config", bot, "webhook", "register")
    assert nowhere.exit_code == 2 and "--url PUBLIC_URL" in nowhere.output
    monkeypatch.delenv("PMOKIT_TEST_HOOK_SECRET")
    unset = run_cli("--config", bot, "webhook", "register", "--url", "https://pmokit.example.com")
    assert unset.exit_code == 2 and "PMOKIT_TEST_HOOK_SECRET is not set" in unset.output
    # Listing needs no webhook secret.
    listed = run_cli("--config", bot, "webhook", "list")
    assert listed.exit_code == 3 and "Administer Jira" in listed.output
