"""Avtodialer, the robot dialer (spec/avtodialer.md): its result webhook read into the hub's
`RobotCallResult` (`results`). Its API client (`make`, `newcall`, `cdr`) goes here too."""
