"""The web applications: ``web.staff`` (the staff app on a desk) and, later, ``web.public``."""
