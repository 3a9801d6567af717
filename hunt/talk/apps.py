from django.apps import AppConfig


class TalkConfig(AppConfig):
    name = "hunt.talk"
    label = "talk"
    verbose_name = "Talk: discussions, boards and tags"
