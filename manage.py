#!/usr/bin/env python
"""Django's command-line utility for SCI Events."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as problem:
        # A setting missing from the environment (SECRET_KEY outside DEBUG, most
        # often) is a message for the operator, not a traceback.
        sys.exit(f"manage.py: {problem}")
