"""Telegram: aiogram as the typed client and update parser only; state stays in our database."""
