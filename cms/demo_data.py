"""Demo pages, snippets, images and settings for `manage.py seed_demo` (idempotent)."""

import io
import math
from datetime import date, time

from django.conf import settings as django_settings
from django.core.files.images import ImageFile
from wagtail.images import get_image_model
from wagtail.models import Locale, Page, Site
from wagtail.rich_text import RichText

from cms.models import (
    EventIndexPage,
    EventPage,
    HomePage,
    ImpactPage,
    NewsIndexPage,
    NewsPage,
    PartnershipDirectoryPage,
    SearchPage,
    SiteSettings,
    Speaker,
    Sponsor,
    StandardPage,
)
from registration.catalogue.demo import DemoCatalogue

SPEAKERS = [
    ("Amara Okonkwo", "Mayor", "City of Enugu", "Enugu, Nigeria"),
    (
        "Daniel Reyes",
        "Director of International Affairs",
        "City of San Antonio",
        "San Antonio, USA",
    ),
    (
        "Keiko Tanaka",
        "Sister City Programme Lead",
        "Kumamoto Prefecture",
        "Kumamoto, Japan",
    ),
    (
        "Léa Fontaine",
        "Youth Exchange Coordinator",
        "Ville de Toulouse",
        "Toulouse, France",
    ),
    (
        "Sione Taufa",
        "Community Development Officer",
        "Nuku'alofa Town Council",
        "Nuku'alofa, Tonga",
    ),
    ("Maria Petrova", "Cultural Attaché", "Sister Cities of Sofia", "Sofia, Bulgaria"),
]
SPONSORS = [
    ("Global Bridges Foundation", Sponsor.Level.PLATINUM),
    ("Harbor City Bank", Sponsor.Level.GOLD),
    ("Pacific Islands Partnership Fund", Sponsor.Level.GOLD),
    ("Friendship Air", Sponsor.Level.SILVER),
    ("National League of Towns", Sponsor.Level.PARTNER),
]
# The programme of each demo event: (day, title, [(starts, ends, title, place)]).
Programme = list[tuple[date, str, list[tuple[time, time, str, str]]]]
CONFERENCE_PROGRAMME: Programme = [
    (
        date(2027, 7, 14),
        "Arrivals and welcome",
        [
            (time(12, 0), time(17, 0), "Registration and badge pick-up", "Main lobby"),
            (time(18, 0), time(20, 0), "Welcome reception", "Grand ballroom"),
        ],
    ),
    (
        date(2027, 7, 15),
        "Partnerships",
        [
            (time(9, 0), time(10, 30), "Opening plenary: Bridges that last", "Hall A"),
            (
                time(11, 0),
                time(12, 30),
                "Workshops: starting a youth exchange",
                "Rooms 201–204",
            ),
            (
                time(14, 0),
                time(17, 0),
                "Site visit: community gardens of Anacostia",
                "Coach from the main entrance",
            ),
        ],
    ),
    (
        date(2027, 7, 16),
        "Exchanges that work",
        [
            (
                time(9, 0),
                time(10, 30),
                "Panel: municipal cooperation across the Pacific",
                "Hall A",
            ),
            (time(13, 30), time(16, 0), "Delegation meetings", "Breakout rooms"),
            (time(19, 0), time(22, 30), "Awards gala dinner", "Grand ballroom"),
        ],
    ),
    (
        date(2027, 7, 17),
        "Looking ahead",
        [
            (time(9, 30), time(11, 30), "Closing plenary and 2028 host city", "Hall A"),
        ],
    ),
]
YOUTH_PROGRAMME: Programme = [
    (
        date(2027, 6, 21),
        "Arrival",
        [
            (time(14, 0), time(17, 0), "Check-in at the residence halls", "North hall"),
            (
                time(18, 30),
                time(20, 0),
                "Welcome dinner and team draw",
                "Dining commons",
            ),
        ],
    ),
    (
        date(2027, 6, 22),
        "Leadership labs",
        [
            (time(9, 0), time(12, 0), "Lab: leading across cultures", "Room 110"),
            (time(13, 30), time(16, 30), "Community project kick-off", "Atrium"),
        ],
    ),
    (
        date(2027, 6, 25),
        "Showcase",
        [
            (
                time(9, 0),
                time(12, 0),
                "Team presentations to city leaders",
                "Auditorium",
            ),
        ],
    ),
]
NEWS_STORIES = [
    (
        "registration-opens-2027",
        "Registration opens for the 2027 Annual Conference",
        date(2026, 10, 1),
        "Member cities register at the member rate; early registration saves 15% until March 31.",
    ),
    (
        "seven-for-seventy",
        "7 for 70: three new Pacific Islands partnerships signed",
        date(2026, 9, 12),
        "Communities in Tonga, Fiji and Samoa join the initiative for seven new US–Pacific partnerships.",
    ),
    (
        "youth-summit-applications",
        "Applications open for the Youth Leadership Summit",
        date(2026, 11, 2),
        "Fifty places for delegates aged 14 to 18, nominated by their sister city programmes.",
    ),
]
PALETTES = {
    "conference": ((16, 42, 84), (0, 121, 107), (242, 169, 0)),
    "youth": ((74, 35, 120), (0, 121, 140), (255, 140, 66)),
    "home": ((13, 59, 102), (20, 110, 140), (238, 150, 75)),
    "news": ((32, 52, 72), (70, 120, 110), (230, 190, 90)),
}


