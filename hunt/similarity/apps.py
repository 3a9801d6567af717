from django.apps import AppConfig


class SimilarityConfig(AppConfig):
    name = "hunt.similarity"
    verbose_name = "Latent space and similarity"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hunt.similarity import receivers  # noqa: F401
