"""The pledgeflow services: domain rules, store, workflows, API, platform plumbing and the CLI."""
