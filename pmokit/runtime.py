"""Wiring: from settings to the store, the connectors and their shared transport. Built once per process and
handed to every job; nothing here decides anything."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.models import Settings
from config.problems import ConfigError, Problem
from config.rule_specs import Gate
from connector import RetryPolicy, Transport
from connector.confluence_client import ConfluenceConnector
from connector.jira_client import JiraConnector
from connector.jira_writer import JiraWriter
from connector.publisher import Publisher
from connector.translate import Vocabulary
from connector.vocabulary import vocabulary

from .store import Store, open_store
from .store.cache import StoreCache
from .store.published import StorePageMemory


@dataclass
class Runtime:
    settings: Settings
    store: Store
    jira_transport: Transport
    confluence_transport: Transport

    @property
    def engine(self) -> Engine:
        return self.store.engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.store.sessions

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

    def vocabulary(self) -> Vocabulary:
        """How the site's JSON reads as records: logical fields resolved against Jira's field list, phases."""
        return vocabulary(self.settings.portfolio, self.settings.phases, self.jira.fields)

    def program_of(self) -> dict[str, str]:
        return self.settings.portfolio.program_of

    def approver_people(self) -> dict[str, str]:
        """Every person a gate names in `approvers.users` -> the id their comments carry (see
        :func:`find_approvers`)."""
        return find_approvers(self.settings, self.jira)

    def approver_groups(self) -> dict[str, list[str]]:
        """The members of every group a gate names as approvers (read from Jira, cached by the connector)."""
        return approver_group_members(self.settings, self.jira)

    def close(self) -> None:
        self.store.close()



def find_approvers(settings: Settings, jira: JiraConnector) -> dict[str, str]:
    """Every person a gate names in `approvers.users` -> the id their comments carry, found through Jira's user
    search (cached by the connector); :class:`config.ConfigError`, located in the YAML, for any that names no one."""
    people: dict[str, str] = {}
    problems: list[Problem] = []
    for index, rule in enumerate(settings.rules):
        if not isinstance(rule, Gate):
            continue
        for position, who in enumerate(rule.approvers.users):
            found = jira.user_id(who)
            if found:
                people[who] = found
                continue
            path = ("rules", index, "approvers", "users", position)
            problems.append(Problem(settings.locate(path), path,
                                    f"approver '{who}' is no one on {settings.jira.url}: give their e-mail "
                                    f"address, account id (Cloud) or user name (Data Center)"))
    if problems:
        raise ConfigError(problems)
    return people


def approver_group_members(settings: Settings, jira: JiraConnector) -> dict[str, list[str]]:
    """The members of every group a gate names as approvers (read from Jira, cached by the connector)."""
    names = sorted({g for rule in settings.rules if isinstance(rule, Gate) for g in rule.approvers.groups})
    return {name: jira.group_members(name) for name in names}


def open_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    """The store (migrated to the newest revision: migrations only add) and lazily built connectors."""
    store = open_store(settings.store.url, settings.base_dir, migrate=migrate)
    jira = Transport.create(settings.jira.requests_per_second,
                            RetryPolicy(max_elapsed=settings.jira.give_up_after_seconds))
    wiki = Transport.create(None, RetryPolicy(max_elapsed=settings.confluence.give_up_after_seconds
                                              if settings.confluence else 120.0))
    return Runtime(settings, store, jira, wiki)
