"""Handling what Jira told pmokit: the worker claims inbox events, re-reads their issues, and enforces — evaluate
every rule, plan the actions, apply them through the connector, audit it all (:mod:`.enforce`, also behind
``pmokit check`` and the scheduled reconcile)."""
