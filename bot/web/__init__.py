"""The HTTP side: health checks and channel webhooks (the web chat and workspace come later)."""
