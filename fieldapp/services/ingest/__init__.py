"""Location fixes in: validate, convert, fence-test and insert them once (`pings`), from
whoever sends them (`senders`), the phone's device-token path (`device_pings`), and the
reads of stored pings (`ping_queries`)."""
