"""Workflows of the three lists: the only code that changes a need's or a project's status,
allocates a resource or completes a milestone.

* ``escalate_case``: a grid case becomes a need (需求清单), linked to the case;
* ``match_needs``: needs answered by a project become "matched";
* ``allocate``: a quantity of a resource goes to a project; the resource row is locked
  (``SELECT ... FOR UPDATE``) while its remaining quantity is checked, so two allocations at
  once cannot oversubscribe it;
* ``complete_milestone`` and ``start_project``, ``cancel_project``, ``close_project``: the
  project's life; closing resolves its needs and, where a need came from a grid case,
  resolves or closes that case through ``grids.services.cases`` when the case's transitions
  allow it, else records why not on the need.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import scoping
from regional.models import Milestone, Need, Project, ProjectAllocation, ProjectUpdate, Resource


class RegionalError(ValidationError):
    """A step that may not happen now, or not by this user."""


def _require(obj, user, action="change"):
    if not scoping.in_scope(obj, user, action):
        raise RegionalError(_("该对象不存在或不在您的管辖范围内。"))


@transaction.atomic
def escalate_case(case, user, *, category=Need.Category.OTHER):
    """A grid case becomes a need of the case's community (once per case)."""
    from grids.models import Case

    if not scoping.in_scope(case, user, "view") or not scoping.can(user, Need, "add"):
        raise RegionalError(_("该需求/问题不存在或您没有登记需求的权限。"))
    case = Case.objects.select_for_update(of=("self",)).select_related("grid").get(pk=case.pk)
    if Need.objects.filter(source_case=case).exists():
        raise RegionalError(_("该需求/问题已升级为需求清单中的需求。"))
    need = Need(
        title=case.title,
        description=case.description,
        category=category,
        region_id=case.grid.region_id,
        source_case=case,
        raised_by=case.reporter_name or (user.get_full_name() or user.username),
    )
    need.full_clean()
    need.save()
    scoping.ensure_in_scope(need, user, "add")
    return need


def match_needs(project):
    """The project's open needs become matched (a project answers them). Called after a
    project's needs are saved (form, API), inside that write's transaction."""
    return project.needs.filter(status=Need.Status.OPEN).update(
        status=Need.Status.MATCHED, updated_at=timezone.now()
    )


def _quantity(value):
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise RegionalError({"quantity": [_("数量应为数字。")]}) from None
    if not quantity.is_finite() or quantity <= 0:
        raise RegionalError({"quantity": [_("数量应大于 0。")]})
    return quantity.quantize(Decimal("0.01"))


def plain(number):
    """``Decimal("10.00")`` as "10", ``Decimal("2.50")`` as "2.5" (never "1E+1")."""
    return f"{number.normalize():f}"


OPEN_PROJECT = (Project.Status.PLANNED, Project.Status.IN_PROGRESS)


@transaction.atomic
def allocate(project, resource, quantity, user):
    """Give ``quantity`` of ``resource`` to ``project``. More than remains is refused,
    naming the resource and what remains, and nothing is written."""
    quantity = _quantity(quantity)
    _require(project, user)
    if not scoping.in_scope(resource, user, "view"):
        raise RegionalError({"resource": [_("该资源不存在或不在您的管辖范围内。")]})
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status not in OPEN_PROJECT:
        raise RegionalError(
            _("项目状态为“%(status)s”，不能再分配资源。") % {"status": project.get_status_display()}
        )
    locked = Resource.objects.select_for_update().get(pk=resource.pk)
    remaining = locked.remaining
    if quantity > remaining:
        raise RegionalError(
            {
                "quantity": [
                    _("资源“%(resource)s”仅剩 %(remaining)s%(uom)s，不能分配 %(quantity)s%(uom)s。")
                    % {
                        "resource": locked.name,
                        "remaining": plain(remaining),
                        "quantity": plain(quantity),
                        "uom": locked.unit_of_measure,
                    }
                ]
            }
        )
    if locked.available_to and locked.available_to < timezone.localdate():
        raise RegionalError(
            {"resource": [_("资源“%(resource)s”已过可用截止日。") % {"resource": locked.name}]}
        )
    allocation = ProjectAllocation.objects.create(
        project=project, resource=locked, quantity=quantity, allocated_by=user
    )
    return allocation


@transaction.atomic
def start_project(project, user):
    _require(project, user)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status != Project.Status.PLANNED:
        raise RegionalError(_("只有计划中的项目可以开始推进。"))
    project.status = Project.Status.IN_PROGRESS
    project.save(update_fields=["status", "updated_at"])
    return project


@transaction.atomic
def add_update(project, user, text, *, progress=None, date=None):
    """A line of the project's public progress timeline."""
    _require(project, user)
    if not (text or "").strip():
        raise RegionalError({"text": [_("请填写进展内容。")]})
    update = ProjectUpdate(
        project=project, date=date or timezone.localdate(), text=text.strip(), progress=progress
    )
    update.full_clean()
    update.save()
    return update


