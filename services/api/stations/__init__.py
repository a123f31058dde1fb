"""`/stations`: a service station's board of cases."""
