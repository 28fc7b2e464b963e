"""Use cases. Each owns its session and transaction; no flask.request here."""
