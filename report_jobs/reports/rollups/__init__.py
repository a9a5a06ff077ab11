"""Portfolio roll-ups: pure functions from DataFrames to DataFrames (no I/O, no clock: ``today`` is passed in)."""
