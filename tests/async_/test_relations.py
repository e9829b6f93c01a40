"""Explicit relations: ``await obj.author``, ``obj["author"]``, related managers.

Relations are never loaded lazily: reading a single related object queries every
time (awaited in vinyl_async), ``obj["name"]`` reads only what was fetched, and
to-many relations are managers whose writes are coroutines. Results are compared
with Django's ``objects`` on the same rows.
"""

import pytest
from django.core.exceptions import ObjectDoesNotExist
from helpers import capture_statements, fetch
from vinyltests.models import (
    Author,
    AuthorProfile,
    Book,
    Club,
    Membership,
    Person,
    Place,
    Publisher,
    Restaurant,
    Tag,
)

from vinyl_async import NotFetched
from vinyl_async._compat import IS_ASYNC

pytestmark = pytest.mark.usefixtures("db")


def pks(objs):
    return sorted(obj.pk for obj in objs)


@pytest.fixture
def shelf(db):
    """Authors, a publisher, books and tags written through Django."""
    penguin = Publisher.objects.create(name="Penguin")
    ann = Author.objects.create(name="Ann", age=40)
    bob = Author.objects.create(name="Bob", age=30, mentor=ann)
    AuthorProfile.objects.create(author=ann, bio="writes")
    dune = Book.objects.create(title="Dune", author=ann, publisher=penguin, pages=400)
    emma = Book.objects.create(title="Emma", author=bob, publisher=penguin, pages=300)
    ubik = Book.objects.create(title="Ubik", author=ann, pages=200)
    sf, classic = Tag.objects.create(name="sf"), Tag.objects.create(name="classic")
    dune.tags.set([sf, classic])
    ubik.tags.set([sf])
    return {"penguin": penguin, "ann": ann, "bob": bob, "dune": dune, "emma": emma, "ubik": ubik}


# -- single related objects -------------------------------------------------------------


async def test_forward_foreign_key_queries_every_time_and_caches(shelf):
    book = await Book.vinyl.get(title="Dune")
    with capture_statements() as log:
        author = await book.author
        again = await book.author
    assert log.count == 2  # never served from the cache
    assert author == shelf["ann"] and again == author
    assert isinstance(author, Author.vinyl.model)
    assert book["author"] is again  # the cache holds the last fetched object


async def test_null_foreign_key_is_none_without_a_query(shelf):
    book = await Book.vinyl.get(title="Ubik")
    with capture_statements() as log:
        assert await book.publisher is None
    assert log.count == 0
    assert book["publisher"] is None


async def test_unset_required_foreign_key_raises_djangos_error():
    book = Book.vinyl.model(title="Draft")
    with pytest.raises(Book.author.RelatedObjectDoesNotExist) as vinyl_error:
        await book.author
    with pytest.raises(Book.author.RelatedObjectDoesNotExist) as django_error:
        Book(title="Draft").author  # noqa: B018
    assert str(vinyl_error.value) == str(django_error.value) == "Book has no author."


async def test_unfetched_relation_raises_not_fetched_naming_model_field_and_fixes(shelf):
    book = await Book.vinyl.get(title="Dune")
    with pytest.raises(NotFetched) as error:
        book["author"]
    message = str(error.value)
    assert message.startswith("Book.author was not fetched")
    assert "select_related('author')" in message and "prefetch_related('author')" in message
    assert ("'await obj.author'" if IS_ASYNC else "'obj.author'") in message
    with pytest.raises(NotFetched) as error:
        book["tags"]
    assert str(error.value).startswith("Book.tags was not fetched: add prefetch_related('tags')")


async def test_select_related_and_prefetched_relations_read_without_queries(shelf):
    book = await Book.vinyl.select_related("author").get(title="Dune")
    author = await Author.vinyl.prefetch_related("books").get(name="Ann")
    with capture_statements() as log:
        assert book["author"] == shelf["ann"]
        assert pks(author["books"]) == pks([shelf["dune"], shelf["ubik"]])
        assert await fetch(author.books.all()) == author["books"]  # Django's prefetch cache
    assert log.count == 0


