"""Chinese name search on core PostgreSQL (issue 3 item 5, DESIGN.md 7): 1-, 2- and 3+-character
queries find the right names, and on a table big enough for the planner to care, the search
runs through the GIN index of name grams (``member_name_grams``), never a sequential scan of
the member table.
"""

import random
from datetime import date

import pytest
from django.db import connection

from members.filters import MemberFilterSet
from members.models import Member
from portal import scoping
from portal.search import name_grams
from tests.conftest import add_branches
from tests.members.conftest import make_id_number, make_member

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建红文辉力国志林云飞鹏宇浩"
    "凯斌波宁晨欣怡佳琳雪梅海燕春亮晓东丹俊峰颖婷慧琴鑫岩博"
)


def random_names(count, seed=20240701):
    rng = random.Random(seed)
    names = []
    for _ in range(count):
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
        names.append(rng.choice(SURNAMES) + given)
    return names


# --- behaviour ------------------------------------------------------------------------

NAMES = [
    "欧阳娜",
    "欧阳娜娜",
    "小欧阳娜",
    "欧阳阳娜",  # holds 欧阳 and 阳娜, but not 欧阳娜
    "欧阳",
    "娜欧",
    "张三",
    "张三丰",
    "李张三",
    "三张",
    "司马相如",
    "王 晓 明",  # typed with spaces
]


@pytest.fixture
def named(district):
    born = date(1970, 1, 1)
    return {
        name: make_member(district["a_branch"], name, make_id_number(born, i * 2 + 1))
        for i, name in enumerate(NAMES)
    }


def search(user, term):
    queryset = scoping.restrict(Member.objects.all(), user)
    return {m.name for m in MemberFilterSet({"q": term}, queryset=queryset).qs}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("娜", {"欧阳娜", "欧阳娜娜", "小欧阳娜", "欧阳阳娜", "娜欧"}),
        ("三", {"张三", "张三丰", "李张三", "三张"}),
        ("欧阳", {"欧阳娜", "欧阳娜娜", "小欧阳娜", "欧阳阳娜", "欧阳"}),
        ("张三", {"张三", "张三丰", "李张三"}),
        ("娜娜", {"欧阳娜娜"}),
        ("欧阳娜", {"欧阳娜", "欧阳娜娜", "小欧阳娜"}),  # not 欧阳阳娜
        ("张三丰", {"张三丰"}),
        ("司马相如", {"司马相如"}),
        ("马相", {"司马相如"}),
        ("司如", set()),
        ("晓明", {"王 晓 明"}),
        (" 张 三 ", {"张三", "张三丰", "李张三"}),
        ("赵", set()),
        ("", set(NAMES)),
    ],
)
def test_name_search_finds_the_right_names(users, named, term, expected):
    assert search(users["admin"], term) == expected


