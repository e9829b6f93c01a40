# generated from tests/async_/test_no_signals.py by codegen — do not edit

"""vinyl sends no model signals.

``pre_save``/``post_save``/``pre_delete``/``post_delete``/``m2m_changed`` are never
sent by vinyl's writes, not even to receivers listening to every sender. The
``pre_init``/``post_init`` pair is sent by Django's ``Model.__init__`` itself, with
the instance's class as sender: for vinyl instances that is the model's vinyl
twin (``M.vinyl.model``), so receivers of the model (``sender=M``) never hear
them; only a receiver of every sender sees them, with the twin as sender.
"""

import pytest
from django.db.models import F, signals
from helpers import fetch
from vinyltests.models import (
    ALL_MODELS,
    Album,
    Artist,
    Author,
    AuthorProfile,
    Book,
    Club,
    Counter,
    Owner,
    Person,
    Pet,
    Publisher,
    Restaurant,
    Song,
    Tag,
    Toy,
)

from vinyl_sync.batch import batch
from vinyl_sync.instances import is_twin

pytestmark = pytest.mark.usefixtures("db")

WRITE_SIGNALS = ("pre_save", "post_save", "pre_delete", "post_delete", "m2m_changed")
INIT_SIGNALS = ("pre_init", "post_init")


def _models():
    models = list(ALL_MODELS)
    for model in ALL_MODELS:
        for field in model._meta.local_many_to_many:
            models.append(field.remote_field.through)
    return models


@pytest.fixture
def heard():
    """Receivers on every model signal; yields what they heard."""
    calls = []
    connected = []

    def listen(name, sender):
        def receiver(sender, **kwargs):
            calls.append((name, sender))

        getattr(signals, name).connect(receiver, sender=sender, weak=False)
        connected.append((name, receiver, sender))

    for name in WRITE_SIGNALS:
        listen(name, None)  # every sender
    for name in (*WRITE_SIGNALS, *INIT_SIGNALS):
        for model in _models():
            listen(name, model)
    everyone = []
    for name in INIT_SIGNALS:

        def receiver(sender, name=name, **kwargs):
            everyone.append((name, sender))

        getattr(signals, name).connect(receiver, weak=False)
        connected.append((name, receiver, None))
    yield calls, everyone
    for name, receiver, sender in connected:
        getattr(signals, name).disconnect(receiver, sender=sender)


def every_kind_of_write():
    ann = Author.vinyl.create(name="Ann")
    ann.age = 3
    ann.save()
    ann.refresh_from_db()
    AuthorProfile.vinyl.create(author=ann, bio="x")
    publisher = Publisher.vinyl.create(name="p")
    books = Book.vinyl.bulk_create([Book.vinyl.model(title=f"b{i}", author=ann) for i in range(3)])
    books = fetch(Book.vinyl.order_by("pk"))
    for book in books:
        book.pages = 5
    Book.vinyl.bulk_update(books, ["pages"])
    Book.vinyl.filter(pages=5).update(pages=F("pages") + 1)
    publisher.books.add(*books)
    publisher.books.remove(books[0])
    publisher.books.clear(bulk=False)
    publisher.books.add(books[1], bulk=False)
    tag, _ = Tag.vinyl.get_or_create(name="t")
    Tag.vinyl.update_or_create(name="t", defaults={"name": "t"})
    books[0].tags.add(tag)
    books[1].tags.set([tag])
    books[0].tags.remove(tag)
    tag.books.clear()
    books[2].tags.create(name="made")
    club = Club.vinyl.create(name="c")
    club.members.add(ann, through_defaults={"role": "r"})
    a, b = Person.vinyl.create(name="a"), Person.vinyl.create(name="b")
    a.friends.add(b)
    a.friends.clear()
    restaurant = Restaurant.vinyl.create(name="r", serves_pizza=True)
    restaurant.rating = 2
    restaurant.save()
    restaurant.delete()
    owner = Owner.vinyl.create(name="o")
    pet = Pet.vinyl.create(
        name="p", cascade=owner, set_null=owner, set_default=owner, set_callable=owner
    )
    Toy.vinyl.create(name="t", pet=pet)
    owner.delete()
    artist = Artist.vinyl.create(name="band")
    album = Album.vinyl.create(title="x", artist=artist)
    Song.vinyl.create(title="s", artist=artist, album=album)
    artist.delete()
    with batch():
        counter = Counter.vinyl.create(name="c")
        counter.value = 1
        counter.save()
        Counter.vinyl.filter(name="c").delete()
    Author.vinyl.all().delete()


def test_no_model_signal_is_sent_by_vinyl_writes(heard):
    calls, everyone = heard
    every_kind_of_write()
    assert calls == []
    # Django's Model.__init__ announces new objects with their class as sender:
    # the vinyl twins, never the models themselves.
    assert everyone and all(is_twin(sender) for _, sender in everyone)


def test_django_itself_is_heard_by_the_same_receivers(heard):
    calls, _ = heard
    Author.objects.create(name="Django")
    assert ("pre_save", Author) in calls and ("post_save", Author) in calls
    assert ("pre_init", Author) in calls
