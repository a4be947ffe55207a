from django.urls import path

from .views import cycles, instruments, organisation, survey

app_name = "surveys"
urlpatterns = [
    path("s/<str:token>/", survey.invitation_open, name="invitation"),
    path("survey/", survey.survey_answer, name="answer"),
    path("survey/thanks/", survey.survey_thanks, name="thanks"),
    # Admin pages (Django's own admin stays at /admin/ for power users).
    path("manage/", cycles.overview, name="manage"),
    path("manage/teams/", organisation.teams, name="manage_teams"),
    path("manage/teams/<int:team_id>/", organisation.team_edit, name="manage_team"),
    path("manage/people/", organisation.people, name="manage_people"),
    path("manage/people/new/", organisation.person_edit, name="manage_person_new"),
    path("manage/people/<int:person_id>/", organisation.person_edit, name="manage_person"),
    path("manage/people/<int:person_id>/login/", organisation.person_login, name="manage_person_login"),
    path("manage/people/import/", organisation.people_import, name="manage_people_import"),
    path("manage/people/export.csv", organisation.people_export, name="manage_people_export"),
    path("manage/questions/", instruments.questions, name="manage_questions"),
    path("manage/questions/<int:question_id>/", instruments.question_edit, name="manage_question"),
    path(
        "manage/questions/<int:question_id>/translations/new/",
        instruments.question_translation_edit,
        name="manage_question_translation_new",
    ),
    path(
        "manage/questions/<int:question_id>/translations/<int:translation_id>/",
        instruments.question_translation_edit,
        name="manage_question_translation",
    ),
    path("manage/templates/", instruments.templates, name="manage_templates"),
    path("manage/templates/new/", instruments.template_edit, name="manage_template_new"),
    path("manage/templates/<int:template_id>/", instruments.template_edit, name="manage_template"),
    path("manage/templates/<int:template_id>/preview/", instruments.template_preview, name="manage_template_preview"),
    path("manage/schedules/", cycles.schedules, name="manage_schedules"),
    path("manage/schedules/new/", cycles.schedule_edit, name="manage_schedule_new"),
    path("manage/schedules/<int:schedule_id>/", cycles.schedule_edit, name="manage_schedule"),
    path("manage/cycles/", cycles.cycles, name="manage_cycles"),
    path("manage/cycles/<int:cycle_id>/", cycles.cycle_detail, name="manage_cycle"),
    path("manage/cycles/<int:cycle_id>/<slug:action>/", cycles.cycle_action, name="manage_cycle_action"),
]
