from django.apps import AppConfig


class AktauTosConfig(AppConfig):
    name = "aktau_tos"
    verbose_name = "Aktau TOS"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from aktau_tos import roles
        from aktau_tos.audit import history_managers_build_once

        # Permissions exist only after every app has migrated, so roles get theirs here.
        post_migrate.connect(roles.roles_grant_permissions, dispatch_uid="aktau_tos_roles_grant_permissions")
        history_managers_build_once()