def _hero_image(name: str, palette: str):
    """A generated abstract banner, so the demo needs no downloaded photos."""
    image_model = get_image_model()
    existing = image_model.objects.filter(title=name).first()
    if existing:
        return existing
    from PIL import Image, ImageDraw

    width, height = 1600, 600
    top, bottom, accent = PALETTES[palette]
    img = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(img)
    for y in range(height):
        t = y / height
        colour = tuple(round(top[i] * (1 - t) + bottom[i] * t) for i in range(3))
        draw.line([(0, y), (width, y)], fill=colour)
    # Arcs linking points: partner cities joined across the map.
    for i in range(7):
        x0 = 120 + i * 210
        x1 = x0 + 380
        lift = 120 + 40 * math.sin(i)
        draw.arc([x0, 330 - lift, x1, 330 + lift], 180, 360, fill=accent, width=3)
        draw.ellipse([x0 - 7, 323, x0 + 7, 337], fill=accent)
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=85)
    return image_model.objects.create(
        title=name, file=ImageFile(buffer, name=f"{palette}-banner.jpg")
    )


def _child(parent: Page, model, slug: str, **fields) -> Page:
    """The child page with this slug, created or updated, and published."""
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = model(slug=slug, **fields)
        parent.add_child(instance=page)
    else:
        for name, value in fields.items():
            setattr(page, name, value)
    page.save_revision().publish()
    return page


def _home(locale: Locale) -> HomePage:
    home = HomePage.objects.filter(locale=locale).first()
    root = Page.get_first_root_node()
    fields = {
        "title": "Sister Cities International",
        "intro": "Citizen diplomacy since 1956: one handshake, one partnership, one community at a time.",
        "hero_image": _hero_image("Linked cities banner", "home"),
        "show_in_menus": False,
    }
    if home is None:
        home = HomePage(slug="home-sci", locale=locale, **fields)
        root.add_child(instance=home)
    else:
        for name, value in fields.items():
            setattr(home, name, value)
    home.body = [
        (
            "call_to_action",
            {
                "title": "Join us in Washington, DC",
                "text": "Five hundred citizen diplomats, mayors and youth leaders from partner cities on six continents.",
                "button_label": "See the programme",
                "page": None,
                "url": "",
            },
        ),
        (
            "quote",
            {
                "text": "The more people who know each other across borders, the less likely it is that nations will go to war.",
                "attribution": "Founding idea of the People-to-People programme, 1956",
            },
        ),
    ]
    home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="SCI Events",
        )
    elif site.root_page_id != home.pk:
        old_root = site.root_page
        site.root_page = home
        site.site_name = "SCI Events"
        site.save()
        # Wagtail's "Welcome to your new Wagtail site!" placeholder page.
        if old_root.depth == 2 and old_root.specific_class is Page:
            old_root.delete()
    return home


