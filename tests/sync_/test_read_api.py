# generated from tests/async_/test_read_api.py by codegen — do not edit

"""The read API through ``M.vinyl`` gives what Django's ``M.objects`` gives, query by query.

Each query is run through both managers on the same rows; results are compared
exactly (order, field values, annotations, select_related caches) and vinyl must
send as many statements as Django. The schema has FK, nullable FK, self FK,
one-to-one, many-to-many (plain and with a through model), generic relations,
multi-table and abstract inheritance, JSON and every concrete field type.
"""

import datetime
import decimal

import django
import pytest
from differential import (
    assert_same,
    build_world,
    compare_call,
    compare_query,
    django_side,
    run_django,
    run_vinyl,
    vinyl_side,
)
from django.core.exceptions import FieldError
from django.db import DatabaseError, NotSupportedError, connection, transaction
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KT
from django.db.models.functions import (
    Cast,
    Coalesce,
    Concat,
    DenseRank,
    ExtractMonth,
    ExtractYear,
    FirstValue,
    Greatest,
    Lag,
    Lead,
    Least,
    Length,
    Lower,
    Ntile,
    Rank,
    Round,
    RowNumber,
    Substr,
    TruncMonth,
    TruncYear,
    Upper,
)
from django.db.transaction import TransactionManagementError
from helpers import capture_statements, fetch
from vinyltests.models import (
    Article,
    Author,
    AuthorProfile,
    Book,
    Category,
    Club,
    Comment,
    Everything,
    Membership,
    Note,
    Place,
    Publisher,
    Restaurant,
    Tag,
    UUIDItem,
)

import vinyl_sync
from vinyl_sync import NotFetched


@pytest.fixture
def world(db):
    return build_world()


def _newest_title(s):
    return Subquery(
        s(Book).filter(author=OuterRef("pk")).order_by("-published", "-id").values("title")[:1]
    )


def _book_count(s):
    return Subquery(
        s(Book)
        .filter(author=OuterRef("pk"))
        .order_by()
        .values("author")
        .annotate(n=Count("pk"))
        .values("n")
    )


