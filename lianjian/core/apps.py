from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lianjian.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from lianjian.core import lookups  # noqa: F401  (registers the ``under`` and ``icontains_indexed`` lookups)
