"""Operating the bot: health, readiness and Prometheus metrics over HTTP, and log lines for machines."""