async def test_assignment_sets_id_and_cache_without_io(shelf):
    book = await Book.vinyl.get(title="Emma")
    ann = await Author.vinyl.get(name="Ann")
    with capture_statements() as log:
        book.author = ann
    assert log.count == 0
    assert book.author_id == ann.pk and book["author"] is ann
    await book.save()
    assert Book.objects.get(title="Emma").author_id == ann.pk


async def test_reverse_one_to_one_queries_and_raises_djangos_error_when_missing(shelf):
    ann = await Author.vinyl.get(name="Ann")
    profile = await ann.profile
    assert profile.bio == "writes" and profile["author"] is ann  # the back-reference is cached
    bob = await Author.vinyl.get(name="Bob")
    with pytest.raises(Author.profile.RelatedObjectDoesNotExist) as vinyl_error:
        await bob.profile
    with pytest.raises(ObjectDoesNotExist) as django_error:
        Author.objects.get(name="Bob").profile  # noqa: B018
    assert str(vinyl_error.value) == str(django_error.value) == "Author has no profile."
    assert bob["profile"] is None  # Django caches the absence


async def test_forward_one_to_one_caches_the_reverse_side(shelf):
    profile = await AuthorProfile.vinyl.get()
    author = await profile.author
    assert author == shelf["ann"] and author["profile"] is profile


async def test_multi_table_parent_link_and_child(db):
    Restaurant.objects.create(name="Chez", address="Main St", serves_pizza=True)
    restaurant = await Restaurant.vinyl.get(name="Chez")
    with capture_statements() as log:
        place = await restaurant.place_ptr  # built from the loaded fields
    assert log.count == 0
    assert (place.pk, place.name, place.address) == (restaurant.pk, "Chez", "Main St")
    parent = await Place.vinyl.get(name="Chez")
    child = await parent.restaurant
    assert child.serves_pizza is True and child == restaurant


async def test_self_referencing_foreign_key(shelf):
    bob = await Author.vinyl.get(name="Bob")
    assert await bob.mentor == shelf["ann"]
    ann = await Author.vinyl.get(name="Ann")
    assert pks(await fetch(ann.mentees.all())) == [shelf["bob"].pk]


# -- reverse foreign key managers --------------------------------------------------------


async def test_reverse_manager_is_built_without_io_and_reads_like_djangos(shelf):
    ann = await Author.vinyl.get(name="Ann")
    django_ann = Author.objects.get(name="Ann")
    with capture_statements() as log:
        manager = ann.books
    assert log.count == 0
    assert pks(await fetch(manager.all())) == pks(django_ann.books.all())
    assert pks(await fetch(manager.filter(pages__gt=250))) == pks(
        django_ann.books.filter(pages__gt=250)
    )
    assert pks(await fetch(manager.exclude(title="Dune"))) == pks(
        django_ann.books.exclude(title="Dune")
    )
    assert await manager.count() == django_ann.books.count()
    assert await manager.exists() is True
    assert (await manager.order_by("title").first()).title == django_ann.books.order_by(
        "title"
    ).first().title
    assert await manager.get(title="Ubik") == django_ann.books.get(title="Ubik")
    books = await fetch(manager.all())
    assert all(book["author"] is ann for book in books)  # known related objects, as in Django


async def test_reverse_manager_add_create_and_set_on_required_key(shelf):
    bob = await Author.vinyl.get(name="Bob")
    dune = await Book.vinyl.get(title="Dune")
    with capture_statements() as log:
        await bob.books.add(dune)
    assert log.sql()[0].startswith("UPDATE")  # bulk=True: one UPDATE
    assert log.count == 1
    assert dune.author_id == bob.pk
    created = await bob.books.create(title="New", pages=10)
    assert created.author_id == bob.pk and created.pk is not None
    ubik = await Book.vinyl.get(title="Ubik")
    await bob.books.set([ubik])  # a required key cannot let books go: set() only adds
    assert pks(Book.objects.filter(author__name="Bob")) == pks(
        [dune, shelf["emma"], created, ubik]
    )
    assert not hasattr(bob.books, "remove") and not hasattr(bob.books, "clear")  # as in Django
    assert not hasattr(Author.objects.get(name="Bob").books, "remove")


