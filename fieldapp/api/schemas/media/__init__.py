"""Schemas of api/media/, a module each."""
