"""Findings: raised by presence evaluation (`evaluated`) and by upload checks
(`media_checks`), seen and moved by people (`workflow`), every change chained in the
audit log (`audit_chain`)."""
