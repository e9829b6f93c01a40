# generated from src/vinyl_async/__about__.py by codegen — do not edit

"""Version of vinyl: the single source of truth for both distributions."""

__version__ = "0.1.0"
