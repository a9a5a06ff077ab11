"""What the layering contracts cannot see: the modules a package really loads, and lists kept in two places."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import rules

# Modules that read files, talk to a database or to the network: none may be loaded by importing rules/.
DOING_IO = ("config.loader", "config.yaml_source", "config.schema", "yaml", "sqlalchemy", "requests", "flask",
            "connector", "pmokit.store", "pmokit.runtime", "report_jobs", "webhooks", "sandbox", "urllib3")


def test_importing_every_module_of_rules_loads_nothing_that_does_io():
    """A package's __init__ runs on import (import-linter does not count it): look at what is really loaded."""
    names = [m.name for m in pkgutil.walk_packages(rules.__path__, "rules.")]
    code = ("import importlib, json, sys\n"
            f"for name in {names!r}: importlib.import_module(name)\n"
            "print(json.dumps(sorted(sys.modules)))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                       timeout=60).stdout)
    assert len(names) > 20 and "rules.kinds.gate" in loaded
    offending = [m for m in loaded if any(m == bad or m.startswith(bad + ".") for bad in DOING_IO)]
    assert offending == []


def test_the_condition_language_and_the_issue_readers_know_the_same_names():
    """A name the conditions accept but no reader reads (or the other way round) would validate and read nothing."""
    from config.conditions import BUILTIN_NAMES
    from rules.facts import BUILTIN_FIELDS

    assert set(BUILTIN_FIELDS) == set(BUILTIN_NAMES)


def test_the_configuration_package_offers_every_name_it_lists():
    import config

    assert all(getattr(config, name) is not None for name in config.__all__)
