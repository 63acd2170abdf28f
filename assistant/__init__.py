"""The assistant layer: composes retrieval and ranking into chat, push copy and the front doors."""
