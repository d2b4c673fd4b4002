"""Rasa SDK actions of 12345 Chat: thin wrappers over bot/."""
