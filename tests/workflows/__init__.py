"""Tests of services.workflows."""
