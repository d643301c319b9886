from organizations.models import LeadershipPosition, Organization
from portal.forms import ScopedModelForm


class OrganizationForm(ScopedModelForm):
    class Meta:
        model = Organization
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "sector",
            "parent",
            "region",
            "building",
            "founded_on",
            "dissolved_on",
            "term_number",
            "term_started_on",
            "term_end",
            "contact_phone",
            "address",
            "note",
        ]


class LeadershipPositionForm(ScopedModelForm):
    class Meta:
        model = LeadershipPosition
        fields = ["organization", "title", "holder_name", "started_on", "ended_on", "note"]
