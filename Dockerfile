# Vraagbaak: the HTTP API and the drafters' page, with the bundled model and the seed index baked in.
#   docker build -t vraagbaak .
#   docker run --rm -p 8000:8000 vraagbaak          # then open http://127.0.0.1:8000/
#   docker run --rm -p 8000:8000 -e VRAAGBAAK_API_KEY=... vraagbaak   # admin routes on (key: 16+ characters)
#   docker run --rm -p 8000:8000 -e VRAAGBAAK_PUBLIC_URL=https://vraagbaak.example/ vraagbaak   # links in feeds
#   docker run -d -v vraagbaak-index:/var/lib/vraagbaak/index vraagbaak vraagbaak sync --every 1h
#       (and serve with the same volume and -e VRAAGBAAK_RELOAD_POLL_S=30: README, "The public record")
# Nothing is fetched at run time (but by `vraagbaak sync`, which reads the open data): the model is
# materialised and the seeds indexed during the build.
FROM python:3.11-slim

# torch goes first and pinned, as in the Makefile. The CPU wheel index keeps the image free of CUDA
# libraries; --build-arg TORCH_INDEX_URL=<your PyPI index> takes torch from there instead.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    VRAAGBAAK_MODEL_CACHE=/opt/vraagbaak/models \
    VRAAGBAAK_SEEDS_DIR=/opt/vraagbaak/seeds \
    VRAAGBAAK_INDEX_DIR=/var/lib/vraagbaak/index \
    VRAAGBAAK_DATA_DIR=/var/lib/vraagbaak/data \
    VRAAGBAAK_HOST=0.0.0.0 \
    VRAAGBAAK_PORT=8000

WORKDIR /opt/vraagbaak/src

RUN pip install --index-url "${TORCH_INDEX_URL}" torch==2.13.0

COPY pyproject.toml README.md ./
COPY vraagbaak ./vraagbaak
RUN pip install . \
    && rm -rf /opt/vraagbaak/src/build

COPY seeds /opt/vraagbaak/seeds

# The model cache stays root-owned and read-only for the service; index and uploads belong to it.
RUN groupadd --system --gid 10001 vraagbaak \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/vraagbaak --shell /usr/sbin/nologin vraagbaak \
    && vraagbaak model materialize \
    && vraagbaak index build \
    && mkdir -p /var/lib/vraagbaak/data \
    && chown -R vraagbaak:vraagbaak /var/lib/vraagbaak

USER 10001:10001
WORKDIR /var/lib/vraagbaak
EXPOSE 8000

# Ready, not only alive: /readyz is 503 while no index is loaded, and the check then fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]

CMD ["vraagbaak", "serve", "--host", "0.0.0.0"]
