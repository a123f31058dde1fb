"""Tests of services.domain and the value types in contracts."""
