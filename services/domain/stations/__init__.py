"""Service stations' rules: a specialist's board of cases."""
