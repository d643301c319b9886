"""Forms of the cadres pages. The promotion form hands its data to ``services.promote``;
no form sets a worker's tier or grade after registration."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cadres import services
from cadres.models import AnnualReview, CommunityWorker, GradeChange, LadderRule, TrainingRecord
from members.workflow_forms import DateInput
from portal.forms import ScopedModelForm, add_service_errors

TRAINING_FIELDS = [
    "member",
    "title",
    "organiser",
    "kind",
    "started_on",
    "ended_on",
    "hours",
    "certificate_no",
    "note",
]
REVIEW_FIELDS = ["member", "organization", "year", "rating", "score", "reviewer", "note"]
WORKER_FIELDS = [
    "name",
    "gender",
    "birth_date",
    "community",
    "post",
    "hired_on",
    "education",
    "certificate",
    "member",
    "user",
    "left_on",
    "note",
]
#: Set once, when a worker is registered; afterwards only ``services.promote`` moves them.
LADDER_FIELDS = ["tier", "grade", "current_since"]
LADDER_RULE_FIELDS = [
    "tier",
    "name",
    "posts",
    "min_grade",
    "max_grade",
    "min_years",
    "certificate_from_grade",
    "certificate",
    "education_from_grade",
    "education",
]


class TrainingRecordForm(ScopedModelForm):
    class Meta:
        model = TrainingRecord
        fields = TRAINING_FIELDS


class AnnualReviewForm(ScopedModelForm):
    class Meta:
        model = AnnualReview
        fields = REVIEW_FIELDS


class CommunityWorkerForm(ScopedModelForm):
    """Registering a worker sets their place on the ladder; editing one does not."""

    class Meta:
        model = CommunityWorker
        fields = [*WORKER_FIELDS, *LADDER_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in LADDER_FIELDS:
                del self.fields[name]


class LadderRuleForm(forms.ModelForm):
    class Meta:
        model = LadderRule
        fields = LADDER_RULE_FIELDS

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class PromotionForm(forms.Form):
    to_tier = forms.TypedChoiceField(
        label=_("新档次"), coerce=int, choices=[(1, _("一档")), (2, _("二档")), (3, _("三档"))]
    )
    to_grade = forms.TypedChoiceField(
        label=_("新等级"), coerce=int, choices=[(g, f"{g}") for g in range(1, 19)]
    )
    effective_on = forms.DateField(label=_("生效日期"), widget=DateInput())
    exception = forms.ChoiceField(
        label=_("例外情形"),
        required=False,
        choices=GradeChange.ExceptionReason.choices,
        help_text=_("越级晋升等例外须选择情形并说明事由。"),
    )
    reason = forms.CharField(
        label=_("事由"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, worker, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.worker, self.user = worker, user
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.change = services.promote(
                self.worker,
                cleaned["to_tier"],
                cleaned["to_grade"],
                cleaned["effective_on"],
                cleaned.get("reason", ""),
                self.user,
                exception=cleaned.get("exception", ""),
            )
        except forms.ValidationError as exc:
            add_service_errors(self, exc)
        return cleaned