async def test_reverse_manager_add_unsaved_object_raises_djangos_error(shelf):
    bob = await Author.vinyl.get(name="Bob")
    draft = Book.vinyl.model(title="Draft", author_id=bob.pk)
    with pytest.raises(
        ValueError, match="instance isn't saved. Use bulk=False or save the object first."
    ):
        await bob.books.add(draft)
    await bob.books.add(draft, bulk=False)  # saves it
    assert Book.objects.filter(title="Draft", author=shelf["bob"]).exists()
    with pytest.raises(TypeError, match="'Book' instance expected"):
        await bob.books.add(bob)


async def test_nullable_reverse_manager_remove_clear_and_set(shelf):
    penguin = await Publisher.vinyl.get(name="Penguin")
    dune, ubik = await Book.vinyl.get(title="Dune"), await Book.vinyl.get(title="Ubik")
    await penguin.books.remove(dune)
    assert Book.objects.get(title="Dune").publisher_id is None
    with pytest.raises(
        Publisher.DoesNotExist, match="<Book: Ubik> is not related to <Publisher: Penguin>."
    ):
        await penguin.books.remove(ubik)  # Django's error and message
    await penguin.books.set([dune, ubik])
    assert pks(Book.objects.filter(publisher=shelf["penguin"])) == pks([dune, ubik])
    with capture_statements() as log:
        await penguin.books.clear(bulk=False)  # a save() per object, atomically
    assert log.sql()[0] == "BEGIN" and log.sql()[-1] == "COMMIT"
    assert not Book.objects.filter(publisher__isnull=False).exists()
    await penguin.books.set(Book.vinyl.filter(title__in=["Emma", "Ubik"]), clear=True)
    assert sorted(
        Book.objects.filter(publisher=shelf["penguin"]).values_list("title", flat=True)
    ) == ["Emma", "Ubik"]


async def test_reverse_manager_get_or_create_and_update_or_create(shelf):
    ann = await Author.vinyl.get(name="Ann")
    book, created = await ann.books.get_or_create(title="Dune")
    assert not created and book == shelf["dune"]
    book, created = await ann.books.get_or_create(title="Dune Messiah", defaults={"pages": 256})
    assert created and book.author_id == ann.pk and book.pages == 256
    book, created = await ann.books.update_or_create(title="Dune", defaults={"pages": 999})
    assert not created and Book.objects.get(title="Dune").pages == 999
    # Emma is Bob's: not among Ann's books, so Ann gets a new one.
    book, created = await ann.books.get_or_create(title="Emma")
    assert created and Book.objects.filter(title="Emma").count() == 2


async def test_unsaved_instance_has_no_usable_reverse_manager():
    draft = Author.vinyl.model(name="Draft")
    with pytest.raises(ValueError) as vinyl_error:
        await draft.books.create(title="x")
    with pytest.raises(ValueError) as django_error:
        Author(name="Draft").books.create(title="x")
    assert str(vinyl_error.value) == str(django_error.value)


# -- many-to-many managers ---------------------------------------------------------------


async def test_many_to_many_reads_match_django(shelf):
    dune = await Book.vinyl.get(title="Dune")
    django_dune = Book.objects.get(title="Dune")
    assert pks(await fetch(dune.tags.all())) == pks(django_dune.tags.all())
    assert await dune.tags.count() == django_dune.tags.count() == 2
    assert await dune.tags.filter(name="sf").exists()
    sf = await Tag.vinyl.get(name="sf")
    assert pks(await fetch(sf.books.all())) == pks(Tag.objects.get(name="sf").books.all())
    with capture_statements() as log:
        await dune.tags.count()
    assert "vinyltests_tag" not in log.sql()[0]  # the through table suffices, as in Django


