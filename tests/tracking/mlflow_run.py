#!/usr/bin/env python3
"""What an MLflow tracking server holds of a run, read with MLflow's own client, as one JSON
object, for tests/cli/test_cli_mlflow.cpp to compare with the modlr run record:

    mlflow_run.py URI EXPERIMENT_NAME

{"status", "run_name", "params": {k: v}, "tags": {k: v}, "metrics": {key: [[step, value],
...]}, "artifacts": {path: sha256 of the downloaded file}} of the experiment's only run.
"""
import hashlib
import json
import os
import sys
import tempfile

from mlflow.tracking import MlflowClient


def main():
    client = MlflowClient(tracking_uri=sys.argv[1])
    experiment = client.get_experiment_by_name(sys.argv[2])
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1, "expected one run, found %d" % len(runs)
    run = runs[0]
    out = {"status": run.info.status, "run_name": run.info.run_name, "params": run.data.params,
           "tags": {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.") or k.startswith("mlflow.source")}}
    out["metrics"] = {key: [[m.step, m.value] for m in sorted(client.get_metric_history(run.info.run_id, key),
                                                               key=lambda m: (m.step, m.timestamp))]
                      for key in run.data.metrics}
    out["artifacts"] = {}
    with tempfile.TemporaryDirectory() as work:
        for artifact in client.list_artifacts(run.info.run_id):
            path = client.download_artifacts(run.info.run_id, artifact.path, work)
            out["artifacts"][artifact.path] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
