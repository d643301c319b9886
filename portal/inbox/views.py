"""The inbox pages: the list (tabs 未读 / 全部 / 已完成, grouped by kind), the unread badge of
the navigation bar (loaded by htmx, so no page pays a query for it), opening an item (marks
it read and goes to its object) and marking items read."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from portal.inbox import services
from portal.inbox.filters import STATES
from portal.inbox.models import InboxItem

#: Groups appear in the order of the kinds' declaration (reminders first, then messages).
KIND_ORDER = Case(
    *[When(kind=kind, then=Value(n)) for n, kind in enumerate(InboxItem.Kind.values)],
    default=Value(len(InboxItem.Kind.values)),
    output_field=IntegerField(),
)


class KnownCountPaginator(Paginator):
    """A paginator told its count (from the tab counts already read): one query fewer."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


def _safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return fallback


class InboxView(LoginRequiredMixin, TemplateView):
    template_name = "inbox/index.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, params = self.request.user, self.request.GET
        tab = params.get("tab") if params.get("tab") in STATES else "unread"
        kind = params.get("kind") if params.get("kind") in InboxItem.Kind.values else ""
        counts = services.tab_counts(user)
        count_key = {"unread": "unread", "all": "total", "done": "done"}.get(tab, "total")
        kinds = [
            {"kind": k, "label": label, "count": counts[k][count_key]}
            for k, label in InboxItem.Kind.choices
            if k in counts and counts[k][count_key]
        ]
        items = (
            services.items_of(user)
            .filter(STATES[tab][1])
            .annotate(kind_order=KIND_ORDER)
            .order_by("kind_order", "-created_at", "-id")
        )
        total = sum(row["count"] for row in kinds)
        if kind:
            items = items.filter(kind=kind)
            total = next((row["count"] for row in kinds if row["kind"] == kind), 0)
        page = KnownCountPaginator(items, self.paginate_by, total).get_page(params.get("page"))
        query = "&".join(
            f"{name}={value}" for name, value in (("tab", tab), ("kind", kind)) if value
        )
        context.update(
            tab=tab,
            kind=kind,
            kinds=kinds,
            tabs=[
                {
                    "key": key,
                    "label": STATES[key][0],
                    "count": sum(row[column] for row in counts.values()),
                }
                for key, column in (("unread", "unread"), ("all", "total"), ("done", "done"))
            ],
            page=page,
            items=page.object_list,
            querystring=query,
            today=timezone.localdate(),
        )
        return context


class InboxCountView(View):
    """The badge's fragment: the bell, the number and its accessible label. Signed out (an
    expired session while the page polls) answers 204, so htmx leaves the bell as it is."""

    def get(self, request):
        if not request.user.is_authenticated:
            return HttpResponse(status=204)
        # No request context: the fragment needs none, and context processors (navigation
        # permissions) would cost queries on every poll.
        html = render_to_string("inbox/count.html", {"count": services.unread_count(request.user)})
        return HttpResponse(html)


class InboxOpenView(LoginRequiredMixin, View):
    """GET /inbox/<pk>/: the item is read now; off to the object it is about."""

    def get(self, request, pk):
        item = get_object_or_404(services.items_of(request.user), pk=pk)
        if item.read_at is None:
            InboxItem.objects.filter(pk=item.pk).update(read_at=timezone.now())
        target = item.url
        if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = reverse("inbox:index")
        return HttpResponseRedirect(target)


class InboxReadView(LoginRequiredMixin, View):
    """POST: mark the user's items ``id`` (one or more) read, or all of them (``all=1``)."""

    def post(self, request):
        ids = None
        if request.POST.get("all") != "1":
            ids = [int(v) for v in request.POST.getlist("id") if v.isdigit()]
        marked = services.mark_read(request.user, ids)
        if marked:
            messages.success(request, _("已将 %(count)d 条标为已读。") % {"count": marked})
        return HttpResponseRedirect(_safe_next(request, reverse("inbox:index")))
