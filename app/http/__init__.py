"""Flask blueprints: the chat API, health, the research API and the web page."""
