"""Prometheus metrics of the receiver and the workers, in a registry of their own (one per application).

Under `pmokit serve` with granian the receiver runs in processes of its own and the workers in the serving
one: their metrics meet through prometheus_client's multiprocess mode (:func:`enable_multiprocess`, files in a
directory all of them name in ``PROMETHEUS_MULTIPROC_DIR``), and ``/metrics`` of any receiver shows them all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, values
from prometheus_client.core import GaugeMetricFamily

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def enable_multiprocess(directory: str) -> None:
    """Count in files under ``directory`` from now on, in this process and in those it starts (which read the
    variable when they import prometheus_client); call before any :class:`Metrics` is made."""
    os.environ[MULTIPROC_ENV] = directory
    values.ValueClass = values.MultiProcessValue()

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class _InboxDepth:
    """Read at scrape time from the store, so it is right whichever process changed the inbox."""

    def __init__(self, counts: Callable[[], dict[str, int]]):
        self.counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("pmokit_inbox_events", "Events in the inbox by status", labels=["status"])
        try:
            for status, count in sorted(self.counts().items()):
                family.add_metric([status], count)
        except Exception:  # a scrape must not fail because the store is briefly away
            pass
        yield family


class Metrics:
    def __init__(self, inbox_counts: Callable[[], dict[str, int]] | None = None):
        self.registry = CollectorRegistry()
        self.received = Counter("pmokit_webhook_requests", "Webhook requests by outcome", ["outcome"],
                                registry=self.registry)
        # Atlassian recommends watching X-Atlassian-Webhook-Retry: retries say deliveries are failing somewhere.
        self.deliveries = Counter("pmokit_webhook_deliveries", "Signed (or, without a secret, any) webhook "
                                  "requests by the lane Jira names (X-Atlassian-Webhook-Flow: primary, secondary, "
                                  "none) and whether Jira retried them (X-Atlassian-Webhook-Retry)",
                                  ["flow", "retried"], registry=self.registry)
        self.processed = Counter("pmokit_events_processed", "Inbox events handled by workers, by outcome",
                                 ["outcome"], registry=self.registry)
        self.ack_seconds = Histogram("pmokit_webhook_ack_seconds", "From request to answer",
                                     buckets=LATENCY_BUCKETS, registry=self.registry)
        self.processing_seconds = Histogram("pmokit_event_processing_seconds", "From claim to done, per batch",
                                            buckets=LATENCY_BUCKETS, registry=self.registry)
        # What /metrics shows: this registry, or in multiprocess mode every process's files.
        self.scrape_registry = self.registry
        if os.environ.get(MULTIPROC_ENV):
            self.scrape_registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(self.scrape_registry)
        if inbox_counts is not None:
            self.scrape_registry.register(_InboxDepth(inbox_counts))
