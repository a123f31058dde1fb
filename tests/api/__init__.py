"""Tests of services.api."""
