"""Background work of the grids app: flagging overdue cases (Celery beat, every 10 minutes)."""

import logging

from celery import shared_task
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Case, Grid
from portal.accounts.models import User
from portal.accounts.roles import COMMUNITY_WORKER
from portal.inbox import services as inbox

logger = logging.getLogger(__name__)


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


@shared_task
def flag_overdue_cases(now=None):
    """Flag the open cases whose stage deadline has passed and that are not flagged yet, and
    tell each one's assignee user (or, without one, the grid's community workers).

    Three statements whatever the number of cases: an ``UPDATE ... RETURNING`` that flags
    them (a concurrent run waits on the row locks and then finds them flagged, so no case is
    flagged or notified twice), a ``SELECT`` of whom to tell and one insert of the inbox
    messages. ``now`` (an ISO string or datetime) is for tests and replays; by default the
    current time.
    """
    if isinstance(now, str):
        from django.utils.dateparse import parse_datetime

        now = parse_datetime(now)
    now = now or timezone.now()
    open_states = [str(state) for state in Case.OPEN_STATES]
    user_groups = User.groups.through
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {_table(Case)} SET overdue = TRUE, updated_at = %(now)s
            WHERE state = ANY(%(states)s) AND due_at < %(now)s AND NOT overdue
            RETURNING id
            """,  # noqa: S608 - only quoted table names are interpolated
            {"now": now, "states": open_states},
        )
        flagged = [row[0] for row in cursor.fetchall()]
        notified = 0
        if flagged:
            cursor.execute(
                f"""
                SELECT DISTINCT c.id, c.number, c.title, u.id
                FROM {_table(Case)} c
                JOIN {_table(Grid)} g ON g.id = c.grid_id
                JOIN {_table(User)} u ON (
                    (c.assignee_user_id IS NOT NULL AND u.id = c.assignee_user_id)
                    OR (c.assignee_user_id IS NULL AND u.scope_region_id = g.region_id
                        AND EXISTS (
                            SELECT 1 FROM {_table(user_groups)} ug
                            JOIN auth_group ag ON ag.id = ug.group_id
                            WHERE ug.user_id = u.id AND ag.name = %(role)s
                        ))
                )
                WHERE c.id = ANY(%(ids)s) AND u.is_active
                ORDER BY c.id, u.id
                """,  # noqa: S608 - only quoted table names are interpolated
                {"ids": flagged, "role": COMMUNITY_WORKER},
            )
            prefix = _("需求/问题已超时：")
            notified = inbox.deliver(
                inbox.item(
                    user_id,
                    "case_overdue",
                    f"{prefix}{number} {title}",
                    url=reverse("grids:case_detail", args=[case_id]),
                    source=(Case, case_id),
                    created_at=now,
                )
                for case_id, number, title, user_id in cursor.fetchall()
            )
    result = {"flagged": len(flagged), "notified": notified}
    if flagged:
        logger.info("overdue cases flagged: %s", result)
    return result
