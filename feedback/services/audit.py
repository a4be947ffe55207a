"""The audit log of report views and exports."""

from ..models import ReportAccess


def report_access_record(*, user, report: str, subject: str, output: str = ReportAccess.Format.PAGE) -> ReportAccess:
    """Record that a user (or, with no login, a team results link) viewed or exported a report."""
    signed_in = user is not None and user.is_authenticated
    return ReportAccess.objects.create(
        user=user if signed_in else None,
        viewer=user.get_username() if signed_in else "team results link",
        report=report,
        subject=subject[:200],
        format=output,
    )


def change_record(*, actor: str, action: str, subject: str) -> ReportAccess:
    """Record a change a machine made (a SCIM token provisioning people and teams) in the audit log."""
    return ReportAccess.objects.create(
        user=None, viewer=actor[:254], report=action[:30], subject=subject[:200], format=ReportAccess.Format.API
    )
