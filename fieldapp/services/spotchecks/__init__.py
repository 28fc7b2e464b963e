"""Spot checks (四不两直): a region's quarterly plan, made and frozen before the quarter,
drawn from public sources and a committed secret, revealed after it (`plans`); how far the
sample has been visited (`coverage`); the visits themselves, with what each raised
(`visits`); who may read and who may plan (`access`)."""
