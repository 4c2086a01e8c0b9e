"""Form fields for the registration pages, named by the services' dotted paths."""

from django import template

register = template.Library()


@register.inclusion_tag("registration/orders/includes/field.html")
def form_field(
    data,
    errors,
    name: str,
    label: str,
    *,
    type: str = "text",
    required: bool = False,
    autocomplete: str = "",
    help: str = "",
    choices=None,
    blank: str = "",
):
    """One labelled input with its value and errors; `data` and `errors` are dicts."""
    value = data.get(name, "") if data else ""
    return {
        "name": name,
        "id": "f-" + name.replace(".", "-"),
        "label": label,
        "value": "" if value is None else value,
        "errors": errors.get(name, []) if errors else [],
        "type": type,
        "required": required,
        "autocomplete": autocomplete,
        "help": help,
        "choices": choices or [],
        "blank": blank,
    }


@register.filter
def get_item(mapping, key):
    """`{{ errors|get_item:"buyer.email" }}`"""
    if not mapping:
        return ""
    return mapping.get(key, "")
