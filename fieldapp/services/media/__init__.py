"""Evidence people upload: photos and videos with their checks (`uploads`), and work
reports with the monthly work record (`work_reports`)."""
