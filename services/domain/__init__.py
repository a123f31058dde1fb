"""Pure business rules with no I/O (schedules, interest, pledge rates, calendars), safe to call from workflows."""
