"""Path converters for the API.

`<id:pk>` is Django's `<int:pk>` bounded to what a database id column holds
(18 digits, below 2**63): a longer number does not match the address, so it is
a plain 404 instead of an overflow in the database driver.
"""

from django.urls.converters import IntConverter

# The largest id any of our databases stores (BigAutoField, signed 64 bits).
MAX_ID = 2**63 - 1


class IdConverter(IntConverter):
    regex = "[0-9]{1,18}"
