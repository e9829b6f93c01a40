"""The demo's models (examples/demo.py). Their app label, "library", is this package's name."""
