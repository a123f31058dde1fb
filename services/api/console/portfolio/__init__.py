"""The console's book pages: the bank's watch list and the portfolio chart (by stage and by classification)."""
