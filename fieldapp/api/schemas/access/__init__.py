"""Schemas of api/access/, a module each."""
