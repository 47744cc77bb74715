"""Batch runs: a prompt suite through `agentscene.generate`, episodes in parallel processes or Ray tasks.

    from agentscene.batch import BatchConfig, run_batch
    from agentscene.generate import GenerateConfig

    summary = run_batch(BatchConfig(prompts="prompts/bedroom.txt", out="outputs/bedroom", workers=2,
                                    indices="0-9", continue_on_error=True),
                        GenerateConfig(prompt="(batch)", renderer="raster", turns=5))
    summary.aggregate.mean_collision_rate, summary.counts

Each prompt gets `<out>/<index>-<slug>/` (a normal run directory) and a row in
`<out>/batch_summary.json`, rewritten atomically after each episode. Backends: "process"
(default) and "ray" (`pip install 'agentscene[ray]'`).
"""

from agentscene.batch.indices import IndexSpecError, format_indices, parse_indices
from agentscene.batch.plan import (
    BatchConfig,
    BatchExistsError,
    BatchPlan,
    episode_config,
    plan_batch,
)
from agentscene.batch.run import make_runner, run_batch
from agentscene.batch.runners import EpisodeRunner, get_runner, register_runner, runner_names
from agentscene.batch.suite import PromptLine, PromptSuite, SuiteError, load_suite, parse_suite
from agentscene.batch.summary import (
    SUMMARY_FILE,
    Aggregate,
    BatchSummary,
    EpisodeMetrics,
    EpisodeRow,
    finished_scenes,
    load_summary,
    read_episode_metrics,
)
from agentscene.batch.worker import EpisodeTask, run_task

__all__ = [
    "SUMMARY_FILE", "Aggregate", "BatchConfig", "BatchExistsError", "BatchPlan", "BatchSummary", "EpisodeMetrics",
    "EpisodeRow", "EpisodeRunner", "EpisodeTask", "IndexSpecError", "PromptLine", "PromptSuite", "SuiteError",
    "episode_config", "finished_scenes", "format_indices", "get_runner", "load_suite", "load_summary", "make_runner", "parse_indices",
    "parse_suite", "plan_batch", "read_episode_metrics", "register_runner", "run_batch", "run_task", "runner_names",
]
