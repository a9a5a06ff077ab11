"""Everything pmokit does after an event is received or when the clock says so, one flow per package:

- :mod:`report_jobs.sync` — Jira (and the Confluence documents rules read) into the store: full, incremental,
  reconcile, refresh; and the synced store read back as the rules' facts.
- :mod:`report_jobs.events` — handling webhook events: the worker, enforcement (evaluate, plan, apply, audit).
- :mod:`report_jobs.reports` — the portfolio reports: inputs, roll-ups, pages, charts, preview, publishing.
- :mod:`report_jobs.scheduler` — the YAML ``schedule`` as jobs that call the three above, run by one instance.
"""
