# generated from tests/async_/test_delete.py by codegen — do not edit

"""Deleting through vinyl: every ``on_delete`` rule, as Django's collector does it.

Each scenario builds the same rows twice through Django, deletes once with
Django and once with vinyl, and compares what was returned, what was raised,
the statements sent (in order, transaction control aside) and the tables left.
"""

from contextlib import contextmanager

import pytest
from conftest import _table_names, empty_tables
from django.db import IntegrityError, connection
from django.db.models import ProtectedError, RestrictedError
from helpers import capture_statements
from vinyltests.models import (
    Album,
    Article,
    Artist,
    Author,
    AuthorProfile,
    Book,
    Category,
    Club,
    Comment,
    Membership,
    Owner,
    Pet,
    Place,
    Publisher,
    Restaurant,
    Song,
    Sticker,
    Tag,
    Toy,
)

pytestmark = pytest.mark.usefixtures("db")

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _is_data_statement(sql):
    return not sql.lstrip().upper().startswith(TRANSACTION_CONTROL)


@contextmanager
def django_statements():
    """(sql, params) of every statement Django's connection sends, while active."""
    log = []

    def record(execute, sql, params, many, context):
        if _is_data_statement(sql):
            log.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield log


def vinyl_data_statements(log):
    return [(sql, tuple(params or ())) for _alias, sql, params in log if _is_data_statement(sql)]


def snapshot():
    tables = {}
    with connection.cursor() as cursor:
        for name in _table_names():
            cursor.execute("SELECT * FROM %s ORDER BY 1" % connection.ops.quote_name(name))
            tables[name] = [tuple(row) for row in cursor.fetchall()]
    return tables


def outcome_of_django(call):
    try:
        return ("returned", call())
    except Exception as exc:
        return ("raised", type(exc), str(exc))


def outcome_of_vinyl(call):
    try:
        return ("returned", call())
    except Exception as exc:
        return ("raised", type(exc), str(exc))


def assert_deletes_like_django(build, django_delete, vinyl_delete):
    """Build with Django, delete with each, compare outcome, statements and tables."""
    target = build()
    with django_statements() as django_log:
        django_outcome = outcome_of_django(lambda: django_delete(target))
    django_tables = snapshot()
    empty_tables()
    target = build()
    with capture_statements() as vinyl_log:
        vinyl_outcome = outcome_of_vinyl(lambda: vinyl_delete(target))
    assert vinyl_outcome == django_outcome
    assert vinyl_data_statements(vinyl_log) == django_log
    assert snapshot() == django_tables
    return vinyl_outcome, vinyl_log.sql()


# -- data --------------------------------------------------------------------------------


def owner_with_every_kind_of_pet():
    owner, other = Owner.objects.create(name="owner"), Owner.objects.create(name="other")
    for kind in ("cascade", "set_null", "set_default", "set_callable", "set_value", "do_nothing"):
        pet = Pet.objects.create(name=kind, **{kind: owner})
        Toy.objects.create(name=f"{kind}-toy", pet=pet)
    Pet.objects.create(
        name="everything", cascade=other, set_null=owner, set_default=owner, set_callable=owner
    )
    Pet.objects.create(name="unrelated", set_null=other)
    return owner.pk


def author_with_everything():
    ann = Author.objects.create(name="Ann", age=60)
    bob = Author.objects.create(name="Bob", age=30, mentor=ann)
    Author.objects.create(name="Cy", age=20, mentor=bob)
    AuthorProfile.objects.create(author=ann, bio="x")
    tag = Tag.objects.create(name="t")
    publisher = Publisher.objects.create(name="p")
    for i in range(3):
        book = Book.objects.create(
            title=f"b{i}", author=ann if i < 2 else bob, publisher=publisher
        )
        book.tags.add(tag)
    club = Club.objects.create(name="c")
    Membership.objects.create(club=club, author=ann, role="chair")
    Membership.objects.create(club=club, author=bob)
    return ann.pk


def category_tree():
    root = Category.objects.create(name="root")
    for i in range(2):
        child = Category.objects.create(name=f"c{i}", parent=root)
        for j in range(2):
            Category.objects.create(name=f"c{i}{j}", parent=child)
    Category.objects.create(name="other")
    return root.pk


def restaurant():
    Restaurant.objects.create(name="Chez", serves_pizza=True)
    Place.objects.create(name="Park")
    return Restaurant.objects.get().pk


def article_with_comments():
    from django.contrib.contenttypes.models import ContentType

    article = Article.objects.create(headline="news")
    other = Article.objects.create(headline="old")
    for target in (article, article, other):
        Comment.objects.create(
            content_type=ContentType.objects.get_for_model(Article), object_id=target.pk, text="c"
        )
    return article.pk


