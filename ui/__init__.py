"""The Gradio web UI over the Shop facade: `build_app(shop)` builds it, `launch(shop, host, port)` serves it."""
