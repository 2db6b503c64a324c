# Hòa Nhập: one image for `hoanhap serve` (the web, the webhooks) and `hoanhap worker` (the sender).
# No secret is in it: every setting comes from the environment at run time (deploy/hoanhap.env.example).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY knowledge_base ./knowledge_base
RUN python -m venv /opt/hoanhap && /opt/hoanhap/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/hoanhap/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOANHAP_HOST=0.0.0.0 \
    HOANHAP_PORT=8080 \
    HOANHAP_DATA_DIR=/var/lib/hoanhap \
    HOANHAP_LOG_FORMAT=json
RUN groupadd --system --gid 10001 hoanhap \
    && useradd --system --uid 10001 --gid hoanhap --home-dir /var/lib/hoanhap --shell /usr/sbin/nologin hoanhap \
    && mkdir -p /var/lib/hoanhap \
    && chown hoanhap:hoanhap /var/lib/hoanhap
COPY --from=build /opt/hoanhap /opt/hoanhap
USER hoanhap
WORKDIR /var/lib/hoanhap
EXPOSE 8080
# /readyz: the database answers and its schema is current (bot/web/app.py). The worker has no web
# server: docker-compose.yml gives it a check of its own (its metrics port).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('HOANHAP_PORT', '8080') + '/readyz', timeout=4)"]
# SIGTERM: requests under way get HOANHAP_SHUTDOWN_GRACE_SECONDS, the sender finishes the row in hand.
STOPSIGNAL SIGTERM
CMD ["hoanhap", "serve"]
