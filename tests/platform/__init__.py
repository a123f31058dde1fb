"""Tests of services.platform."""
