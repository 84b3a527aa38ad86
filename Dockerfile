# eduplan: the `eduplan` command (serve, worker, project, ingest, …) on Python 3.11.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . .
RUN pip install . \
    && useradd --create-home --uid 10001 eduplan

USER eduplan
ENV EDUPLAN_DATA_DIR=/home/eduplan/data
EXPOSE 8000
CMD ["eduplan", "serve", "--host", "0.0.0.0", "--port", "8000"]
