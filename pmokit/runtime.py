"""Wiring: from settings to a store, connectors and their shared transport. Built once per process."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.models import Settings
from connector import RetryPolicy, Transport
from connector.confluence_client import ConfluenceConnector
from connector.jira_client import JiraConnector
from connector.jira_writer import JiraWriter
from connector.publisher import Publisher

from .store import make_engine, session_factory, upgrade
from .store.cache import StoreCache
from .store.published import StorePageMemory


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    jira_transport: Transport
    confluence_transport: Transport

    @functools.cached_property
    def jira(self) -> JiraConnector:
        return JiraConnector(self.settings.jira, self.jira_transport.adapter(),
                             StoreCache(self.sessions, self.settings.jira.url))

    @functools.cached_property
    def writer(self) -> JiraWriter:
        return JiraWriter(self.jira)

    @functools.cached_property
    def confluence(self) -> ConfluenceConnector:
        if self.settings.confluence is None:
            raise ValueError("the configuration has no 'confluence' section")
        return ConfluenceConnector(self.settings.confluence, self.confluence_transport.adapter())

    @functools.cached_property
    def publisher(self) -> Publisher:
        return Publisher(self.confluence, StorePageMemory(self.sessions))

    def facts(self):
        """The store's snapshot as the rules see it, with the members of every approver group."""
        from .store.facts import load_facts

        with self.sessions() as session:
            return load_facts(session, self.vocabulary(), self.program_of(), groups=self.approver_groups())

    def facts_cache(self):
        """Facts kept up to date between calls by reading only what the store gained (for workers)."""
        from .store.facts import FactsCache

        return FactsCache(self.sessions, self.vocabulary, self.program_of(), self.approver_groups)

    def vocabulary(self):
        from connector.vocabulary import vocabulary

        return vocabulary(self.settings, self.jira.fields)

    def program_of(self) -> dict[str, str]:
        return {k: p.key for p in self.settings.portfolio.programs for k in p.projects}

    def approver_groups(self) -> dict[str, list[str]]:
        names = sorted({g for rule in getattr(self.settings, "rules", []) if rule.kind == "gate"
                        for g in rule.approvers.groups})
        return {name: self.jira.group_members(name) for name in names}

    def close(self) -> None:
        self.engine.dispose()


def open_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    """The store (migrated to the newest revision: migrations only add) and lazily built connectors."""
    engine = make_engine(settings.store.url, settings.base_dir)
    if migrate:
        upgrade(engine)
    jira = Transport.create(settings.jira.requests_per_second,
                            RetryPolicy(max_elapsed=settings.jira.give_up_after_seconds))
    wiki = Transport.create(None, RetryPolicy(max_elapsed=settings.confluence.give_up_after_seconds
                                              if settings.confluence else 120.0))
    return Runtime(settings, engine, session_factory(engine), jira, wiki)
