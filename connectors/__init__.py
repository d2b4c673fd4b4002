"""Rasa input channels of 12345 Chat (Telegram, WeChat, the portal widget, status notifications)."""
