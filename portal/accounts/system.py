"""A stand-in user for trusted commands (seeding, maintenance) that run with no person behind
them: sees and may do everything, is never stored, and audit rows name the command."""


class SystemUser:
    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = True
    scope_region = None
    username = "system"

    def has_perm(self, perm, obj=None):
        return True

    def get_username(self):
        return self.username
