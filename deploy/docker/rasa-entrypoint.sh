#!/bin/sh
# Starts the Rasa server as `make run` does (bot/stack.py): credentials.yml without the channels whose
# secrets are unset (Rasa refuses an unset ${VAR}), the token from the environment, the baked-in model.
set -eu
python -c 'import os, pathlib; from bot.stack import write_credentials; write_credentials(os.environ, pathlib.Path("/tmp/credentials.yml"))'
exec rasa run \
  --enable-api --auth-token "$RASA_AUTH_TOKEN" --cors '*' \
  --interface 0.0.0.0 --port "${RASA_PORT:-5005}" \
  --credentials /tmp/credentials.yml --endpoints /app/endpoints.yml \
  --model /app/models/12345chat.tar.gz "$@"
