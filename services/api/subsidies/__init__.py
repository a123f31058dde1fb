"""Subsidy policies (versioned, per district and year) and what a loan's claim would yield under them."""
