"""The console's loan pages: the case list and the loan page, over the loans API's services."""
