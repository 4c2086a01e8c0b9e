import os
import secrets
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from registration.checkin.services.devices import create_device
from registration.checkin.services.scans import redeem_ticket
from registration.errors import ProgrammeError
from registration.models import (
    AttendanceCertificate,
    CertificateJob,
    CertificateJobStatus,
    CheckInList,
    OrderStatus,
)
from registration.programme import certificates, services
from tests.factories import (
    AttendeeFactory,
    DelegationFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.registration.programme.factories import ProgrammeSessionFactory

pytestmark = pytest.mark.django_db


def keep(content: bytes, name: str) -> None:
    """Write the PDF to $SCREENSHOT_DIR when it is set, for a human to look at."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        Path(folder, f"{name}.pdf").write_bytes(content)


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


@pytest.fixture
def event():
    starts = timezone.now() - timedelta(days=3)
    return EventFactory(
        name="Annual Conference",
        slug="conf",
        starts_at=starts,
        ends_at=starts + timedelta(days=2),
        registration_opens_at=starts - timedelta(days=30),
        registration_closes_at=starts,
    )


def admit(checkin_list, attendee):
    device = checkin_list.event.checkin_devices.first()
    if device is None:
        device, _token = create_device(name="Door", events=[checkin_list.event])
    return redeem_ticket(
        checkin_list, device=device, nonce=secrets.token_hex(8), secret=attendee.secret
    )


@pytest.fixture
def door(event):
    return CheckInList.objects.create(event=event, name="Entrance")


def test_the_job_issues_certificates_to_admitted_attendees_with_their_sessions(
    event, door
):
    session = ProgrammeSessionFactory(event=event, title="Water", title_es="Agua")
    skipped = ProgrammeSessionFactory(
        event=event,
        title="Trade",
        starts_at=session.ends_at,
        ends_at=session.ends_at + timedelta(hours=1),
    )
    room = CheckInList.objects.create(event=event, name="Room 1", session=session)
    came = AttendeeFactory(
        order=OrderFactory(event=event), badge_name="Ana Ruiz", language="es"
    )
    absent = AttendeeFactory(order=OrderFactory(event=event))
    for attendee in (came, absent):
        services.sign_up(
            attendee, session, by_staff=True, now=session.starts_at - timedelta(hours=1)
        )
        services.sign_up(
            attendee, skipped, by_staff=True, now=session.starts_at - timedelta(hours=1)
        )
    assert admit(door, came).ok
    assert admit(room, came).ok

    job = certificates.request_certificates(event, by=UserFactory())
    job = certificates.run_certificate_job(job.pk)

    assert (job.status, job.total, job.done) == (CertificateJobStatus.DONE, 1, 1)
    certificate = AttendanceCertificate.objects.get()
    assert certificate.attendee == came
    assert list(certificate.sessions.all()) == [session]
    assert len(certificate.code) == 12
    pdf = certificates.render_certificate(certificate)
    keep(pdf, "certificate-es")
    text = pdf_text(pdf)
    assert "Certificado de asistencia" in text
    assert "Ana Ruiz" in text
    assert "Agua" in text
    assert certificate.code in text
    assert "Trade" not in text


def test_issuing_again_keeps_the_code(event, door):
    attendee = AttendeeFactory(order=OrderFactory(event=event))
    admit(door, attendee)
    first = certificates.issue_certificate(attendee)

    again = certificates.issue_certificate(attendee)

    assert again.code == first.code
    assert AttendanceCertificate.objects.count() == 1


def test_certificates_wait_for_the_end_of_the_event():
    event = EventFactory()

    with pytest.raises(ProgrammeError) as refused:
        certificates.request_certificates(event, by=None)

    assert refused.value.code == "event_not_ended"
    assert CertificateJob.objects.count() == 0


def test_a_youth_certificate_names_the_programme_and_the_chaperoning_city(event, door):
    youth = TicketTypeFactory(
        event=event, name="Youth delegate", min_age=14, max_age=18
    )
    delegation = DelegationFactory(event=event, home_city="Toulouse", home_country="FR")
    attendee = AttendeeFactory(
        order=OrderFactory(event=event), ticket_type=youth, delegation=delegation
    )
    certificate = certificates.issue_certificate(attendee)

    pdf = certificates.render_certificate(certificate)
    keep(pdf, "certificate-youth")
    text = pdf_text(pdf)

    assert "YOUTH PROGRAMME" in text  # set in capitals by the stylesheet
    assert "chaperoned by the delegation of Toulouse, France" in " ".join(text.split())


def test_the_public_page_confirms_a_code_and_hides_other_details(client, event, door):
    attendee = AttendeeFactory(
        order=OrderFactory(event=event), badge_name="Ana Ruiz", email="ana@example.org"
    )
    certificate = certificates.issue_certificate(attendee)

    response = client.get(f"/certificates/{certificate.code.lower()}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="certificate-valid"' in html
    assert "Ana Ruiz" in html
    assert "ana@example.org" not in html
    assert client.get("/certificates/NOPE1234/").status_code == 404
    attendee.order.status = OrderStatus.CANCELED
    attendee.order.save(update_fields=["status"])
    assert client.get(f"/certificates/{certificate.code}/").status_code == 404


def test_the_attendee_downloads_their_certificate_from_their_page(client, event, door):
    attendee = AttendeeFactory(order=OrderFactory(event=event))
    assert (
        client.get(f"/attendees/{attendee.secret}/certificate.pdf").status_code == 404
    )
    certificates.issue_certificate(attendee)

    page = client.get(f"/attendees/{attendee.secret}/").content.decode()
    response = client.get(f"/attendees/{attendee.secret}/certificate.pdf")

    assert 'data-testid="own-certificate"' in page
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_staff_issue_certificates_from_the_admin(
    client, event, door, django_capture_on_commit_callbacks
):
    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(staff)
    admit(door, AttendeeFactory(order=OrderFactory(event=event)))

    assert client.get("/admin/certificates/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/certificates/", {"event": event.pk})

    job = CertificateJob.objects.get()
    assert response["Location"] == f"/admin/certificates/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == CertificateJobStatus.DONE
    assert client.get(f"/admin/certificates/jobs/{job.pk}/").status_code == 200
    assert client.get(f"/admin/certificates/jobs/{job.pk}/status/").json()["done"] == 1
    pdf = client.get(f"/admin/certificates/jobs/{job.pk}/pdf/")
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
