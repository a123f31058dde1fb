"""The pledgeflow test suite: real PostgreSQL and real Temporal, started by the fixtures."""
