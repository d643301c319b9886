"""One search over the four databases: members, organisations, enterprises, buildings, grids
and cases, each group scoped to the user and ranked exact > prefix > contains.

Each kind answers with one SQL statement: three ranked tiers, each a LIMITed subquery,
joined by ``UNION ALL`` under an outer ``LIMIT``. PostgreSQL runs the tiers in order and
stops as soon as the outer limit is met, so a query whose first tier fills the group never
reads the later ones, and no tier sorts all of its matches (a 1-character member search
matches tens of thousands of names at 2M members; ``ORDER BY rank`` would sort them all).
Within a tier the rows come as the index yields them and are put in name order here.
Organisations, buildings, grids and cases rank in one pass instead (``ORDER BY`` rank, name):
their names have no pattern index, so each tier would scan the table again.

Members and enterprises are found by name through the GIN-indexed grams
(``portal.search.name_condition``), their prefix tier through the start-of-name gram
(``^王``); members also carry scope tokens in the same index, so "has 王 and is in this
street" is one GIN scan (``portal.scoping.token_condition``, docs/decisions.md).
Enterprises are also found by USCC, exact or prefix (its unique index,
``varchar_pattern_ops``). Codes (organisation, building, grid, case number) match
exactly or by prefix through their unique indexes. Members are never searched by ID number
or mobile here: a query shaped like one skips the member group, and the page points to the
ID lookup (``POST /api/v1/members/lookup/``), which keeps the number out of URLs.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, reduce
from operator import or_

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from portal import scoping
from portal.search import name_condition, prefix_grams

#: Results shown per group; the group's "more" link opens the model's list filtered by q.
PER_GROUP = 5
#: Longest query taken (names and codes are far shorter; this bounds the grams array).
MAX_LENGTH = 50

# An ID number (15 digits, or 17 digits and a digit or X) or a mainland mobile number.
_SENSITIVE = re.compile(r"(?:\d{15}|\d{17}[\dX]|(?:\+?86)?1[3-9]\d{9})")


def normalize(term):
    """The query as searched: whitespace removed (names are matched without it), capped."""
    return "".join((term or "").split())[:MAX_LENGTH]


def looks_sensitive(term):
    """Whether ``term`` looks like an ID number or a mobile: those are never searched here."""
    return bool(_SENSITIVE.fullmatch(normalize(term).upper()))


@dataclass(frozen=True)
class Tiers:
    """How a query finds rows of one kind (``base``, the index-backed part every tier
    carries) and ranks them: ``exact``, then ``prefix``, then the rest. Each later tier
    leaves out what an earlier one holds; the negations touch only the ranking tests, never
    ``base``, so each tier is still answered from the index ``base`` names."""

    base: Q
    exact: Q
    prefix: Q

    def ranked(self):
        return [
            (0, self.base & self.exact),
            (1, self.base & self.prefix & ~self.exact),
            (2, self.base & ~self.prefix & ~self.exact),
        ]


NOTHING = Q(pk__in=[])


def text_tiers(term, text_fields=(), code_fields=()):
    """Names and titles: exact (case as typed, served by a b-tree where the model has one),
    prefix and contains (case-insensitive). Codes: exact or prefix, as typed and upper-cased
    (``s003`` finds ``S003``), through the unique index's pattern-ops twin."""
    spellings = sorted({term, term.upper()})
    exact = [Q(**{name: term}) for name in text_fields]
    exact += [Q(**{f"{name}__in": spellings}) for name in code_fields]
    prefix = [Q(**{f"{name}__istartswith": term}) for name in text_fields]
    prefix += [Q(**{f"{name}__startswith": s}) for name in code_fields for s in spellings]
    contains = [Q(**{f"{name}__icontains": term}) for name in text_fields]
    return Tiers(base=_any(contains + prefix + exact), exact=_any(exact), prefix=_any(prefix))


