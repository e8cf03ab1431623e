"""The action server: rasa-sdk's app with two exposures closed.

rasa-sdk's own error handler answers a failed action with the whole request body (the
tracker: every message the person wrote) and serves any origin (CORS "*"). Here errors carry
only the action's name, and the server listens on loopback unless told otherwise.

    python -m actions.server --host 127.0.0.1 --port 5055
"""

from __future__ import annotations

import argparse
import logging

from rasa_sdk.endpoint import create_app
from sanic import response

logger = logging.getLogger("actions.server")


def build_app():
    app = create_app("actions", cors_origins=None)

    async def on_error(request, exception: Exception):
        # Never the request body: it is the conversation.
        logger.error("action server error: %s", type(exception).__name__)
        name = None
        try:
            name = (request.json or {}).get("next_action")
        except Exception:  # an unreadable body is itself the error
            pass
        status = getattr(exception, "status_code", 500)
        return response.json({"error": type(exception).__name__, "action_name": name}, status=status)

    app.error_handler.add(Exception, on_error)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    build_app().run(host=args.host, port=args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
