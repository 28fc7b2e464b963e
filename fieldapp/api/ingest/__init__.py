"""Location fixes in: POST /pings and the free phone apps' endpoints, and the fast path a
device's POST /pings meets first."""
