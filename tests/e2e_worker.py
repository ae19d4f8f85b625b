"""A Celery worker for tests/test_end_to_end.py that runs each task at the scenario's time.

`python -m tests.e2e_worker` starts an ordinary solo worker of the project's Celery app.
A task sent with the header `e2e_now` (an ISO datetime) runs with the process clock frozen
at that moment (time_machine), so the outbox sees the scenario's "now": which rows are due,
SMS quiet hours. When the task has finished, its id is pushed onto the Redis list named by
E2E_DONE_LIST, so the test knows without a result backend. It listens only on the queue
E2E_QUEUE, so it never takes another test's tasks. Nothing else is changed.
"""

import os
from datetime import datetime

import redis
import time_machine
from celery.signals import task_postrun, task_prerun

from selvhjelp.celery import app

_travels: dict[str, time_machine.travel] = {}


def _scenario_time(task) -> str | None:
    request = task.request
    return getattr(request, "e2e_now", None) or (request.headers or {}).get("e2e_now")


@task_prerun.connect
def _freeze_clock(task_id=None, task=None, **kwargs):
    now = _scenario_time(task)
    if now:
        travel = time_machine.travel(datetime.fromisoformat(now), tick=False)
        travel.start()
        _travels[task_id] = travel


@task_postrun.connect
def _report_done(task_id=None, task=None, **kwargs):
    travel = _travels.pop(task_id, None)
    if travel is not None:
        travel.stop()
    done = os.environ.get("E2E_DONE_LIST")
    if done:
        redis.Redis.from_url(app.conf.broker_url).rpush(done, task_id)


if __name__ == "__main__":
    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--queues",
            os.environ.get("E2E_QUEUE", "celery"),
            "-l",
            "warning",
        ]
    )
