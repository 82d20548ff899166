"""One router per area; `vraagbaak.service.app.create_app` includes them all."""