def gram_tiers(term, field="name", grams_field="name_grams"):
    """A name with GIN-indexed grams: every tier carries the grams condition, so each is
    answered from the index; the prefix tier adds the start-of-name gram (``^娜``), so
    "starts with 娜" is an index lookup too, however rarely a name starts with it. A
    1-character query has no exact tier: it is never the whole name of a person or an
    enterprise, and proving "no name is exactly 王" would read every row holding 王."""
    return Tiers(
        base=name_condition(term, field, grams_field),
        exact=Q(**{f"{field}__iexact": term}) if len(term) > 1 else NOTHING,
        prefix=Q(**{f"{grams_field}__contains": prefix_grams(term)})
        & Q(**{f"{field}__istartswith": term}),
    )


def _any(conditions):
    return reduce(or_, conditions, NOTHING)


@dataclass(frozen=True)
class Kind:
    """One group of results: a model, the columns it shows, how a query finds its rows."""

    key: str
    label: str
    model_label: str
    list_url: str
    #: Columns read (``values()``), never a sensitive one.
    columns: tuple
    #: Column whose value orders a tier's rows and titles a result.
    title: str
    #: (column, label) shown under the title.
    details: tuple = ()
    #: Found through a GIN index of grams: run with sequential scans off (``index_scans``).
    grams: bool = False
    #: Ranked in one pass (``ORDER BY`` rank) rather than tier by tier: for the small
    #: registers whose names have no pattern index, where each tier would scan the table.
    one_pass = False

    @cached_property
    def model(self):
        return apps.get_model(self.model_label)

    def tiers(self, term):
        raise NotImplementedError

    def skips(self, term):
        """Whether this kind does not search ``term`` at all."""
        return False

    def queryset(self, user, term):
        """The group's one statement: the ranked tiers, in order, under one LIMIT."""
        base = scoping.restrict(self.model._default_manager.all(), user, "view")
        if self.grams:  # the scope as a condition the grams index answers, where it can
            base = base.filter(scoping.token_condition(self.model, user))
        tiers = self.tiers(term)
        if self.one_pass:
            rank = Case(When(tiers.exact, then=0), When(tiers.prefix, then=1), default=2)
            return (
                base.filter(tiers.base)
                .annotate(search_rank=rank)
                .order_by("search_rank", self.title, "pk")
                .values("pk", "search_rank", *self.columns)[:PER_GROUP]
            )
        parts = [
            base.filter(condition)
            .annotate(search_rank=Value(rank, output_field=IntegerField()))
            .order_by()
            .values("pk", "search_rank", *self.columns)[:PER_GROUP]
            for rank, condition in tiers.ranked()
        ]
        return parts[0].union(*parts[1:], all=True)[:PER_GROUP]

    def more_url(self, term):
        return f"{reverse(self.list_url)}?{urlencode({'q': term})}"

    def result(self, row):
        meta = self.model._meta
        return {
            "id": row["pk"],
            "title": row[self.title],
            "rank": ("exact", "prefix", "contains")[row["search_rank"]],
            "details": [
                {"label": str(label), "value": row[column]}
                for column, label in self.details
                if row[column]
            ],
            "url": reverse(f"{meta.app_label}:{meta.model_name}_detail", args=[row["pk"]]),
        }


class MemberKind(Kind):
    def skips(self, term):
        return looks_sensitive(term)

    def tiers(self, term):
        return gram_tiers(term)


class EnterpriseKind(Kind):
    def tiers(self, term):
        names = gram_tiers(term)
        code = self.model.normalize_natural_key(term)
        if not (code.isascii() and code.isalnum()):
            return names
        return Tiers(
            base=names.base | Q(uscc__startswith=code),
            exact=names.exact | Q(uscc=code),
            prefix=names.prefix | Q(uscc__startswith=code),
        )


class TextKind(Kind):
    one_pass = True
    text_fields: tuple = ()
    code_fields: tuple = ()

    def tiers(self, term):
        return text_tiers(term, self.text_fields, self.code_fields)


class OrganizationKind(TextKind):
    text_fields = ("name", "short_name")
    code_fields = ("code",)


