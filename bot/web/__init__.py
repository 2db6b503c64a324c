"""The HTTP side: the web chat, the staff workspace, the admin console, the agency API, health checks
and the channels' webhooks, put together in app.py."""
