"""The console's white-list pages: a district's list with its filters, the import of a file and its review."""
