"""Demo data of 班长工程, seeded after the members and buildings steps (INSTALLED_APPS
order: cadres comes after members, buildings, grids and regional).

- Current 书记/副书记 posts without a holder are linked to a member of their organisation
  (one whose name matches, else one of its members or of its child branches; the post's
  name then follows the member), so the secretary profiles have ages and education.
- Training records this year and last for most of them, 述职评议 for last year.
- About two community workers per community with tiers, grades and some promotion history.

Every part is skipped when its table already holds rows (a second run adds nothing). All
writes are bulk; the step takes a few seconds on the 100,000-member demo.
"""

import time
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from cadres.models import (
    AnnualReview,
    Certificate,
    CommunityWorker,
    Education,
    GradeChange,
    LadderRule,
    Post,
    TrainingRecord,
)
from cadres.services import SECRETARY_TITLES
from members.models import Member
from organizations.models import LeadershipPosition, Organization
from portal.models import Region

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华慧红文斌晓雯婷颖佳琳浩宇"
COURSES = [
    ("居民区党组织书记示范培训", TrainingRecord.Kind.DEMONSTRATION, "市委组织部", 24),
    ("基层党组织书记集中轮训", TrainingRecord.Kind.ROTATION, "区委组织部", 16),
    ("党务工作网络培训", TrainingRecord.Kind.ONLINE, "区委党校", 8),
    ("社区治理专题培训", TrainingRecord.Kind.OTHER, "街道党工委", 6),
]
RATINGS = [
    (AnnualReview.Rating.EXCELLENT, 45),
    (AnnualReview.Rating.GOOD, 40),
    (AnnualReview.Rating.FAIR, 12),
    (AnnualReview.Rating.POOR, 3),
]


def seed_demo(command, options, rng):
    started = time.monotonic()
    today = date.today()
    with transaction.atomic():
        linked = link_holders(rng)
        trainings = seed_trainings(rng, today)
        reviews = seed_reviews(rng, today)
        workers, changes = seed_workers(rng, today)
    command.stderr.write(
        f"cadres: {linked} posts linked to members, {trainings} training records, "
        f"{reviews} reviews, {workers} community workers, {changes} grade changes "
        f"in {time.monotonic() - started:.1f}s"
    )


def link_holders(rng):
    """Current secretary/deputy posts with no holder get one from their organisation."""
    posts = list(
        LeadershipPosition.objects.filter(
            title__in=SECRETARY_TITLES, holder__isnull=True, ended_on__isnull=True
        ).only("id", "organization_id", "holder_name")
    )
    if not posts:
        return 0
    members = {}
    for pk, name, org in Member.objects.filter(status=Member.Status.NORMAL).values_list(
        "pk", "name", "organization_id"
    ):
        members.setdefault(org, []).append((pk, name))
    children = {}
    for pk, parent in Organization.objects.filter(parent__isnull=False).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent, []).append(pk)
    taken = set(
        LeadershipPosition.objects.filter(holder__isnull=False, ended_on__isnull=True).values_list(
            "holder_id", flat=True
        )
    )
    changed = []
    for post in posts:
        own = members.get(post.organization_id, [])
        candidates = own or [
            m for child in children.get(post.organization_id, ()) for m in members.get(child, [])
        ]
        candidates = [m for m in candidates if m[0] not in taken]
        if not candidates:
            continue
        named = [m for m in candidates if m[1] == post.holder_name]
        pk, name = named[0] if named else rng.choice(candidates)
        taken.add(pk)
        post.holder_id, post.holder_name = pk, name
        changed.append(post)
    _update_holders(changed)
    return len(changed)


def _update_holders(posts):
    """One UPDATE … FROM (VALUES …) per 5,000 posts (``bulk_update``'s CASE per row is
    several times slower)."""
    table = LeadershipPosition._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(posts), 5000):
            chunk = posts[start : start + 5000]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params = [v for p in chunk for v in (p.pk, p.holder_id, p.holder_name)]
            cursor.execute(
                f"UPDATE {table} AS p SET holder_id = v.holder, holder_name = v.name "  # noqa: S608
                f"FROM (VALUES {values}) AS v(id, holder, name) WHERE p.id = v.id",
                params,
            )


def _holders():
    return list(
        LeadershipPosition.objects.filter(
            title__in=SECRETARY_TITLES, holder__isnull=False, ended_on__isnull=True
        ).values_list("holder_id", "holder__id_number_hash", "organization_id", "title")
    )


