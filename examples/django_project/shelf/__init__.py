"""A Django app whose models have Django's manager and both vinyl managers."""
