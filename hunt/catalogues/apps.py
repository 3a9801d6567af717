from django.apps import AppConfig


class CataloguesConfig(AppConfig):
    name = "hunt.catalogues"
    label = "catalogues"
    verbose_name = "Reference catalogues"
