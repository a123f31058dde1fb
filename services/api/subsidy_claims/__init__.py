"""Subsidy claim rounds and claims: filing (with its materials checked and its amount computed), the steps of each
claim's workflow, lists by whose turn it is, and the claim with its computation and timeline."""