# -- every on_delete rule ----------------------------------------------------------------


def test_every_on_delete_rule_matches_django_statement_for_statement():
    outcome, sql = assert_deletes_like_django(
        owner_with_every_kind_of_pet,
        lambda pk: Owner.objects.get(pk=pk).delete(),
        lambda pk: _delete_fetched(Owner, pk),
    )
    assert outcome == (
        "returned",
        (3, {"vinyltests.Toy": 1, "vinyltests.Pet": 1, "vinyltests.Owner": 1}),
    )
    assert sql.count("BEGIN") == 1 and sql[-1] == "COMMIT"  # the deletes are one transaction
    pets = dict(Pet.objects.values_list("name", "set_null_id"))
    assert pets["set_null"] is None and Pet.objects.get(name="set_default").set_default_id == -1
    assert Pet.objects.get(name="set_callable").set_callable_id == -1
    assert Pet.objects.get(name="set_value").set_value_id is None
    assert Pet.objects.get(name="do_nothing").do_nothing_id is not None  # left alone


def _delete_fetched(model, pk):
    obj = model.vinyl.get(pk=pk)
    return obj.delete()


def test_cascade_through_relations_self_reference_and_many_to_many():
    assert_deletes_like_django(
        author_with_everything,
        lambda pk: Author.objects.get(pk=pk).delete(),
        lambda pk: _delete_fetched(Author, pk),
    )


def test_queryset_delete_matches_django():
    assert_deletes_like_django(
        author_with_everything,
        lambda pk: Author.objects.filter(age__gte=30).delete(),
        lambda pk: Author.vinyl.filter(age__gte=30).delete(),
    )


def test_recursive_cascade_down_a_tree():
    outcome, _ = assert_deletes_like_django(
        category_tree,
        lambda pk: Category.objects.get(pk=pk).delete(),
        lambda pk: _delete_fetched(Category, pk),
    )
    assert outcome == ("returned", (7, {"vinyltests.Category": 7}))


def test_multi_table_child_and_parent_deletes():
    assert_deletes_like_django(
        restaurant,
        lambda pk: Restaurant.objects.get(pk=pk).delete(),
        lambda pk: _delete_fetched(Restaurant, pk),
    )
    empty_tables()
    assert_deletes_like_django(
        restaurant,
        lambda pk: Place.objects.get(pk=pk).delete(),
        lambda pk: _delete_fetched(Place, pk),
    )
    empty_tables()
    assert_deletes_like_django(
        restaurant,
        lambda pk: Restaurant.objects.get(pk=pk).delete(keep_parents=True),
        lambda pk: _delete_fetched_keeping_parents(pk),
    )
    assert Place.objects.filter(name="Chez").exists()


def _delete_fetched_keeping_parents(pk):
    obj = Restaurant.vinyl.get(pk=pk)
    return obj.delete(keep_parents=True)


def test_generic_relation_objects_are_deleted_with_their_target():
    outcome, _ = assert_deletes_like_django(
        article_with_comments,
        lambda pk: Article.objects.get(pk=pk).delete(),
        lambda pk: _delete_fetched(Article, pk),
    )
    assert outcome == ("returned", (3, {"vinyltests.Comment": 2, "vinyltests.Article": 1}))


def test_a_lone_row_is_one_delete_without_a_transaction():
    tag = Tag.vinyl.create(name="alone")
    toy_owner = Owner.vinyl.create(name="o")
    with capture_statements() as log:
        assert Toy.vinyl.filter(name="none").delete() == Toy.objects.filter(name="none").delete()
    assert [sql.split(" ")[0] for sql in log.sql()] == ["BEGIN", "DELETE", "COMMIT"]
    with capture_statements() as log:
        result = Sticker.vinyl.model(pk=1, name="s", owner=toy_owner).delete()
    assert result == (0, {"vinyltests.Sticker": 0})
    assert [sql.split(" ")[0] for sql in log.sql()] == ["DELETE"]
    book = Book.vinyl.create(title="b", author=Author.vinyl.create(name="a"))
    assert Book.vinyl.filter(pk=book.pk).delete() == (1, {"vinyltests.Book": 1})
    assert tag.pk is not None


def test_deleted_instances_lose_their_primary_key():
    pk = owner_with_every_kind_of_pet()
    owner = Owner.vinyl.get(pk=pk)
    owner.delete()
    assert owner.pk is None
    with pytest.raises(ValueError) as vinyl_error:
        owner.delete()
    with pytest.raises(ValueError) as django_error:
        Owner(name="x").delete()
    assert str(vinyl_error.value) == str(django_error.value)
    assert "Owner object can't be deleted because its id attribute is set to None." == str(
        vinyl_error.value
    )


