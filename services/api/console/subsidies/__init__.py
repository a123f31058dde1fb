"""The console's subsidy pages: the districts' policy versions, a revision form, and the calculator of a loan."""
