"""Spot checks (plans, their draw, visits) and location challenges."""
