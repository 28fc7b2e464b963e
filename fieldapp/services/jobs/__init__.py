"""Background jobs' rows: asking for a job, a worker's claim and lease on it, its outcome,
and putting back the jobs of a worker that died (services/jobs/runs.py)."""
