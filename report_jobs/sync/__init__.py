"""Sync: Jira and the Confluence documents rules read, into the store — and the store read back as facts.

One entry point, :func:`report_jobs.sync.jobs.run_sync`, used alike by ``pmokit sync``, the scheduler and the
demo; the worker re-reads the issues its events name through the same :class:`~report_jobs.sync.syncer.Syncer`.
"""
