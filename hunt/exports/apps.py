from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "hunt.exports"
    label = "exports"
    verbose_name = "Label exports"
