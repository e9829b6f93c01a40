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

from vinyl_async.batch import batch
from vinyl_async.instances import is_twin

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


async def every_kind_of_write():
    ann = await Author.vinyl.create(name="Ann")
    ann.age = 3
    await ann.save()
    await ann.refresh_from_db()
    await AuthorProfile.vinyl.create(author=ann, bio="x")
    publisher = await Publisher.vinyl.create(name="p")
    books = await Book.vinyl.bulk_create(
        [Book.vinyl.model(title=f"b{i}", author=ann) for i in range(3)]
    )
    books = await fetch(Book.vinyl.order_by("pk"))
    for book in books:
        book.pages = 5
    await Book.vinyl.bulk_update(books, ["pages"])
    await Book.vinyl.filter(pages=5).update(pages=F("pages") + 1)
    await publisher.books.add(*books)
    await publisher.books.remove(books[0])
    await publisher.books.clear(bulk=False)
    await publisher.books.add(books[1], bulk=False)
    tag, _ = await Tag.vinyl.get_or_create(name="t")
    await Tag.vinyl.update_or_create(name="t", defaults={"name": "t"})
    await books[0].tags.add(tag)
    await books[1].tags.set([tag])
    await books[0].tags.remove(tag)
    await tag.books.clear()
    await books[2].tags.create(name="made")
    club = await Club.vinyl.create(name="c")
    await club.members.add(ann, through_defaults={"role": "r"})
    a, b = await Person.vinyl.create(name="a"), await Person.vinyl.create(name="b")
    await a.friends.add(b)
    await a.friends.clear()
    restaurant = await Restaurant.vinyl.create(name="r", serves_pizza=True)
    restaurant.rating = 2
    await restaurant.save()
    await restaurant.delete()
    owner = await Owner.vinyl.create(name="o")
    pet = await Pet.vinyl.create(
        name="p", cascade=owner, set_null=owner, set_default=owner, set_callable=owner
    )
    await Toy.vinyl.create(name="t", pet=pet)
    await owner.delete()
    artist = await Artist.vinyl.create(name="band")
    album = await Album.vinyl.create(title="x", artist=artist)
    await Song.vinyl.create(title="s", artist=artist, album=album)
    await artist.delete()
    async with batch():
        counter = await Counter.vinyl.create(name="c")
        counter.value = 1
        await counter.save()
        await Counter.vinyl.filter(name="c").delete()
    await Author.vinyl.all().delete()


async def test_no_model_signal_is_sent_by_vinyl_writes(heard):
    calls, everyone = heard
    await every_kind_of_write()
    assert calls == []
    # Django's Model.__init__ announces new objects with their class as sender:
    # the vinyl twins, never the models themselves.
    assert everyone and all(is_twin(sender) for _, sender in everyone)


async def test_django_itself_is_heard_by_the_same_receivers(heard):
    calls, _ = heard
    Author.objects.create(name="Django")
    assert ("pre_save", Author) in calls and ("post_save", Author) in calls
    assert ("pre_init", Author) in calls
