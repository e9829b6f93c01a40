"""Test models: every relation kind, inheritance, and every concrete field type.

Each model keeps Django's ``objects`` and adds ``vinyl``, so a test can run the
same query through both and compare.
"""

import uuid

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models

from vinyl_async import VinylManager


class Publisher(models.Model):
    name = models.CharField(max_length=100, unique=True)
    country = models.CharField(max_length=50, blank=True, default="")

    objects = models.Manager()
    vinyl = VinylManager()

    def __str__(self):
        return self.name


class Author(models.Model):
    name = models.CharField(max_length=100)
    age = models.IntegerField(null=True)
    email = models.EmailField(blank=True, default="")
    mentor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="mentees"
    )

    objects = models.Manager()
    vinyl = VinylManager()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    objects = models.Manager()
    vinyl = VinylManager()

    def __str__(self):
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    publisher = models.ForeignKey(
        Publisher, null=True, blank=True, on_delete=models.SET_NULL, related_name="books"
    )
    pages = models.IntegerField(default=0)
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    rating = models.FloatField(null=True)
    published = models.DateField(null=True)
    metadata = models.JSONField(default=dict, blank=True)
    tags = models.ManyToManyField(Tag, related_name="books", blank=True)

    objects = models.Manager()
    vinyl = VinylManager()

    def __str__(self):
        return self.title


class AuthorProfile(models.Model):
    author = models.OneToOneField(Author, on_delete=models.CASCADE, related_name="profile")
    bio = models.TextField(blank=True, default="")

    objects = models.Manager()
    vinyl = VinylManager()


class Category(models.Model):
    name = models.CharField(max_length=50)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    objects = models.Manager()
    vinyl = VinylManager()


class Club(models.Model):
    name = models.CharField(max_length=50)
    members = models.ManyToManyField(Author, through="Membership", related_name="clubs")

    objects = models.Manager()
    vinyl = VinylManager()


class Membership(models.Model):
    club = models.ForeignKey(Club, on_delete=models.CASCADE)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    role = models.CharField(max_length=20, default="member")
    joined = models.DateField(null=True)

    objects = models.Manager()
    vinyl = VinylManager()


