from django.apps import AppConfig


class AktauTosConfig(AppConfig):
    name = "aktau_tos"
    verbose_name = "Aktau TOS"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from aktau_tos import roles
        from aktau_tos.audit import history_managers_build_once
        from aktau_tos.languages import user_language_to_session

        # Permissions exist only after every app has migrated, so roles get theirs here.
        post_migrate.connect(roles.roles_grant_permissions, dispatch_uid="aktau_tos_roles_grant_permissions")
        history_managers_build_once()
        user_logged_in.connect(user_language_to_session, dispatch_uid="aktau_tos_user_language_to_session")
