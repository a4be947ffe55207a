"""Writes and workflows of the collecting side (HackSoftware style: every write goes through a service)."""

from .answering import response_submit
from .cycles import (
    cycle_close,
    cycle_close_now,
    cycle_extend,
    cycle_open,
    cycle_open_now,
    cycle_publish,
    cycles_advance,
)
from .instruments import (
    dimension_create,
    question_create,
    question_translation_delete,
    question_translation_save,
    question_update,
    template_save,
)
from .invitations import (
    invitation_link_issue,
    invitation_send,
    invitations_enqueue,
    invitations_send_batch,
    invitations_send_plan,
    reminders_enqueue,
    reminders_send_batch,
)
from .people import people_deactivate, people_export, person_login_grant, person_save
from .people_import import ImportAlreadyDone, ImportChanged, ImportPlan, people_import, people_import_plan
from .schedules import schedule_plan, schedule_save, schedules_plan
from .teams import team_save

__all__ = [
    "ImportAlreadyDone",
    "ImportChanged",
    "ImportPlan",
    "cycle_close",
    "cycle_close_now",
    "cycle_extend",
    "cycle_open",
    "cycle_open_now",
    "cycle_publish",
    "cycles_advance",
    "dimension_create",
    "invitation_link_issue",
    "invitation_send",
    "invitations_enqueue",
    "invitations_send_batch",
    "invitations_send_plan",
    "people_deactivate",
    "people_export",
    "people_import",
    "people_import_plan",
    "person_login_grant",
    "person_save",
    "question_create",
    "question_translation_delete",
    "question_translation_save",
    "question_update",
    "reminders_enqueue",
    "reminders_send_batch",
    "response_submit",
    "schedule_plan",
    "schedule_save",
    "schedules_plan",
    "team_save",
    "template_save",
]
