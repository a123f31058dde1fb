"""Organisations taking part in loans: banks, guarantors, insurers, agencies, stations, offices."""
