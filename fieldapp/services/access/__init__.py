"""Access: who may see what, in space and time (`scope`), the log of who looked
(`access_log`), and checking logins (`logins`, `passwords`)."""