class Comment(models.Model):
    """Generic relation target: a comment on any object."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    text = models.CharField(max_length=100)

    objects = models.Manager()
    vinyl = VinylManager()


class Article(models.Model):
    headline = models.CharField(max_length=100)
    comments = GenericRelation(Comment)

    objects = models.Manager()
    vinyl = VinylManager()


class TimeStamped(models.Model):
    """Abstract base: its fields and its vinyl manager are inherited."""

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = models.Manager()
    vinyl = VinylManager()

    class Meta:
        abstract = True


class Note(TimeStamped):
    text = models.CharField(max_length=100)


class Place(models.Model):
    name = models.CharField(max_length=50)
    address = models.CharField(max_length=80, blank=True, default="")

    objects = models.Manager()
    vinyl = VinylManager()


class Restaurant(Place):
    serves_pizza = models.BooleanField(default=False)
    rating = models.IntegerField(null=True)


class Everything(models.Model):
    """One column of every concrete field type (round-trip tests)."""

    big = models.BigIntegerField(null=True)
    boolean = models.BooleanField(null=True)
    binary = models.BinaryField(null=True)
    char = models.CharField(max_length=100, null=True)
    date = models.DateField(null=True)
    datetime = models.DateTimeField(null=True)
    decimal = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    duration = models.DurationField(null=True)
    email = models.EmailField(null=True)
    file_path = models.FilePathField(null=True)
    floating = models.FloatField(null=True)
    integer = models.IntegerField(null=True)
    ip = models.GenericIPAddressField(null=True)
    json = models.JSONField(null=True)
    positive_big = models.PositiveBigIntegerField(null=True)
    positive = models.PositiveIntegerField(null=True)
    positive_small = models.PositiveSmallIntegerField(null=True)
    slug = models.SlugField(null=True)
    small = models.SmallIntegerField(null=True)
    text = models.TextField(null=True)
    time = models.TimeField(null=True)
    url = models.URLField(null=True)
    uuid = models.UUIDField(null=True)

    objects = models.Manager()
    vinyl = VinylManager()


class UUIDItem(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=50)

    objects = models.Manager()
    vinyl = VinylManager()


class Counter(models.Model):
    name = models.CharField(max_length=50, unique=True)
    value = models.IntegerField(default=0)

    objects = models.Manager()
    vinyl = VinylManager()


# -- writes and deletion: one foreign key per on_delete kind, RESTRICT chains ----------


class Owner(models.Model):
    name = models.CharField(max_length=50)

    objects = models.Manager()
    vinyl = VinylManager()


def _no_owner():
    return -1  # no such owner (MySQL refuses 0 for an auto-increment key)


class Pet(models.Model):
    """One nullable foreign key to Owner per ``on_delete`` kind.

    The ones that may point at a missing owner (-1) have no database constraint.
    """

    name = models.CharField(max_length=50)
    cascade = models.ForeignKey(
        Owner, models.CASCADE, null=True, blank=True, related_name="cascade_pets"
    )
    set_null = models.ForeignKey(
        Owner, models.SET_NULL, null=True, blank=True, related_name="set_null_pets"
    )
    set_default = models.ForeignKey(
        Owner,
        models.SET_DEFAULT,
        null=True,
        blank=True,
        default=-1,
        db_constraint=False,
        related_name="set_default_pets",
    )
    set_callable = models.ForeignKey(
        Owner,
        models.SET(_no_owner),
        null=True,
        blank=True,
        db_constraint=False,
        related_name="set_callable_pets",
    )
    set_value = models.ForeignKey(
        Owner, models.SET(None), null=True, blank=True, related_name="set_value_pets"
    )
    do_nothing = models.ForeignKey(
        Owner,
        models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="do_nothing_pets",
    )
    protect = models.ForeignKey(
        Owner, models.PROTECT, null=True, blank=True, related_name="protected_pets"
    )
    restrict = models.ForeignKey(
        Owner, models.RESTRICT, null=True, blank=True, related_name="restricted_pets"
    )

    objects = models.Manager()
    vinyl = VinylManager()


class Toy(models.Model):
    """Cascades from Pet, so deleting pets is not a single fast DELETE."""

    name = models.CharField(max_length=50)
    pet = models.ForeignKey(Pet, models.CASCADE, related_name="toys")

    objects = models.Manager()
    vinyl = VinylManager()


class Artist(models.Model):
    """Django's RESTRICT example: songs restrict albums, both cascade from artists."""

    name = models.CharField(max_length=50)

    objects = models.Manager()
    vinyl = VinylManager()


class Album(models.Model):
    title = models.CharField(max_length=50)
    artist = models.ForeignKey(Artist, models.CASCADE, related_name="albums")

    objects = models.Manager()
    vinyl = VinylManager()


class Song(models.Model):
    title = models.CharField(max_length=50)
    artist = models.ForeignKey(Artist, models.CASCADE, related_name="songs")
    album = models.ForeignKey(Album, models.RESTRICT, related_name="songs")

    objects = models.Manager()
    vinyl = VinylManager()


class Sticker(models.Model):
    """DO_NOTHING with a database constraint: deleting its owner fails in the database."""

    name = models.CharField(max_length=50)
    owner = models.ForeignKey(Owner, models.DO_NOTHING, related_name="stickers")

    objects = models.Manager()
    vinyl = VinylManager()


class Chapter(models.Model):
    """``order_with_respect_to``: new rows are numbered within their book."""

    title = models.CharField(max_length=50)
    book = models.ForeignKey(Book, models.CASCADE, related_name="chapters")

    objects = models.Manager()
    vinyl = VinylManager()

    class Meta:
        order_with_respect_to = "book"


class Person(models.Model):
    """A symmetrical many-to-many relation to itself."""

    name = models.CharField(max_length=50)
    friends = models.ManyToManyField("self", blank=True)

    objects = models.Manager()
    vinyl = VinylManager()