def test_name_search_through_ui_api_and_admin(client_for, api_for, client, users, named, staff_a):
    ui = client_for(users["operator_a"])
    response = ui.get("/members/", {"q": "欧阳娜", "export": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert sorted(line.split(",")[0] for line in lines[1:]) == sorted(
        ["欧阳娜", "欧阳娜娜", "小欧阳娜"]
    )
    api = api_for(users["operator_a"])
    results = api.get("/api/v1/members/", {"q": "欧阳娜"}).json()["results"]
    assert {r["name"] for r in results} == {"欧阳娜", "欧阳娜娜", "小欧阳娜"}
    client.force_login(staff_a)
    response = client.get("/admin/members/member/", {"q": "欧阳娜"})
    assert {m.name for m in response.context["cl"].result_list} == {
        "欧阳娜",
        "欧阳娜娜",
        "小欧阳娜",
    }


def test_grams_are_kept_up_to_date_on_rename(users, named):
    member = named["张三"]
    member.name = "张四"
    member.save()
    assert member.name_grams == name_grams("张四") == ["^张", "四", "张", "张四"]
    assert search(users["admin"], "张三") == {"张三丰", "李张三"}
    assert search(users["admin"], "张四") == {"张四"}


# --- the plan -------------------------------------------------------------------------

ROWS = 20_000


#: Characters rare enough in the generated names that a 1-character query for one of them is
#: selective, as a search for a given name's character is on a real register.
RARE = "犇淼鑫焱垚"


@pytest.fixture
def many(district):
    """20,000 members spread over 40 branches of A (plus B's), with their grams, written by
    one INSERT ... SELECT, then ANALYZEd. Sensitive columns hold placeholders: only names
    matter here. The audit triggers are off for the load (they would take most of the time,
    and this test is not about the audit); the test's transaction rolls all of it back."""
    branches = add_branches(district["a_general"], 40, "SRCH", "检索")
    branch_ids = [b.pk for b in branches] + [district["b_branch"].pk]
    rng = random.Random(7)
    names = random_names(ROWS)
    for i in rng.sample(range(ROWS), 100):  # 100 names hold one of the rare characters
        names[i] = names[i][:1] + rng.choice(RARE) + names[i][2:]
    names[100:105] = ["欧阳娜", "欧阳娜娜", "小欧阳娜", "欧阳阳娜", "欧阳静"]
    with connection.cursor() as cursor:
        # Triggers off (no audit events for these rows), so the scope tokens are computed
        # here as the trigger would (migration members 0010).
        cursor.execute("ALTER TABLE members_member DISABLE TRIGGER USER")
        cursor.execute(
            """
            INSERT INTO members_member (
                name, name_grams, organization_id, category, joined_on, birth_date, gender,
                ethnicity, status, lost_contact, flowing, education, occupation, employer_name,
                flowing_destination, note, id_number_cipher, id_number_hash, id_number_masked,
                mobile_cipher, mobile_hash, mobile_masked, created_at, updated_at, scope_tokens)
            SELECT n, string_to_array(g, '|')::varchar(4)[], o, 'probationary', '2024-07-01',
                date '1960-01-01' + (i %% 14000)::int,
                CASE WHEN i %% 2 = 0 THEN 'male' ELSE 'female' END, '01', 'normal', false,
                false, '', '', '', '', '', '-', md5(n || i) || md5(i || n), '-', '', '', '',
                now(), now(), member_scope_tokens(o)
            FROM unnest(%s::text[], %s::text[], %s::bigint[]) WITH ORDINALITY AS t(n, g, o, i)
            """,
            [
                names,
                ["|".join(name_grams(name)) for name in names],
                [rng.choice(branch_ids) for _ in names],
            ],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the foreign keys now
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("ALTER TABLE members_member ENABLE TRIGGER USER")
        # New GIN entries wait in the index's pending list until a (auto)vacuum merges them;
        # a table in service has been vacuumed, so merge them as it would.
        cursor.execute("SELECT gin_clean_pending_list('member_name_grams'::regclass)")
        cursor.execute("ANALYZE members_member")
        cursor.execute("ANALYZE organizations_organization")
        cursor.execute("ANALYZE portal_region")
    assert Member.objects.count() == ROWS
    return names


def explain(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def search_querysets(user, term):
    """The name search as the API list and the UI list build it: scoped, filtered by
    MemberFilterSet, in the default order; whole, and as one page."""
    from members.api import MemberViewSet
    from members.views import MemberListView

    for base in (MemberViewSet.queryset, MemberListView.queryset):
        queryset = scoping.restrict(base.all(), user)
        queryset = MemberFilterSet({"q": term}, queryset=queryset).qs  # in search order
        yield queryset
        yield queryset[:25]


#: Query -> how many of the generated names hold it (checked, so the plans below are about
#: the selectivity they claim). 1, 2 and 3 characters; a surname, a rare given-name
#: character, a compound surname, a full name.
SELECTIVE = {"王": 180, "犇": 21, "欧阳": 5, "王芳": 4, "欧阳娜": 3, "蔡东磊": 1}


def test_name_search_uses_the_gin_index(users, many):
    for term, matches in SELECTIVE.items():
        assert sum(term in name for name in many) == matches, term
    for user_key in ("admin", "operator_a"):
        for term in SELECTIVE:
            for queryset in search_querysets(users[user_key], term):
                plan = explain(queryset)
                assert "Seq Scan on members_member" not in plan, (term, plan)
                assert "Bitmap Index Scan on member_name_grams" in plan, (term, plan)
                # Past two characters the pairs are followed by the exact substring check.
                exact = f"upper((name)::text) ~~ '%{term}%'" in plan  # LIKE
                assert exact == (len(term) > 2), (term, plan)
        found = next(search_querysets(users[user_key], "欧阳娜")).values_list("name", flat=True)
        assert sorted(found) == sorted(["欧阳娜", "欧阳娜娜", "小欧阳娜"])
    # 娜 is in 2.6% of the names: for a page of them PostgreSQL may rather walk the
    # organisation tree in list order and each branch's members by index, but it never
    # reads the whole member table.
    assert sum("娜" in name for name in many) == 526
    for queryset in search_querysets(users["admin"], "娜"):
        plan = explain(queryset)
        assert "Seq Scan on members_member" not in plan, plan
        assert "Index Scan" in plan, plan
