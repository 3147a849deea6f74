from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lianjian.accounts"
    label = "accounts"
    verbose_name = "账户"
