from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "concertation.accounts"
    label = "accounts"
