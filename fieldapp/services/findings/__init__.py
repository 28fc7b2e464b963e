"""Findings: kept in step with what presence evaluation found (`sync`; the evaluation's
own rules are in presence/batch_findings.py), raised by upload checks (`media_checks`),
seen and moved by people (`workflow`), every change chained in the audit log
(`audit_chain`)."""
