"""Chinese name search on core PostgreSQL (no pg_trgm): a GIN-indexed ``text[]`` of the
name's characters and character pairs.

A 1-character query is one array element; a longer query needs all of its pairs
(``name_grams @> ARRAY[...]``, answered by the GIN index), then an exact substring check
weeds out names that hold the pairs apart.
"""

from django.db.models import Q


def name_grams(name: str) -> list[str]:
    text = "".join((name or "").split()).lower()
    grams = set(text)
    grams.update(text[i : i + 2] for i in range(len(text) - 1))
    return sorted(grams)


def query_grams(term: str) -> list[str]:
    text = "".join((term or "").split()).lower()
    if len(text) <= 1:
        return [text] if text else []
    return sorted({text[i : i + 2] for i in range(len(text) - 1)})


def name_condition(term: str, field="name", grams_field="name_grams") -> Q:
    """The filter for ``term``: index-backed grams, plus an exact check past two characters."""
    grams = query_grams(term)
    if not grams:
        return Q()
    condition = Q(**{f"{grams_field}__contains": grams})
    text = "".join(term.split())
    if len(text) > 2:
        condition &= Q(**{f"{field}__icontains": text})
    return condition
