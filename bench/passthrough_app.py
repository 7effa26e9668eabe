"""The framework's ceiling: a Faust agent that reads raw bytes and writes them on, doing nothing else.

Run by bench/pipeline.py as ``python bench/passthrough_app.py BOOTSTRAP SOURCE SINK APP_ID DATA_DIR``.
It uses the same Faust settings as the Wirestream worker, so the difference between the two runs is
the enrichment.
"""

from __future__ import annotations

import sys

import faust


def main() -> None:
    bootstrap, source, sink, app_id, data_dir = sys.argv[1:6]
    app = faust.App(app_id, broker=f"kafka://{bootstrap}", store="memory://", web_enabled=False, datadir=data_dir,
                    broker_commit_interval=1.0, producer_max_request_size=16 * 1_048_576)
    source_topic = app.topic(source, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
    sink_topic = app.topic(sink, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")

    @app.agent(source_topic)
    async def passthrough(stream):  # noqa: ANN001
        async for event in stream.events():
            await sink_topic.send(key=event.key, value=event.value)

    faust.Worker(app, loglevel="warn", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
