"""Spanish and French versions of the demo catalogue's texts (seed_demo).

Keyed by the English text; a text not listed here stays English in every
language, as an organiser's untranslated text would, so the admin's Missing
translations panel has something to show.
"""

from registration.catalogue.texts import OTHER_LANGUAGES

TRANSLATED = {
    "SCI Annual Conference 2027": (
        "Conferencia anual de SCI 2027",
        "Conférence annuelle de SCI 2027",
    ),
    "Member delegate": ("Delegado de ciudad miembro", "Délégué d’une ville membre"),
    "Full conference for delegates of SCI member cities and organisations.": (
        "Conferencia completa para delegados de ciudades y organizaciones miembros de SCI.",
        "Conférence complète pour les délégués des villes et organisations membres de SCI.",
    ),
    "Delegate": ("Delegado", "Délégué"),
    "Full conference: all sessions, lunches and the welcome reception.": (
        "Conferencia completa: todas las sesiones, almuerzos y la recepción de bienvenida.",
        "Conférence complète : toutes les sessions, les déjeuners et la réception d’accueil.",
    ),
    "Day pass": ("Pase de un día", "Pass journée"),
    "One conference day of your choice.": (
        "Un día de conferencia a su elección.",
        "Une journée de conférence de votre choix.",
    ),
    "Gala dinner": ("Cena de gala", "Dîner de gala"),
    "Awards gala on Friday evening, 7 pm.": (
        "Gala de premios el viernes por la noche, a las 19:00.",
        "Gala des prix le vendredi soir, à 19 h.",
    ),
    "Dietary needs": ("Necesidades alimentarias", "Régime alimentaire"),
    "For the meals and the gala dinner.": (
        "Para las comidas y la cena de gala.",
        "Pour les repas et le dîner de gala.",
    ),
    "No special diet\nVegetarian\nVegan\nHalal\nKosher\nGluten-free\nOther": (
        "Sin dieta especial\nVegetariana\nVegana\nHalal\nKosher\nSin gluten\nOtra",
        "Pas de régime particulier\nVégétarien\nVégétalien\nHalal\nCasher\nSans gluten\nAutre",
    ),
    "T-shirt size": ("Talla de camiseta", "Taille de t-shirt"),
}
FIELDS = ("name", "description", "badge_role", "label", "help_text", "choices")


def with_translations(row: dict) -> dict:
    """`row` plus the `<field>_es` and `<field>_fr` values known for its texts."""
    extra = {}
    for field in FIELDS:
        versions = TRANSLATED.get(row.get(field, ""))
        if versions:
            extra |= {
                f"{field}_{code}": text
                for code, text in zip(OTHER_LANGUAGES, versions, strict=True)
            }
    return row | extra
