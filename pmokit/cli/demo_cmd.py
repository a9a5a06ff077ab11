"""``pmokit demo [--out DIR] [--serve]``: the whole suite on a sandbox, with nothing to configure."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from webhooks.events import HANDLED_EVENTS

from .context import CliState, pass_state
from .errors import UserError

if TYPE_CHECKING:
    from pmokit.demo import DemoResult
    from pmokit.runtime import Runtime
    from sandbox import Sandbox

EVENTS = list(HANDLED_EVENTS)


@click.command("demo")
@click.option("--out", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("pmokit-demo"),
              show_default=True, help="Where the demo keeps its configuration, store and HTML preview (an earlier "
                                      "demo's store there is replaced).")
@click.option("--serve", is_flag=True, help="Keep the sandbox and pmokit running: browse the pages, change issues "
                                            "and watch pmokit react (Ctrl-C stops).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="The sandbox's port (0: any free port).")
@click.option("--project-unit", "project_unit", type=click.Choice(["jira_project", "epic"]), default="jira_project",
              show_default=True, help="What a project is: a Jira project each, or (epic) an epic each in one Jira "
                                      "project per program (portfolio.project_unit).")
@pass_state
def demo_command(state: CliState, directory: Path, serve: bool, port: int, project_unit: str) -> None:
    """Start a sandbox Jira and Confluence with a demo portfolio, sync it, enforce the example PMO standard
    (comments and labels on its issues), publish the portfolio pages, and write an HTML preview."""
    from pmokit.demo import run_demo
    from sandbox import Sandbox

    directory = directory.resolve()
    try:
        sandbox = Sandbox.start(seed="demo-epics" if project_unit == "epic" else "demo", port=port)
    except OSError as exc:
        raise UserError(f"the sandbox cannot listen on port {port} ({exc.strerror}); try --port 0") from None
    runtime = None
    try:
        kind = "demo portfolio, each project an epic" if project_unit == "epic" else "demo portfolio"
        click.echo(f"sandbox Jira and Confluence at {sandbox.url} ({kind}); working in {directory}")
        runtime = prepare(directory, sandbox, project_unit)
        result = run_demo(runtime, sandbox, directory)
        _summary(result, sandbox)
        if serve:
            _serve(runtime, sandbox)
    finally:
        if runtime is not None:
            runtime.close()
        sandbox.close()


def prepare(directory: Path, sandbox: Sandbox, project_unit: str = "jira_project") -> Runtime:
    """A fresh store and a configuration pointed at ``sandbox`` in ``directory`` (an earlier demo's store goes:
    it described another sandbox)."""
    from config import load_settings
    from pmokit.runtime import open_runtime

    from .sandbox_config import sandbox_config

    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("pmokit.db*"):
        stale.unlink()
    config = directory / "pmokit.yaml"
    config.write_text(sandbox_config(sandbox.url, store="sqlite:///pmokit.db", project_unit=project_unit),
                      encoding="utf-8")
    return open_runtime(load_settings([config]))


def _summary(result: DemoResult, sandbox: Sandbox) -> None:
    rag = ", ".join(f"{colour} {result.rag[colour]}" for colour in ("red", "amber", "green") if result.rag[colour])
    gates = ", ".join(f"{state} {n}" for state, n in sorted(result.gates.items()))
    click.echo(f"synced {result.issues} issues in {result.projects} projects; RAG: {rag}")
    click.echo(f"gates: {gates}")
    click.echo(f"rules: {result.violations} violations; pmokit wrote {result.comments} comments and changed "
               f"{result.labels} labels on the sandbox's issues")
    for name, line in result.reports.items():
        click.echo(f"report {name}: {line}")
    click.echo(f"done in {result.seconds:.1f} s")
    click.echo("")
    click.echo(f"open the preview:    {result.preview}")
    for name, url in result.pages.items():
        click.echo(f"in Confluence ({name}): {url}")
    click.echo(f"an issue with pmokit's comment: {sandbox.url}/browse/{_commented(sandbox)}")
    click.echo(f"configuration used:  {result.config}  (pmokit --config {result.config} ...)")


def _commented(sandbox: Sandbox) -> str:
    """A project record pmokit commented on: Order Management's (OMS-1, or its epic with projects as epics)."""
    records = [i for i in sandbox.state.issues.values() if i.issue_type in ("Project", "Epic")
               and any("[pmokit:" in str(c.get("body", "")) for c in i.comments)]
    oms = [i.key for i in records if i.summary.startswith("Order Management")]
    return (oms or sorted(i.key for i in records) or ["OMS-1"])[0]


def _serve(runtime: Runtime, sandbox: Sandbox) -> None:
    from pmokit.supervisor import Service

    service = Service(runtime, bind="127.0.0.1:0", workers=2, schedule=False).start()
    hook = {"name": "pmokit demo", "url": f"{service.url}{runtime.settings.webhooks.path}", "secret": "sandbox",
            "events": EVENTS}
    response = sandbox.session().post(f"{sandbox.url}/rest/webhooks/1.0/webhook", json=hook)
    if response.status_code != 201:
        service.close()
        raise UserError(f"could not register pmokit's webhook with the sandbox: HTTP {response.status_code}")
    click.echo("")
    click.echo(f"serving: the sandbox sends its webhooks to pmokit at {service.url}; change an issue in "
               f"{sandbox.url} (admin@example.com / API token 'sandbox') and pmokit answers on it. Ctrl-C stops.")
    service.wait()
