"""The discipline office's reads: presence audits as files, signed evidence packages, region
summaries and the switchable rankings."""
