"""No admin page is a 500: a superuser walks every address under /admin/.

The addresses come from the URL resolver (every viewset, snippet, chooser and
custom view registers there) and from the admin menu, so a new screen is
walked without touching this file. Each parameter is filled with real objects
of the demo (`seed_demo`, plus one row of each model the demo leaves empty),
with a populated reference index; every page address is visited for one page
of each page type. Our listings are also visited with each filter option,
each sortable column (both ways), a search and their CSV/XLSX exports, and the
page each of our models links to from elsewhere in the admin (usage pages,
histories) is checked to exist.

An address of our own whose parameter cannot be filled fails the test (give
the walker a value in `parameter_values`); one of Wagtail's own is skipped
when the demo has nothing for it (a workflow task state, an uploaded file).
"""

import io
import itertools
from collections.abc import Callable, Iterable
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Model
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.menu import admin_menu
from wagtail.admin.views.generic.base import BaseListingView
from wagtail.admin.viewsets import viewsets
from wagtail.models import Page, ReferenceIndex, Task, Workflow

pytestmark = pytest.mark.django_db

# A GET may answer with a page, a redirect (to a confirmation, a file, the
# sign-in), a refusal or "not found"; 405 is an action page that only takes POST.
GOOD_STATUSES = {200, 302, 403, 404, 405}

OUR_APPS = {"registration", "cms", "conference"}

# Addresses not walked, each for its reason.
NOT_WALKED = {
    "wagtailadmin_logout": "ends the session the walk runs in",
    "wagtailadmin_error_test": "Wagtail's deliberate 500, to try the error page",
}


def _walk(patterns, namespace: str | None = None) -> Iterable[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = (
                    f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                )
            yield from _walk(entry.url_patterns, inner)
        elif entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def admin_patterns() -> list[tuple[str, URLPattern, str]]:
    """(url name, pattern, module of its view) for every named address under /admin/."""
    admin = next(
        entry
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver) and str(entry.pattern) == "admin/"
    )
    two_factor = next(
        entry
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver) and str(entry.pattern) == "admin/two-factor/"
    )
    found = []
    for name, pattern in itertools.chain(
        _walk(two_factor.url_patterns), _walk(admin.url_patterns)
    ):
        view = pattern.callback
        view_class = getattr(view, "view_class", None)
        module = (view_class or view).__module__
        found.append((name, pattern, module))
    return found


def parameter_names(pattern: URLPattern) -> list[str]:
    regex = pattern.pattern.regex
    return list(regex.groupindex)


# --- the objects the walk fills addresses with --------------------------------------


def complete_demo(staff) -> None:
    """One row of each model the demo leaves empty but the admin has pages for."""
    from registration.models import (
        BadgePrintJob,
        CertificateJob,
        Event,
        ExportJob,
        Invoice,
        Order,
        Refund,
        StripeEvent,
        TravelPlan,
        VisaLetter,
    )
    from registration.staff.services.api_tokens import create_api_token
    from tests.factories.registration_more import (
        ConsentTextFactory,
        MemberOrganisationFactory,
        WaitingListEntryFactory,
    )

    conference = Event.objects.get(kind="conference")
    create_api_token(staff, name="Walk")
    ConsentTextFactory(event=Event.objects.get(kind="youth_summit"))
    MemberOrganisationFactory()
    WaitingListEntryFactory(
        event=conference, ticket_type=conference.ticket_types.first()
    )
    BadgePrintJob.objects.create(
        event=conference, requested_by=staff, layout="a6", total=0
    )
    ExportJob.objects.create(
        kind="attendees", event=conference, requested_by=staff, columns=["badge_name"]
    )
    CertificateJob.objects.create(event=conference, requested_by=staff)
    plan = TravelPlan.objects.order_by("pk").first()
    VisaLetter.objects.create(
        attendee=plan.attendee, number="VL-2027-0001", issued_by=staff
    )
    paid = Order.objects.filter(payments__isnull=False).order_by("pk").first()
    Refund.objects.create(
        payment=paid.payments.first(),
        order=paid,
        amount=Decimal("1.00"),
        currency=paid.event.currency,
        origin="staff",
        reason="Walk",
    )
    StripeEvent.objects.create(
        event_id="evt_walk",
        type="checkout.session.completed",
        stripe_created=timezone.now(),
    )
    invoiced = Order.objects.exclude(pk=paid.pk).order_by("pk").first()
    today = timezone.localdate()
    Invoice.objects.create(
        order=invoiced,
        number="2027-0001",
        year=2027,
        sequence=1,
        issued_on=today,
        due_on=today + timedelta(days=14),
        billing_name="Sister City Association of Lyon",
        billing_address="1 Place Bellecour, Lyon",
        currency=invoiced.event.currency,
        total=invoiced.total,
        lines=[],
    )


def _first(model) -> list:
    row = model._default_manager.order_by("pk").first()
    return [] if row is None else [row.pk]


def sample_pages() -> list[Page]:
    """One page of each page type in the tree (root included)."""
    by_type = {}
    for page in Page.objects.order_by("path"):
        by_type.setdefault(page.content_type_id, page)
    return list(by_type.values())


