"""Process plumbing shared by every pledgeflow process: settings, logging, telemetry, Temporal client, auth."""
