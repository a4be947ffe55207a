"""Email reaches the mailbox Align stores: an internationalised domain leaves in its IDNA 2008 A-labels, through
a real SMTP server (aiosmtpd), whichever email it is — survey link, login link, password reset.

Django alone encodes a Unicode domain with IDNA 2003, which maps ß to ss and final ς to σ: straße.de's invitation
went to strasse.de, another domain (issue 20, attack round 3)."""

import idna
import pytest
from django.core import mail
from hypothesis import given
from hypothesis import strategies as st

from surveys import addresses, emails, services
from surveys.models import Invitation
from tests.factories import CycleFactory, PersonFactory, TeamFactory, UserFactory
from tests.integration.conftest import SmtpSink, free_port

IDNA_2003 = {"straße.de": "strasse.de", "faß.de": "fass.de", "σοφίας.gr": "xn--kxae4bpdp.gr"}


def idna_2008(domain: str) -> str:
    """The A-labels of a domain by the idna package's own UTS #46 encoder (non-transitional): the oracle."""
    return idna.encode(domain, uts46=True, transitional=False).decode("ascii")


@pytest.mark.parametrize("domain", IDNA_2003)
def test_an_internationalised_domain_is_written_in_its_idna_2008_a_labels_never_idna_2003s(domain):
    ascii_domain = addresses.for_mail(f"sofia@{domain}").split("@")[1]
    assert ascii_domain == idna_2008(domain) != IDNA_2003[domain]
    assert ascii_domain.startswith("xn--")


LABEL = st.text(st.sampled_from("abcßςσöäüçéłżøåñ日本語ไทย"), min_size=1, max_size=12)


@given(st.lists(LABEL, min_size=1, max_size=3), st.sampled_from(["de", "gr", "jp", "com"]))
def test_any_storable_address_leaves_as_ascii_and_is_the_same_mailbox(labels, tld):
    typed = f"sofia@{'.'.join(labels)}.{tld}"
    if addresses.problem(typed, max_length=254):
        return  # not storable: never sent
    sent = addresses.for_mail(addresses.stored(typed))
    assert sent.isascii()
    assert addresses.key(sent) == addresses.key(typed)
    assert sent.split("@")[1] == idna_2008(addresses.stored(typed).split("@")[1])


@pytest.fixture
def smtp(settings):
    """Align's own backend chain delivering over SMTP to a real server on loopback."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "alignsite.mail.MailDomainsBackend"
    settings.ALIGN_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield sink
    controller.stop()


@pytest.mark.django_db
def test_every_email_to_a_straße_or_σοφίας_mailbox_reaches_that_domain_over_smtp(smtp):
    # given: two people at domains IDNA 2003 would rewrite, invited to an open cycle, and one with a login
    team = TeamFactory(name="Platform")
    for local, domain in (("sofia", "straße.de"), ("eleni", "σοφίας.gr")):
        PersonFactory(team=team, email=f"{local}@{domain}")
    PersonFactory.create_batch(3, team=team)
    cycle = CycleFactory(teams=[team])
    services.cycle_open(cycle_id=cycle.id)
    user = UserFactory(email="sofia@straße.de", username="sofia")
    # when: the survey links, a login link and a password reset are sent
    for invitation in Invitation.objects.filter(cycle=cycle, person__email__in=["sofia@straße.de", "eleni@σοφίας.gr"]):
        services.invitation_send(invitation_id=invitation.id)
    emails.login_granted_email_send(user_id=user.id)
    emails.password_reset_email_send(email="Sofia@Straße.de")
    # then: every envelope recipient and To header is the IDNA 2008 domain, none the IDNA 2003 one
    sofia, eleni = f"sofia@{idna_2008('straße.de')}", f"eleni@{idna_2008('σοφίας.gr')}"
    assert smtp.recipients() == sorted([eleni, sofia, sofia, sofia])
    for recipient, text in smtp.accepted:
        assert f"To: {recipient}" in text
    assert not [r for r, _ in smtp.accepted if r.split("@")[1] in IDNA_2003.values()]
    assert mail.outbox == []  # they went through SMTP, not the test's memory backend


CJK = "日本語の長いドメイン名前のテストです例"  # 19 characters; its A-label has 54


@pytest.mark.parametrize(
    "typed, reason",
    [
        (f"x@{CJK}.{CJK}.{CJK}.{CJK}.{CJK}.jp", "longer than DNS allows"),  # a domain of 103, 277 in ASCII
        (f"{'x' * 40}@{CJK}.{CJK}.{CJK}.{CJK}.jp", "longer than mail servers take"),  # 123 characters, 263
        ("a@localhost", "no domain on the internet"),
        ("x@[127.0.0.1]", "no domain"),
        ('"john doe"@example.com', "contains a space"),
    ],
)
def test_an_address_too_long_for_mail_servers_or_without_an_internet_domain_is_refused_saying_why(typed, reason):
    assert len(typed) <= 254  # short enough as typed: only its ASCII form is too long, or its domain no domain
    assert reason in addresses.problem(typed, max_length=254)


@given(st.integers(1, 64), st.lists(st.integers(1, 20), min_size=1, max_size=6))
def test_an_address_is_refused_exactly_when_its_ascii_form_passes_a_limit(local, label_sizes):
    typed = "x" * local + "@" + ".".join(CJK[:size] for size in label_sizes) + ".jp"
    problem = addresses.problem(typed, max_length=254)
    try:
        domain = idna_2008(typed.split("@")[1])
    except idna.IDNAError as error:  # a label over 63 octets has no form at all; a domain over 253 is too long
        assert problem and ("DNS allows" if "too long" in str(error) else "cannot be written") in problem
        return
    assert bool(problem) is (local + 1 + len(domain) > 254), problem