def _page_kwargs(names: list[str]) -> list[dict] | None:
    """Page addresses: one set of values per page type."""
    page_names = {"page_id", "parent_page_id", "page_to_move_id", "page_pk"}
    if not page_names & set(names) and not ("pk" in names and "revision_id_a" in names):
        return None
    home = Page.objects.filter(depth=2).order_by("path").first()
    result = []
    for page in sample_pages():
        values = {}
        for name in names:
            if name in page_names or (name == "pk" and "revision_id_a" in names):
                values[name] = page.pk
            elif name == "destination_id":
                values[name] = home.pk
            elif name == "revision_id":
                revision = page.latest_revision
                if revision is None:
                    break
                values[name] = revision.pk
            elif name == "revision_id_a":
                values[name] = "earliest"
            elif name == "revision_id_b":
                values[name] = "latest"
            elif name == "task_id":
                values[name] = Task.objects.order_by("pk").first().pk
            elif name == "workflow_pk":
                values[name] = Workflow.objects.order_by("pk").first().pk
            else:
                return []
        else:
            result.append(values)
    return result


def _model_of(pattern: URLPattern, url_name: str):
    """The model a viewset's address is about (its views carry it)."""
    view = pattern.callback
    model = getattr(view, "view_initkwargs", {}).get("model") or getattr(
        getattr(view, "view_class", None), "model", None
    )
    if isinstance(model, type) and issubclass(model, Model):
        return model
    namespace = url_name.rpartition(":")[0]
    for viewset in viewsets.viewsets:
        if getattr(viewset, "name", None) and viewset.url_namespace == namespace:
            model = getattr(viewset, "model", None)
            return apps.get_model(model) if isinstance(model, str) else model
    return None


