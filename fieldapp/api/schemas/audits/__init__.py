"""Schemas of api/audits/, a module each."""
