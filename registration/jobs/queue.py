"""Background tasks by name, so a service can queue work without importing its task.

Tasks import the services they run, never the other way round: each tasks
module registers its tasks here (`@register` above `@task()`), and
`RegistrationConfig.ready` imports those modules. A service then calls
`enqueue("render_badge_print_job", job.pk)`.
"""

from django_tasks.base import Task

_TASKS: dict[str, Task] = {}


def register(task: Task) -> Task:
    _TASKS[task.name] = task
    return task


def task_named(name: str) -> Task:
    try:
        return _TASKS[name]
    except KeyError:
        raise LookupError(
            f"No background task named {name!r}: is its tasks module imported "
            "in RegistrationConfig.ready?"
        ) from None


def enqueue(name: str, *args, **kwargs):
    return task_named(name).enqueue(*args, **kwargs)
