"""The Django app of vinyl's test suite (models shared by every test module)."""
