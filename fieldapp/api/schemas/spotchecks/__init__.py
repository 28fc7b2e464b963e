"""Schemas of api/spotchecks/, a module each."""
