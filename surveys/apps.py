from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys"

    def ready(self):
        from alignsite import attempts  # noqa: F401 - registers its system check

        from . import checks  # noqa: F401 - registers the check naming mixed dimensions
