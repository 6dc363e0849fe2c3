from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "concertation.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Role changes feed the audit trail (accounts/signals.py).
        from concertation.accounts import signals  # noqa: F401
