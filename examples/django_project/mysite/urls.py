from django.urls import path
from shelf import views

urlpatterns = [
    # Served by the ASGI application (uvicorn mysite.asgi:application): vinyl_async.
    path("async/books/", views.books_async),
    path("async/books/<int:pk>/", views.book_async),
    # Served by the WSGI application (runserver, gunicorn, ...): vinyl_sync and Django.
    path("sync/authors/", views.authors_sync),
]
