"""The REST API's routes, one Powertools Router per resource; functions/rest_api includes them all."""
