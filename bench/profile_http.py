"""Profile the HTTP door in one process: ``eduplan``'s ASGI app under uvicorn, 8 keep-alive clients in another.

    python -m bench.profile_http ADMIN_DATABASE_URL [SECONDS] [--no-projections] [--cpu | --none]

Prints pyinstrument's view of the server process (the projection runner included unless told otherwise);
``--cpu``: cProfile by function in CPU time; ``--none``: only the rate and the server's CPU per message.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time

from bench.common import FreshDatabase, Server
from bench.http_bench import _drive, _free_port, _prepare, _wait_for_port


async def main(admin_url: str, seconds: float, projections: bool, mode: str) -> None:
    import uvicorn
    from pyinstrument import Profiler

    from infra.logging import configure_logging
    from services.doors.http.app import create_app, uvicorn_options

    configure_logging("WARNING")
    os.environ["EDUPLAN_LOG_LEVEL"] = "WARNING"

    server = Server(url=admin_url, label="given")
    async with FreshDatabase(server, "profile_http") as url:
        token = await _prepare(url)
        os.environ["EDUPLAN_DATABASE_URL"] = url
        os.environ["EDUPLAN_DATA_DIR"] = tempfile.mkdtemp(prefix="eduplan-profile-")
        port = _free_port()
        options = {k: v for k, v in uvicorn_options().items() if k != "loop"}
        config = uvicorn.Config(create_app(run_projections=projections), host="127.0.0.1", port=port, **options)
        web = uvicorn.Server(config)
        task = asyncio.create_task(web.serve())
        await _wait_for_port(port, task)
        await _drive(f"http://127.0.0.1:{port}/v1/messages", 1.0, "w-", token)
        cpu = time.process_time()
        if mode == "cpu":  # by function, CPU time (cProfile's tottime), the loop's waiting left out
            import cProfile
            import pstats

            profile = cProfile.Profile(time.process_time)
            profile.enable()
        elif mode == "wall":
            profiler = Profiler(interval=0.0005, async_mode="disabled")
            profiler.start()
        rate, count, statuses = await _drive(f"http://127.0.0.1:{port}/v1/messages", seconds, "p-", token)
        cpu = time.process_time() - cpu
        print(f"{rate:.0f} msg/s ({count} messages, {statuses}); server CPU {cpu * 1e6 / count:.0f} µs per message",
              file=sys.stderr)
        web.should_exit = True
        await task
        if mode == "cpu":
            profile.disable()
            pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(45)
        elif mode == "wall":
            profiler.stop()
            print(profiler.output_text(unicode=False, show_all=False))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    mode = "cpu" if "--cpu" in sys.argv else "none" if "--none" in sys.argv else "wall"
    run = main(args[0], float(args[1]) if len(args) > 1 else 10.0, "--no-projections" not in sys.argv, mode)
    try:
        import uvloop

        uvloop.run(run)
    except ImportError:
        asyncio.run(run)
