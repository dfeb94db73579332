"""The HTTP interfaces: REST routers (``routes/``), WebDAV (``webdav.py``), logins and their guard, limits,
previews and the inference server; ``recognize.server`` assembles them with the web UI."""
