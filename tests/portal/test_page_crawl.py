"""Every page a demo user can reach from the navigation renders on the demo district's real
data: a crawl from the home page, as each demo account, following the links each page
shows (a few per URL shape), finds no server error. Hand-built fixtures miss shapes the
seed makes (steps with no actor, logs nobody edits ...); this walks them.

Only GET; exports, deletes and sign-out are not followed."""

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client

from portal.accounts.models import User

pytestmark = pytest.mark.slow

USERS = ("demo_district", "demo_street", "demo_community", "demo_auditor")
#: Pages per user, and pages per URL shape (numbers replaced): enough to reach every list,
#: a few details of each kind and their tabs.
PAGES, PER_SHAPE = 250, 2
SKIP = ("/static/", "/media/", "/accounts/logout", "/admin/logout", "/api/")
HREF = re.compile(r'href="(/[^"#]*)"')


def shape(url):
    return re.sub(r"\d+", "N", url.split("?")[0])


def crawl(client):
    seen, shapes, todo, failures = set(), Counter(), ["/"], []
    while todo and len(seen) < PAGES:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            href = href.replace("&amp;", "&")
            if href.startswith(SKIP) or "export" in href or "delete" in href:
                continue
            if href not in seen and shapes[shape(href)] < PER_SHAPE:
                shapes[shape(href)] += 1
                todo.append(href)
    return seen, failures


def test_no_page_of_the_demo_district_fails(db):
    call_command("seed_demo", "--members", "1500", stdout=io.StringIO(), stderr=io.StringIO())
    for username in USERS:
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=username))
        seen, failures = crawl(client)
        assert len(seen) > 60, (username, len(seen))
        assert not failures, (username, failures)
