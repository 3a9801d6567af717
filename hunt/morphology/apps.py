from django.apps import AppConfig


class MorphologyConfig(AppConfig):
    name = "hunt.morphology"
    verbose_name = "X-ray morphology"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The latent map can be coloured by, and its axes correlated with, the morphology.
        from hunt.morphology.selectors import register_properties

        register_properties()
