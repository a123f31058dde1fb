"""The shared vocabulary of pledgeflow: enums, value types, models, task queues and workflow ids."""
