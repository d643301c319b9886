"""Chinese name search on core PostgreSQL (no pg_trgm): a GIN-indexed ``text[]`` of the
name's characters and character pairs, plus one start-of-name gram.

A 1-character query is one array element; a longer query needs all of its pairs
(``name_grams @> ARRAY[...]``, answered by the GIN index), then an exact substring check
weeds out names that hold the pairs apart. ``^王`` marks a name that starts with 王, so
"starts with" is a GIN lookup too (the search box ranks prefix matches first).

A large register can also carry scope tokens, ``@<region code>`` for the region its row
belongs to and each region above it, in a second column of the same GIN index: a search
in a street's scope then intersects "has 王" with "in 310104003" inside the index instead
of checking the scope of every 王 in the city (``portal.scoping.token_condition``).
"""

from django.db.models import Q

START = "^"
SCOPE = "@"


def _text(value: str) -> str:
    return "".join((value or "").split()).lower()


def name_grams(name: str) -> list[str]:
    text = _text(name)
    grams = set(text)
    grams.update(text[i : i + 2] for i in range(len(text) - 1))
    if text:
        grams.add(START + text[0])
    return sorted(grams)


def query_grams(term: str) -> list[str]:
    text = _text(term)
    if len(text) <= 1:
        return [text] if text else []
    return sorted({text[i : i + 2] for i in range(len(text) - 1)})


def prefix_grams(term: str) -> list[str]:
    """The grams every name starting with ``term`` holds."""
    text = _text(term)
    return sorted({START + text[0], *query_grams(text)}) if text else []


def scope_tokens(path: str) -> list[str]:
    """The scope tokens of a row in the region ``path`` (``/310104/310104003/``): one per
    region on the path. The database computes the same in ``member_scope_tokens``."""
    return [SCOPE + code for code in path.strip("/").split("/") if code]


def scope_token(path: str) -> str:
    """The token every row in the region ``path`` and its subtree holds."""
    return scope_tokens(path)[-1]


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
