"""Enterprises (borrowers) and the IP assets they own."""
