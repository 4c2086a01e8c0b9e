"""Staff users with the model permissions a view asks for (`required_permissions`)."""

from rest_framework.permissions import BasePermission

from registration.api.authentication import TokenScope


class StaffWithPermissions(BasePermission):
    message = "This API is for staff users with the matching permissions."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        if not TokenScope().has_permission(request, view):
            self.message = TokenScope.message
            return False
        required = getattr(view, "required_permissions", {}).get(request.method, ())
        return user.has_perms(required)
