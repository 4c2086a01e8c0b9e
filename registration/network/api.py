"""Partnerships and exchanges API, mounted at /api/v1/.

Read with the model's view permission, create with add, update with change
(a staff user's API token, as everywhere in the API). Lists are paginated and
filterable. Contacts and their e-mails and phones are not part of this API.
The rules (countries differ, aid needs its currency, dates run forward) are
the models' `clean()`, shared with the admin and the import, and come back as
field errors.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.urls import path
from django_countries.serializers import CountryFieldMixin
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from wagtail.documents import get_document_model

from registration.api.filters import IdFilter
from registration.api.permissions import StaffWithPermissions
from registration.models import (
    Exchange,
    ExchangeDirection,
    ExchangeKind,
    Partnership,
    PartnershipKind,
    PartnershipStatus,
    Programme,
)
from registration.orders.api.serializers import ColumnTextMixin, ErrorSerializer

ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}


def model_permissions(model_name: str) -> dict[str, list[str]]:
    view = [f"registration.view_{model_name}"]
    change = [f"registration.change_{model_name}"]
    return {
        "GET": view,
        "HEAD": view,
        "OPTIONS": view,
        "POST": [f"registration.add_{model_name}"],
        "PUT": change,
        "PATCH": change,
    }


class NetworkPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ModelCleanMixin:
    """Run the model's clean() on the merged values, as the admin form does."""

    many_to_many = ()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        values = {k: v for k, v in attrs.items() if k not in self.many_to_many}
        merged = {}
        if self.instance is not None:
            for field in self.Meta.model._meta.concrete_fields:
                if field.name not in values:
                    merged[field.attname] = getattr(self.instance, field.attname)
        instance = self.Meta.model(**merged, **values)
        try:
            # The values sent must be allowed by their model fields (a country
            # sent as {} comes out of django-countries' field as "").
            instance.clean_fields(
                exclude=[
                    field.name
                    for field in self.Meta.model._meta.concrete_fields
                    if field.name not in values
                ]
            )
            instance.clean()
            # Unique pairs too (partnership_unique_pair): a duplicate is a 400
            # naming the rule, not an IntegrityError.
            instance.validate_constraints()
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {
                    "non_field_errors" if field == NON_FIELD_ERRORS else field: messages
                    for field, messages in error.message_dict.items()
                }
            ) from error
        # clean() normalises values (currency in capitals); keep them.
        for name in values:
            attrs[name] = getattr(instance, name)
        return attrs


# --- Partnerships ----------------------------------------------------------------------


class PartnershipSerializer(
    ModelCleanMixin, ColumnTextMixin, CountryFieldMixin, serializers.ModelSerializer
):
    many_to_many = ("programmes",)
    programmes = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        required=False,
        queryset=Programme.objects.all(),
        help_text="Programme slugs, such as 7-for-70.",
    )
    agreement = serializers.PrimaryKeyRelatedField(
        queryset=get_document_model().objects.all(),
        allow_null=True,
        required=False,
        help_text="Id of the signed agreement in the Wagtail document library.",
    )

    class Meta:
        model = Partnership
        fields = [
            "id",
            "kind",
            "status",
            "local_name",
            "local_region",
            "local_country",
            "partner_name",
            "partner_region",
            "partner_country",
            "signed_on",
            "signed_by",
            "programmes",
            "agreement",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class PartnershipFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        method="filter_country",
        label="ISO country code of either community (local or partner).",
    )
    state = django_filters.CharFilter(
        field_name="local_region",
        lookup_expr="iexact",
        label="The local state or region.",
    )
    kind = django_filters.ChoiceFilter(choices=PartnershipKind.choices)
    status = django_filters.ChoiceFilter(choices=PartnershipStatus.choices)
    programme = django_filters.CharFilter(
        field_name="programmes__slug",
        distinct=True,
        label="Programme slug, such as 7-for-70.",
    )

    class Meta:
        model = Partnership
        fields = []

    def filter_country(self, queryset, name, value):
        code = value.strip().upper()
        return queryset.filter(Q(local_country=code) | Q(partner_country=code))


