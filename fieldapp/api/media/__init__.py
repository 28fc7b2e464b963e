"""Photo and video uploads, and work reports with the monthly work record."""
