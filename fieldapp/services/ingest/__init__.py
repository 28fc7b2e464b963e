"""Location fixes in: validate, convert, fence-test and insert them once (`pings`), from
whoever sends them (`senders`), the phone's device-token path (`device_pings`), the free
phone apps (`phone_apps`), and the reads of stored pings (`ping_queries`)."""
