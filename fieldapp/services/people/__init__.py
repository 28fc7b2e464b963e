"""People and devices: cadres, assignments, users and phones (`registry`), CSV import
(`csv_import`) and the demo county (`demo`)."""
