"""The benchmark's trivial connectors for flytekit's connector server
(`pyflyte serve connector --modules bench_flytekit`).

Same semantics as ../bench-connector.js and bench_flyte_sdk.py:
- `bench_job`: create returns a job id at once; get answers RUNNING until the job was polled
  BENCH_POLLS_TO_SUCCESS times (default 3), then SUCCEEDED with one integer output `result`.
- `bench_slow_job`: the same, but create awaits a 1 s backend response (an asyncio timer standing in for it).
"""

import asyncio
import itertools
import os
from dataclasses import dataclass
from typing import Optional

from flyteidl.core.execution_pb2 import TaskExecution
from flytekit.extend.backend.base_connector import AsyncConnectorBase, ConnectorRegistry, Resource, ResourceMeta
from flytekit.models.literals import LiteralMap
from flytekit.models.task import TaskExecutionMetadata, TaskTemplate

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


class BenchConnector(AsyncConnectorBase):
    name = "Bench Connector"

    def __init__(self, task_type_name: str = "bench_job"):
        super().__init__(task_type_name=task_type_name, metadata_type=BenchJob)

    async def create(
        self,
        task_template: TaskTemplate,
        output_prefix: str,
        inputs: Optional[LiteralMap] = None,
        task_execution_metadata: Optional[TaskExecutionMetadata] = None,
        **kwargs,
    ) -> BenchJob:
        return BenchJob(job_id=f"job-{next(_job_numbers)}")

    async def get(self, resource_meta: BenchJob, **kwargs) -> Resource:
        return _poll(resource_meta.job_id)

    async def delete(self, resource_meta: BenchJob, **kwargs):
        _polls.pop(resource_meta.job_id, None)


class SlowBenchConnector(BenchConnector):
    def __init__(self):
        super().__init__(task_type_name="bench_slow_job")

    async def create(
        self,
        task_template: TaskTemplate,
        output_prefix: str,
        inputs: Optional[LiteralMap] = None,
        task_execution_metadata: Optional[TaskExecutionMetadata] = None,
        **kwargs,
    ) -> BenchJob:
        await asyncio.sleep(SLOW_CREATE_SECONDS)
        return BenchJob(job_id=f"job-{next(_job_numbers)}")


ConnectorRegistry.register(BenchConnector())
ConnectorRegistry.register(SlowBenchConnector())
