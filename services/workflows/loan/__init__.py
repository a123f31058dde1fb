"""The loan lifecycle workflow, one file a part of the class (see `workflow.py`)."""
