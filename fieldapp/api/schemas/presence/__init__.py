"""Schemas of api/presence/, a module each."""