QUERIES = {
    # -- filter / exclude: lookups --------------------------------------------------------
    "all": lambda s: s(Book).order_by("id"),
    "exact": lambda s: s(Book).filter(title="Dune"),
    "iexact": lambda s: s(Book).filter(title__iexact="dUNE"),
    "contains": lambda s: s(Book).filter(title__contains="on").order_by("id"),
    "icontains": lambda s: s(Book).filter(title__icontains="HYPER").order_by("id"),
    "startswith": lambda s: s(Book).filter(title__startswith="P"),
    "istartswith": lambda s: s(Book).filter(title__istartswith="f").order_by("id"),
    "endswith": lambda s: s(Book).filter(title__endswith="on").order_by("id"),
    "iendswith": lambda s: s(Book).filter(title__iendswith="ON").order_by("id"),
    "regex": lambda s: s(Book).filter(title__regex=r"^[DE]").order_by("id"),
    "iregex": lambda s: s(Book).filter(title__iregex=r"^(dune|emma)$").order_by("id"),
    "gt_lt": lambda s: s(Book).filter(pages__gt=210, pages__lt=450).order_by("pages"),
    "gte_lte": lambda s: s(Book).filter(pages__gte=249, pages__lte=300).order_by("pages"),
    "in_list": lambda s: s(Book).filter(pages__in=[202, 204, 999]).order_by("-pages"),
    "in_subquery": lambda s: (
        s(Book).filter(author__in=s(Author).filter(age__gt=30)).order_by("id")
    ),
    "in_values_subquery": lambda s: (
        s(Book)
        .filter(publisher_id__in=s(Publisher).filter(country="US").values("pk"))
        .order_by("id")
    ),
    "range_decimal": lambda s: (
        s(Book)
        .filter(price__range=(decimal.Decimal("6"), decimal.Decimal("9.5")))
        .order_by("price")
    ),
    "range_date": lambda s: (
        s(Book)
        .filter(published__range=(datetime.date(1900, 1, 1), datetime.date(1970, 1, 1)))
        .order_by("published")
    ),
    "isnull_true": lambda s: s(Book).filter(rating__isnull=True),
    "isnull_false": lambda s: s(Book).filter(published__isnull=False).order_by("published"),
    "null_fk": lambda s: s(Book).filter(publisher__isnull=True).order_by("id"),
    "fk_by_instance_pk": lambda s: s(Book).filter(author_id=1).order_by("id"),
    "pk_in": lambda s: s(Book).filter(pk__in=[1, 3, 5]).order_by("-pk"),
    "empty_in": lambda s: s(Book).filter(pk__in=[]),
    "year": lambda s: s(Book).filter(published__year__lt=1900).order_by("published"),
    "month": lambda s: s(Book).filter(published__month=12).order_by("title"),
    "day": lambda s: s(Book).filter(published__day=1).order_by("id"),
    "week_day": lambda s: s(Book).filter(published__week_day=2).order_by("id"),
    "quarter": lambda s: s(Book).filter(published__quarter=3).order_by("id"),
    "iso_year_week": lambda s: (
        s(Book).filter(published__iso_year__gte=1960, published__week__lte=30).order_by("id")
    ),
    "datetime_date": lambda s: (
        s(Note).filter(created__date__gte=datetime.date(2000, 1, 1)).order_by("id")
    ),
    "datetime_hour": lambda s: (
        s(Everything).filter(datetime__hour=12, datetime__minute=30).order_by("id")
    ),
    "time_lookup": lambda s: s(Everything).filter(time__gt=datetime.time(12)).order_by("id"),
    "exclude": lambda s: s(Book).exclude(author__name="Ann").order_by("title"),
    "exclude_multi_valued": lambda s: s(Book).exclude(tags__name="sf").order_by("id"),
    "exclude_null": lambda s: s(Book).exclude(rating=None).order_by("-rating"),
    "filter_exclude_chain": lambda s: (
        s(Book)
        .filter(pages__gt=200)
        .exclude(publisher__name="Tor")
        .filter(rating__gt=3.95)
        .order_by("id")
    ),
    # -- Q and F --------------------------------------------------------------------------
    "q_or": lambda s: s(Book).filter(Q(pages__lt=210) | Q(title="Emma")).order_by("id"),
    "q_and_not": lambda s: (
        s(Book).filter(Q(pages__gt=250) & ~Q(author__name="Bob")).order_by("-id")
    ),
    "q_xor": lambda s: s(Book).filter(Q(pages__gt=400) ^ Q(publisher__name="Tor")).order_by("id"),
    "q_nested": lambda s: (
        s(Book)
        .filter(Q(Q(rating__gte=4.2) | Q(rating__isnull=True)), ~Q(title__startswith="F"))
        .order_by("id")
    ),
    "f_compare": lambda s: s(Book).filter(pages__gt=F("price") * 40).order_by("id"),
    "f_across_fk": lambda s: s(Book).filter(pages__gt=F("author__age") * 8).order_by("id"),
    "f_arithmetic_annotation": lambda s: (
        s(Book)
        .annotate(
            per_page=ExpressionWrapper(
                F("price") / F("pages"), output_field=DecimalField(max_digits=10, decimal_places=6)
            )
        )
        .order_by("id")
    ),
    "f_self_fk": lambda s: s(Author).filter(age__lt=F("mentor__age")),
    # -- across relations --------------------------------------------------------------------
    "across_fk": lambda s: s(Book).filter(author__age__gte=40).order_by("title"),
    "across_two_fks": lambda s: s(Book).filter(author__mentor__name="Ann").order_by("title"),
    "across_m2m": lambda s: s(Book).filter(tags__name="sf").order_by("title"),
    "across_m2m_twice": lambda s: (
        s(Book).filter(tags__name="sf").filter(tags__name="award").order_by("id")
    ),
    "reverse_fk": lambda s: s(Author).filter(books__pages__gt=450).distinct(),
    "reverse_fk_isnull": lambda s: s(Author).filter(books__isnull=True),
    "reverse_m2m": lambda s: s(Tag).filter(books__author__name="Ann").distinct().order_by("name"),
    "reverse_o2o": lambda s: s(Author).filter(profile__bio__contains="e"),
    "forward_o2o": lambda s: s(AuthorProfile).filter(author__age__lt=40).order_by("id"),
    "self_fk_chain": lambda s: s(Author).filter(mentor__mentor__name="Ann"),
    "self_fk_reverse": lambda s: s(Author).filter(mentees__name="Cy"),
    "self_fk_tree": lambda s: s(Category).filter(parent__parent__name="root").order_by("name"),
    "through_model_field": lambda s: s(Club).filter(membership__role="chair").order_by("name"),
    "through_reverse": lambda s: s(Author).filter(
        clubs__name="Writers", membership__joined__isnull=False
    ),
    "generic_relation": lambda s: s(Article).filter(comments__text__startswith="s").order_by("id"),
    "generic_relation_count": lambda s: (
        s(Article).annotate(n=Count("comments")).order_by("-n", "id")
    ),
    "gfk_fields": lambda s: (
        s(Comment).filter(content_type__model="article").order_by("object_id", "id")
    ),
    # -- multi-table and abstract inheritance ------------------------------------------------
    "mti_child": lambda s: s(Restaurant).order_by("name"),
    "mti_child_parent_field": lambda s: s(Restaurant).filter(name__startswith="L"),
    "mti_parent_via_child": lambda s: s(Place).filter(restaurant__serves_pizza=True),
    "mti_parent_all": lambda s: s(Place).order_by("-id"),
    "mti_child_null": lambda s: s(Restaurant).filter(rating__isnull=True),
    "mti_select_related_child": lambda s: s(Place).select_related("restaurant").order_by("id"),
    "mti_values": lambda s: (
        s(Restaurant).values("name", "address", "serves_pizza", "rating").order_by("id")
    ),
    "abstract_child": lambda s: (
        s(Note).filter(text__in=["alpha", "gamma"]).order_by("-created", "-id")
    ),
    "abstract_inherited_fields": lambda s: (
        s(Note).filter(created__lte=F("modified")).order_by("id")
    ),
    # -- JSONField ---------------------------------------------------------------------------
    "json_key": lambda s: s(Book).filter(metadata__series="dune"),
    "json_nested_key": lambda s: s(Book).filter(metadata__nested__a__b=3),
    "json_index": lambda s: s(Book).filter(metadata__tags__1="sf").order_by("id"),
    "json_key_isnull": lambda s: s(Book).filter(metadata__series__isnull=True).order_by("id"),
    "json_has_key": lambda s: s(Book).filter(metadata__has_key="series").order_by("id"),
    "json_has_keys": lambda s: s(Book).filter(metadata__has_keys=["series", "n"]).order_by("id"),
    "json_has_any_keys": lambda s: (
        s(Book).filter(metadata__has_any_keys=["tags", "nested"]).order_by("id")
    ),
    "json_contains": lambda s: (
        s(Book).filter(metadata__contains={"series": "cantos"}).order_by("id")
    ),
    "json_key_null_value": lambda s: s(Book).filter(metadata__n=None).order_by("id"),
    "json_key_gt": lambda s: s(Book).filter(metadata__n__gt=1).order_by("id"),
    "json_kt_annotation": lambda s: (
        s(Book)
        .annotate(series=KT("metadata__series"))
        .filter(series__startswith="c")
        .order_by("id")
    ),
    "json_order_by_key": lambda s: (
        s(Book).filter(metadata__has_key="series").order_by("metadata__series", "id")
    ),
    "json_values_key": lambda s: s(Book).values("title", "metadata__series").order_by("id"),
    "json_whole_value": lambda s: (
        s(Everything).filter(json__k__2__x=None).values_list("json", flat=True)
    ),
    # -- annotate / aggregate expressions ---------------------------------------------------
    "annotate_count": lambda s: s(Book).annotate(n_tags=Count("tags")).order_by("-n_tags", "id"),
    "annotate_count_distinct": lambda s: s(Author).annotate(n=Count("books__tags", distinct=True)),
    "annotate_sum_avg": lambda s: s(Author).annotate(
        pages=Sum("books__pages"), avg=Avg("books__pages")
    ),
    "annotate_min_max": lambda s: (
        s(Publisher)
        .annotate(first=Min("books__published"), last=Max("books__published"))
        .order_by("id")
    ),
    "annotate_filtered_aggregate": lambda s: s(Author).annotate(
        long=Count("books", filter=Q(books__pages__gt=300))
    ),
    "annotate_filter_on_aggregate": lambda s: (
        s(Author).annotate(n=Count("books")).filter(n__gte=2)
    ),
    "annotate_order_by_aggregate": lambda s: (
        s(Tag).annotate(n=Count("books")).order_by("-n", "name")
    ),
    "annotate_aggregate_of_fk_chain": lambda s: s(Author).annotate(
        mentee_pages=Sum("mentees__books__pages")
    ),
    "annotate_coalesce": lambda s: (
        s(Book).annotate(r=Coalesce("rating", Value(0.0))).order_by("r", "id")
    ),
    "annotate_concat": lambda s: (
        s(Book)
        .annotate(label=Concat("title", Value(" by "), "author__name", output_field=CharField()))
        .order_by("id")
    ),
    "annotate_lower_upper_length": lambda s: (
        s(Tag).annotate(lo=Lower("name"), up=Upper("name"), n=Length("name")).order_by("id")
    ),
    "annotate_substr": lambda s: (
        s(Book).annotate(head=Substr("title", 1, 3)).order_by("head", "id")
    ),
    "annotate_cast": lambda s: s(Book).annotate(p=Cast("pages", FloatField())).order_by("id"),
    "annotate_extract": lambda s: (
        s(Book).annotate(y=ExtractYear("published"), m=ExtractMonth("published")).order_by("id")
    ),
    "annotate_trunc": lambda s: (
        s(Book)
        .filter(published__isnull=False)
        .annotate(mo=TruncMonth("published"), yr=TruncYear("published"))
        .order_by("id")
    ),
    "annotate_greatest_least": lambda s: (
        s(Book)
        .annotate(g=Greatest("pages", Value(300)), le=Least("pages", Value(300)))
        .order_by("id")
    ),
    "annotate_round": lambda s: s(Book).annotate(r=Round("rating")).order_by("id"),
    "annotate_value": lambda s: s(Tag).annotate(one=Value(1), word=Value("w")).order_by("id"),
    "annotate_then_values": lambda s: s(Author).annotate(n=Count("books")).values("name", "n"),
    "annotate_m2m_and_fk": lambda s: (
        s(Book)
        .annotate(n_tags=Count("tags", distinct=True), author_age=F("author__age"))
        .order_by("id")
    ),
    # -- alias --------------------------------------------------------------------------------
    "alias_filter": lambda s: s(Book).alias(n=Count("tags")).filter(n__gt=1).order_by("id"),
    "alias_order_by": lambda s: (
        s(Book).alias(len_title=Length("title")).order_by("-len_title", "id")
    ),
    "alias_then_annotate": lambda s: (
        s(Book).alias(p=F("pages")).annotate(double=F("p") * 2).order_by("id")
    ),
    # -- Subquery / OuterRef / Exists ------------------------------------------------------
    "subquery_annotation": lambda s: s(Author).annotate(newest=_newest_title(s)),
    "subquery_count": lambda s: s(Author).annotate(n=Coalesce(_book_count(s), 0)),
    "exists_filter": lambda s: s(Author).filter(
        Exists(s(Book).filter(author=OuterRef("pk"), pages__gt=400))
    ),
    "not_exists_filter": lambda s: s(Author).filter(
        ~Exists(s(Book).filter(author=OuterRef("pk")))
    ),
    "exists_annotation": lambda s: (
        s(Tag)
        .annotate(has_long=Exists(s(Book).filter(tags=OuterRef("pk"), pages__gt=400)))
        .order_by("id")
    ),
    "subquery_filter": lambda s: (
        s(Book)
        .filter(pages__gt=Subquery(s(Book).filter(title="Emma").values("pages")))
        .order_by("id")
    ),
    "outerref_through_fk": lambda s: (
        s(Book)
        .annotate(
            mentor_books=Subquery(
                s(Book)
                .filter(author=OuterRef("author__mentor"))
                .order_by()
                .values("author")
                .annotate(c=Count("pk"))
                .values("c")
            )
        )
        .order_by("id")
    ),
    # -- window functions ---------------------------------------------------------------------
    "window_row_number": lambda s: (
        s(Book).annotate(rn=Window(RowNumber(), order_by=F("pages").desc())).order_by("rn")
    ),
    "window_rank_partition": lambda s: (
        s(Book)
        .annotate(rank=Window(Rank(), partition_by="author", order_by="-pages"))
        .order_by("author_id", "rank")
    ),
    "window_dense_rank": lambda s: (
        s(Book)
        .annotate(dr=Window(DenseRank(), order_by=F("publisher_id").asc(nulls_first=True)))
        .order_by("dr", "id")
    ),
    "window_sum_partition": lambda s: (
        s(Book)
        .annotate(author_pages=Window(Sum("pages"), partition_by=[F("author")]))
        .order_by("id")
    ),
    "window_lag_lead": lambda s: (
        s(Book)
        .annotate(
            prev=Window(Lag("pages"), order_by="id"), nxt=Window(Lead("pages"), order_by="id")
        )
        .order_by("id")
    ),
    "window_first_value": lambda s: (
        s(Book)
        .annotate(first=Window(FirstValue("title"), partition_by="author", order_by="pages"))
        .order_by("id")
    ),
    "window_ntile": lambda s: (
        s(Book).annotate(tile=Window(Ntile(3), order_by="pages")).order_by("pages")
    ),
    "window_filter": lambda s: (
        s(Book)
        .annotate(rank=Window(Rank(), partition_by="author", order_by="-pages"))
        .filter(rank=1)
        .order_by("id")
    ),
    # -- Case / When ---------------------------------------------------------------------------
    "case_when_annotation": lambda s: (
        s(Book)
        .annotate(
            size=Case(
                When(pages__gt=400, then=Value("long")),
                When(pages__lt=250, then=Value("short")),
                default=Value("medium"),
            )
        )
        .order_by("id")
    ),
    "case_when_filter": lambda s: (
        s(Book)
        .filter(Case(When(rating__isnull=True, then=Value(False)), default=Q(rating__gt=4.15)))
        .order_by("id")
    ),
    "case_when_aggregate": lambda s: s(Author).annotate(
        long=Sum(Case(When(books__pages__gt=300, then=1), default=0, output_field=IntegerField()))
    ),
    "case_when_order": lambda s: s(Book).order_by(
        Case(When(publisher__isnull=True, then=0), default=1), "id"
    ),
    # -- order_by ------------------------------------------------------------------------------
    "order_multi": lambda s: s(Book).order_by("author__name", "-pages"),
    "order_nulls_last": lambda s: s(Book).order_by(F("rating").desc(nulls_last=True), "id"),
    "order_nulls_first": lambda s: s(Book).order_by(F("published").asc(nulls_first=True), "id"),
    "order_expression": lambda s: s(Book).order_by(Lower("title").desc()),
    "order_related_default": lambda s: s(Book).order_by("author", "id"),
    "order_meta_ordering": lambda s: s(Author).all(),
    "order_reverse": lambda s: s(Book).order_by("title").reverse(),
    "order_reverse_meta": lambda s: s(Author).reverse(),
    "order_clear": lambda s: s(Author).order_by().filter(pk__lte=1),
    # -- distinct --------------------------------------------------------------------------------
    "distinct": lambda s: s(Author).filter(books__tags__name="sf").distinct(),
    "distinct_values": lambda s: (
        s(Book)
        .values_list("publisher__country", flat=True)
        .distinct()
        .order_by("publisher__country")
    ),
    "distinct_on_fields": lambda s: s(Book).order_by("author", "-pages").distinct("author"),
    # -- values / values_list ------------------------------------------------------------------
    "values": lambda s: s(Book).values("title", "author__name").order_by("id"),
    "values_all": lambda s: s(Author).values(),
    "values_expression": lambda s: (
        s(Book).values("id", upper=Upper("title"), double=F("pages") * 2).order_by("id")
    ),
    "values_m2m": lambda s: s(Book).values("title", "tags__name").order_by("id", "tags__name"),
    "values_annotate_group": lambda s: (
        s(Book)
        .values("author__name")
        .annotate(total=Sum("pages"), n=Count("id"))
        .order_by("author__name")
    ),
    "values_list": lambda s: s(Book).values_list("title", "pages").order_by("pages"),
    "values_list_flat": lambda s: s(Book).values_list("title", flat=True).order_by("-title"),
    "values_list_named": lambda s: (
        s(Book).values_list("title", "price", named=True).order_by("id")
    ),
    "values_list_fk_id": lambda s: s(Book).values_list("author", "publisher").order_by("id"),
    "values_list_reverse_fk": lambda s: (
        s(Author).values_list("name", "books__title").order_by("name", "books__title")
    ),
    "values_everything": lambda s: s(Everything).values().order_by("id"),
    "values_uuid_pk": lambda s: s(UUIDItem).values_list("name", flat=True).order_by("name"),
    # -- only / defer ----------------------------------------------------------------------------
    "only": lambda s: s(Book).only("title").order_by("id"),
    "defer": lambda s: s(Book).defer("metadata", "price").order_by("id"),
    "only_with_select_related": lambda s: (
        s(Book).select_related("author").only("title", "author__name").order_by("id")
    ),
    "defer_mti": lambda s: s(Restaurant).defer("address").order_by("id"),
    "only_mti_child_field": lambda s: s(Restaurant).only("serves_pizza").order_by("id"),
    "only_then_annotate": lambda s: s(Author).only("name").annotate(n=Count("books")),
    # -- select_related ------------------------------------------------------------------------
    "select_related": lambda s: s(Book).select_related("author", "publisher").order_by("id"),
    "select_related_nullable_fk": lambda s: (
        s(Book).select_related("publisher").filter(publisher__isnull=True).order_by("id")
    ),
    "select_related_multi_level": lambda s: (
        s(Book).select_related("author__mentor__mentor").order_by("id")
    ),
    "select_related_self_fk": lambda s: (
        s(Category).select_related("parent__parent").order_by("id")
    ),
    "select_related_o2o_forward": lambda s: (
        s(AuthorProfile).select_related("author__mentor").order_by("id")
    ),
    "select_related_o2o_reverse": lambda s: s(Author).select_related("profile"),
    "select_related_all_non_null": lambda s: s(Book).select_related().order_by("id"),
    "select_related_through": lambda s: (
        s(Membership).select_related("club", "author").order_by("id")
    ),
    "select_related_gfk_content_type": lambda s: (
        s(Comment).select_related("content_type").order_by("id")
    ),
    "select_related_mti_parent_link": lambda s: (
        s(Restaurant).select_related("place_ptr").order_by("id")
    ),
    "select_related_with_defer": lambda s: (
        s(Book).select_related("author").defer("author__email", "metadata").order_by("id")
    ),
    # -- dates / datetimes -----------------------------------------------------------------------
    "dates_year": lambda s: s(Book).dates("published", "year"),
    "dates_month_desc": lambda s: s(Book).dates("published", "month", order="DESC"),
    "dates_week": lambda s: s(Book).dates("published", "week"),
    "dates_day_filtered": lambda s: s(Book).filter(author__name="Ann").dates("published", "day"),
    "datetimes_hour": lambda s: s(Everything).datetimes("datetime", "hour"),
    "datetimes_second": lambda s: s(Everything).datetimes("datetime", "second", order="DESC"),
    "datetimes_tz": lambda s: s(Everything).datetimes(
        "datetime", "day", tzinfo=datetime.timezone(datetime.timedelta(hours=14))
    ),
    # -- set operations ----------------------------------------------------------------------------
    "union": lambda s: (
        s(Book).filter(pages__lt=210).union(s(Book).filter(pages__gt=480)).order_by("id")
    ),
    "union_all": lambda s: (
        s(Book)
        .filter(pages__lt=250)
        .union(s(Book).filter(pages__lt=210), all=True)
        .order_by("pages")
    ),
    "union_values_list": lambda s: (
        s(Book)
        .values_list("title", flat=True)
        .union(s(Tag).values_list("name", flat=True))
        .order_by("title")
    ),
    "union_three": lambda s: (
        s(Tag)
        .filter(name="sf")
        .union(s(Tag).filter(name="short"), s(Tag).filter(name="award"))
        .order_by("-name")
    ),
    "union_sliced": lambda s: (
        s(Book).filter(pages__lt=250).union(s(Book).filter(pages__gt=450)).order_by("pages")[1:3]
    ),
    "intersection": lambda s: (
        s(Book)
        .filter(pages__gt=250)
        .intersection(s(Book).filter(publisher__name="Tor"))
        .order_by("id")
    ),
    "difference": lambda s: (
        s(Book)
        .filter(pages__gt=250)
        .difference(s(Book).filter(publisher__name="Tor"))
        .order_by("id")
    ),
    # -- extra -------------------------------------------------------------------------------------
    "extra_select_params": lambda s: (
        s(Book).extra(select={"is_long": "pages > %s"}, select_params=(300,)).order_by("id")
    ),
    "extra_where": lambda s: s(Book).extra(where=["pages > %s"], params=[300]).order_by("id"),
    "extra_order_by": lambda s: s(Book).extra(select={"neg": "0 - pages"}, order_by=["neg"]),
    # -- slicing, none, all, using ------------------------------------------------------------
    "slice": lambda s: s(Book).order_by("title")[1:4],
    "slice_offset_only": lambda s: s(Book).order_by("title")[5:],
    "slice_empty": lambda s: s(Book).order_by("id")[:0],
    "slice_of_slice": lambda s: s(Book).order_by("id")[1:6][1:3],
    "none": lambda s: s(Book).none(),
    "all_chained": lambda s: s(Book).all().filter(pages__gt=300).all().order_by("id"),
    "using_default": lambda s: (
        s(Book).using("default").filter(title__startswith="S").order_by("id")
    ),
    # -- every field type, UUID primary key ----------------------------------------------------------
    "everything_all": lambda s: s(Everything).order_by("id"),
    "everything_filters": lambda s: s(Everything).filter(
        big__gt=2**39,
        boolean=True,
        decimal__gt=decimal.Decimal("12345"),
        duration__gt=datetime.timedelta(hours=1),
        uuid="12345678-1234-5678-1234-567812345678",
        ip="192.168.0.1",
        date=datetime.date(2024, 2, 29),
    ),
    "everything_isnull": lambda s: s(Everything).filter(
        char__isnull=True, json__isnull=True, binary__isnull=True
    ),
    "uuid_pk": lambda s: s(UUIDItem).order_by("name"),
    "uuid_pk_filter": lambda s: s(UUIDItem).filter(
        pk__in=s(UUIDItem).filter(name="two").values("pk")
    ),
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_matches_django(world, name):
    compare_query(QUERIES[name])


def test_there_are_at_least_150_differential_queries():
    from test_making_queries import AGGREGATION_QUERIES, MAKING_QUERIES
    from test_prefetch import PREFETCH_QUERIES

    assert (
        len(QUERIES) + len(PREFETCH_QUERIES) + len(MAKING_QUERIES) + len(AGGREGATION_QUERIES)
        >= 150
    )


# -- terminal methods -------------------------------------------------------------------------

TERMINALS = {
    "get": lambda s, w: s(Book).get(title="Dune"),
    "get_by_pk": lambda s, w: s(Author).get(pk=w["bob"].pk),
    "get_select_related": lambda s, w: s(Book).select_related("author__mentor").get(title="Emma"),
    "get_annotated": lambda s, w: s(Author).annotate(n=Count("books")).get(name="Ann"),
    "get_does_not_exist": lambda s, w: s(Book).get(title="Nope"),
    "get_multiple": lambda s, w: s(Book).get(author__name="Ann"),
    "get_mti": lambda s, w: s(Restaurant).get(name="Luigi"),
    "get_uuid": lambda s, w: s(UUIDItem).get(name="one"),
    "get_after_union": lambda s, w: (
        s(Tag).filter(name="sf").union(s(Tag).filter(name="zzz")).get()
    ),
    "get_union_with_filters": lambda s, w: (
        s(Tag).filter(name="sf").union(s(Tag).filter(name="zzz")).get(name="sf")
    ),
    "first": lambda s, w: s(Book).order_by("pages").first(),
    "first_unordered": lambda s, w: s(Book).first(),
    "first_empty": lambda s, w: s(Book).filter(title="Nope").first(),
    "last": lambda s, w: s(Book).order_by("pages").last(),
    "last_meta_ordering": lambda s, w: s(Author).last(),
    "earliest": lambda s, w: s(Book).earliest("published"),
    "earliest_two_fields": lambda s, w: s(Book).earliest("publisher", "-pages"),
    "latest": lambda s, w: s(Book).latest("pages"),
    "latest_no_field": lambda s, w: s(Book).latest(),
    "count": lambda s, w: s(Book).count(),
    "count_filtered": lambda s, w: s(Book).filter(tags__name="sf").count(),
    "count_distinct": lambda s, w: s(Author).filter(books__tags__name="sf").distinct().count(),
    "count_sliced": lambda s, w: s(Book).order_by("id")[2:5].count(),
    "count_union": lambda s, w: (
        s(Book).filter(pages__lt=250).union(s(Book).filter(pages__gt=450)).count()
    ),
    "exists_true": lambda s, w: s(Book).filter(title="Dune").exists(),
    "exists_false": lambda s, w: s(Book).filter(title="Nope").exists(),
    "exists_none": lambda s, w: s(Book).none().exists(),
    "contains_true": lambda s, w: s(Book).contains(w["books"][0]),
    "contains_false": lambda s, w: s(Book).filter(title="Emma").contains(w["books"][0]),
    "contains_other_model": lambda s, w: s(Book).contains(w["ann"]),
    "aggregate": lambda s, w: s(Book).aggregate(Sum("pages"), n=Count("id"), avg=Avg("price")),
    "aggregate_empty": lambda s, w: (
        s(Book).filter(title="Nope").aggregate(s=Sum("pages"), d=Sum("pages", default=0))
    ),
    "aggregate_over_annotation": lambda s, w: (
        s(Author).annotate(n=Count("books")).aggregate(Max("n"), total=Sum("n"))
    ),
    "aggregate_across_m2m": lambda s, w: s(Tag).aggregate(
        longest=Max("books__pages"), n=Count("books", distinct=True)
    ),
    "aggregate_expression": lambda s, w: s(Book).aggregate(spread=Max("pages") - Min("pages")),
    "aggregate_sliced": lambda s, w: s(Book).order_by("-pages")[:3].aggregate(Sum("pages")),
    "in_bulk": lambda s, w: s(Book).in_bulk([b.pk for b in w["books"][:3]]),
    "in_bulk_all": lambda s, w: s(Tag).in_bulk(),
    "in_bulk_field": lambda s, w: s(Tag).in_bulk(["sf", "short", "none"], field_name="name"),
    "in_bulk_empty": lambda s, w: s(Tag).in_bulk([]),
    "in_bulk_not_unique": lambda s, w: s(Book).in_bulk(["Dune"], field_name="title"),
}
if django.VERSION >= (6, 1):  # in_bulk() of values() / values_list() is new in Django 6.1
    TERMINALS.update(
        {
            "in_bulk_values": lambda s, w: (
                s(Book).values("title").in_bulk([b.pk for b in w["books"][:3]])
            ),
            "in_bulk_values_key_selected": lambda s, w: s(Book).values("id", "title").in_bulk(),
            "in_bulk_values_list": lambda s, w: s(Book).values_list("title", "pages").in_bulk(),
            "in_bulk_values_list_named": lambda s, w: (
                s(Book).values_list("title", named=True).in_bulk([b.pk for b in w["books"][:2]])
            ),
            "in_bulk_values_list_flat": lambda s, w: (
                s(Book).values_list("title", flat=True).in_bulk()
            ),
            "in_bulk_values_list_flat_key": lambda s, w: (
                s(Tag).values_list("name", flat=True).in_bulk(["sf", "short"], field_name="name")
            ),
        }
    )


def _call(value):
    """A vinyl terminal call's result: awaited in vinyl_sync, as is in vinyl_sync."""
    return value


@pytest.mark.parametrize("name", sorted(TERMINALS))
def test_terminal_method_matches_django(world, name):
    call = TERMINALS[name]

    def vinyl_call():
        return _call(call(vinyl_side, world))

    compare_call(lambda: call(django_side, world), vinyl_call)


def test_get_errors_carry_djangos_messages(world):
    with pytest.raises(Author.DoesNotExist, match="^Author matching query does not exist.$"):
        Author.vinyl.get(name="Nobody")
    with pytest.raises(
        Author.MultipleObjectsReturned,
        match="^get\\(\\) returned more than one Author -- it returned 5!$",
    ):
        Author.vinyl.get()
    with pytest.raises(Restaurant.DoesNotExist):
        Restaurant.vinyl.get(name="Library")


def test_iterator_yields_every_result_without_caching(world):
    queryset = Book.vinyl.select_related("author").order_by("id")
    with capture_statements() as log:
        got = [book for book in queryset.iterator()]
    assert [(b.title, b["author"].name) for b in got] == [
        (b.title, b.author.name) for b in Book.objects.select_related("author").order_by("id")
    ]
    assert log.count == 1
    assert queryset._result_cache is None
    values = [
        row
        for row in Book.vinyl.values_list("title", flat=True).order_by("id").iterator(chunk_size=3)
    ]
    assert values == list(Book.objects.values_list("title", flat=True).order_by("id"))


def test_iterator_rejects_a_bad_chunk_size_like_django(world):
    with pytest.raises(ValueError, match="^Chunk size must be strictly positive.$"):
        Book.vinyl.iterator(chunk_size=0)
    with pytest.raises(
        ValueError,
        match="^chunk_size must be provided when using QuerySet.iterator\\(\\) after prefetch_related\\(\\).$",
    ):
        Book.vinyl.prefetch_related("tags").iterator()


def test_stepped_slices_and_indexes_match_django(world):
    ordered = list(Book.objects.order_by("title"))
    assert Book.vinyl.order_by("title")[3] == ordered[3]
    assert _call(Book.vinyl.order_by("title")[0:7:3]) == ordered[0:7:3]
    assert _call(Book.vinyl.order_by("title")[::2]) == ordered[::2]
    assert _call(Book.vinyl.order_by("title")[1::3]) == ordered[1::3]


def test_slicing_errors_are_djangos(world):
    with pytest.raises(ValueError, match="Negative indexing is not supported."):
        Book.vinyl.all()[-1]
    with pytest.raises(ValueError, match="Negative indexing is not supported."):
        Book.vinyl.all()[-3:]
    with pytest.raises(TypeError, match="QuerySet indices must be integers or slices, not str."):
        Book.vinyl.all()["a"]
    with pytest.raises(TypeError, match="Cannot filter a query once a slice has been taken."):
        Book.vinyl.all()[:2].filter(pages=1)
    with pytest.raises(TypeError, match="Cannot reorder a query once a slice has been taken."):
        Book.vinyl.all()[:2].order_by("id")
    with pytest.raises(TypeError, match="Cannot change a query once a slice has been taken."):
        Book.vinyl.all()[:2].latest("id")


def test_building_errors_are_djangos(world):
    with pytest.raises(FieldError, match="Cannot resolve keyword 'nope' into field"):
        Book.vinyl.filter(nope=1)
    with pytest.raises(
        TypeError,
        match="Cannot call QuerySet.contains\\(\\) after .values\\(\\) or .values_list\\(\\).",
    ):
        Book.vinyl.values("id").contains(world["books"][0])
    with pytest.raises(
        ValueError, match="QuerySet.contains\\(\\) cannot be used on unsaved objects."
    ):
        Book.vinyl.contains(Book(title="x"))
    if django.VERSION < (6, 1):
        with pytest.raises(
            TypeError,
            match="in_bulk\\(\\) cannot be used with values\\(\\) or values_list\\(\\).",
        ):
            Book.vinyl.values("id").in_bulk()
    with pytest.raises(
        NotSupportedError,
        match="Calling QuerySet.filter\\(\\) after union\\(\\) is not supported.",
    ):
        Book.vinyl.all().union(Book.vinyl.all()).filter(pages=1)


def test_result_cache_is_kept_and_query_is_printable(world):
    queryset = Book.vinyl.filter(pages__gt=250).order_by("id")
    assert str(queryset.query) == str(Book.objects.filter(pages__gt=250).order_by("id").query)
    assert repr(queryset) == "<QuerySet of Book (not fetched)>"
    with capture_statements() as log:
        first = fetch(queryset)
        second = fetch(queryset)
        assert queryset.count() == len(first)
        assert queryset.exists() is True
    assert first == second
    assert log.count == 1
    assert repr(queryset) == repr(Book.objects.filter(pages__gt=250).order_by("id"))


# -- explain ------------------------------------------------------------------------------------


def test_explain_matches_django(world):
    queryset = lambda s: s(Book).filter(pages__gt=250).select_related("author")  # noqa: E731
    expected = queryset(django_side).explain()
    got = queryset(vinyl_side).explain()
    assert got == expected


def test_explain_with_options_matches_django(world):
    if connection.vendor == "postgresql":
        options = {"format": "json", "costs": False}
    elif connection.vendor == "mysql":
        options = {"format": "json"}
    else:
        options = {}
    expected, _ = run_django(lambda: Book.objects.filter(title="Dune").explain(**options))

    def evaluate():
        return Book.vinyl.filter(title="Dune").explain(**options)

    got, count = run_vinyl(evaluate)
    assert got == expected
    assert count == 1


def test_explain_with_an_unknown_format_raises_like_django(world):
    expected, _ = run_django(lambda: Book.objects.explain(format="nope"))

    def evaluate():
        return Book.vinyl.explain(format="nope")

    got, count = run_vinyl(evaluate)
    assert got == expected
    assert got[0] == "error"
    assert count == 0


# -- select_for_update ----------------------------------------------------------------------------

LOCKING = {
    "plain": lambda s: s(Book).select_for_update().filter(pages__gt=300).order_by("id"),
    "nowait": lambda s: s(Book).select_for_update(nowait=True).filter(title="Dune"),
    "skip_locked": lambda s: s(Book).select_for_update(skip_locked=True).order_by("id")[:2],
    "of_self": lambda s: (
        s(Book).select_related("author").select_for_update(of=("self",)).filter(title="Emma")
    ),
    "of_related": lambda s: (
        s(Book).select_related("author").select_for_update(of=("self", "author")).order_by("id")
    ),
    "no_key": lambda s: s(Book).select_for_update(no_key=True).filter(title="Ubik"),
    "nowait_and_skip_locked": lambda s: s(Book).select_for_update(nowait=True, skip_locked=True),
    "mti": lambda s: s(Restaurant).select_for_update(of=("self", "place_ptr")).order_by("id"),
}


@pytest.mark.parametrize("name", sorted(LOCKING))
def test_select_for_update_in_a_transaction_matches_django(world, name):
    query = LOCKING[name]

    def django_locked():
        with transaction.atomic():
            return list(query(django_side))

    def vinyl_locked():
        with vinyl_sync.atomic():
            return fetch(query(vinyl_side))

    expected, django_count = run_django(django_locked)
    got, vinyl_count = run_vinyl(vinyl_locked)
    assert_same(got, expected)
    assert vinyl_count == django_count


@pytest.mark.parametrize("name", sorted(LOCKING))
def test_select_for_update_outside_a_transaction_raises_like_django(world, name):
    compare_query(LOCKING[name])


def test_select_for_update_outside_atomic_is_refused_where_django_refuses_it(world):
    if connection.features.has_select_for_update:
        with pytest.raises(
            TransactionManagementError,
            match="select_for_update cannot be used outside of a transaction.",
        ):
            fetch(Book.vinyl.select_for_update())
    else:  # SQLite: Django ignores select_for_update()
        assert len(fetch(Book.vinyl.select_for_update())) == 8


def test_select_for_update_sends_for_update(world):
    with vinyl_sync.atomic():
        with capture_statements() as log:
            fetch(Book.vinyl.select_for_update().filter(title="Dune"))
    assert ("FOR UPDATE" in log.sql()[0]) is connection.features.has_select_for_update


def test_nowait_and_skip_locked_meet_a_row_locked_by_another_transaction(world):
    if not connection.features.has_select_for_update_nowait:
        # SQLite has no row locks: Django drops the clause, and so does vinyl.
        with vinyl_sync.atomic():
            assert len(fetch(Book.vinyl.select_for_update(nowait=True).filter(title="Dune"))) == 1
        return
    with transaction.atomic():
        list(
            Book.objects.select_for_update().filter(title="Dune")
        )  # Django's connection holds the lock
        with pytest.raises(Exception) as raised:
            with vinyl_sync.atomic():
                fetch(Book.vinyl.select_for_update(nowait=True).filter(title="Dune"))
        assert isinstance(raised.value, DatabaseError)
        if connection.features.has_select_for_update_skip_locked:
            with vinyl_sync.atomic():
                titles = [
                    b.title
                    for b in fetch(Book.vinyl.select_for_update(skip_locked=True).order_by("id"))
                ]
            assert "Dune" not in titles and len(titles) == 7


# -- deferred fields never load implicitly -----------------------------------------------------


def test_reading_a_deferred_field_raises_instead_of_querying(world):
    book = Book.vinyl.only("title").get(title="Dune")
    with capture_statements() as log:
        with pytest.raises(NotFetched) as raised:
            _ = book.pages
    assert log.count == 0
    message = str(raised.value)
    assert "Book.pages" in message
    refresh = "obj.refresh_from_db(fields=['pages'])"
    assert refresh in message
    book.refresh_from_db(fields=["pages"])
    assert book.pages == 412
    assert book.title == "Dune"


def test_deferred_foreign_key_and_inherited_fields_raise_too(world):
    book = Book.vinyl.defer("author").get(title="Emma")
    with pytest.raises(NotFetched, match="Book.author_id was deferred"):
        _ = book.author_id
    restaurant = Restaurant.vinyl.only("serves_pizza").get(name="Luigi")
    assert restaurant.pk == restaurant.place_ptr_id == restaurant.id  # from the parent link
    with pytest.raises(NotFetched, match="Restaurant.name was deferred"):
        _ = restaurant.name
    note = Note.vinyl.defer("created").get(text="beta")
    with pytest.raises(NotFetched, match="Note.created was deferred"):
        _ = note.created
    assert note.get_deferred_fields() == {"created"}


def test_loaded_fields_read_and_write_as_in_django(world):
    book = Book.vinyl.only("title", "author").get(title="Emma")
    book.pages = 1  # assigning a deferred field loads it, as in Django
    assert book.pages == 1
    assert book.get_deferred_fields() == Book.objects.only("title", "author").get(
        title="Emma"
    ).get_deferred_fields() - {"pages"}
    book.author_id = world["ann"].pk
    assert book.author_id == world["ann"].pk


# -- raw() ---------------------------------------------------------------------------------------

RAW_QUERIES = {
    "raw_all": lambda s: s(Book).raw("SELECT * FROM vinyltests_book ORDER BY id"),
    "raw_params": lambda s: s(Book).raw(
        "SELECT * FROM vinyltests_book WHERE pages > %s ORDER BY id", [300]
    ),
    "raw_dict_params": lambda s: s(Book).raw(
        "SELECT * FROM vinyltests_book WHERE pages > %(pages)s AND title <> %(title)s ORDER BY id",
        {"pages": 250, "title": "Dune"},
    ),
    "raw_like_param": lambda s: s(Book).raw(
        "SELECT * FROM vinyltests_book WHERE title LIKE %s ORDER BY id", ["%on"]
    ),
    "raw_translations": lambda s: s(Tag).raw(
        "SELECT id AS tag_id, name AS tag_name FROM vinyltests_tag ORDER BY id",
        translations={"tag_id": "id", "tag_name": "name"},
    ),
    "raw_deferred_fields": lambda s: s(Book).raw(
        "SELECT id, title FROM vinyltests_book ORDER BY id"
    ),
    "raw_extra_column": lambda s: s(Book).raw(
        "SELECT b.*, a.name AS author_name FROM vinyltests_book b "
        "JOIN vinyltests_author a ON a.id = b.author_id ORDER BY b.id"
    ),
    "raw_missing_pk": lambda s: s(Book).raw("SELECT title FROM vinyltests_book"),
    "raw_mti": lambda s: s(Restaurant).raw(
        "SELECT * FROM vinyltests_restaurant r JOIN vinyltests_place p ON p.id = r.place_ptr_id ORDER BY p.id"
    ),
    "raw_every_field_type": lambda s: s(Everything).raw(
        "SELECT * FROM vinyltests_everything ORDER BY id"
    ),
    "raw_no_rows": lambda s: s(Book).raw("SELECT * FROM vinyltests_book WHERE 1 = 0"),
    "raw_using": lambda s: (
        s(Author).raw("SELECT * FROM vinyltests_author ORDER BY name DESC").using("default")
    ),
}


@pytest.mark.parametrize("name", sorted(RAW_QUERIES))
def test_raw_query_matches_django(world, name):
    compare_query(RAW_QUERIES[name])


def test_raw_queryset_behaves_like_djangos(world):
    sql = "SELECT * FROM vinyltests_book WHERE pages > %s ORDER BY id"
    raw = Book.vinyl.raw(sql, [300])
    expected = Book.objects.raw(sql, [300])
    assert repr(raw) == repr(expected)
    assert str(raw.query) == str(expected.query)
    with capture_statements() as log:
        books = fetch(raw)
        again = fetch(raw)
    assert log.count == 1 and books == again == list(expected)
    assert raw.columns == expected.columns
    assert raw[0] == list(expected)[0]
    titles = [book.title for book in Book.vinyl.raw(sql, [300])]
    assert titles == [book.title for book in expected]
    titles = [book.title for book in Book.vinyl.raw(sql, [300]).iterator()]
    assert titles == [book.title for book in expected]


def test_raw_deferred_fields_raise_not_fetched(world):
    book = (
        fetch(Book.vinyl.raw("SELECT id, title FROM vinyltests_book WHERE title = %s", ["Dune"]))
    )[0]
    assert book.title == "Dune"
    with pytest.raises(NotFetched, match="Book.pages was deferred"):
        _ = book.pages
