"""A pytest plugin loaded before Django reads its settings (see pyproject addopts).

Tests get a fresh random SECRET_KEY, the immediate task backend and in-memory
e-mail, whatever the shell has set; DATABASE_URL is left as the caller set it
(PostgreSQL on CI, SQLite otherwise).
"""

import os
import secrets

os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
os.environ["DEBUG"] = "false"
os.environ["TASK_BACKEND"] = "immediate"
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ["SECURE_SSL_REDIRECT"] = "false"
os.environ["STATIC_MANIFEST"] = "false"
# Staff screens are tested with force_login; the two-factor tests switch the
# requirement back on for themselves (tests/conference/test_two_factor.py).
os.environ["TWO_FACTOR_REQUIRED_GROUPS"] = ""
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.pop("REDIS_URL", None)
