# The same install as `make run`: pinned dependencies from requirements.lock, then the service.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends make fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/blueprint-miner
COPY requirements.lock pyproject.toml README.md LICENSE Makefile alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY sample_logs ./sample_logs
RUN make install PYTHON=python3

ENV BLUEPRINT_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8000
# `serve` migrates the database first, so a fresh volume works.
CMD [".venv/bin/blueprint-miner", "serve", "--host", "0.0.0.0", "--port", "8000"]
