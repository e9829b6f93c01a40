"""The Starlette example served by uvicorn on 127.0.0.1, against PostgreSQL, over HTTP."""

from __future__ import annotations

import asyncio

import httpx
from conftest import EXAMPLES, example_env, free_port, serve


def test_the_service_answers_over_http(postgres_database: str) -> None:
    port = free_port()
    command = ["-m", "uvicorn", "starlette_app.app:app", "--port", str(port)]
    env = example_env(DATABASE_URL=postgres_database)
    with serve(command, EXAMPLES, env, port) as url, httpx.Client(base_url=url) as client:
        assert client.get("/books").json() == []  # tables were created at start-up

        added = [
            client.post("/books", json={"title": t, "year": y, "author": a})
            for t, y, a in [
                ("The Left Hand of Darkness", 1969, "Ursula K. Le Guin"),
                ("Foundation", 1951, "Isaac Asimov"),
                ("The Dispossessed", 1974, "Ursula K. Le Guin"),
            ]
        ]
        assert [r.status_code for r in added] == [201, 201, 201]
        assert added[1].json() == {
            "id": 2,
            "title": "Foundation",
            "year": 1951,
            "author": "Isaac Asimov",
        }

        assert client.get("/books").json() == [
            {"id": 2, "title": "Foundation", "year": 1951, "author": "Isaac Asimov"},
            {"id": 1, "title": "The Left Hand of Darkness", "year": 1969, "author": "Ursula K. Le Guin"},
            {"id": 3, "title": "The Dispossessed", "year": 1974, "author": "Ursula K. Le Guin"},
        ]  # fmt: skip
        assert [b["title"] for b in client.get("/books?author=Isaac Asimov").json()] == [
            "Foundation"
        ]
        le_guin = added[0].json()["id"]
        assert client.get(f"/authors/{le_guin}").json() == {
            "id": 1,
            "name": "Ursula K. Le Guin",
            "books": ["The Dispossessed", "The Left Hand of Darkness"],
        }
        missing = client.get("/authors/99")
        assert (missing.status_code, missing.json()) == (404, {"error": "no such author"})
        assert client.get("/stats").json() == {
            "authors": 2,
            "books": 3,
            "years": [1951, 1974],
            "most_books": "Ursula K. Le Guin",
        }

        async def burst() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=url) as concurrent:
                return await asyncio.gather(*(concurrent.get("/stats") for _ in range(30)))

        # More concurrent requests than the pool has connections (max_size 10): they wait.
        responses = asyncio.run(burst())
        assert {r.status_code for r in responses} == {200}
        assert all(r.json()["books"] == 3 for r in responses)
