"""Placeholder until the public pages are built (issue 3, web part)."""

from django.http import Http404


def _not_yet(*args, **kwargs):
    raise Http404


join = offer = _not_yet
