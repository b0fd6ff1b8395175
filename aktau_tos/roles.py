"""Roles are Django groups (docs/api/scanner.md). Each API view declares who may call it with `roles_allowed`."""

from django.apps import AppConfig, apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from rest_framework.permissions import BasePermission

OPERATOR = "operator"
YARD_CLERK = "yard_clerk"
DRIVER = "driver"
CUSTOMS_OFFICER = "customs_officer"
DG_OFFICER = "dg_officer"
MANAGER = "manager"
EDI_PARTNER = "edi_partner"
# The terminal's own staff: "any role" on an endpoint means any of these, never a partner's user.
ALL_ROLES = (OPERATOR, YARD_CLERK, DRIVER, CUSTOMS_OFFICER, DG_OFFICER, MANAGER)
# A shipping line's or the railway's system: posts and reads only its own partner's EDI messages.
PARTNER_ROLES = (EDI_PARTNER,)
ROLES = (*ALL_ROLES, *PARTNER_ROLES)

DOMAIN_APPS = ("yard", "rail", "customs", "dangerous_goods", "vessels", "edi")
# What each role may do in the admin: "app" (all its models) or "app.model" -> actions.
ADMIN_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    OPERATOR: {
        **{app: ("view", "add", "change", "delete") for app in DOMAIN_APPS},
        "aktau_tos.reportsubscription": ("view", "add", "change", "delete"),
        "aktau_tos.reportrun": ("view",),
        "aktau_tos.apitoken": ("view", "change"),  # change = revoke a lost handheld's token
    },
    MANAGER: {**{app: ("view",) for app in DOMAIN_APPS}, "aktau_tos.reportsubscription": ("view",)},
    CUSTOMS_OFFICER: {"customs": ("view", "add", "change"), "yard": ("view",), "yard.hold": ("add", "change")},
    DG_OFFICER: {"dangerous_goods": ("view", "add", "change"), "yard": ("view",), "yard.hold": ("add", "change")},
    YARD_CLERK: {},
    DRIVER: {},
    EDI_PARTNER: {},
}


def user_roles(user) -> frozenset[str]:
    if not user or not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_aktau_roles"):  # one query per request, however many checks
        user._aktau_roles = frozenset(user.groups.values_list("name", flat=True))
    return user._aktau_roles


class RolePermission(BasePermission):
    roles: tuple[str, ...] = ()
    message = "Your role may not do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_superuser or user_roles(user) & set(self.roles)))


def roles_allowed(*roles: str) -> type[RolePermission]:
    """A permission class admitting the given roles (and superusers)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    return type("RolesAllowed", (RolePermission,), {"roles": roles})


def roles_grant_permissions(sender: AppConfig, using: str = "default", **kwargs) -> None:
    """post_migrate: give each role exactly the admin permissions ADMIN_PERMISSIONS lists."""
    if sender.name != "aktau_tos":
        return
    for app_label in ("aktau_tos", *DOMAIN_APPS):  # permissions of apps later in INSTALLED_APPS may not exist yet
        create_permissions(apps.get_app_config(app_label), verbosity=0, using=using)
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = Permission.objects.none()
        for target, actions in ADMIN_PERMISSIONS[role].items():
            app_label, _, model_name = target.partition(".")
            models = (
                [apps.get_model(app_label, model_name)] if model_name else apps.get_app_config(app_label).get_models()
            )
            codenames = [f"{action}_{model._meta.model_name}" for model in models for action in actions]
            wanted |= Permission.objects.using(using).filter(content_type__app_label=app_label, codename__in=codenames)
        group.permissions.set(wanted)
