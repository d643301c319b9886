from django.utils.translation import gettext_lazy as _

from buildings.models import (
    BUILDING_INPUT_FIELDS,
    ENTERPRISE_INPUT_FIELDS,
    OVERRIDE_PERMISSION,
    PARK_INPUT_FIELDS,
    SERVICE_SITE_INPUT_FIELDS,
    Building,
    Enterprise,
    Park,
    ServiceSite,
)
from portal.forms import ScopedModelForm


class ParkForm(ScopedModelForm):
    class Meta:
        model = Park
        fields = PARK_INPUT_FIELDS


class BuildingForm(ScopedModelForm):
    class Meta:
        model = Building
        fields = BUILDING_INPUT_FIELDS


class EnterpriseForm(ScopedModelForm):
    """The enterprise is validated for the signed-in user: only a user allowed to accept an
    early pilot-region code (``buildings.override_uscc``) may write the exception reason;
    others see it read-only and get the model's message naming the code field."""

    class Meta:
        model = Enterprise
        fields = ENTERPRISE_INPUT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.may_override = self.user.has_perm(OVERRIDE_PERMISSION)
        reason = self.fields["uscc_override_reason"]
        if not self.may_override:
            reason.disabled = True
            reason.help_text = _("校验位不符的早期试点代码须由区级管理员填写例外说明后接受。")
        reason.widget.attrs["rows"] = 2

    def _post_clean(self):
        self.instance.validating_user = self._validating_user()
        super()._post_clean()

    def _validating_user(self):
        """Whose permission the USCC check runs with. An exception already approved stays
        approved while the code and the reason are unchanged, so a user without the right
        may still edit the enterprise's other fields; any new exception needs the right."""
        instance = self.instance
        if (
            not self.may_override
            and instance.pk
            and instance.uscc_override_by_id
            and instance.uscc_override_reason
            and "uscc" not in self.changed_data
        ):
            return instance.uscc_override_by
        return self.user


class ServiceSiteForm(ScopedModelForm):
    class Meta:
        model = ServiceSite
        fields = SERVICE_SITE_INPUT_FIELDS
