"""Messages in and out: one transaction per incoming message (pipeline.py), the outbox and its sender
(outbox.py), what agencies and people are told (notify.py), and agency staff in chat groups
(agency_desk.py)."""
