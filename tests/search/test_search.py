"""The one search box (issue 8 item 2): finds members and enterprises by 1-, 2- and
3-character name fragments, enterprises by USCC (full or prefix, typed lower-case), rows by
their codes; never across scope; members masked; exact before prefix before contains; a
constant number of queries; members never searched by ID number."""

import pytest

from search import engine
from tests.search.conftest import PLAIN_IDS, PLAIN_MOBILES

pytestmark = pytest.mark.django_db


def found(groups):
    """{group key: [titles in order]}"""
    return {g["key"]: [r["title"] for r in g["results"]] for g in groups}


def api_search(api, term):
    response = api.get("/api/v1/search/", {"q": term})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("娜", {"欧阳娜", "欧阳娜娜", "小欧阳娜"}),
        ("欧阳", {"欧阳娜", "欧阳娜娜", "小欧阳娜", "欧阳敏"}),
        ("阳娜", {"欧阳娜", "欧阳娜娜", "小欧阳娜"}),
        ("欧阳娜", {"欧阳娜", "欧阳娜娜", "小欧阳娜"}),
        ("小欧阳", {"小欧阳娜"}),
    ],
)
def test_finds_members_by_name_fragments(users, world, term, expected):
    assert set(found(engine.search(users["admin"], term))["members"]) == expected


@pytest.mark.parametrize("term", ["星", "星火", "火科技", "星火科技有限公司"])
def test_finds_enterprises_by_name_fragments(users, world, term):
    assert "星火科技有限公司" in found(engine.search(users["admin"], term))["enterprises"]


def test_finds_enterprises_by_uscc_full_and_prefix_typed_lower_case(users, world, api_for):
    uscc = world["star_uscc"]
    assert not uscc.isdigit()
    for term in (uscc, uscc.lower(), f" {uscc.lower()} ", uscc[:17].lower(), uscc[:14]):
        titles = found(engine.search(users["admin"], term))["enterprises"]
        assert titles == ["星火科技有限公司"], term
    # A short prefix (the district's registration authority) finds every enterprise there.
    assert "星火科技有限公司" in found(engine.search(users["admin"], uscc[:8]))["enterprises"]
    exact = engine.search(users["admin"], uscc.lower())[0]
    assert exact["key"] == "enterprises"
    assert exact["results"] == [
        {
            "id": world["star"].pk,
            "title": "星火科技有限公司",
            "rank": "exact",
            "details": [{"label": "统一社会信用代码", "value": uscc}],
            "url": f"/enterprises/{world['star'].pk}/",
        }
    ]
    answer = api_search(api_for(users["operator_a"]), uscc.lower())
    assert [g["key"] for g in answer["groups"]] == ["enterprises"]
    assert answer["groups"][0]["results"][0]["id"] == world["star"].pk


@pytest.mark.parametrize(
    ("term", "kind", "title"),
    [
        ("S003C001", "organizations", "上海新村居民区党总支"),  # exact code
        ("s003c001b01", "organizations", "上海新村居民区第一党支部"),  # typed lower-case
        ("XG0", "organizations", "星光"),  # code prefix
        ("BA01", "buildings", "天平路街道大厦"),
        ("ba0", "buildings", "天平路街道大厦"),
        ("GA01", "grids", "上海新村第一网格"),
        ("ga", "grids", "上海新村第一网格"),
        ("C20260101-000001", "cases", "楼道堆物"),
        ("c20260101-00000", "cases", "楼道堆物"),
        ("楼道", "cases", "楼道堆物"),
        ("天平路街道大厦", "buildings", "天平路街道大厦"),
        ("新村第一", "grids", "上海新村第一网格"),
    ],
)
def test_finds_by_codes_and_names(users, world, term, kind, title):
    assert title in found(engine.search(users["admin"], term))[kind], term


def test_ranking_exact_then_prefix_then_contains(users, world, api_for):
    groups = {g["key"]: g for g in engine.search(users["admin"], "欧阳娜")}
    assert [(r["title"], r["rank"]) for r in groups["members"]["results"]] == [
        ("欧阳娜", "exact"),
        ("欧阳娜娜", "prefix"),
        ("小欧阳娜", "contains"),
    ]
    groups = {g["key"]: g for g in engine.search(users["admin"], "星光")}
    assert [(r["title"], r["rank"]) for r in groups["organizations"]["results"]] == [
        ("星光", "exact"),
        ("星光党支部", "prefix"),
        ("新星光党支部", "contains"),
    ]
    # A code's exact match comes before its prefix matches, the API in the same order.
    answer = api_search(api_for(users["admin"]), "S003C001")
    orgs = next(g for g in answer["groups"] if g["key"] == "organizations")["results"]
    assert [(r["title"], r["rank"]) for r in orgs] == [
        ("上海新村居民区党总支", "exact"),
        ("上海新村居民区第一党小组", "prefix"),  # within a rank, by name
        ("上海新村居民区第一党支部", "prefix"),
    ]


def test_a_group_shows_at_most_five_with_a_link_to_the_filtered_list(
    users, world, district, client_for
):
    from tests.conftest import add_branches

    add_branches(district["a_general"], 8, "XGB", "星光第")
    group = next(g for g in engine.search(users["admin"], "星光") if g["key"] == "organizations")
    assert len(group["results"]) == engine.PER_GROUP
    assert group["results"][0]["title"] == "星光"
    assert group["more_url"] == "/organizations/?q=%E6%98%9F%E5%85%89"
    client = client_for(users["admin"])
    for group in engine.search(users["admin"], "天平路") + engine.search(users["admin"], "娜"):
        assert client.get(group["more_url"]).status_code == 200, group["more_url"]


