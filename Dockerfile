# The Wirestream worker image (docker-compose's `worker` service).
# The domain modules are compiled with mypyc (setup.py, streams/compiled.py) in a build stage that
# has a C compiler; the runtime stage installs the finished wheel and carries no compiler.
FROM python:3.11-slim AS build
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY schemas ./schemas
COPY streams ./streams
RUN WIRESTREAM_COMPILE=1 pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels \
    && python -c "from streams.compiled import running_compiled; assert running_compiled()"
RUN useradd --system --create-home wirestream && mkdir -p /data && chown wirestream /data
USER wirestream
ENV WIRESTREAM_DATA_DIR=/data WIRESTREAM_METRICS_PORT=9464
EXPOSE 9464
CMD ["wirestream", "worker"]
