"""The only door between pmokit and Atlassian: Jira and Confluence clients and the translation layer."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import AtlassianError, AuthenticationError, GaveUp, NotFound, OutcomeUnknown, Unreachable
from .retry import RetryPolicy
from .transport import Accounting, Gate, PolicyAdapter, RequestKind

__all__ = ["AtlassianError", "AuthenticationError", "GaveUp", "NotFound", "OutcomeUnknown", "RequestKind",
           "RetryPolicy", "Transport", "Unreachable"]


@dataclass
class Transport:
    """One retry policy, pacing gate and accounting per Atlassian site, shared by every client of it."""

    policy: RetryPolicy
    gate: Gate
    accounting: Accounting

    @classmethod
    def create(cls, requests_per_second: float | None = None, policy: RetryPolicy | None = None) -> Transport:
        return cls(policy or RetryPolicy(), Gate(requests_per_second), Accounting())

    def adapter(self) -> PolicyAdapter:
        return PolicyAdapter(self.policy, self.gate, self.accounting)