@extend_schema_view(
    get=extend_schema(responses={200: PartnershipSerializer(many=True), **ERRORS}),
    post=extend_schema(responses={201: PartnershipSerializer, **ERRORS}),
)
class PartnershipList(generics.ListCreateAPIView):
    """Sister city, county and state partnerships; filter by country, state,
    kind, status and programme."""

    queryset = Partnership.objects.prefetch_related("programmes").order_by(
        "local_name", "partner_name", "pk"
    )
    serializer_class = PartnershipSerializer
    permission_classes = [StaffWithPermissions]
    required_permissions = model_permissions("partnership")
    pagination_class = NetworkPagination
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = PartnershipFilter


@extend_schema_view(
    get=extend_schema(responses={200: PartnershipSerializer, **ERRORS}),
    put=extend_schema(responses={200: PartnershipSerializer, **ERRORS}),
    patch=extend_schema(responses={200: PartnershipSerializer, **ERRORS}),
)
class PartnershipDetail(generics.RetrieveUpdateAPIView):
    """One partnership; PUT or PATCH changes it."""

    queryset = Partnership.objects.prefetch_related("programmes")
    serializer_class = PartnershipSerializer
    permission_classes = [StaffWithPermissions]
    required_permissions = model_permissions("partnership")


# --- Exchanges ------------------------------------------------------------------------------


class ExchangeSerializer(ModelCleanMixin, ColumnTextMixin, serializers.ModelSerializer):
    partnership_name = serializers.CharField(
        source="partnership.__str__", read_only=True
    )

    class Meta:
        model = Exchange
        fields = [
            "id",
            "partnership",
            "partnership_name",
            "kind",
            "title",
            "starts_on",
            "ends_on",
            "direction",
            "participants",
            "volunteers",
            "jobs_created",
            "aid_value",
            "aid_currency",
            "summary",
            "outcomes",
        ]


class ExchangeFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        method="filter_country",
        label="ISO country code of either community of the partnership.",
    )
    kind = django_filters.ChoiceFilter(choices=ExchangeKind.choices)
    direction = django_filters.ChoiceFilter(choices=ExchangeDirection.choices)
    status = django_filters.ChoiceFilter(
        field_name="partnership__status",
        choices=PartnershipStatus.choices,
        label="Status of the partnership.",
    )
    programme = django_filters.CharFilter(
        field_name="partnership__programmes__slug",
        distinct=True,
        label="Programme slug of the partnership.",
    )
    partnership = IdFilter(field_name="partnership_id")
    starts_from = django_filters.DateFilter(field_name="starts_on", lookup_expr="gte")
    starts_until = django_filters.DateFilter(field_name="starts_on", lookup_expr="lte")

    class Meta:
        model = Exchange
        fields = []

    def filter_country(self, queryset, name, value):
        code = value.strip().upper()
        return queryset.filter(
            Q(partnership__local_country=code) | Q(partnership__partner_country=code)
        )


@extend_schema_view(
    get=extend_schema(responses={200: ExchangeSerializer(many=True), **ERRORS}),
    post=extend_schema(responses={201: ExchangeSerializer, **ERRORS}),
)
class ExchangeList(generics.ListCreateAPIView):
    """Exchanges under the partnerships; filter by country, kind, direction,
    partnership status, programme, partnership and start date."""

    queryset = Exchange.objects.select_related("partnership").order_by(
        "-starts_on", "title", "pk"
    )
    serializer_class = ExchangeSerializer
    permission_classes = [StaffWithPermissions]
    required_permissions = model_permissions("exchange")
    pagination_class = NetworkPagination
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = ExchangeFilter


@extend_schema_view(
    get=extend_schema(responses={200: ExchangeSerializer, **ERRORS}),
    put=extend_schema(responses={200: ExchangeSerializer, **ERRORS}),
    patch=extend_schema(responses={200: ExchangeSerializer, **ERRORS}),
)
class ExchangeDetail(generics.RetrieveUpdateAPIView):
    """One exchange; PUT or PATCH changes it."""

    queryset = Exchange.objects.select_related("partnership")
    serializer_class = ExchangeSerializer
    permission_classes = [StaffWithPermissions]
    required_permissions = model_permissions("exchange")


urlpatterns = [
    path("partnerships/", PartnershipList.as_view(), name="partnership_list"),
    path(
        "partnerships/<id:pk>/",
        PartnershipDetail.as_view(),
        name="partnership_detail",
    ),
    path("exchanges/", ExchangeList.as_view(), name="exchange_list"),
    path("exchanges/<id:pk>/", ExchangeDetail.as_view(), name="exchange_detail"),
]
