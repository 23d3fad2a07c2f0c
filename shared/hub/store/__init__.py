"""DynamoDB persistence: the only package that talks to boto3."""