# -- PROTECT and RESTRICT ----------------------------------------------------------------


def owner_with_protected_and_restricted_pets():
    owner = Owner.objects.create(name="owner")
    Pet.objects.create(name="guarded", protect=owner)
    Pet.objects.create(name="kept", restrict=owner)
    Pet.objects.create(name="gone", cascade=owner)
    return owner.pk


def test_protected_foreign_key_refuses_with_djangos_error_naming_model_and_field():
    outcome, sql = assert_deletes_like_django(
        owner_with_protected_and_restricted_pets,
        lambda pk: Owner.objects.get(pk=pk).delete(),
        lambda pk: _delete_fetched(Owner, pk),
    )
    assert outcome[:2] == ("raised", ProtectedError)
    assert outcome[2].startswith(
        "(\"Cannot delete some instances of model 'Owner' because they are referenced "
        "through protected foreign keys: 'Pet.protect'.\""
    )
    assert not any(statement.startswith(("DELETE", "UPDATE")) for statement in sql)
    owner = Owner.vinyl.get()
    with pytest.raises(ProtectedError) as error:
        owner.delete()
    assert {pet.pk for pet in error.value.protected_objects} == {
        Pet.objects.get(name="guarded").pk
    }


def test_restricted_foreign_key_refuses_unless_the_rows_cascade_too():
    outcome, _ = assert_deletes_like_django(
        _owner_with_restricted_pet,
        lambda pk: Owner.objects.get(pk=pk).delete(),
        lambda pk: _delete_fetched(Owner, pk),
    )
    assert outcome[:2] == ("raised", RestrictedError)
    assert (
        "Cannot delete some instances of model 'Owner' because they are referenced through restricted foreign keys: 'Pet.restrict'."
        in outcome[2]
    )
    owner = Owner.vinyl.get(name="owner")
    with pytest.raises(RestrictedError) as error:
        owner.delete()
    assert {pet.pk for pet in error.value.restricted_objects} == {Pet.objects.get(name="kept").pk}


def _owner_with_restricted_pet():
    owner = Owner.objects.create(name="owner")
    Pet.objects.create(name="kept", restrict=owner)
    Pet.objects.create(name="gone", cascade=owner, restrict=Owner.objects.create(name="second"))
    return owner.pk


def artist_with_album_and_songs():
    artist = Artist.objects.create(name="band")
    album = Album.objects.create(title="first", artist=artist)
    Song.objects.create(title="one", artist=artist, album=album)
    Song.objects.create(title="two", artist=artist, album=album)
    return artist.pk


def test_djangos_restrict_example_album_refused_artist_allowed():
    outcome, _ = assert_deletes_like_django(
        artist_with_album_and_songs,
        lambda pk: Album.objects.get(artist_id=pk).delete(),
        lambda pk: _delete_album_of(pk),
    )
    assert outcome[:2] == ("raised", RestrictedError)
    assert "'Song.album'" in outcome[2]
    empty_tables()
    outcome, _ = assert_deletes_like_django(
        artist_with_album_and_songs,
        lambda pk: Artist.objects.get(pk=pk).delete(),
        lambda pk: _delete_fetched(Artist, pk),
    )
    assert outcome == (
        "returned",
        (4, {"vinyltests.Song": 2, "vinyltests.Album": 1, "vinyltests.Artist": 1}),
    )


def _delete_album_of(artist_pk):
    album = Album.vinyl.get(artist_id=artist_pk)
    return album.delete()


# -- atomicity -----------------------------------------------------------------------------


def test_a_delete_the_database_refuses_changes_nothing():
    owner = Owner.objects.create(name="owner")
    Pet.objects.create(name="nulled", set_null=owner)
    Toy.objects.create(name="toy", pet=Pet.objects.create(name="cascaded", cascade=owner))
    Sticker.objects.create(name="s", owner=owner)  # DO_NOTHING, enforced by the database
    before = snapshot()
    vinyl_owner = Owner.vinyl.get(pk=owner.pk)
    with capture_statements() as log:
        with pytest.raises(IntegrityError):
            vinyl_owner.delete()
    # The writes ran in one transaction (the database refuses at the DELETE or,
    # with deferred constraints, at COMMIT): none of them stayed.
    writes = [i for i, sql in enumerate(log.sql()) if sql.startswith(("UPDATE", "DELETE"))]
    assert len(writes) >= 3 and log.sql()[writes[0] - 1] == "BEGIN"
    assert snapshot() == before
    with pytest.raises(IntegrityError):
        Owner.objects.get(pk=owner.pk).delete()  # Django fails the same way
    assert snapshot() == before
