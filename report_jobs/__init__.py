"""Scheduled jobs: sync, reconcile, roll-ups, rendering and publishing of portfolio pages."""