def parameter_values() -> dict[str, Callable[[str], list]]:
    """Values for a parameter by its name; `url_name` picks among kinds."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Collection

    from registration.models import (
        ApiToken,
        Attendee,
        BadgePrintJob,
        CertificateJob,
        Event,
        ExportJob,
        Refund,
        VisaLetter,
    )
    from registration.staff.admin.imports import IMPORTERS
    from registration.staff.admin.reports import report_tables
    from registration.staff.models.exports import ExportKind
    from registration.staff.selectors import get_event_report

    def kind(url_name):
        if url_name.startswith("exports:"):
            return list(ExportKind.values)
        if url_name.startswith("imports:"):
            return list(IMPORTERS)
        return []

    def table(url_name):
        event = Event.objects.order_by("pk").first()
        return [t.key for t in report_tables(get_event_report(event))]

    return {
        "event_id": lambda _: list(Event.objects.values_list("pk", flat=True)),
        "attendee_id": lambda _: _first(Attendee),
        "attendee_pk": lambda _: _first(Attendee),
        "kind": kind,
        "table": table,
        "image_id": lambda _: _first(get_image_model()),
        "document_id": lambda _: _first(get_document_model()),
        "doc_id": lambda _: _first(get_document_model()),
        "collection_id": lambda _: _first(Collection),
        "filter_spec": lambda _: ["max-165x165"],
        "api_tokens:pk": lambda _: _first(ApiToken),
        "badges:pk": lambda _: _first(BadgePrintJob),
        "certificates:pk": lambda _: _first(CertificateJob),
        "bank_refunds:pk": lambda _: _first(Refund),
        "exports:pk": lambda _: _first(ExportJob),
        "visa_letters:pk": lambda _: _first(VisaLetter),
    }


def kwargs_for(url_name: str, pattern: URLPattern, values) -> list[dict] | str:
    """Every set of parameters to visit `url_name` with, or why there is none."""
    names = parameter_names(pattern)
    if not names:
        return [{}]
    pages = _page_kwargs(names)
    if pages is not None:
        return pages or "no page values for " + ", ".join(names)
    choices = []
    for name in names:
        namespace = url_name.rpartition(":")[0]
        if f"{namespace}:{name}" in values:
            options = values[f"{namespace}:{name}"](url_name)
        elif name in values:
            options = values[name](url_name)
        elif name == "pk" and (model := _model_of(pattern, url_name)) is not None:
            options = _first(model)
            if not options:
                return f"no {model._meta.label} in the demo"
        else:
            return f"no value for <{name}>"
        if not options:
            return f"no value for <{name}> in the demo"
        choices.append([(name, option) for option in options])
    return [dict(combination) for combination in itertools.product(*choices)]


def is_ours(url_name: str, pattern: URLPattern, module: str) -> bool:
    """Whether an address shows our code or our models (not only Wagtail's own)."""
    model = _model_of(pattern, url_name)
    app = model._meta.app_label if model is not None else module.partition(".")[0]
    return app in OUR_APPS


def menu_urls(user) -> list[str]:
    """Every address the admin menu offers, submenus included."""
    request = RequestFactory().get("/admin/")
    request.user = user
    found = []

    def collect(items):
        for item in items:
            if hasattr(item, "menu"):
                collect(item.menu.menu_items_for_request(request))
            elif item.url:
                found.append(item.url)

    collect(admin_menu.menu_items_for_request(request))
    return found


def object_links(user, failures: list[str]) -> list[str]:
    """Where the admin links one object of each of our models from other pages.

    Usage pages, histories and choosers link objects through Wagtail's admin
    URL finder, which each viewset registers for its model.
    """
    finder = AdminURLFinder(user)
    urls = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        row = model._default_manager.order_by("pk").first()
        if row is None:
            continue
        try:
            url = finder.get_edit_url(row)
        except Exception as exc:
            failures.append(
                f"link to a {model._meta.label}: {type(exc).__name__}: {exc}"
            )
            continue
        if url:
            urls.append(url)
    return urls


# --- the walk -----------------------------------------------------------------------


class Walker:
    def __init__(self, client):
        self.client = client
        self.failures: list[str] = []
        self.visited: set[str] = set()

    def get(self, url: str):
        if url in self.visited:
            return None
        self.visited.add(url)
        try:
            response = self.client.get(url)
            if response.streaming:  # the test client closes it once read
                b"".join(response.streaming_content)
        except Exception as exc:
            self.failures.append(f"{url}: {type(exc).__name__}: {exc}")
            return None
        if response.status_code not in GOOD_STATUSES:
            self.failures.append(f"{url}: {response.status_code}")
        return response

    def listing_variants(self, url: str, response, *, results_url: str) -> None:
        """A listing with each filter option, each sort, a search and its exports.

        Filters, sorts and the search go to the listing's results address (the
        table alone, as the filter form reloads it); exports to the listing.
        """
        context = response.context
        if context is None or not isinstance(context.get("view"), BaseListingView):
            return
        queries = []
        filters = context.get("filters")
        if hasattr(filters, "form"):
            for name, field in filters.form.fields.items():
                queries.extend(_filter_queries(name, field))
        table = context.get("table")
        for column in getattr(table, "columns", {}).values():
            key = getattr(column, "sort_key", None)
            if key:
                queries += [{"ordering": key}, {"ordering": f"-{key}"}]
        if context.get("search_form") is not None:
            queries.append({"q": "a"})
        for query in queries:
            self.get(f"{results_url}?{urlencode(query)}")
        if getattr(context.get("view"), "list_export", None):
            self.get(f"{url}?export=csv")
            self.get(f"{url}?export=xlsx")


def _filter_queries(name: str, field) -> list[dict]:
    widget = field.widget
    suffixes = getattr(widget, "suffixes", None)
    if suffixes:  # a range: from and to
        today = timezone.localdate()
        return [
            {
                f"{name}_{suffixes[0]}": str(today - timedelta(days=400)),
                f"{name}_{suffixes[1]}": str(today + timedelta(days=400)),
            }
        ]
    choices = getattr(field, "choices", None)
    if choices is not None:
        values = []
        for choice in choices:
            label = choice[1]
            inner = label if isinstance(label, list | tuple) else [choice]
            values += [str(option[0]) for option in inner if str(option[0]) != ""]
        return [{name: value} for value in values[:12]]
    return [{name: "a"}]


# Wagtail 8's rendition writer leaves its SpooledTemporaryFile to the garbage
# collector (wagtail/images/models.py, generate_rendition_file).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_every_admin_page_answers_without_a_server_error(client):
    call_command("seed_demo", "--no-admin", stdout=io.StringIO())
    user = get_user_model().objects.create_superuser(
        "walker", "walker@sister-cities.example", "walk-the-admin"
    )
    complete_demo(user)
    # The admin's models join the reference index when its URLs load (as the
    # command's system checks do outside tests).
    admin_patterns()
    call_command("rebuild_references_index", stdout=io.StringIO())
    # Usage pages have rows to show: events and delegations are referred to.
    referred = ReferenceIndex.objects.filter(to_content_type__app_label="registration")
    assert {"event", "delegation"} <= set(
        referred.values_list("to_content_type__model", flat=True)
    )
    client.force_login(user)
    walker = Walker(client)
    values = parameter_values()
    unfilled = []
    listings = {}
    for url_name, pattern, module in admin_patterns():
        if url_name in NOT_WALKED:
            continue
        sets = kwargs_for(url_name, pattern, values)
        if isinstance(sets, str):
            if is_ours(url_name, pattern, module):
                unfilled.append(f"{url_name}: {sets}")
            continue
        for kwargs in sets:
            url = reverse(url_name, kwargs=kwargs)
            response = walker.get(url)
            if (
                response is not None
                and response.status_code == 200
                and not kwargs
                and is_ours(url_name, pattern, module)
            ):
                listings[url_name] = (url, response)
    for url in menu_urls(user):
        if url.startswith("/admin/"):  # not the links to Wagtail's guide
            walker.get(url)
    for url in object_links(user, walker.failures):
        walker.get(url)
    for url_name, (url, response) in listings.items():
        if url_name.endswith("_results") and url_name[: -len("_results")] in listings:
            continue  # walked with its listing
        results = listings.get(f"{url_name}_results", (url,))[0]
        walker.listing_variants(url, response, results_url=results)
    print(f"{len(walker.visited)} admin addresses walked")
    print("\n".join(unfilled + walker.failures))
    assert unfilled == []
    assert walker.failures == []
