"""Behaviour side of shopmate: users, events, profiles and the collaborative ranker."""
