"""Users and groups in the admin: site-wide, and for superusers only.

Editors and authors never see or manage accounts, even if given the auth permissions
explicitly; who may write and publish articles is `articles.authoring.permissions`.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User


class SuperusersOnly:
    """Only superusers see and manage users and groups (editors and authors never do)."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_module_permission
    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class SuperuserUserAdmin(SuperusersOnly, UserAdmin):
    pass


@admin.register(Group)
class SuperuserGroupAdmin(SuperusersOnly, GroupAdmin):
    pass
