"""The PMO's rules, evaluated purely: records in, explained results out."""
