"""Pure logic: no Flask, no database. Works on plain values and NumPy arrays."""
