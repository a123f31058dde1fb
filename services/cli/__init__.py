"""The `pledgeflow` command: dev (the embedded stack), api, worker, migrate, seed, token, audit, openapi, demo."""
