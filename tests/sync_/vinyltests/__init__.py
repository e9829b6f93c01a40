# generated from tests/async_/vinyltests/__init__.py by codegen — do not edit

"""The Django app of vinyl's test suite (models shared by every test module)."""