# -- Django's documentation models: "Making queries" and "Aggregation" ----------------
# Named Doc*/Agg* to keep clear of the models above; related names are the ones the
# docs' examples use (blog.entry_set, entry__headline, publisher.book_set, book__rating).


class DocBlog(models.Model):
    name = models.CharField(max_length=100)
    tagline = models.TextField()

    objects = models.Manager()
    vinyl = VinylManager()

    def __str__(self):
        return self.name


class DocAuthor(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField()

    objects = models.Manager()
    vinyl = VinylManager()

    def __str__(self):
        return self.name


def _today():
    import datetime

    return datetime.date.today()


class DocEntry(models.Model):
    blog = models.ForeignKey(
        DocBlog, on_delete=models.CASCADE, related_name="entry_set", related_query_name="entry"
    )
    headline = models.CharField(max_length=255)
    body_text = models.TextField()
    pub_date = models.DateField()
    mod_date = models.DateField(default=_today)
    authors = models.ManyToManyField(
        DocAuthor, related_name="entry_set", related_query_name="entry"
    )
    number_of_comments = models.IntegerField(default=0)
    number_of_pingbacks = models.IntegerField(default=0)
    rating = models.IntegerField(default=5)

    objects = models.Manager()
    vinyl = VinylManager()

    def __str__(self):
        return self.headline


class DocEntryDetail(models.Model):
    entry = models.OneToOneField(DocEntry, on_delete=models.CASCADE, related_name="entrydetail")
    details = models.TextField()

    objects = models.Manager()
    vinyl = VinylManager()


class DocDog(models.Model):
    name = models.CharField(max_length=200)
    data = models.JSONField(null=True)

    objects = models.Manager()
    vinyl = VinylManager()

    def __str__(self):
        return self.name


class AggAuthor(models.Model):
    name = models.CharField(max_length=100)
    age = models.IntegerField()

    objects = models.Manager()
    vinyl = VinylManager()


class AggPublisher(models.Model):
    name = models.CharField(max_length=300)

    objects = models.Manager()
    vinyl = VinylManager()


class AggBook(models.Model):
    name = models.CharField(max_length=300)
    pages = models.IntegerField()
    price = models.DecimalField(max_digits=10, decimal_places=2)
    rating = models.FloatField()
    authors = models.ManyToManyField(AggAuthor, related_name="book_set", related_query_name="book")
    publisher = models.ForeignKey(
        AggPublisher, on_delete=models.CASCADE, related_name="book_set", related_query_name="book"
    )
    pubdate = models.DateField()

    objects = models.Manager()
    vinyl = VinylManager()


class AggStore(models.Model):
    name = models.CharField(max_length=300)
    books = models.ManyToManyField(AggBook, related_name="store_set", related_query_name="store")

    objects = models.Manager()
    vinyl = VinylManager()


class Account(models.Model):
    """Transaction and reliability tests: balances, and a tag naming the operation that wrote."""

    owner = models.CharField(max_length=50)
    balance = models.IntegerField(default=0)
    tag = models.CharField(max_length=50, blank=True, default="")

    objects = models.Manager()
    vinyl = VinylManager()
    vinyl_other = VinylManager(using="other")  # a manager bound to another alias


# Models in dependency order: tables are created in this order, dropped in reverse.
ALL_MODELS = [
    Publisher,
    Author,
    Tag,
    Book,
    AuthorProfile,
    Category,
    Club,
    Membership,
    Comment,
    Article,
    Note,
    Place,
    Restaurant,
    Everything,
    UUIDItem,
    Counter,
    Owner,
    Pet,
    Toy,
    Artist,
    Album,
    Song,
    Person,
    Sticker,
    Chapter,
    DocBlog,
    DocAuthor,
    DocEntry,
    DocEntryDetail,
    DocDog,
    AggAuthor,
    AggPublisher,
    AggBook,
    AggStore,
    Account,
]
