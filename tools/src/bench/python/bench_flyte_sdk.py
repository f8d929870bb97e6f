"""The benchmark's trivial connectors for flyte-sdk's connector server (`c0 --modules bench_flyte_sdk`).

Same semantics as ../bench-connector.js and bench_flytekit.py:
- `bench_job`: create returns a job id at once; get answers RUNNING until the job was polled
  BENCH_POLLS_TO_SUCCESS times (default 3), then SUCCEEDED with one integer output `result`.
- `bench_slow_job`: the same, but create awaits a 1 s backend response (an asyncio timer standing in for it).
"""

import asyncio
import itertools
import os
from dataclasses import dataclass

from flyte.connectors import AsyncConnector, ConnectorRegistry, Resource, ResourceMeta
from flyteidl2.core.execution_pb2 import TaskExecution

POLLS_TO_SUCCESS = int(os.environ.get("BENCH_POLLS_TO_SUCCESS", "3"))
SLOW_CREATE_SECONDS = 1.0

_job_numbers = itertools.count(1)
_polls: dict[str, int] = {}


@dataclass
class BenchJob(ResourceMeta):
    job_id: str


def _poll(job_id: str) -> Resource:
    count = _polls.get(job_id, 0) + 1
    _polls[job_id] = count
    if count < POLLS_TO_SUCCESS:
        return Resource(phase=TaskExecution.RUNNING)
    return Resource(phase=TaskExecution.SUCCEEDED, outputs={"result": 42})


class BenchConnector(AsyncConnector):
    name = "Bench Connector"
    task_type_name = "bench_job"
    metadata_type = BenchJob

    async def create(self, task_template, output_prefix, inputs=None, task_execution_metadata=None, **kwargs):
        return BenchJob(job_id=f"job-{next(_job_numbers)}")

    async def get(self, resource_meta: BenchJob, **kwargs) -> Resource:
        return _poll(resource_meta.job_id)

    async def delete(self, resource_meta: BenchJob, **kwargs):
        _polls.pop(resource_meta.job_id, None)


class SlowBenchConnector(BenchConnector):
    task_type_name = "bench_slow_job"

    async def create(self, task_template, output_prefix, inputs=None, task_execution_metadata=None, **kwargs):
        await asyncio.sleep(SLOW_CREATE_SECONDS)
        return BenchJob(job_id=f"job-{next(_job_numbers)}")


ConnectorRegistry.register(BenchConnector())
ConnectorRegistry.register(SlowBenchConnector())
