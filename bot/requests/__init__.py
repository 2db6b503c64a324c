"""Requests: what people send to an agency, and everything staff do to them.

`service` holds every change and every check (keyed `errors`, rendered per locale by each surface);
`sla` the agencies' clocks and targets; `escalation` the overdue round.
"""
