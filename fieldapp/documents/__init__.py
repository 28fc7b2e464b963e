"""The files fieldapp hands out about presence — audit tables (CSV, XLSX), printable
reports (PDF) and signed evidence packages — in the reader's language, built from what the
services return."""
