"""Day records, period summaries and evaluations; leave (请销假)."""
