"""Webhooks of an organisation: where its loan events are delivered, signed, and the delivery log."""
