from django.apps import AppConfig


class ClassifyConfig(AppConfig):
    name = "hunt.classify"
    label = "classify"
    verbose_name = "Classification"

    def ready(self) -> None:
        from hunt.accounts.services import register_volunteer_merge_handler
        from hunt.classify.services import classifications_merge

        register_volunteer_merge_handler(classifications_merge)

        from hunt.classify import receivers  # noqa: F401  (new subjects join workflows)
