"""The Django example: manage.py migrate + check, then real HTTP requests on 127.0.0.1.

The async views are served by uvicorn (ASGI) and use vinyl_async; the sync view is
served by Django's runserver (WSGI) and reads through vinyl_sync and Django's ORM.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from conftest import example_env, free_port, run, serve

PROJECT = Path(__file__).resolve().parent


def test_the_project_migrates_and_serves_asgi_and_wsgi(postgres_database: str) -> None:
    env = example_env(DATABASE_URL=postgres_database)

    migrated = run(["manage.py", "migrate", "--noinput"], PROJECT, env)
    assert "Applying shelf.0001_initial... OK" in migrated
    assert "Applying auth.0001_initial... OK" in migrated
    checked = run(["manage.py", "check", "--fail-level", "WARNING"], PROJECT, env)
    assert "System check identified no issues" in checked

    port = free_port()
    asgi = ["-m", "uvicorn", "mysite.asgi:application", "--port", str(port)]
    with serve(asgi, PROJECT, env, port) as url, httpx.Client(base_url=url) as client:
        books = [
            ("Dune", 1965, "Frank Herbert"),
            ("Foundation", 1951, "Isaac Asimov"),
            ("Children of Dune", 1976, "Frank Herbert"),
        ]
        for title, year, author in books:
            response = client.post(
                "/async/books/", json={"title": title, "year": year, "author": author}
            )
            assert response.status_code == 201, response.text
        assert client.get("/async/books/").json() == {
            "books": [
                {"id": 2, "title": "Foundation", "year": 1951, "author": "Isaac Asimov"},
                {"id": 1, "title": "Dune", "year": 1965, "author": "Frank Herbert"},
                {"id": 3, "title": "Children of Dune", "year": 1976, "author": "Frank Herbert"},
            ]
        }
        assert client.get("/async/books/3/").json()["title"] == "Children of Dune"
        missing = client.get("/async/books/42/")
        assert (missing.status_code, missing.json()) == (404, {"error": "no such book"})

    port = free_port()
    wsgi = ["manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    with serve(wsgi, PROJECT, env, port) as url, httpx.Client(base_url=url) as client:
        authors = client.get("/sync/authors/").json()
    expected = [
        {"name": "Frank Herbert", "books": ["Children of Dune", "Dune"]},
        {"name": "Isaac Asimov", "books": ["Foundation"]},
    ]
    assert authors == {"vinyl_sync": expected, "objects": expected}