def _schedule(days: Programme) -> dict:
    return {
        "heading": "Programme",
        "days": [
            {
                "date": day,
                "title": title,
                "items": [
                    {
                        "starts": s,
                        "ends": e,
                        "title": t,
                        "location": loc,
                        "description": "",
                    }
                    for s, e, t, loc in items
                ],
            }
            for day, title, items in days
        ],
    }


def _speakers(locale: Locale) -> list[Speaker]:
    speakers = []
    for name, role, organisation, city in SPEAKERS:
        speaker, _ = Speaker.objects.update_or_create(
            name=name,
            locale=locale,
            defaults={
                "role": role,
                "organisation": organisation,
                "city": city,
                "bio": f"{name} works on partnerships between communities as {role.lower()} at {organisation}.",
            },
        )
        speakers.append(speaker)
    return speakers


def _sponsors(locale: Locale) -> list[Sponsor]:
    sponsors = []
    for name, level in SPONSORS:
        sponsor, _ = Sponsor.objects.update_or_create(
            name=name, locale=locale, defaults={"level": level, "url": ""}
        )
        sponsors.append(sponsor)
    return sponsors


def _conference_body(speakers, sponsors, travel_page) -> list:
    return [
        ("heading", {"text": "Four days of citizen diplomacy", "level": "h2"}),
        (
            "paragraph",
            RichText(
                "<p>The Annual Conference brings together mayors, volunteers, business leaders "
                "and students from sister cities across the world. Share what works in your "
                "partnership, meet the delegations of your partner cities, and take home ideas "
                "for exchanges in education, culture, trade and humanitarian aid.</p>"
                "<p>This year's theme, <b>Bridges that last</b>, celebrates the <i>7 for 70</i> "
                "initiative: seven new partnerships between US and Pacific Islands communities.</p>"
            ),
        ),
        ("schedule", _schedule(CONFERENCE_PROGRAMME)),
        ("speakers", {"heading": "Speakers", "speakers": list(speakers)}),
        (
            "quote",
            {
                "text": "Our partnership with Kumamoto started with twelve students. Thirty years later it is a trade office, a sister school in every district and friendships in every family.",
                "attribution": "Daniel Reyes, San Antonio",
            },
        ),
        (
            "call_to_action",
            {
                "title": "Travelling from abroad?",
                "text": "Read about visas, invitation letters, airport pick-up and host families.",
                "button_label": "Travel and visas",
                "page": travel_page,
                "url": "",
            },
        ),
        ("sponsors", {"heading": "Sponsors and partners", "sponsors": list(sponsors)}),
    ]


def _youth_body(speakers) -> list:
    return [
        (
            "heading",
            {
                "text": "Fifty young leaders, one week, a world of partner cities",
                "level": "h2",
            },
        ),
        (
            "paragraph",
            RichText(
                "<p>The Youth Leadership Summit is for delegates aged 14 to 18 nominated by their "
                "sister city programmes. Delegates work in international teams on a community "
                "project, practise public speaking and meet city leaders.</p>"
                "<p>Places are selective: every application is reviewed. A parent or guardian "
                "signs the consent form online, and each delegation travels with an adult "
                "chaperone.</p>"
            ),
        ),
        ("schedule", _schedule(YOUTH_PROGRAMME)),
        ("speakers", {"heading": "Mentors", "speakers": list(speakers[2:5])}),
    ]


def seed_pages(catalogue: DemoCatalogue) -> HomePage:
    """Create or update the page tree with its demo content; returns the home page."""
    locale = Locale.get_default()
    # Editors can translate pages into every site language from the admin.
    for language_code, _name in django_settings.LANGUAGES:
        Locale.objects.get_or_create(language_code=language_code)
    home = _home(locale)
    speakers = _speakers(locale)
    sponsors = _sponsors(locale)

    events = _child(
        home,
        EventIndexPage,
        "events",
        title="Events",
        show_in_menus=True,
        intro="<p>Conferences, summits and gatherings of the sister city network.</p>",
    )
    travel = _about_pages(home)
    _event_pages(events, catalogue, speakers=speakers, sponsors=sponsors, travel=travel)
    _news_pages(home)
    _code_of_conduct_page(home)
    _child(home, SearchPage, "search", title="Search", show_in_menus=False)
    _site_settings()
    return home


