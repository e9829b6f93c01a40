"""Django settings for type checking the standalone examples, and nothing else.

django-stubs' mypy plugin needs a settings module to learn the models (their fields and
reverse relations). At run time these examples have none: vinyl_async.configure() sets
Django up and infers each model package's app. Here the same packages are listed as
INSTALLED_APPS, which gives them the same labels.
"""

INSTALLED_APPS = ["library", "starlette_app"]
