"""Documents uploaded as a claim's materials: stored by their SHA-256, their type told from their bytes."""
