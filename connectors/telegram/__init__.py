"""Telegram: the Bot API webhook or long polling as a Rasa input channel (python-telegram-bot 22)."""
