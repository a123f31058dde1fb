"""The console's station pages: a specialist's board of cases."""
