"""The volunteer app's camera path: Chromium's fake camera plays a video of a
badge's QR code, the vendored jsQR decodes it, and the door answers green."""

import io

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import expect

from registration.checkin.services.devices import create_device, start_pairing
from registration.models import CheckIn, CheckInList
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import EventFactory, TicketTypeFactory
from tests.registration.checkin.conftest import make_attendee

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH, HEIGHT, FRAMES = 640, 480, 15


def qr_video(text: str, path) -> None:
    """A Y4M clip (the format Chromium's fake camera reads) of a QR code held
    still in front of the camera: grey frames, neutral colour planes."""
    code = qrcode.make(text, border=4).get_image().convert("L")
    code = code.resize((360, 360), Image.NEAREST)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - 360) // 2, (HEIGHT - 360) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    out = io.BytesIO()
    out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
    for _ in range(FRAMES):
        out.write(b"FRAME\n" + luma + chroma + chroma)
    path.write_bytes(out.getvalue())


def test_camera_scan_admits_the_badge_it_sees(live_server, playwright, tmp_path):
    event = EventFactory(name="Annual Conference", slug="conf")
    door = CheckInList.objects.create(event=event, name="Main door")
    delegate = TicketTypeFactory(event=event, name="Delegate")
    guest = make_attendee(delegate, badge_name="Nomvula Dlamini")
    device, _token = create_device(name="Door 2", events=[event])
    code = start_pairing(device)
    video = tmp_path / "badge.y4m"
    qr_video(guest.secret, video)

    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context()
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/checkin/")
        page.fill("#pair-code", code)
        page.click("#pair-form button[type=submit]")
        expect(page.locator("#scan-screen")).to_be_visible()

        page.click("#camera-start")

        answer = page.locator("#answer")
        expect(answer).to_have_attribute("data-status", "ok", timeout=15_000)
        expect(page.locator("#answer-name")).to_have_text("Nomvula Dlamini")
        row = CheckIn.objects.get(attendee=guest)
        assert (row.result, row.checkin_list, row.device) == ("ok", door, device)
        assert errors == []
    finally:
        browser.close()
