"""Grounded multi-turn shopping chat: understanding in code, wording by the small model, facts checked."""
