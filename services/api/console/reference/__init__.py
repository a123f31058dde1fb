"""The console's reference data: enterprises (with the credit-code check and the audited override), IP assets,
loan products and the LPR table — each a list and a form over the reference API's own services."""
