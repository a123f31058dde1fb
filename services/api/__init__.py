"""The pledgeflow HTTP API (FastAPI), one package per domain noun."""
