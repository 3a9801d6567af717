from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "hunt.subjects"
    label = "subjects"
    verbose_name = "Subjects and cutouts"
