# generated from tests/async_/test_batch.py by codegen — do not edit

"""``batch()``: write-only statements queued, sent together at the end, all or nothing."""

import pytest
from conftest import BACKEND
from django.db import IntegrityError
from django.db.models import F
from helpers import capture_statements, fetch
from vinyltests.models import Book, Counter, Owner, Pet, Tag, Toy

from vinyl_sync import atomic, on_commit
from vinyl_sync.batch import batch

pytestmark = pytest.mark.usefixtures("db")


def kinds(log):
    return [sql.split(" ")[0] for sql in log.sql()]


@pytest.fixture
def pipeline_syncs(monkeypatch):
    """On PostgreSQL: every pipeline sync psycopg sends (one per round trip of a pipeline)."""
    syncs = []
    if BACKEND == "postgresql":
        from psycopg._pipeline_base import BasePipeline

        enqueue_sync = BasePipeline._enqueue_sync

        def counting(pipeline):
            syncs.append(pipeline)
            return enqueue_sync(pipeline)

        monkeypatch.setattr(BasePipeline, "_enqueue_sync", counting)
    return syncs


def counters(n):
    Counter.objects.bulk_create([Counter(name=f"c{i}") for i in range(n)])
    return n


def test_writes_are_sent_together_at_the_end_in_one_transaction(pipeline_syncs):
    counters(5)
    loaded = fetch(Counter.vinyl.order_by("pk"))
    with capture_statements() as log:
        with batch():
            for counter in loaded:
                counter.value += 1
                counter.save()  # an UPDATE of a loaded row: queued
            assert Counter.vinyl.filter(name="c0").update(value=F("value") + 10) is None
            assert log.count == 0  # nothing sent yet
    assert kinds(log) == ["BEGIN", *["UPDATE"] * 6, "COMMIT"]
    assert dict(Counter.objects.values_list("name", "value")) == {
        "c0": 11,
        "c1": 1,
        "c2": 1,
        "c3": 1,
        "c4": 1,
    }
    if BACKEND == "postgresql":
        assert len(pipeline_syncs) == 1  # BEGIN, the updates and COMMIT: one round trip


def test_a_read_sends_the_queue_first_and_sees_the_writes():
    counters(2)
    with capture_statements() as log:
        with batch():
            Counter.vinyl.filter(name="c0").update(value=5)
            assert log.count == 0
            assert Counter.vinyl.get(name="c0").value == 5
            assert kinds(log) == ["BEGIN", "UPDATE", "SELECT"]
            Counter.vinyl.filter(name="c1").update(value=6)
    assert kinds(log) == ["BEGIN", "UPDATE", "SELECT", "UPDATE", "COMMIT"]
    assert dict(Counter.objects.values_list("name", "value")) == {"c0": 5, "c1": 6}


def test_a_thousand_updates_are_one_round_trip_and_all_or_nothing(pipeline_syncs):
    counters(1000)
    pks = list(Counter.objects.order_by("pk").values_list("pk", flat=True))
    with capture_statements() as log:
        with batch():
            for pk in pks:
                Counter.vinyl.filter(pk=pk).update(value=F("value") + 1)
    assert kinds(log) == ["BEGIN", *["UPDATE"] * 1000, "COMMIT"]
    assert sum(Counter.objects.values_list("value", flat=True)) == 1000
    if BACKEND == "postgresql":
        assert len(pipeline_syncs) == 1

    # Statement 500 breaks the unique name: no row changes.
    with pytest.raises(IntegrityError) as error:
        with batch():
            for number, pk in enumerate(pks, 1):
                if number == 500:
                    Counter.vinyl.filter(pk=pk).update(name="c0")
                else:
                    Counter.vinyl.filter(pk=pk).update(value=F("value") + 1)
    position, sql = error.value.batch_statement
    assert position == 500 and sql.startswith("UPDATE")
    assert str(error.value).startswith(f"statement 500 of the batch ({sql}) failed: ")
    assert sorted(set(Counter.objects.values_list("value", flat=True))) == [1]
    assert Counter.objects.filter(name="c0").count() == 1
    if BACKEND == "postgresql":
        assert len(pipeline_syncs) == 2  # one more round trip for the failed batch


