"""Strings of Django and of the apps we use whose Chinese is missing from their own catalogues.

Nothing imports this module and nothing runs it: it exists so that `makemessages` collects
these msgids into our catalogue (locale/zh_Hans), which LOCALE_PATHS puts before the
packages' own. Each is written exactly as the package writes it, with its context, so that
our translation is the one found when the package asks for it:

- taggit: its catalogue has Chinese but is not loaded (taggit is not in INSTALLED_APPS: our
  Tag and TaggedArticle are the models); taggit/managers.py, models.py, forms.py.
- django-axes (8.3): no Chinese catalogue; axes/models.py, admin.py, conf.py.
- Django 5.2's zh_Hans lacks a few of its newer strings: the admin index's hidden table
  headings (admin/app_list.html), the "Error:" that starts a page's title when a form has
  errors, two of the sign-in and password-reset pages', the user form's note, a password
  validator's message and a model choice field's error.

Still English, and not fixable from a catalogue: the alt text "Search" of the admin's search
box (written without gettext in admin/search_form.html), and the app name "Axes" (axes'
AppConfig has no verbose_name; Django shows its label, title-cased, untranslated).
"""

from django.utils.translation import gettext_noop, ngettext_lazy, pgettext_lazy

TAGGIT = (
    gettext_noop("A comma-separated list of tags."),
    gettext_noop("Please provide a comma-separated list of tags."),
    gettext_noop("%(object)s tagged with %(tag)s"),
    pgettext_lazy("A tag name", "name"),
    pgettext_lazy("A tag slug", "slug"),
)

AXES = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop("Account locked: too many login attempts. Contact an admin to unlock your account."),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
)

DJANGO = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Error:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
    ),
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
)