@transaction.atomic
def complete_milestone(milestone, user, *, done_on=None, note=""):
    """Mark a milestone done; the project (planned) starts, and the timeline says so."""
    _require(milestone, user)
    milestone = Milestone.objects.select_for_update().select_related("project").get(pk=milestone.pk)
    project = milestone.project
    if milestone.done_on is not None:
        raise RegionalError(_("节点“%(title)s”已完成。") % {"title": milestone.title})
    if project.status not in OPEN_PROJECT:
        raise RegionalError(
            _("项目状态为“%(status)s”，不能再完成节点。") % {"status": project.get_status_display()}
        )
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise RegionalError({"done_on": [_("完成日期不能晚于今天。")]})
    milestone.done_on = done_on
    if note:
        milestone.note = note
    milestone.save(update_fields=["done_on", "note", "updated_at"])
    if project.status == Project.Status.PLANNED:
        project.status = Project.Status.IN_PROGRESS
        project.save(update_fields=["status", "updated_at"])
    ProjectUpdate.objects.create(
        project=project,
        date=done_on,
        text=_("完成节点：%(title)s") % {"title": milestone.title},
        progress=Project.objects.get(pk=project.pk).progress,
    )
    return milestone


@transaction.atomic
def cancel_project(project, user, *, note=""):
    _require(project, user)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status not in OPEN_PROJECT:
        raise RegionalError(_("项目已结束，不能取消。"))
    project.status = Project.Status.CANCELLED
    project.closing_note = note
    project.save(update_fields=["status", "closing_note", "updated_at"])
    project.needs.filter(status=Need.Status.MATCHED).update(
        status=Need.Status.OPEN, updated_at=timezone.now()
    )
    return project


def _settle_case(case, user, note):
    """Resolve (or close, once verified) the grid case a need came from, if its transitions
    allow it for ``user``; else the reason why not."""
    from grids.models import Case
    from grids.services import TransitionError
    from grids.services import cases as case_services

    action = "close" if case.state == Case.State.VERIFIED else "resolve"
    reason = case_services.refusal(case, user, action)
    if reason:
        return str(reason)
    try:
        case_services.ACTIONS[action](case, user, note=note)
    except TransitionError as exc:
        return "；".join(exc.messages)
    return ""


@transaction.atomic
def close_project(project, user, *, note=""):
    """The project is done: its needs are resolved, and their grid cases resolved or closed
    where the case workflow allows (else the need's status note says why not)."""
    _require(project, user)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.status not in OPEN_PROJECT:
        raise RegionalError(
            _("项目状态为“%(status)s”，不能结项。") % {"status": project.get_status_display()}
        )
    note = (note or "").strip() or _("项目“%(project)s”已完成。") % {"project": project.name}
    project.status = Project.Status.DONE
    project.closing_note = note
    project.save(update_fields=["status", "closing_note", "updated_at"])
    unsettled = []
    needs = project.needs.exclude(status__in=(Need.Status.RESOLVED, Need.Status.CLOSED))
    for need in needs.select_related("source_case__grid__region"):
        need.status = Need.Status.RESOLVED
        need.status_note = ""
        if need.source_case is not None:
            reason = _settle_case(need.source_case, user, note)
            if reason:
                need.status_note = _("来源案件未能办结：%(reason)s") % {"reason": reason}
                unsettled.append(need)
        need.save(update_fields=["status", "status_note", "updated_at"])
    ProjectUpdate.objects.create(
        project=project, date=timezone.localdate(), text=note, progress=100
    )
    return project, unsettled


def unpaired_organizations(user, street=None):
    """The non-public organisations (非公企业/社会组织) in the user's scope with no active
    pairing (status active and not past its end date), on either side of it; ``street`` (a
    region code) narrows them to that street."""
    from django.db.models import Q

    from organizations.models import Organization
    from portal.models import Region
    from regional.models import Pairing

    today = timezone.localdate()
    active = Pairing.objects.filter(status=Pairing.Status.ACTIVE).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    )
    sectors = (Organization.Sector.PRIVATE_ENTERPRISE, Organization.Sector.SOCIAL_ORGANIZATION)
    orgs = (
        Organization.objects.active()
        .filter(sector__in=sectors)
        .exclude(pk__in=active.values("organization_id"))
        .exclude(pk__in=active.values("partner_id"))
    )
    if street:
        path = Region.objects.filter(code=street).values_list("path", flat=True).first()
        orgs = orgs.filter(region__path__startswith=path) if path else orgs.none()
    return scoping.restrict(orgs, user, "view").select_related("region").order_by("code")
