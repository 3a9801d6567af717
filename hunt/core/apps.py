from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hunt.core"
    label = "core"
    verbose_name = "Site and operations"

    def ready(self) -> None:
        from hunt.core import checks  # noqa: F401  (registers the production checks)