def _about_pages(home: HomePage) -> StandardPage:
    """The About page and its Travel and visas child; returns the travel page."""
    about = _child(
        home,
        StandardPage,
        "about",
        title="About",
        show_in_menus=True,
        intro="Sister Cities International links communities across borders through citizen diplomacy.",
        body=[
            ("heading", {"text": "A network of communities", "level": "h2"}),
            (
                "paragraph",
                RichText(
                    "<p>Founded in 1956 at President Eisenhower's White House summit on citizen "
                    "diplomacy, Sister Cities International supports partnerships between "
                    "communities in the United States and around the world: cities, counties and "
                    "states that run exchanges in education, culture, business and humanitarian aid.</p>"
                ),
            ),
        ],
    )
    return _child(
        about,
        StandardPage,
        "travel-and-visas",
        title="Travel and visas",
        show_in_menus=False,
        intro="Everything a delegation travelling from abroad needs to know.",
        body=[
            ("heading", {"text": "Invitation letters", "level": "h2"}),
            (
                "paragraph",
                RichText(
                    "<p>Registered delegates who need a visa can request an invitation letter "
                    "from their delegation leader. Apply early: some consulates need eight weeks.</p>"
                ),
            ),
            ("heading", {"text": "Airport pick-up", "level": "h2"}),
            (
                "paragraph",
                RichText(
                    "<p>Volunteers meet arriving delegations at Washington Dulles and Reagan National "
                    "airports on July 13 and 14. Tell us your flight when you register.</p>"
                ),
            ),
        ],
    )


def _event_pages(
    events: EventIndexPage,
    catalogue: DemoCatalogue,
    *,
    speakers: list[Speaker],
    sponsors: list[Sponsor],
    travel: StandardPage,
) -> None:
    """A page for each demo event, linked to its registration event."""
    conference = _child(
        events,
        EventPage,
        "annual-conference-2027",
        title="SCI Annual Conference 2027",
        event=catalogue.conference,
        intro="Bridges that last: four days with citizen diplomats from sister cities on six continents.",
        hero_image=_hero_image("Conference banner", "conference"),
        show_in_menus=False,
    )
    conference.body = _conference_body(speakers, sponsors, travel)
    conference.save_revision().publish()
    youth = _child(
        events,
        EventPage,
        "youth-leadership-summit-2027",
        title="Youth Leadership Summit 2027",
        event=catalogue.youth_summit,
        intro="A week of leadership, friendship and community projects for delegates aged 14–18.",
        hero_image=_hero_image("Youth summit banner", "youth"),
        show_in_menus=False,
    )
    youth.body = _youth_body(speakers)
    youth.save_revision().publish()


def _news_pages(home: HomePage) -> None:
    """The News index with one page per story of NEWS_STORIES."""
    news = _child(
        home,
        NewsIndexPage,
        "news",
        title="News",
        show_in_menus=True,
        intro="<p>Stories from the network.</p>",
    )
    news_image = _hero_image("News banner", "news")
    for slug, title, day, intro in NEWS_STORIES:
        _child(
            news,
            NewsPage,
            slug,
            title=title,
            date=day,
            intro=intro,
            image=news_image,
            body=[("paragraph", RichText(f"<p>{intro}</p>"))],
        )


def _code_of_conduct_page(home: HomePage) -> None:
    _child(
        home,
        StandardPage,
        "code-of-conduct",
        title="Code of conduct",
        show_in_menus=False,
        intro="Respect, safety and inclusion at every SCI event.",
        body=[
            (
                "paragraph",
                RichText(
                    "<p>Everyone at an SCI event — delegates, speakers, volunteers and staff — treats "
                    "others with respect. Harassment of any kind is not tolerated. Youth delegates are "
                    "supervised by chaperones at all times.</p>"
                ),
            )
        ],
    )


