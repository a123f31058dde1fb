"""The white list's rules: reading an import file (CSV or Excel) and checking each row."""
