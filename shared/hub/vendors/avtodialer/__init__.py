"""Avtodialer, the robot dialer (spec/avtodialer.md): its result webhook read into the hub's
`RobotCallResult` (`results`), and its API client (`client`: `make`, `newcall`, `cdr`)."""
