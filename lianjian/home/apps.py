from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The home page: figures of everything the user may see, drawn from every domain app.

    It sits above the domain apps (import-linter's layers), so that ``core`` stays free of
    any domain model."""

    name = "lianjian.home"
    verbose_name = "首页"
