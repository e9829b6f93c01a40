# generated from tests/async_/test_relations.py by codegen — do not edit

"""Explicit relations: ``obj.author``, ``obj["author"]``, related managers.

Relations are never loaded lazily: reading a single related object queries every
time (awaited in vinyl_sync), ``obj["name"]`` reads only what was fetched, and
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

from vinyl_sync import NotFetched

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


def test_forward_foreign_key_queries_every_time_and_caches(shelf):
    book = Book.vinyl.get(title="Dune")
    with capture_statements() as log:
        author = book.author
        again = book.author
    assert log.count == 2  # never served from the cache
    assert author == shelf["ann"] and again == author
    assert isinstance(author, Author.vinyl.model)
    assert book["author"] is again  # the cache holds the last fetched object


def test_null_foreign_key_is_none_without_a_query(shelf):
    book = Book.vinyl.get(title="Ubik")
    with capture_statements() as log:
        assert book.publisher is None
    assert log.count == 0
    assert book["publisher"] is None


def test_unset_required_foreign_key_raises_djangos_error():
    book = Book.vinyl.model(title="Draft")
    with pytest.raises(Book.author.RelatedObjectDoesNotExist) as vinyl_error:
        book.author
    with pytest.raises(Book.author.RelatedObjectDoesNotExist) as django_error:
        Book(title="Draft").author  # noqa: B018
    assert str(vinyl_error.value) == str(django_error.value) == "Book has no author."


def test_unfetched_relation_raises_not_fetched_naming_model_field_and_fixes(shelf):
    book = Book.vinyl.get(title="Dune")
    with pytest.raises(NotFetched) as error:
        book["author"]
    message = str(error.value)
    assert message.startswith("Book.author was not fetched")
    assert "select_related('author')" in message and "prefetch_related('author')" in message
    assert "'obj.author'" in message
    with pytest.raises(NotFetched) as error:
        book["tags"]
    assert str(error.value).startswith("Book.tags was not fetched: add prefetch_related('tags')")


def test_select_related_and_prefetched_relations_read_without_queries(shelf):
    book = Book.vinyl.select_related("author").get(title="Dune")
    author = Author.vinyl.prefetch_related("books").get(name="Ann")
    with capture_statements() as log:
        assert book["author"] == shelf["ann"]
        assert pks(author["books"]) == pks([shelf["dune"], shelf["ubik"]])
        assert fetch(author.books.all()) == author["books"]  # Django's prefetch cache
    assert log.count == 0


def test_assignment_sets_id_and_cache_without_io(shelf):
    book = Book.vinyl.get(title="Emma")
    ann = Author.vinyl.get(name="Ann")
    with capture_statements() as log:
        book.author = ann
    assert log.count == 0
    assert book.author_id == ann.pk and book["author"] is ann
    book.save()
    assert Book.objects.get(title="Emma").author_id == ann.pk


def test_reverse_one_to_one_queries_and_raises_djangos_error_when_missing(shelf):
    ann = Author.vinyl.get(name="Ann")
    profile = ann.profile
    assert profile.bio == "writes" and profile["author"] is ann  # the back-reference is cached
    bob = Author.vinyl.get(name="Bob")
    with pytest.raises(Author.profile.RelatedObjectDoesNotExist) as vinyl_error:
        bob.profile
    with pytest.raises(ObjectDoesNotExist) as django_error:
        Author.objects.get(name="Bob").profile  # noqa: B018
    assert str(vinyl_error.value) == str(django_error.value) == "Author has no profile."
    assert bob["profile"] is None  # Django caches the absence


def test_forward_one_to_one_caches_the_reverse_side(shelf):
    profile = AuthorProfile.vinyl.get()
    author = profile.author
    assert author == shelf["ann"] and author["profile"] is profile


def test_multi_table_parent_link_and_child(db):
    Restaurant.objects.create(name="Chez", address="Main St", serves_pizza=True)
    restaurant = Restaurant.vinyl.get(name="Chez")
    with capture_statements() as log:
        place = restaurant.place_ptr  # built from the loaded fields
    assert log.count == 0
    assert (place.pk, place.name, place.address) == (restaurant.pk, "Chez", "Main St")
    parent = Place.vinyl.get(name="Chez")
    child = parent.restaurant
    assert child.serves_pizza is True and child == restaurant


def test_self_referencing_foreign_key(shelf):
    bob = Author.vinyl.get(name="Bob")
    assert bob.mentor == shelf["ann"]
    ann = Author.vinyl.get(name="Ann")
    assert pks(fetch(ann.mentees.all())) == [shelf["bob"].pk]


# -- reverse foreign key managers --------------------------------------------------------


def test_reverse_manager_is_built_without_io_and_reads_like_djangos(shelf):
    ann = Author.vinyl.get(name="Ann")
    django_ann = Author.objects.get(name="Ann")
    with capture_statements() as log:
        manager = ann.books
    assert log.count == 0
    assert pks(fetch(manager.all())) == pks(django_ann.books.all())
    assert pks(fetch(manager.filter(pages__gt=250))) == pks(django_ann.books.filter(pages__gt=250))
    assert pks(fetch(manager.exclude(title="Dune"))) == pks(django_ann.books.exclude(title="Dune"))
    assert manager.count() == django_ann.books.count()
    assert manager.exists() is True
    assert (
        manager.order_by("title").first().title == django_ann.books.order_by("title").first().title
    )
    assert manager.get(title="Ubik") == django_ann.books.get(title="Ubik")
    books = fetch(manager.all())
    assert all(book["author"] is ann for book in books)  # known related objects, as in Django


def test_reverse_manager_add_create_and_set_on_required_key(shelf):
    bob = Author.vinyl.get(name="Bob")
    dune = Book.vinyl.get(title="Dune")
    with capture_statements() as log:
        bob.books.add(dune)
    assert log.sql()[0].startswith("UPDATE")  # bulk=True: one UPDATE
    assert log.count == 1
    assert dune.author_id == bob.pk
    created = bob.books.create(title="New", pages=10)
    assert created.author_id == bob.pk and created.pk is not None
    ubik = Book.vinyl.get(title="Ubik")
    bob.books.set([ubik])  # a required key cannot let books go: set() only adds
    assert pks(Book.objects.filter(author__name="Bob")) == pks(
        [dune, shelf["emma"], created, ubik]
    )
    assert not hasattr(bob.books, "remove") and not hasattr(bob.books, "clear")  # as in Django
    assert not hasattr(Author.objects.get(name="Bob").books, "remove")


def test_reverse_manager_add_unsaved_object_raises_djangos_error(shelf):
    bob = Author.vinyl.get(name="Bob")
    draft = Book.vinyl.model(title="Draft", author_id=bob.pk)
    with pytest.raises(
        ValueError, match="instance isn't saved. Use bulk=False or save the object first."
    ):
        bob.books.add(draft)
    bob.books.add(draft, bulk=False)  # saves it
    assert Book.objects.filter(title="Draft", author=shelf["bob"]).exists()
    with pytest.raises(TypeError, match="'Book' instance expected"):
        bob.books.add(bob)


def test_nullable_reverse_manager_remove_clear_and_set(shelf):
    penguin = Publisher.vinyl.get(name="Penguin")
    dune, ubik = Book.vinyl.get(title="Dune"), Book.vinyl.get(title="Ubik")
    penguin.books.remove(dune)
    assert Book.objects.get(title="Dune").publisher_id is None
    with pytest.raises(
        Publisher.DoesNotExist, match="<Book: Ubik> is not related to <Publisher: Penguin>."
    ):
        penguin.books.remove(ubik)  # Django's error and message
    penguin.books.set([dune, ubik])
    assert pks(Book.objects.filter(publisher=shelf["penguin"])) == pks([dune, ubik])
    with capture_statements() as log:
        penguin.books.clear(bulk=False)  # a save() per object, atomically
    assert log.sql()[0] == "BEGIN" and log.sql()[-1] == "COMMIT"
    assert not Book.objects.filter(publisher__isnull=False).exists()
    penguin.books.set(Book.vinyl.filter(title__in=["Emma", "Ubik"]), clear=True)
    assert sorted(
        Book.objects.filter(publisher=shelf["penguin"]).values_list("title", flat=True)
    ) == ["Emma", "Ubik"]


def test_reverse_manager_get_or_create_and_update_or_create(shelf):
    ann = Author.vinyl.get(name="Ann")
    book, created = ann.books.get_or_create(title="Dune")
    assert not created and book == shelf["dune"]
    book, created = ann.books.get_or_create(title="Dune Messiah", defaults={"pages": 256})
    assert created and book.author_id == ann.pk and book.pages == 256
    book, created = ann.books.update_or_create(title="Dune", defaults={"pages": 999})
    assert not created and Book.objects.get(title="Dune").pages == 999
    # Emma is Bob's: not among Ann's books, so Ann gets a new one.
    book, created = ann.books.get_or_create(title="Emma")
    assert created and Book.objects.filter(title="Emma").count() == 2


def test_unsaved_instance_has_no_usable_reverse_manager():
    draft = Author.vinyl.model(name="Draft")
    with pytest.raises(ValueError) as vinyl_error:
        draft.books.create(title="x")
    with pytest.raises(ValueError) as django_error:
        Author(name="Draft").books.create(title="x")
    assert str(vinyl_error.value) == str(django_error.value)


# -- many-to-many managers ---------------------------------------------------------------


def test_many_to_many_reads_match_django(shelf):
    dune = Book.vinyl.get(title="Dune")
    django_dune = Book.objects.get(title="Dune")
    assert pks(fetch(dune.tags.all())) == pks(django_dune.tags.all())
    assert dune.tags.count() == django_dune.tags.count() == 2
    assert dune.tags.filter(name="sf").exists()
    sf = Tag.vinyl.get(name="sf")
    assert pks(fetch(sf.books.all())) == pks(Tag.objects.get(name="sf").books.all())
    with capture_statements() as log:
        dune.tags.count()
    assert "vinyltests_tag" not in log.sql()[0]  # the through table suffices, as in Django


def test_many_to_many_writes_match_django_on_both_sides(shelf):
    emma = Book.vinyl.get(title="Emma")
    sf, classic = Tag.vinyl.get(name="sf"), Tag.vinyl.get(name="classic")
    emma.tags.add(sf, classic.pk)
    emma.tags.add(sf)  # already linked: nothing changes
    assert pks(Book.objects.get(title="Emma").tags.all()) == pks([sf, classic])
    emma.tags.remove(classic)
    assert pks(Book.objects.get(title="Emma").tags.all()) == [sf.pk]
    classic.books.add(emma)  # the reverse side
    assert pks(Book.objects.get(title="Emma").tags.all()) == pks([sf, classic])
    emma.tags.set([classic])
    assert pks(Book.objects.get(title="Emma").tags.all()) == [classic.pk]
    emma.tags.set([sf.pk], clear=True)
    assert pks(Book.objects.get(title="Emma").tags.all()) == [sf.pk]
    sf.books.clear()
    assert not Tag.objects.get(name="sf").books.exists()
    new = emma.tags.create(name="new")
    assert pks(Book.objects.get(title="Emma").tags.all()) == [new.pk]
    tag, created = emma.tags.get_or_create(name="new")
    assert not created and tag == new
    tag, created = emma.tags.get_or_create(name="newer")
    assert created and Book.objects.get(title="Emma").tags.filter(name="newer").exists()
    tag, created = emma.tags.update_or_create(name="newest", defaults={"name": "newest"})
    assert created and Book.objects.get(title="Emma").tags.count() == 3


def test_many_to_many_with_through_model_and_through_defaults(shelf):
    club = Club.vinyl.create(name="Readers")
    ann, bob = Author.vinyl.get(name="Ann"), Author.vinyl.get(name="Bob")
    club.members.add(ann, through_defaults={"role": "chair"})
    club.members.add(bob, through_defaults={"role": lambda: "guest"})  # callables are called
    assert dict(Membership.objects.values_list("author__name", "role")) == {
        "Ann": "chair",
        "Bob": "guest",
    }
    club.members.set([bob], through_defaults={"role": "x"})
    assert list(Membership.objects.values_list("author__name", "role")) == [("Bob", "guest")]
    author = club.members.create(name="Cy", through_defaults={"role": "founder"})
    assert Membership.objects.get(author_id=author.pk).role == "founder"
    assert pks(fetch(ann.clubs.all())) == []
    ann.clubs.add(club, through_defaults={"role": "back"})
    assert Membership.objects.get(author=shelf["ann"]).role == "back"


def test_symmetrical_many_to_many_writes_both_directions(db):
    a, b, c = [Person.vinyl.create(name=n) for n in "abc"]
    a.friends.add(b, c)
    assert pks(Person.objects.get(name="b").friends.all()) == [a.pk]
    assert pks(fetch(c.friends.all())) == [a.pk]
    b.friends.remove(a)
    assert pks(Person.objects.get(name="a").friends.all()) == [c.pk]
    a.friends.clear()
    assert not Person.friends.through.objects.exists()


def test_many_to_many_add_wrong_type_and_unsaved_raise_djangos_errors(shelf):
    dune = Book.vinyl.get(title="Dune")
    with pytest.raises(TypeError, match="'Tag' instance expected"):
        dune.tags.add(dune)
    with pytest.raises(ValueError) as vinyl_error:
        dune.tags.add(Tag.vinyl.model(name="unsaved"))
    with pytest.raises(ValueError) as django_error:
        Book.objects.get(title="Dune").tags.add(Tag(name="unsaved"))
    assert str(vinyl_error.value) == str(django_error.value)
    with pytest.raises(ValueError) as vinyl_error:
        Book.vinyl.model(title="x").tags  # noqa: B018
    with pytest.raises(ValueError) as django_error:
        Book(title="x").tags  # noqa: B018
    assert str(vinyl_error.value) == str(django_error.value)


def test_direct_assignment_to_a_related_set_is_refused_like_django(shelf):
    ann = Author.vinyl.get(name="Ann")
    with pytest.raises(
        TypeError, match=r"Direct assignment to the reverse side of a related set is prohibited"
    ):
        ann.books = []


def test_prefetched_cache_is_dropped_by_writes(shelf):
    dune = Book.vinyl.prefetch_related("tags").get(title="Dune")
    assert len(dune["tags"]) == 2
    dune.tags.clear()
    with pytest.raises(NotFetched):
        dune["tags"]
    assert dune.tags.count() == 0


def test_sync_flavor_reads_relations_without_await(shelf):
    book = Book.vinyl.get(title="Dune")
    assert book.author == shelf["ann"]  # vinyl_sync queries at once
