"""Tests of services.cli."""
