"""Writes and workflows of the collecting side (HackSoftware style: every write goes through a service)."""

from .answering import response_submit
from .cycles import cycle_close, cycle_open, cycles_advance
from .invitations import invitation_link_issue, invitation_send, invitations_enqueue, invitations_send_batch

__all__ = [
    "cycle_close",
    "cycle_open",
    "cycles_advance",
    "invitation_link_issue",
    "invitation_send",
    "invitations_enqueue",
    "invitations_send_batch",
    "response_submit",
]
