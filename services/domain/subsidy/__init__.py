"""Subsidy claims' pure rules: what a claim yields under a policy version (amounts) and a round's figures (rounds)."""
