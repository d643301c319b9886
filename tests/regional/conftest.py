"""Regional fixtures on the small test district (tests/conftest.py), plus a third street C
(枫林路街道) with its operator, so "seen by both streets, not by a third" can be shown:

* joint meetings: the district's, one per street (A, B, C), a community meeting in a1;
* resident units: ``shared`` (sits in A, member of A's and B's meetings), ``unit_a`` (a1),
  ``unit_b`` (b1), ``unit_c`` (C, member of C's meeting);
* the three lists in A: ``need_a``, ``resource_a`` (10 场次), ``project_a`` with two
  milestones; ``need_b`` and ``resource_b`` in B;
* non-public organisations: ``private_a`` (paired with A's working committee),
  ``private_a2`` and ``social_b`` (unpaired).
"""

from datetime import date
from decimal import Decimal

import pytest

from organizations.models import Organization
from portal.accounts.roles import STREET_OPERATOR
from portal.models import Region
from regional.models import (
    JointMeeting,
    JointMeetingMembership,
    Milestone,
    Need,
    Pairing,
    Project,
    ResidentUnit,
    Resource,
)
from tests.conftest import make_user


def saved(obj):
    obj.full_clean()
    obj.save()
    return obj


def org(code, name, region, parent, sector=Organization.Sector.PRIVATE_ENTERPRISE, **extra):
    return saved(
        Organization(
            code=code,
            name=name,
            kind=extra.pop("kind", Organization.Kind.BRANCH),
            sector=sector,
            region=region,
            parent=parent,
            **extra,
        )
    )


@pytest.fixture
def street_c(district):
    c = Region.objects.create(
        code="310104005", name="枫林路街道", level=Region.Level.STREET, parent=district["district"]
    )
    top = Organization.objects.create(
        code="S005",
        name="枫林路街道党工委",
        kind=Organization.Kind.WORKING_COMMITTEE,
        sector=Organization.Sector.GOVERNMENT,
        parent=district["root"],
        region=c,
    )
    return {"c": c, "c_top": top, "operator_c": make_user("operator_c", STREET_OPERATOR, c)}


@pytest.fixture
def regional(district, users, street_c):
    d = district
    c = street_c["c"]
    meetings = {
        "meeting_d": saved(
            JointMeeting(
                code="JM-D",
                name="区党建联席会议",
                level="district",
                region=d["district"],
                convener=d["root"],
            )
        ),
        "meeting_a": saved(
            JointMeeting(
                code="JM-A",
                name="天平路街道党建联席会议",
                level="street",
                region=d["a"],
                convener=d["a_top"],
            )
        ),
        "meeting_b": saved(
            JointMeeting(
                code="JM-B",
                name="湖南路街道党建联席会议",
                level="street",
                region=d["b"],
                convener=d["b_top"],
            )
        ),
        "meeting_c": saved(
            JointMeeting(
                code="JM-C",
                name="枫林路街道党建联席会议",
                level="street",
                region=c,
                convener=street_c["c_top"],
            )
        ),
        "meeting_a1": saved(
            JointMeeting(
                code="JM-A1",
                name="上海新村居民区联席会议",
                level="community",
                region=d["a1"],
                convener=d["a_general"],
            )
        ),
    }
    units = {
        "shared": saved(
            ResidentUnit(code="H001", name="第六人民医院", kind="hospital", region=d["a"])
        ),
        "unit_a": saved(
            ResidentUnit(code="S001", name="天平路小学", kind="school", region=d["a1"])
        ),
        "unit_b": saved(
            ResidentUnit(code="P001", name="湖南路派出所", kind="police", region=d["b1"])
        ),
        "unit_c": saved(ResidentUnit(code="G001", name="枫林街道办", kind="government", region=c)),
    }
    for meeting, unit in (
        ("meeting_a", "shared"),
        ("meeting_b", "shared"),
        ("meeting_a1", "unit_a"),
        ("meeting_b", "unit_b"),
        ("meeting_c", "unit_c"),
    ):
        saved(
            JointMeetingMembership(
                meeting=meetings[meeting],
                unit=units[unit],
                representative="代表",
                joined_on=date(2024, 1, 1),
            )
        )
    lists = {
        "need_a": saved(
            Need(title="医院周边潮汐停车", category="parking", region=d["a1"], raised_by="居民")
        ),
        "need_b": saved(Need(title="学生放学交通", category="traffic", region=d["b1"])),
        "resource_a": saved(
            Resource(
                code="R-A1",
                name="医院地下车库夜间车位",
                kind="parking",
                unit=units["shared"],
                region=d["a"],
                quantity=Decimal("10"),
                unit_of_measure="个",
            )
        ),
        "resource_b": saved(
            Resource(
                code="R-B1",
                name="派出所会议室",
                kind="venue",
                unit=units["unit_b"],
                region=d["b"],
                quantity=Decimal("4"),
                unit_of_measure="场次",
            )
        ),
    }
    project = saved(
        Project(
            name="潮汐停车共享", region=d["a"], owner_organization=d["a_top"], owner_person="张三"
        )
    )
    project.needs.add(lists["need_a"])
    milestones = [
        saved(Milestone(project=project, title="签订共享协议", due_on=date(2025, 3, 1))),
        saved(Milestone(project=project, title="车位开放", due_on=date(2025, 6, 1))),
    ]
    private_a = org("PA01", "天平科技有限公司党支部", d["a"], d["a_top"])
    private_a2 = org("PA02", "天平贸易有限公司党支部", d["a1"], d["a_top"])
    social_b = org(
        "SB01",
        "湖南路社工服务社党支部",
        d["b1"],
        d["b_top"],
        sector=Organization.Sector.SOCIAL_ORGANIZATION,
    )
    pairing = saved(
        Pairing(organization=d["a_top"], partner=private_a, started_on=date(2024, 1, 1))
    )
    return {
        **meetings,
        **units,
        **lists,
        "project_a": project,
        "milestones": milestones,
        "private_a": private_a,
        "private_a2": private_a2,
        "social_b": social_b,
        "pairing_a": pairing,
        **street_c,
    }


