"""The telephony hub's Lambda layer: vendor models, domain logic, the DynamoDB store."""