def _site_settings() -> None:
    """The organisation's name, contact address and social links in the footer."""
    site = Site.objects.get(is_default_site=True)
    settings = SiteSettings.for_site(site)
    settings.organisation_name = "Sister Cities International"
    settings.contact_email = "events@sister-cities.example"
    settings.footer_text = "Sister Cities International is a nonprofit citizen diplomacy network creating and strengthening partnerships between communities in the United States and around the world."
    settings.facebook_url = "https://www.facebook.com/SisterCitiesInternational"
    settings.instagram_url = "https://www.instagram.com/sistercitiesintl"
    settings.linkedin_url = (
        "https://www.linkedin.com/company/sister-cities-international"
    )
    settings.save()


def seed_network_pages(home: HomePage, programme) -> None:
    """The partnership directory and impact pages, in the main menu."""
    _child(
        home,
        PartnershipDirectoryPage,
        "partnerships",
        title="Partnerships",
        show_in_menus=True,
        intro=(
            "<p>Sister city, county and state partnerships link communities in the "
            "United States with partners around the world. Find the partners of your "
            "state, or the US communities linked with your country.</p>"
        ),
    )
    _child(
        home,
        ImpactPage,
        "impact",
        title="Our impact",
        show_in_menus=True,
        programme=programme,
        intro=(
            "<p>Every exchange our members record adds up: the volunteers who host, the "
            "people who travel, the jobs that follow trade missions and the aid sent "
            "after storms and earthquakes. These figures are summed from the exchange "
            "records of the network.</p>"
        ),
    )


# Spanish and French copies of the pages a visitor meets first, so /es/ and
# /fr/ show translated content; editors translate the rest from the admin
# (Translate in the page's menu, wagtail.contrib.simple_translation).
TRANSLATED_PAGES = {
    "es": {
        "home": {
            "title": "Sister Cities International",
            "intro": "Diplomacia ciudadana desde 1956: un apretón de manos, una hermandad, una comunidad a la vez.",
        },
        "events": {
            "title": "Eventos",
            "intro": "<p>Conferencias, cumbres y encuentros de la red de ciudades hermanas.</p>",
        },
        "annual-conference-2027": {
            "title": "Conferencia Anual de SCI 2027",
            "intro": "Puentes que perduran: cuatro días con diplomáticos ciudadanos de ciudades hermanas de seis continentes.",
        },
        "youth-leadership-summit-2027": {
            "title": "Cumbre de Liderazgo Juvenil 2027",
            "intro": "Una semana de liderazgo, amistad y proyectos comunitarios para delegados de 14 a 18 años.",
        },
    },
    "fr": {
        "home": {
            "title": "Sister Cities International",
            "intro": "La diplomatie citoyenne depuis 1956 : une poignée de main, un jumelage, une communauté à la fois.",
        },
        "events": {
            "title": "Événements",
            "intro": "<p>Conférences, sommets et rencontres du réseau des villes jumelées.</p>",
        },
        "annual-conference-2027": {
            "title": "Conférence annuelle SCI 2027",
            "intro": "Des ponts qui durent : quatre jours avec des diplomates citoyens de villes jumelées de six continents.",
        },
        "youth-leadership-summit-2027": {
            "title": "Sommet des jeunes leaders 2027",
            "intro": "Une semaine de leadership, d'amitié et de projets communautaires pour les délégués de 14 à 18 ans.",
        },
    },
}


def seed_translations(home: HomePage) -> None:
    """Spanish and French copies of the home, events and event pages (safe to run again)."""
    events = EventIndexPage.objects.child_of(home).get(slug="events")
    pages = {"home": home, "events": events}
    for page in EventPage.objects.child_of(events):
        pages[page.slug] = page
    for language_code, texts in TRANSLATED_PAGES.items():
        locale, _created = Locale.objects.get_or_create(language_code=language_code)
        for key, fields in texts.items():
            source = pages.get(key)
            if source is None:
                continue
            translation = source.get_translation_or_none(locale)
            if translation is None:
                translation = source.copy_for_translation(locale, copy_parents=True)
            translation = translation.specific
            for name, value in fields.items():
                setattr(translation, name, value)
            translation.save_revision().publish()
