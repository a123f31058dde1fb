"""The subsidy claim workflow, one file a part (see workflow.py)."""
