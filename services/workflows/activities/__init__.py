"""Activities: the only place workflow decisions touch PostgreSQL and the outside world."""
