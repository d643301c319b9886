"""The search page: one box over the four databases, results grouped by kind."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from search import engine


class SearchView(LoginRequiredMixin, TemplateView):
    """``/search/?q=``: the full page, or just the results for the box's live search (htmx)."""

    template_name = "search/results.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["search/includes/groups.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        raw = self.request.GET.get("q", "")
        term = engine.normalize(raw)
        context.update(
            q=raw.strip()[: engine.MAX_LENGTH],
            term=term,
            id_number_query=engine.looks_sensitive(term),
            groups=engine.search(self.request.user, term),
        )
        return context
