"""Presence: evaluating days and policy periods township by township (`evaluation`,
`township_batch`, `ping_arrays`), the records it writes and their reads (`records`), and
the leave that excuses days (`leaves`)."""
