from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "hunt.evaluation"
    label = "evaluation"
    verbose_name = "Evaluation against reference catalogues"

    def ready(self) -> None:
        from hunt.evaluation import receivers  # noqa: F401  (trained models get evaluated)
