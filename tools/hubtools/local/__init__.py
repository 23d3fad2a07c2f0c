"""Runs template.yaml on a laptop: moto for AWS, worker processes for Lambdas, werkzeug for the HTTP API.

Everything it serves comes from the template (routes, tables, queues and their redrive policies,
parameters, schedules, each function's environment), so a route or table added there is served
here with no change to the runner.
"""
