from django.apps import AppConfig


class CollectConfig(AppConfig):
    name = "hunt.collect"
    label = "collect"
    verbose_name = "Collect: favourites and collections"
