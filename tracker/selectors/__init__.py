"""What the reading pages show, worked out from the database as plain data.

A view chooses what to show, calls a selector here and renders what it gets:
the queries (and their pinned counts) live in these modules, not in the views.
"""
