"""The admin console at /admin: answers, unanswered questions, reference data, users, dashboard."""
