"""The console over HTTP (sessions, CSRF, pages) and in a real browser (journeys, accessibility)."""
