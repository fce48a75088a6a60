"""What two deployables must agree on, written once: the `Project` custom resource (`project`), the
storage key layout (`keys`), S3 connection settings (`storage`), the vision service's wire format
(`vision`) and the face-model registry (`faces`).

These core modules need pydantic and pydantic-settings at most. What needs more lives in
submodules that only the processes using them import: `s3client` (boto3), `matrix` and
`matching` (numpy).
"""
