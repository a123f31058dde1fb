"""The disposal of a defaulted loan's pledged IP (质物处置): steps sent to the loan's DisposalWorkflow."""