#: Per kind, a query that finds street A's row of that kind.
A_ONLY = {
    "members": "欧阳娜",
    "organizations": "天平路街道党工委",
    "enterprises": "星火",
    "buildings": "天平路街道大厦",
    "grids": "上海新村",
    "cases": "C20260101-000001",
}


def test_never_across_scope(users, world, api_for, client_for):
    for kind, term in A_ONLY.items():
        assert kind in found(engine.search(users["operator_a"], term)), kind
        assert kind not in found(engine.search(users["operator_b"], term)), kind
        assert kind in found(engine.search(users["admin"], term)), kind
    # Street B's own rows are there for B, not for A.
    assert found(engine.search(users["operator_b"], "欧阳"))["members"] == ["欧阳敏"]
    assert "欧阳敏" not in found(engine.search(users["operator_a"], "欧阳"))["members"]
    assert found(engine.search(users["operator_b"], "星"))["enterprises"] == [
        "湖南路星辰咨询有限公司"
    ]
    api_b = api_for(users["operator_b"])
    ui_b = client_for(users["operator_b"])
    for kind, term in A_ONLY.items():
        keys = [g["key"] for g in api_search(api_b, term)["groups"]]
        assert kind not in keys, (kind, keys)
        page = ui_b.get("/search/", {"q": term})
        assert f'data-testid="search-group-{kind}"' not in page.content.decode(), kind


def test_members_are_masked_in_page_and_api(users, world, api_for, client_for):
    member = world["people"]["欧阳娜"]
    answer = api_search(api_for(users["admin"]), "欧阳娜")
    text = str(answer)
    members = next(g for g in answer["groups"] if g["key"] == "members")["results"]
    assert members[0]["details"] == [
        {"label": "身份证号", "value": member.id_number_masked},
        {"label": "所在党支部", "value": "上海新村居民区第一党支部"},
    ]
    assert "*" in member.id_number_masked
    page = client_for(users["admin"]).get("/search/", {"q": "欧阳娜"}).content.decode()
    assert member.id_number_masked in page
    live = client_for(users["admin"]).get("/search/", {"q": "欧阳"}, HTTP_HX_REQUEST="true")
    for body in (text, page, live.content.decode()):
        for plain in PLAIN_IDS + PLAIN_MOBILES:
            assert plain not in body
            assert plain[:14] not in body


def test_an_id_number_is_not_searched_here(users, world, api_for, client_for):
    for term in (PLAIN_IDS[0], PLAIN_IDS[0][:17] + "x", PLAIN_MOBILES[0]):
        assert engine.looks_sensitive(term)
        answer = api_search(api_for(users["admin"]), term)
        assert answer["id_number_query"] is True
        assert "members" not in [g["key"] for g in answer["groups"]]
        page = client_for(users["admin"]).get("/search/", {"q": term}).content.decode()
        assert 'data-testid="id-number-notice"' in page
        assert "/api/v1/members/lookup/" in page
    assert not engine.looks_sensitive(world["star_uscc"])
    assert not engine.looks_sensitive("S003C001")


def test_page_and_box(users, world, client_for):
    client = client_for(users["operator_a"])
    page = client.get("/search/", {"q": "欧阳娜"})
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label class="form-label small mb-1" for="search-q">' in html
    assert 'href="/members/?q=%E6%AC%A7%E9%98%B3%E5%A8%9C"' in html
    assert f'href="/members/{world["people"]["欧阳娜"].pk}/"' in html
    live = client.get("/search/", {"q": "欧阳娜"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in live and "search-result" in live
    empty = client.get("/search/", {"q": "不存在的名字"}).content.decode()
    assert 'data-testid="search-empty"' in empty
    assert client.get("/search/").status_code == 200
    from django.template.loader import render_to_string

    box = render_to_string("search/box.html", {"q": ""})
    assert 'for="search-box-q"' in box and 'action="/search/"' in box


def test_sign_in_required(client, world):
    assert client.get("/search/", {"q": "欧阳"}).status_code == 302
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/search/", {"q": "欧阳"}).status_code in (401, 403)


def test_query_count_is_constant(users, world, district, client_for, django_assert_num_queries):
    """One query per kind, whatever the number of results (plus session, user, roles)."""
    from tests.conftest import add_branches

    client = client_for(users["operator_a"])
    client.get("/search/", {"q": "x"})  # warm-up
    with django_assert_num_queries(SEARCH_QUERIES):
        client.get("/search/", {"q": "星光"})
    add_branches(district["a_general"], 8, "XGB", "星光第")
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get("/search/", {"q": "星光"})
    assert response.content.decode().count('class="search-result') >= 5
    with django_assert_num_queries(SEARCH_QUERIES):
        client.get("/search/", {"q": "星光"}, HTTP_HX_REQUEST="true")


#: Session, user, roles, permissions, the user's scope region, one statement per kind (6),
#: ``enable_seqscan`` off before the grams groups and back on after them (back on only when
#: the search runs inside an outer transaction, as in tests), and the page's own (2).
SEARCH_QUERIES = 15
