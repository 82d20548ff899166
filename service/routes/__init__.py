"""One router per area; `service.app.create_app` includes them all."""