async def test_many_to_many_writes_match_django_on_both_sides(shelf):
    emma = await Book.vinyl.get(title="Emma")
    sf, classic = await Tag.vinyl.get(name="sf"), await Tag.vinyl.get(name="classic")
    await emma.tags.add(sf, classic.pk)
    await emma.tags.add(sf)  # already linked: nothing changes
    assert pks(Book.objects.get(title="Emma").tags.all()) == pks([sf, classic])
    await emma.tags.remove(classic)
    assert pks(Book.objects.get(title="Emma").tags.all()) == [sf.pk]
    await classic.books.add(emma)  # the reverse side
    assert pks(Book.objects.get(title="Emma").tags.all()) == pks([sf, classic])
    await emma.tags.set([classic])
    assert pks(Book.objects.get(title="Emma").tags.all()) == [classic.pk]
    await emma.tags.set([sf.pk], clear=True)
    assert pks(Book.objects.get(title="Emma").tags.all()) == [sf.pk]
    await sf.books.clear()
    assert not Tag.objects.get(name="sf").books.exists()
    new = await emma.tags.create(name="new")
    assert pks(Book.objects.get(title="Emma").tags.all()) == [new.pk]
    tag, created = await emma.tags.get_or_create(name="new")
    assert not created and tag == new
    tag, created = await emma.tags.get_or_create(name="newer")
    assert created and Book.objects.get(title="Emma").tags.filter(name="newer").exists()
    tag, created = await emma.tags.update_or_create(name="newest", defaults={"name": "newest"})
    assert created and Book.objects.get(title="Emma").tags.count() == 3


async def test_many_to_many_with_through_model_and_through_defaults(shelf):
    club = await Club.vinyl.create(name="Readers")
    ann, bob = await Author.vinyl.get(name="Ann"), await Author.vinyl.get(name="Bob")
    await club.members.add(ann, through_defaults={"role": "chair"})
    await club.members.add(bob, through_defaults={"role": lambda: "guest"})  # callables are called
    assert dict(Membership.objects.values_list("author__name", "role")) == {
        "Ann": "chair",
        "Bob": "guest",
    }
    await club.members.set([bob], through_defaults={"role": "x"})
    assert list(Membership.objects.values_list("author__name", "role")) == [("Bob", "guest")]
    author = await club.members.create(name="Cy", through_defaults={"role": "founder"})
    assert Membership.objects.get(author_id=author.pk).role == "founder"
    assert pks(await fetch(ann.clubs.all())) == []
    await ann.clubs.add(club, through_defaults={"role": "back"})
    assert Membership.objects.get(author=shelf["ann"]).role == "back"


async def test_symmetrical_many_to_many_writes_both_directions(db):
    a, b, c = [await Person.vinyl.create(name=n) for n in "abc"]
    await a.friends.add(b, c)
    assert pks(Person.objects.get(name="b").friends.all()) == [a.pk]
    assert pks(await fetch(c.friends.all())) == [a.pk]
    await b.friends.remove(a)
    assert pks(Person.objects.get(name="a").friends.all()) == [c.pk]
    await a.friends.clear()
    assert not Person.friends.through.objects.exists()


async def test_many_to_many_add_wrong_type_and_unsaved_raise_djangos_errors(shelf):
    dune = await Book.vinyl.get(title="Dune")
    with pytest.raises(TypeError, match="'Tag' instance expected"):
        await dune.tags.add(dune)
    with pytest.raises(ValueError) as vinyl_error:
        await dune.tags.add(Tag.vinyl.model(name="unsaved"))
    with pytest.raises(ValueError) as django_error:
        Book.objects.get(title="Dune").tags.add(Tag(name="unsaved"))
    assert str(vinyl_error.value) == str(django_error.value)
    with pytest.raises(ValueError) as vinyl_error:
        Book.vinyl.model(title="x").tags  # noqa: B018
    with pytest.raises(ValueError) as django_error:
        Book(title="x").tags  # noqa: B018
    assert str(vinyl_error.value) == str(django_error.value)


async def test_direct_assignment_to_a_related_set_is_refused_like_django(shelf):
    ann = await Author.vinyl.get(name="Ann")
    with pytest.raises(
        TypeError, match=r"Direct assignment to the reverse side of a related set is prohibited"
    ):
        ann.books = []


async def test_prefetched_cache_is_dropped_by_writes(shelf):
    dune = await Book.vinyl.prefetch_related("tags").get(title="Dune")
    assert len(dune["tags"]) == 2
    await dune.tags.clear()
    with pytest.raises(NotFetched):
        dune["tags"]
    assert await dune.tags.count() == 0


async def test_sync_flavor_reads_relations_without_await(shelf):
    book = await Book.vinyl.get(title="Dune")
    if IS_ASYNC:
        pending = book.author  # a coroutine: nothing ran yet
        assert not book.__class__.author.is_cached(book)
        assert await pending == shelf["ann"]
    else:
        assert book.author == shelf["ann"]  # vinyl_sync queries at once
