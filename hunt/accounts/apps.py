from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hunt.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from hunt.accounts import signals  # noqa: F401  (claims anonymous work on log-in)
