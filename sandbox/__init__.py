"""A local Jira and Confluence that speak Atlassian's REST API, for tests, the demo and benchmarks.

Start one in-process::

    from sandbox import Sandbox
    with Sandbox.start(seed="demo") as sb:
        print(sb.url)          # http://127.0.0.1:<port>
        sb.stats()             # what it was asked and what it answered
"""

from .server import BOT_ACCOUNT_ID, BOT_EMAIL, BOT_NAME, BOT_TOKEN, Sandbox, SandboxOptions

__all__ = ["BOT_ACCOUNT_ID", "BOT_EMAIL", "BOT_NAME", "BOT_TOKEN", "Sandbox", "SandboxOptions"]
