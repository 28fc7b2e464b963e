"""Logging in and out, and the access log of who read whose data."""
