"""The regional app's step of ``seed_demo``: the district's joint meeting and one per street
(with 10-20 resident units each, a few shared between two neighbouring streets), a community
meeting in each street's first community, sessions with attendance, needs (some escalated
from grid cases), resources, projects with milestones, allocations and a progress timeline,
pairings of street working committees with non-public organisations (with activities and
evaluations), and five industry committees (商贸, 物流, 制造, 科研, 金融) with their issues.

Written in bulk, only when there is no joint meeting yet, so a second run adds nothing.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from organizations.models import Organization
from portal.models import Region
from regional.models import (
    IndustryCommittee,
    IndustryCommitteeMember,
    IndustryIssue,
    JointMeeting,
    JointMeetingMembership,
    JointMeetingSession,
    Milestone,
    Need,
    Pairing,
    PairingActivity,
    PairingEvaluation,
    Project,
    ProjectAllocation,
    ProjectUpdate,
    ResidentUnit,
    Resource,
    SessionAttendance,
)

DISTRICT_CODE = "310104"

UNIT_KINDS = (
    ("hospital", "医院"),
    ("school", "中学"),
    ("school", "小学"),
    ("police", "派出所"),
    ("institution", "研究所"),
    ("government", "税务所"),
    ("institution", "图书馆"),
    ("social", "社工服务社"),
    ("military", "武警中队"),
    ("institution", "文化中心"),
)
NEEDS = (
    ("parking", "医院周边潮汐停车", "早晚高峰医院周边车辆排队，居民停车难。"),
    ("traffic", "学校放学时段交通疏导", "放学时段接送车辆占道。"),
    ("elderly", "独居老人助餐点", "老年人就餐不便，需要助餐点。"),
    ("youth", "青少年暑期托管", "双职工家庭暑期看护需求。"),
    ("environment", "老旧小区垃圾分类", "垃圾箱房改造缺少资金与志愿者。"),
    ("employment", "社区就业招聘会", "失业人员与企业岗位对接。"),
    ("culture", "社区文化活动场地", "居民文艺团队缺少排练场地。"),
)
RESOURCES = (
    ("parking", "夜间共享车位", 30, "个"),
    ("venue", "会议室开放", 12, "场次"),
    ("volunteers", "党员志愿者", 20, "人"),
    ("funds", "共建资金", 50000, "元"),
    ("expertise", "义诊服务", 6, "场次"),
)
INDUSTRIES = (
    ("F", "商贸"),
    ("G", "物流"),
    ("C", "制造"),
    ("M", "科研"),
    ("J", "金融"),
)
ISSUES = ("用工招聘难", "停车位紧张", "党员活动场地不足", "政策咨询渠道少", "青年人才住房")
STREET_LEVELS = (Region.Level.STREET, Region.Level.TOWN, Region.Level.DEVELOPMENT_ZONE)


def seed_demo(command, options, rng):
    if JointMeeting.objects.exists():
        command.stderr.write("seed_demo: regional data exists, skipped")
        return
    district = Region.objects.filter(code=DISTRICT_CODE).first()
    root = Organization.objects.filter(region=district, parent__isnull=True).first()
    if district is None or root is None:
        command.stderr.write("seed_demo: no district or district committee, regional skipped")
        return
    with transaction.atomic():
        Seeder(command, rng, district, root).run()


class Seeder:
    def __init__(self, command, rng, district, root):
        self.command, self.rng, self.district, self.root = command, rng, district, root
        self.today = date.today()

    def run(self):
        streets = list(
            Region.objects.filter(parent=self.district, level__in=STREET_LEVELS).order_by("code")
        )
        committees = {
            o.region_id: o
            for o in Organization.objects.filter(
                region__in=streets, kind=Organization.Kind.WORKING_COMMITTEE
            )
        }
        streets = [s for s in streets if s.pk in committees]
        first_community = {}
        for community in Region.objects.filter(
            parent__in=streets, level=Region.Level.COMMUNITY
        ).order_by("code"):
            first_community.setdefault(community.parent_id, community)
        meetings = self.meetings(streets, committees, first_community)
        units = self.units(streets, meetings, first_community)
        self.sessions(meetings)
        projects = self.lists(streets, committees, units, first_community)
        self.pairings(streets, committees)
        self.industry(streets)
        self.command.stderr.write(
            f"seed_demo: regional: {len(meetings)} joint meetings, "
            f"{sum(len(u) for u in units.values())} unit seats, {len(projects)} projects"
        )

    def meetings(self, streets, committees, first_community):
        rows = [
            JointMeeting(
                code="JM310104",
                name=f"{self.district.name}区域化党建联席会议",
                level=JointMeeting.Level.DISTRICT,
                region=self.district,
                convener=self.root,
                founded_on=date(2017, 3, 1),
            )
        ]
        for street in streets:
            rows.append(
                JointMeeting(
                    code=f"JM{street.code}",
                    name=f"{street.name}党建联席会议",
                    level=JointMeeting.Level.STREET,
                    region=street,
                    convener=committees[street.pk],
                    founded_on=date(2017, 6, 1),
                )
            )
            community = first_community.get(street.pk)
            if community is not None:
                rows.append(
                    JointMeeting(
                        code=f"JM{community.code}",
                        name=f"{community.name}党建联席会议",
                        level=JointMeeting.Level.COMMUNITY,
                        region=community,
                        convener=committees[street.pk],
                        founded_on=date(2018, 1, 1),
                    )
                )
        return JointMeeting.objects.bulk_create(rows)

    def units(self, streets, meetings, first_community):
        """10-20 units per street meeting; each street shares two of its units with the next
        street's meeting; the biggest also sit in the district meeting."""
        by_region = {m.region_id: m for m in meetings}
        district_meeting = by_region[self.district.pk]
        units, seats = [], []
        per_street = {}
        for index, street in enumerate(streets):
            count = self.rng.randint(10, 20)
            own = []
            for n in range(count):
                kind, label = UNIT_KINDS[n % len(UNIT_KINDS)]
                region = first_community.get(street.pk) if n % 3 == 0 else street
                unit = ResidentUnit(
                    code=f"U{street.code[-3:]}{n:03d}",
                    name=f"{street.name[:-2]}{label}{n // len(UNIT_KINDS) + 1}",
                    kind=kind,
                    region=region or street,
                    address=f"{street.name[:-2]}路{index * 10 + n + 1}号",
                    contact_name="联络员",
                )
                units.append(unit)
                own.append(unit)
            per_street[street.pk] = own
        ResidentUnit.objects.bulk_create(units)
        seated = {}
        joined = date(2018, 3, 1)
        for index, street in enumerate(streets):
            meeting = by_region[street.pk]
            own = per_street[street.pk]
            guests = per_street[streets[(index + 1) % len(streets)].pk][:2] if index % 2 else []
            members = own + [g for g in guests if g not in own]
            seated[street.pk] = members
            for unit in members:
                seats.append(
                    JointMeetingMembership(
                        meeting=meeting,
                        unit=unit,
                        representative=f"{unit.name[:2]}书记",
                        representative_title="党组织书记",
                        joined_on=joined,
                    )
                )
            community = first_community.get(street.pk)
            if community is not None and community.pk in by_region:
                for unit in own[:4]:
                    seats.append(
                        JointMeetingMembership(
                            meeting=by_region[community.pk],
                            unit=unit,
                            representative=f"{unit.name[:2]}代表",
                            joined_on=joined,
                        )
                    )
            seats.append(
                JointMeetingMembership(
                    meeting=district_meeting,
                    unit=own[0],
                    representative=f"{own[0].name[:2]}书记",
                    representative_title="党委书记",
                    joined_on=joined,
                )
            )
        JointMeetingMembership.objects.bulk_create(seats)
        return seated

    def sessions(self, meetings):
        sessions = []
        for meeting in meetings:
            for quarter in range(1, 4):
                sessions.append(
                    JointMeetingSession(
                        meeting=meeting,
                        held_on=date(self.today.year - 1, quarter * 3, 15),
                        title=f"第{quarter}季度联席会议",
                        agenda="1. 通报需求清单\n2. 认领资源\n3. 审议项目",
                        minutes="会议认领项目若干，明确责任单位。",
                    )
                )
        JointMeetingSession.objects.bulk_create(sessions)
        seats = {}
        for meeting_id, unit_id in JointMeetingMembership.objects.values_list(
            "meeting_id", "unit_id"
        ):
            seats.setdefault(meeting_id, []).append(unit_id)
        SessionAttendance.objects.bulk_create(
            SessionAttendance(session=s, unit_id=u, present=self.rng.random() < 0.85)
            for s in sessions
            for u in seats.get(s.meeting_id, [])
        )

    def lists(self, streets, committees, units, first_community):
        needs, resources, projects = [], [], []
        for index, street in enumerate(streets):
            region = first_community.get(street.pk) or street
            for n in range(3):
                category, title, text = NEEDS[(index + n) % len(NEEDS)]
                needs.append(
                    Need(
                        title=f"{street.name[:-2]}{title}",
                        description=text,
                        category=category,
                        region=region,
                        source_unit=units[street.pk][n],
                        raised_by="居民区党总支",
                    )
                )
            for n, (kind, name, quantity, uom) in enumerate(RESOURCES[: 3 + index % 3]):
                unit = units[street.pk][n]
                resources.append(
                    Resource(
                        code=f"RS{street.code[-3:]}{n:02d}",
                        name=f"{unit.name}{name}",
                        kind=kind,
                        unit=unit,
                        region=street,
                        quantity=Decimal(quantity),
                        unit_of_measure=uom,
                        available_from=date(self.today.year, 1, 1),
                        available_to=date(self.today.year + 1, 12, 31),
                    )
                )
        Need.objects.bulk_create(needs)
        Resource.objects.bulk_create(resources)
        need_by_street = {}
        for need in needs:
            need_by_street.setdefault(need.source_unit.region.path.split("/")[2], []).append(need)
        resource_by_street = {}
        for resource in resources:
            resource_by_street.setdefault(resource.region_id, []).append(resource)
        statuses = (Project.Status.PLANNED, Project.Status.IN_PROGRESS, Project.Status.DONE)
        links, allocations, milestones, updates = [], [], [], []
        for index, street in enumerate(streets[:8]):
            need = need_by_street[street.code][0]
            status = statuses[index % 3]
            project = Project(
                name=f"{need.title}项目",
                region=street,
                owner_organization=committees[street.pk],
                owner_person="项目负责人",
                status=status,
                start_on=self.today - timedelta(days=120),
                end_on=self.today + timedelta(days=120),
                description=f"回应需求：{need.title}",
            )
            projects.append(project)
        Project.objects.bulk_create(projects)
        for street, project in zip(streets, projects, strict=False):
            need = need_by_street[street.code][0]
            links.append(Project.needs.through(project_id=project.pk, need_id=need.pk))
            need.status = (
                Need.Status.RESOLVED
                if project.status == Project.Status.DONE
                else Need.Status.MATCHED
            )
            resource = resource_by_street[street.pk][0]
            allocations.append(
                ProjectAllocation(
                    project=project, resource=resource, quantity=resource.quantity / 2
                )
            )
            done = {Project.Status.PLANNED: 0, Project.Status.IN_PROGRESS: 1}.get(project.status, 3)
            for m, title in enumerate(("方案制定", "资源对接", "项目实施")):
                milestones.append(
                    Milestone(
                        project=project,
                        title=title,
                        due_on=project.start_on + timedelta(days=40 * (m + 1)),
                        done_on=project.start_on + timedelta(days=40 * m + 30)
                        if m < done
                        else None,
                    )
                )
                if m < done:
                    updates.append(
                        ProjectUpdate(
                            project=project,
                            date=project.start_on + timedelta(days=40 * m + 30),
                            text=f"完成节点：{title}",
                            progress=round(100 * (m + 1) / 3),
                        )
                    )
        Project.needs.through.objects.bulk_create(links)
        Need.objects.bulk_update([n for n in needs if n.status != Need.Status.OPEN], ["status"])
        ProjectAllocation.objects.bulk_create(allocations)
        Milestone.objects.bulk_create(milestones)
        ProjectUpdate.objects.bulk_create(updates)
        return projects

    def pairings(self, streets, committees):
        sectors = (Organization.Sector.PRIVATE_ENTERPRISE, Organization.Sector.SOCIAL_ORGANIZATION)
        partners = list(
            Organization.objects.active()
            .filter(sector__in=sectors, region__path__startswith=self.district.path)
            .order_by("code")
            .values("pk", "region__path")[:400]
        )
        pairings = []
        for street in streets:
            own = [p for p in partners if p["region__path"].startswith(street.path)]
            for partner in own[: self.rng.randint(2, 5)]:
                pairings.append(
                    Pairing(
                        organization=committees[street.pk],
                        partner_id=partner["pk"],
                        started_on=date(self.today.year - 1, 1, 1),
                        ended_on=date(self.today.year + 1, 12, 31),
                        goals="组织共建、活动共办、资源共享",
                        status=Pairing.Status.ACTIVE,
                    )
                )
        Pairing.objects.bulk_create(pairings)
        PairingActivity.objects.bulk_create(
            PairingActivity(
                pairing=p,
                held_on=date(self.today.year - 1, 7, 1),
                title="联合主题党日",
                participants=self.rng.randint(10, 40),
            )
            for p in pairings
        )
        ratings = [r for r, _label in PairingEvaluation.Rating.choices]
        PairingEvaluation.objects.bulk_create(
            PairingEvaluation(
                pairing=p, year=self.today.year - 1, rating=self.rng.choice(ratings[:3])
            )
            for p in pairings
        )

    def industry(self, streets):
        """Five committees, each an organisation of its own (党总支) under the district
        committee, linking non-public organisations of that industry across streets."""
        orgs = []
        for code, name in INDUSTRIES:
            orgs.append(
                Organization(
                    code=f"HY{code}",
                    name=f"自贸区{name}行业党总支",
                    kind=Organization.Kind.GENERAL_BRANCH,
                    sector=Organization.Sector.OTHER,
                    region=self.district,
                    parent=self.root,
                    path=f"{self.root.path}HY{code}/",
                    depth=self.root.depth + 1,
                )
            )
        existing = set(
            Organization.objects.filter(code__in=[o.code for o in orgs]).values_list(
                "code", flat=True
            )
        )
        Organization.objects.bulk_create([o for o in orgs if o.code not in existing])
        by_code = {o.code: o for o in Organization.objects.filter(code__startswith="HY")}
        committees = IndustryCommittee.objects.bulk_create(
            IndustryCommittee(
                code=f"IC-{code}",
                name=f"自贸区{name}行业党总支",
                industry=code,
                organization=by_code[f"HY{code}"],
            )
            for code, name in INDUSTRIES
        )
        members, issues = [], []
        candidates = list(
            Organization.objects.active()
            .filter(sector=Organization.Sector.PRIVATE_ENTERPRISE)
            .filter(Q(region__path__startswith=self.district.path))
            .order_by("code")
            .values_list("pk", flat=True)[:200]
        )
        for index, committee in enumerate(committees):
            chosen = candidates[index::5][:8]
            for org_id in chosen:
                members.append(
                    IndustryCommitteeMember(
                        committee=committee, organization_id=org_id, joined_on=date(2019, 1, 1)
                    )
                )
            for n, org_id in enumerate(chosen[:3]):
                resolved = n == 0
                issues.append(
                    IndustryIssue(
                        committee=committee,
                        title=ISSUES[(index + n) % len(ISSUES)],
                        raised_on=date(self.today.year - 1, 3 + n, 10),
                        raised_by_id=org_id,
                        status=IndustryIssue.Status.RESOLVED
                        if resolved
                        else IndustryIssue.Status.IN_PROGRESS,
                        resolved_on=date(self.today.year - 1, 9, 1) if resolved else None,
                        resolution="协调相关部门解决。" if resolved else "",
                    )
                )
        IndustryCommitteeMember.objects.bulk_create(members)
        IndustryIssue.objects.bulk_create(issues)
