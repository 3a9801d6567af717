from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "hunt.evaluation"
    label = "evaluation"
    verbose_name = "Evaluation against reference catalogues"
