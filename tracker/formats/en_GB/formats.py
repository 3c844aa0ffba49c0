"""Dates as the site writes them everywhere, the admin included: "7 December 2026", not Django's "7 Dec 2006".

Only these two differ from Django's en_GB formats (settings.FORMAT_MODULE_PATH); the tracker's own pages
name times with tracker.clock.moment_in_words ("7 December 2026, 3:05pm").
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, P"
