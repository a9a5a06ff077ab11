"""``pmokit doctor``: whether this configuration, this Jira and Confluence and this store are ready for pmokit, a
check at a time, each with what it saw and the fix."""

from .findings import Finding
from .run import CHECKS, Check, run_checks

__all__ = ["CHECKS", "Check", "Finding", "run_checks"]
