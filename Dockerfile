# The same install as `make run`: pinned dependencies from requirements.lock, then the service.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*

# The service runs as an unprivileged user; root only installs. The data folder is made here and
# owned by that user, so a fresh named volume mounted on it is writable (Docker copies ownership).
RUN groupadd --system --gid 10001 blueprint \
 && useradd --system --uid 10001 --gid blueprint --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin blueprint \
 && mkdir -p /data \
 && chown blueprint:blueprint /data

WORKDIR /srv/blueprint-miner
COPY requirements.lock pyproject.toml README.md LICENSE Makefile alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY sample_logs ./sample_logs
RUN make install PYTHON=python3

# pm4py imports matplotlib, which wants a writable config folder; the user has no home.
ENV BLUEPRINT_DATA_DIR=/data MPLCONFIGDIR=/tmp/matplotlib
VOLUME ["/data"]
USER blueprint:blueprint
EXPOSE 8000
# No curl in the slim image: the standard library asks /healthz (urlopen raises on a non-2xx answer).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# `serve` migrates the database first, so a fresh volume works.
CMD [".venv/bin/blueprint-miner", "serve", "--host", "0.0.0.0", "--port", "8000"]
