"""Domain logic: pure Python over injected stores, no boto3, no HTTP."""
