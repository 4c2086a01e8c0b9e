"""Shared pieces of the accessibility browser tests: the site under test, axe, and
helpers that read what a person with assistive technology meets on a page."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from wagtail.models import Locale, Page

from registration.models import CheckInList, PaymentMethod
from registration.services import delegations
from registration.services.orders import AttendeeData, BuyerData, YouthData, place_order
from tests.factories import EventFactory, ExtraFactory, TicketTypeFactory
from tests.factories.cms import build_site, event_index, event_page
from tests.factories.registration_more import ConsentTextFactory
from tests.factories.travel import LedDelegationFactory

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = ("serious", "critical")

# Spanish addresses carry /es/; the check-in app has no prefix and follows the
# browser's Accept-Language instead.
PREFIX = {"en": "", "es": "/es"}
BROWSER_LOCALE = {"en": "en-GB", "es": "es-ES"}


@dataclass
class Site:
    event: object
    delegate: object
    youth_ticket: object
    extra: object
    event_path: str
    order_path: str
    consent_path: str
    delegation_path: str
    checkin_list: object


def build_event_site() -> Site:
    """A published event page with tickets, a paid order, a youth delegate
    awaiting consent and a delegation led from abroad."""
    if Page.get_first_root_node() is None:
        # A transactional test flushed the tree Wagtail's migrations made.
        Locale.objects.get_or_create(language_code="en")
        Page.add_root(
            instance=Page(
                title="Root", slug="root", locale=Locale.objects.get(language_code="en")
            )
        )
    home = build_site()
    event = EventFactory(
        name="Annual Conference",
        slug="conference",
        venue="Convention Center",
        contact_email="events@sister-cities.example",
    )
    delegate = TicketTypeFactory(
        event=event,
        name="Delegate",
        price=Decimal("450.00"),
        capacity=50,
        description="Full conference access.",
        badge_colour="#1d4ed8",
    )
    youth_ticket = TicketTypeFactory(
        event=event,
        name="Youth delegate",
        price=Decimal("200.00"),
        min_age=14,
        max_age=18,
        requires_guardian_consent=True,
    )
    extra = ExtraFactory(event=event, name="Gala dinner", price=Decimal("85.00"))
    page = event_page(event_index(home), event)
    ConsentTextFactory(event=event, version=1, body="Participation and photo release.")

    order = place_order(
        event,
        buyer=BuyerData(name="Ada Lovelace", email="ada@example.org"),
        attendees=[
            AttendeeData(
                ticket_type=delegate.pk,
                given_name="Amara",
                family_name="Okafor",
                email="amara@example.org",
            ),
            AttendeeData(
                ticket_type=youth_ticket.pk,
                given_name="Léa",
                family_name="Martin",
                youth=YouthData(
                    date(event.local_start_date().year - 16, 1, 1),
                    "Marie Martin",
                    "marie@example.org",
                    "+33 1 23 45 67 89",
                ),
            ),
        ],
        payment_method=PaymentMethod.INVOICE,
    )
    youth = order.attendees.get(ticket_type=youth_ticket).youth
    delegation = LedDelegationFactory(
        event=event, name="Toulouse delegation", home_city="Toulouse", home_country="FR"
    )
    delegations.add_member(
        delegation,
        member=AttendeeData(
            ticket_type=delegate.pk,
            given_name="Chloé",
            family_name="Dubois",
            email="chloe@toulouse.example",
        ),
    )
    return Site(
        event=event,
        delegate=delegate,
        youth_ticket=youth_ticket,
        extra=extra,
        event_path=page.url,
        order_path=f"/orders/{order.code}/{order.secret}/",
        consent_path=f"/consent/{youth.consent_token}/",
        delegation_path=f"/delegations/{delegation.secret}/",
        checkin_list=CheckInList.objects.create(event=event, name="Main door"),
    )


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical WCAG 2.0/2.1/2.2 A and AA violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                       resultTypes: ["violations"]})""",
        WCAG_TAGS,
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    """Rule id, impact and the target selectors of each violation, one a line."""
    lines = []
    for violation in violations:
        targets = ", ".join(
            " ".join(map(str, node["target"])) for node in violation["nodes"]
        )
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}"
        )
    return "\n".join(lines)


def assert_accessible(page, where: str) -> None:
    violations = axe_violations(page)
    if violations:
        pytest.fail(f"{where} ({page.url}):\n{describe(violations)}", pytrace=False)


INTERACTIVE = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary,"
    " [role=button], [role=radio], [tabindex]:not([tabindex='-1'])"
)

SMALL_TARGETS_JS = """([selector, minimum]) => {
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === "hidden") continue;
    // Off-screen until focused (the skip link): measured when it shows.
    if (box.bottom <= 0 || box.right <= 0) continue;
    // WCAG 2.5.8 exempts a link inside a sentence, sized by the line of text.
    if (el.tagName === "A" && style.display === "inline"
        && el.parentElement.textContent.trim() !== el.textContent.trim()) continue;
    if (box.width < minimum || box.height < minimum) {
      const label = (el.getAttribute("aria-label") || el.textContent || el.name || "")
        .trim().replace(/\\s+/g, " ").slice(0, 40);
      small.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}`
        + `${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : ""}`
        + ` "${label}" ${Math.round(box.width * 10) / 10}x${Math.round(box.height * 10) / 10}`);
    }
  }
  return small;
}"""


def small_targets(page, minimum: int) -> list[str]:
    """Visible interactive elements narrower or shorter than `minimum` CSS px."""
    return page.evaluate(SMALL_TARGETS_JS, [INTERACTIVE, minimum])
