"""Request throttling per API token (or signed-in user, else client address), issue 9.

Four scopes, each with its own rate (``THROTTLE_RATES`` in settings, e.g. ``"600/min"``):

- ``lookup``: finding people or rows by what one types: the ID-number lookup
  (``POST /api/v1/members/lookup/``), search and autocomplete;
- ``export``: CSV/XLSX downloads (``?export=csv|xlsx`` and the export views);
- ``write``: every other POST/PUT/PATCH/DELETE of the API;
- ``list``: every other read of the API.

The counts live in the default cache: Redis when ``REDIS_URL`` is set (shared by every
worker), the process's memory otherwise. The REST API throttles through DRF
(``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``); the pages' exports, search and
autocomplete through ``ThrottleMiddleware``. A throttled request answers 429 with
``Retry-After`` and a Chinese message.
"""

import math

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

SCOPES = ("list", "export", "lookup", "write")

#: Paths (under the site root) of lookups besides the API's ``lookup`` actions.
LOOKUP_PREFIXES = ("/autocomplete/", "/search/", "/api/v1/search/")


def throttled_message(wait):
    return _("请求过于频繁，请在 %(wait)d 秒后重试。") % {"wait": max(1, math.ceil(wait or 1))}


def scope_for(request, view=None):
    """The throttle scope of a request: export, lookup, write or list."""
    path = request.path
    query = getattr(request, "query_params", None) or request.GET
    if query.get("export") in ("csv", "xlsx") or "/export" in path or path.endswith(".csv"):
        return "export"
    if path.startswith(LOOKUP_PREFIXES) or getattr(view, "action", None) == "lookup":
        return "lookup"
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return "write"
    return "list"


class PortalThrottle(SimpleRateThrottle):
    """One counter per (scope, token) — or per (scope, user) for a session, per (scope,
    address) for an anonymous client. Rates are read from settings on every request, so
    they can change without a restart of the class (and tests set small ones)."""

    cache_format = "throttle_%(scope)s_%(ident)s"

    def __init__(self):
        # SimpleRateThrottle reads its rate here; ours is read per request in allow_request.
        pass

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        auth = getattr(request, "auth", None)
        token_pk = getattr(auth, "pk", None)
        if token_pk is not None:
            ident = f"token{token_pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user{request.user.pk}"
        else:
            ident = f"ip{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        self.scope = scope_for(request, view)
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class ThrottleMiddleware:
    """The pages' exports and lookups (search, autocomplete) and the Open311 endpoints
    (its reads as ``list``, its reports as ``write``; per client address, since Open311
    sends its key as a parameter), throttled like the API. The REST API itself is left to
    DRF, which knows the token."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            scope = scope_for(request)
            if scope in ("export", "lookup") or request.path.startswith("/open311/"):
                throttle = PortalThrottle()
                if not throttle.allow_request(request, None):
                    wait = throttle.wait()
                    response = HttpResponse(
                        throttled_message(wait),
                        status=429,
                        content_type="text/plain; charset=utf-8",
                    )
                    response["Retry-After"] = str(max(1, math.ceil(wait or 1)))
                    return response
        return self.get_response(request)