def test_an_exception_in_the_block_sends_nothing():
    counters(1)
    with capture_statements() as log:
        with pytest.raises(RuntimeError):
            with batch():
                Counter.vinyl.update(value=9)
                raise RuntimeError("changed my mind")
    assert log.count == 0
    assert Counter.objects.get().value == 0


def test_statements_that_need_results_run_at_once_in_the_batch_transaction():
    counters(1)
    with capture_statements() as log:
        with batch():
            Counter.vinyl.filter(name="c0").update(value=1)
            created = Counter.vinyl.create(name="new")  # needs its key: sent now
            assert created.pk is not None
            assert kinds(log) == ["BEGIN", "UPDATE", "INSERT"]
            created.value = 2
            created.save()  # now a loaded row: queued
            assert Counter.vinyl.filter(name="zzz").delete() == (None, {})
    assert kinds(log) == ["BEGIN", "UPDATE", "INSERT", "UPDATE", "DELETE", "COMMIT"]
    assert dict(Counter.objects.values_list("name", "value")) == {"c0": 1, "new": 2}


def test_bulk_writes_and_relations_in_a_batch():
    owner = Owner.vinyl.create(name="o")
    pets = Pet.vinyl.bulk_create([Pet.vinyl.model(name=f"p{i}", set_null=owner) for i in range(3)])
    for pet in pets:
        pet.name = pet.name.upper()
    tags = [Tag.vinyl.create(name=n) for n in ("a", "b")]
    book = Book.vinyl.create(title="b", author=_author())
    with batch():
        assert Pet.vinyl.bulk_update(pets, ["name"]) is None
        Tag.vinyl.bulk_create(
            [Tag.vinyl.model(name="a"), Tag.vinyl.model(name="c")], ignore_conflicts=True
        )
        book.tags.add(*tags)
        Toy.vinyl.filter(name="none").delete()
    assert sorted(Pet.objects.values_list("name", flat=True)) == ["P0", "P1", "P2"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["a", "b", "c"]
    assert sorted(Book.objects.get().tags.values_list("name", flat=True)) == ["a", "b"]


def _author():
    from vinyltests.models import Author

    return Author.vinyl.create(name="writer")


def test_on_commit_runs_after_the_batch_commits():
    counters(1)
    seen = []
    with batch():
        Counter.vinyl.update(value=3)
        on_commit(lambda: seen.append(Counter.objects.get().value))
        assert seen == []
    assert seen == [3]


def test_a_batch_inside_atomic_is_a_savepoint():
    counters(2)
    with atomic():
        Counter.vinyl.create(name="kept")
        with pytest.raises(IntegrityError) as error:
            with batch():
                Counter.vinyl.filter(name="c0").update(value=1)
                Counter.vinyl.filter(name="c1").update(name="c0")
        assert error.value.batch_statement[0] == 2
        # The transaction goes on without the batch's writes.
        assert Counter.vinyl.get(name="c0").value == 0
        with batch():
            Counter.vinyl.filter(name="c1").update(value=7)
    assert dict(Counter.objects.values_list("name", "value")) == {"c0": 0, "c1": 7, "kept": 0}


def test_atomic_inside_a_batch_is_a_savepoint_of_the_batch():
    counters(2)
    with batch():
        Counter.vinyl.filter(name="c0").update(value=1)
        with pytest.raises(IntegrityError):
            with atomic():
                Counter.vinyl.filter(name="c1").update(name="c0")
                Counter.vinyl.filter(name="c1").update(value=99)  # queued, then rolled back
        Counter.vinyl.filter(name="c1").update(value=2)
    assert dict(Counter.objects.values_list("name", "value")) == {"c0": 1, "c1": 2}
