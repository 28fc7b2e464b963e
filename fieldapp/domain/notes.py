"""What a person writes beside a decision — a reviewer's note on a finding's move, a
decider's note on leave, a cadre's reason for it: plain text, at most this long."""
NOTE_MAX_CHARS = 2000


def too_long(note: str | None) -> bool:
    return len(note or "") > NOTE_MAX_CHARS