def seed_trainings(rng, today):
    if TrainingRecord.objects.exists():
        return 0
    records, seen = [], set()
    for holder, number_hash, _org, _title in _holders():
        if holder in seen:
            continue
        seen.add(holder)
        for year in (today.year - 1, today.year):
            if rng.random() < 0.3:
                continue  # some took no training that year
            title, kind, organiser, hours = rng.choice(COURSES)
            last = today if year == today.year else date(year, 12, 31)
            span = max((last - date(year, 1, 1)).days - 5, 1)
            start = date(year, 1, 1) + timedelta(days=rng.randrange(span))
            end = start + timedelta(days=max(hours // 8 - 1, 0))
            records.append(
                TrainingRecord(
                    member_id=holder,
                    title=title,
                    organiser=organiser,
                    kind=kind,
                    started_on=start,
                    ended_on=end,
                    hours=Decimal(hours),
                    certificate_no=f"PX{year}{len(records):06d}" if kind != "online" else "",
                    key=TrainingRecord.make_key(number_hash, start, title),
                )
            )
    TrainingRecord.objects.bulk_create(records, batch_size=2000)
    return len(records)


def seed_reviews(rng, today):
    if AnnualReview.objects.exists():
        return 0
    ratings, weights = zip(*RATINGS, strict=True)
    reviews, seen = [], set()
    for holder, _hash, org, title in _holders():
        if title != LeadershipPosition.Title.SECRETARY or (holder, org) in seen:
            continue
        seen.add((holder, org))
        rating = rng.choices(ratings, weights)[0]
        low = {"excellent": 90, "good": 80, "fair": 65, "poor": 40}[rating]
        reviews.append(
            AnnualReview(
                member_id=holder,
                organization_id=org,
                year=today.year - 1,
                rating=rating,
                score=Decimal(low + rng.randrange(0, 10)),
            )
        )
    AnnualReview.objects.bulk_create(reviews, batch_size=2000)
    return len(reviews)


def seed_workers(rng, today):
    """Two workers per community: the 居民区书记 (一档) and a 社区工作者 (三档), and in
    every third community a deputy (二档); each with a grade reached by a few steps."""
    if CommunityWorker.objects.exists():
        return 0, 0
    rules = {rule.tier: rule for rule in LadderRule.objects.all()}
    if not rules:
        return 0, 0
    posts = [(Post.SECRETARY, 1), (Post.SOCIAL_WORKER, 3)]
    workers, histories = [], []
    communities = Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code")
    for index, community in enumerate(communities.values_list("pk", flat=True)):
        staff = posts + ([(Post.DEPUTY_SECRETARY, 2)] if index % 3 == 0 else [])
        for post, tier in staff:
            rule = rules[tier]
            hired = today - timedelta(days=rng.randrange(3 * 365, 20 * 365))
            steps = rng.randrange(0, 4)
            grade = min(rule.min_grade + rng.randrange(0, 4) + steps, rule.max_grade)
            steps = min(steps, grade - rule.min_grade)
            # The requirements of the grade reached are met (the history is legal).
            certificate = Certificate.ASSISTANT if rng.random() < 0.6 else Certificate.NONE
            if rule.certificate_from_grade and grade >= rule.certificate_from_grade:
                certificate = max(certificate, rule.certificate)
            education = rng.choice([Education.COLLEGE, Education.BACHELOR, Education.BACHELOR])
            if rule.education_from_grade and grade >= rule.education_from_grade:
                education = max(education, rule.education)
            since = today - timedelta(days=rng.randrange(60, 3 * 365))
            # Past steps, 2+ years apart, going back from ``since``.
            history, day = [], since
            for step in range(steps):
                history.append((grade - step - 1, grade - step, day))
                day -= timedelta(days=rule.min_years * 365 + rng.randrange(0, 400))
            hired = min(hired, day)
            workers.append(
                CommunityWorker(
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN)),
                    gender=rng.choice(("male", "female")),
                    birth_date=hired - timedelta(days=rng.randrange(22 * 365, 35 * 365)),
                    community_id=community,
                    post=post,
                    hired_on=hired,
                    education=education,
                    certificate=certificate,
                    tier=tier,
                    grade=grade,
                    current_since=since,
                )
            )
            histories.append(history)
    CommunityWorker.objects.bulk_create(workers, batch_size=2000)
    changes = [
        GradeChange(
            worker=worker,
            from_tier=worker.tier,
            from_grade=low,
            to_tier=worker.tier,
            to_grade=high,
            effective_on=day,
            reason="任现级满年限，考核合格",
        )
        for worker, history in zip(workers, histories, strict=True)
        for low, high, day in history
    ]
    GradeChange.objects.bulk_create(changes, batch_size=2000)
    return len(workers), len(changes)
