"""`/whitelist`: a district's white list of enterprises and its imports (upload → per-row review → commit)."""
