"""The ladder's starting rules (三档十八级); district admins adjust them afterwards."""

from django.db import migrations

#: tier, name, posts, grades, years at a grade, (certificate from grade, certificate),
#: (education from grade, education). Certificates: 1 助理社会工作师, 2 社会工作师;
#: education: 4 大学专科, 5 大学本科. See docs/decisions.md (班长工程).
RULES = [
    (1, "一档", ["secretary", "director"], (7, 18), 2, (13, 2), (16, 5)),
    (2, "二档", ["deputy_secretary", "deputy_director"], (4, 15), 2, (10, 1), (13, 4)),
    (3, "三档", ["committee_member", "social_worker"], (1, 12), 2, (7, 1), (10, 4)),
]


def seed(apps, schema_editor):
    LadderRule = apps.get_model("cadres", "LadderRule")
    for tier, name, posts, grades, years, cert, edu in RULES:
        LadderRule.objects.update_or_create(
            tier=tier,
            defaults={
                "name": name,
                "posts": posts,
                "min_grade": grades[0],
                "max_grade": grades[1],
                "min_years": years,
                "certificate_from_grade": cert[0],
                "certificate": cert[1],
                "education_from_grade": edu[0],
                "education": edu[1],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cadres", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
