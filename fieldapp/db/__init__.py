"""The databases beneath the models: engines and pragmas (`engines`), hot-path
connections (`connections`) and SQLite's serialised writers (`sqlite_writers`)."""
