"""Every table of the database, for the migrations and their test: importing this registers them all."""

from __future__ import annotations

from services.store import station_tables, subsidy_tables, tables, whitelist_tables

metadata = tables.metadata
TABLE_MODULES = (tables, subsidy_tables, whitelist_tables, station_tables)  # station_tables: visits, rosters