class BuildingKind(TextKind):
    text_fields = ("name", "address")
    code_fields = ("code",)


class GridKind(TextKind):
    text_fields = ("name",)
    code_fields = ("code",)


class CaseKind(TextKind):
    text_fields = ("title",)
    code_fields = ("number",)


#: The groups, in the order the page shows them.
KINDS = (
    MemberKind(
        key="members",
        label=_("党员"),
        model_label="members.Member",
        list_url="members:member_list",
        columns=("name", "id_number_masked", "organization__name"),
        title="name",
        details=(("id_number_masked", _("身份证号")), ("organization__name", _("所在党支部"))),
        grams=True,
    ),
    OrganizationKind(
        key="organizations",
        label=_("党组织"),
        model_label="organizations.Organization",
        list_url="organizations:organization_list",
        columns=("name", "short_name", "code"),
        title="name",
        details=(("short_name", _("简称")), ("code", _("组织编码"))),
    ),
    EnterpriseKind(
        key="enterprises",
        label=_("企业/社会组织"),
        model_label="buildings.Enterprise",
        list_url="buildings:enterprise_list",
        columns=("name", "uscc"),
        title="name",
        details=(("uscc", _("统一社会信用代码")),),
        grams=True,
    ),
    BuildingKind(
        key="buildings",
        label=_("楼宇"),
        model_label="buildings.Building",
        list_url="buildings:building_list",
        columns=("name", "code", "address"),
        title="name",
        details=(("code", _("楼宇编码")), ("address", _("地址"))),
    ),
    GridKind(
        key="grids",
        label=_("网格"),
        model_label="grids.Grid",
        list_url="grids:grid_list",
        columns=("name", "code"),
        title="name",
        details=(("code", _("网格编码")),),
    ),
    CaseKind(
        key="cases",
        label=_("需求/问题"),
        model_label="grids.Case",
        list_url="grids:case_list",
        columns=("title", "number"),
        title="title",
        details=(("number", _("编号")),),
    ),
)


@contextmanager
def index_scans():
    """Sequential scans off for the statements inside (the transaction's ``SET LOCAL``).

    A tier's ``LIMIT 5`` makes a sequential scan look cheap to the planner: it expects the
    table to yield five matches within its first pages. When the tier has fewer matches
    than that (no member's name *starts* with a character that is common elsewhere in
    names), the scan reads all 2M rows. With sequential scans off the planner answers
    from the grams index, or walks the in-scope branches' members by index, and either way
    reads only rows that can match."""
    with transaction.atomic():
        nested = connection.in_atomic_block and not connection.get_autocommit()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'),"
                " set_config('enable_seqscan', 'off', true)"
            )
            before = cursor.fetchone()[0]
        try:
            yield
        finally:
            if nested:  # the transaction goes on after us: put the setting back
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])


def search(user, term):
    """The groups ``user`` may see that ``term`` finds something in, in ``KINDS`` order.

    One query per kind the user's roles grant ``view`` on; none for a kind they may not
    see or that skips the term. Each group: ``key``, ``label``, ``results`` (at most
    ``PER_GROUP``, exact first, then prefix, then contains; by title within a rank),
    ``more_url``."""
    term = normalize(term)
    if not term:
        return []
    kinds = [k for k in KINDS if not k.skips(term) and scoping.can(user, k.model, "view")]
    found = {}
    with index_scans():
        for kind in kinds:
            if kind.grams:
                found[kind.key] = list(kind.queryset(user, term))
    for kind in kinds:
        if not kind.grams:
            found[kind.key] = list(kind.queryset(user, term))
    groups = []
    for kind in kinds:
        rows = sorted(found[kind.key], key=lambda r, k=kind: (r["search_rank"], r[k.title]))
        if rows:
            groups.append(
                {
                    "key": kind.key,
                    "label": str(kind.label),
                    "results": [kind.result(row) for row in rows],
                    "more_url": kind.more_url(term),
                }
            )
    return groups
