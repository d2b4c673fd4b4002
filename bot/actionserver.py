"""The Rasa SDK action server on loopback, answering only the Rasa server that holds the shared token.

`python -m bot.actionserver --actions actions --port 5055`. ACTION_HOST (default 127.0.0.1) is where it
listens; ACTION_SERVER_TOKEN, when set, must come as `Authorization: Bearer <token>` on every call but
`/health` (endpoints.yml sends it). An action call runs any action with any tracker: a ticket filed, a
rating given in anyone's name, so an exposed action server without the token would let anyone pose as Rasa.
"""
import hmac
import logging
import os
from typing import Any, Optional

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser
from sanic import response
from sanic.request import Request

logger = logging.getLogger(__name__)

OPEN_PATHS = ("/health",)
MAX_BODY = 1024 * 1024  # a tracker with its whole history; far above any real one


def authorized(header: str, token: str) -> bool:
    """Whether the Authorization header carries `token`; compared in constant time. No token: all pass."""
    if not token:
        return True
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def build(actions: str, token: str) -> Any:
    app = create_app(actions, cors_origins=[])
    app.config.REQUEST_MAX_SIZE = MAX_BODY

    @app.middleware("request")
    async def check_token(request: Request) -> Optional[Any]:
        if request.path in OPEN_PATHS or authorized(request.headers.get("Authorization", ""), token):
            return None
        return response.json({"error": "forbidden"}, status=403)

    return app


def main(argv: Optional[list] = None) -> None:
    """Rasa SDK's own arguments (logging among them), plus --host; its `run()` would bind 0.0.0.0."""
    parser = create_argument_parser()
    parser.add_argument("--host", default=os.environ.get("ACTION_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file
    )
    utils.update_sanic_log_level()
    token = os.environ.get("ACTION_SERVER_TOKEN", "")
    if not token and args.host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning("The action server listens on %s without ACTION_SERVER_TOKEN: anyone who reaches it can "
                       "run actions.", args.host)
    app = build(args.actions, token)
    logger.info("Action server on http://%s:%s (token %s)", args.host, args.port, "required" if token else "off")
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
