"""Banks' loan products, the LPR table and the districts: the terms loans are priced and offered on."""