@pytest.fixture
def a_rows(regional, district, users):
    """One row of every regional model that only street A (and the district) may see, by
    model name, with its UI and API list paths (None: no such page)."""
    from regional import services
    from regional.models import (
        IndustryCommittee,
        IndustryCommitteeMember,
        IndustryIssue,
        JointMeetingSession,
        PairingActivity,
        PairingEvaluation,
        ProjectUpdate,
        SessionAttendance,
    )

    d = district
    session = saved(
        JointMeetingSession(
            meeting=regional["meeting_a1"], held_on=date(2025, 3, 1), title="季度例会"
        )
    )
    attendance = saved(SessionAttendance(session=session, unit=regional["unit_a"], present=True))
    membership = JointMeetingMembership.objects.get(unit=regional["unit_a"])
    update = saved(ProjectUpdate(project=regional["project_a"], date=date(2025, 3, 2), text="启动"))
    allocation = services.allocate(
        regional["project_a"], regional["resource_a"], 1, users["operator_a"]
    )
    pairing = regional["pairing_a"]
    activity = saved(
        PairingActivity(
            pairing=pairing, held_on=date(2025, 4, 1), title="联合主题党日", participants=20
        )
    )
    evaluation = saved(PairingEvaluation(pairing=pairing, year=2024, rating="good"))
    committee_org = org(
        "IA01",
        "商贸行业党总支",
        d["a"],
        d["a_top"],
        kind=Organization.Kind.GENERAL_BRANCH,
        sector=Organization.Sector.OTHER,
    )
    committee = saved(
        IndustryCommittee(
            code="IC-A", name="商贸行业党总支", industry="F", organization=committee_org
        )
    )
    member = saved(
        IndustryCommitteeMember(
            committee=committee, organization=regional["private_a"], joined_on=date(2024, 1, 1)
        )
    )
    issue = saved(
        IndustryIssue(
            committee=committee,
            title="用工难",
            raised_on=date(2025, 1, 5),
            raised_by=regional["private_a"],
        )
    )
    return {
        "jointmeeting": (regional["meeting_a"], "joint-meetings", "joint-meetings"),
        "residentunit": (regional["unit_a"], "resident-units", "resident-units"),
        "jointmeetingmembership": (membership, "memberships", "joint-meeting-memberships"),
        "jointmeetingsession": (session, "sessions", "joint-meeting-sessions"),
        "sessionattendance": (attendance, "attendance", "session-attendance"),
        "need": (regional["need_a"], "needs", "needs"),
        "resource": (regional["resource_a"], "resources", "resources"),
        "project": (regional["project_a"], "projects", "projects"),
        "projectallocation": (allocation, None, "project-allocations"),
        "milestone": (regional["milestones"][0], "milestones", "milestones"),
        "projectupdate": (update, "project-updates", "project-updates"),
        "pairing": (pairing, "pairings", "pairings"),
        "pairingactivity": (activity, "pairing-activities", "pairing-activities"),
        "pairingevaluation": (evaluation, "pairing-evaluations", "pairing-evaluations"),
        "industrycommittee": (committee, "industry-committees", "industry-committees"),
        "industrycommitteemember": (member, "industry-members", "industry-members"),
        "industryissue": (issue, "industry-issues", "industry-issues"),
    }
