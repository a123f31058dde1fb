"""`/enterprises/{id}/service-record`: every touch of a station with an enterprise, and what it saved the enterprise."""
