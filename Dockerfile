# The Wirestream worker image (docker-compose's `worker` service).
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY streams ./streams
RUN pip install .
RUN useradd --system --create-home wirestream && mkdir -p /data && chown wirestream /data
USER wirestream
ENV WIRESTREAM_DATA_DIR=/data WIRESTREAM_METRICS_PORT=9464
EXPOSE 9464
CMD ["wirestream", "worker"]
