from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "hunt.learning"
    label = "learning"
    verbose_name = "Learning loop"
