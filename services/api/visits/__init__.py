"""A station's visits: plan, done / cancelled / incident, the calendar and its iCalendar feed."""
