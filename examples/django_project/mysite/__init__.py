"""A Django project using vinyl next to Django's ORM: see settings.py and shelf/views.py."""
