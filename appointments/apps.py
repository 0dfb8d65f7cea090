from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"

    def ready(self) -> None:
        from appointments import (
            consumers,  # noqa: F401 (registers the live queue's listeners)
            notification_tasks,
        )

        notification_tasks.listeners_register()
